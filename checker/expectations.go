package checker

import (
	"fmt"
	"strings"

	"github.com/detsim/detsim/sim"
)

// Expectations contract: what a scenario promises of a system beyond the
// generic checks, judged as the run goes and reported by the
// `expectations` check with the first violation ("(+N more)").
//
//   - StableLeader: one leader term in the whole run.
//   - NewLeaderWithin: after a fault aimed at the leader, a term with a new
//     leader begins within this long.
//   - NoDisruption: for this long after a heal (but the final one), the
//     highest term does not rise (what PreVote and CheckQuorum promise).
//   - MinorityIdle: while a partition labelled "minority-idle" holds, the
//     clients cut off from a majority of the servers complete nothing they
//     started after the cut, and the others complete something.
//   - MaxLatency: every client operation called at or after LatencyAfter
//     returns within MaxLatency; the ok line reports the slowest one.
//   - MaxLeaderTerms: at most this many terms had a leader (elections
//     per fault: a storm of extra ones is a defect even when it heals);
//     the ok line reports how many.
//   - MaxMessagesPerOp: the messages sent over the run, per client
//     operation that returned, are at most this; the ok line reports the
//     figure.
//
// The leader promises need a system that names its leaders; without one
// they fail, saying so. A verdict due after the run ended early is judged
// when the run ends. A system's own expectations join the same check.

// ExpectConfig is what an ExpectWatch judges and what it reads.
type ExpectConfig struct {
	StableLeader    bool
	NewLeaderWithin sim.Duration
	NoDisruption    sim.Duration
	MinorityIdle    bool
	MaxLatency      sim.Duration
	LatencyAfter    sim.Time
	MaxLeaderTerms  int
	// MaxMessagesPerOp bounds Sent() per returned operation, read at the
	// end of the run.
	MaxMessagesPerOp int
	Sent             func() uint64 // the messages sent so far
	Servers, Nodes   int           // servers are nodes 0 to Servers-1; clients follow
	Leaders          Leaders       // nil: the system names none
	// At runs fn at virtual time t, from the event loop (the world's At).
	At func(t sim.Time, fn func())
}

// Leaders is what the leader expectations read of a system.
type Leaders interface {
	MaxTerm() uint64       // the highest term any node has reported
	LeaderTerms() int      // how many terms have had a leader
	MaxLeaderTerm() uint64 // the highest term that has had a leader
}

// leaderTarget is the fault target the engine resolves to the current
// leader (scenarios.TargetLeader).
const leaderTarget sim.Target = "leader"

// ExpectWatch judges a scenario's expectations as the run goes: feed it
// every fault as it strikes and every client call and return.
type ExpectWatch struct {
	cfg        ExpectConfig
	violations []string

	idleFrom     sim.Time     // when a minority-idle partition began; -1: none holds
	minority     map[int]bool // clerks cut off with the minority
	majorityDone int          // operations the majority's clerks completed during it

	firstCall, lastReturn sim.Time
	returns               int
	slowest               sim.Duration // of the operations MaxLatency judges
	slow                  int          // how many of them exceeded it

	pending []*laterCheck // verdicts due at a time the run may end before
}

type laterCheck struct {
	done bool
	fn   func()
}

// later judges fn at time at, or when the run ends if that comes first (a
// drain that ends early must not skip a verdict).
func (e *ExpectWatch) later(at sim.Time, fn func()) {
	c := &laterCheck{fn: fn}
	e.pending = append(e.pending, c)
	e.cfg.At(at, func() {
		if !c.done {
			c.done = true
			c.fn()
		}
	})
}

func (e *ExpectWatch) fail(format string, args ...any) {
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

// NewExpectWatch starts a watch.
func NewExpectWatch(cfg ExpectConfig) *ExpectWatch { return &ExpectWatch{cfg: cfg} }

// Fault is a fault as it struck, resolved (a targeted one names its node).
func (e *ExpectWatch) Fault(at sim.Time, f sim.Fault) {
	x, lead := e.cfg, e.cfg.Leaders
	e.minorityFault(at, f)
	if lead == nil {
		return // the leader expectations fail in result
	}
	if x.NewLeaderWithin > 0 && f.Target == leaderTarget {
		term := lead.MaxLeaderTerm()
		e.later(at.Add(x.NewLeaderWithin), func() {
			if lead.MaxLeaderTerm() <= term {
				e.fail("no new leader within %s of %s at %s", sim.AppendTime(nil, x.NewLeaderWithin), f, sim.AppendTime(nil, at))
			}
		})
	}
	if x.NoDisruption > 0 && f.Kind == sim.FaultHeal && f.Label != "final" {
		term := lead.MaxTerm()
		e.later(at.Add(x.NoDisruption), func() {
			if t := lead.MaxTerm(); t > term {
				e.fail("term rose from %d to %d within %s of the heal at %s", term, t, sim.AppendTime(nil, x.NoDisruption), sim.AppendTime(nil, at))
			}
		})
	}
}

// minorityFault opens and closes a minority-idle window.
func (e *ExpectWatch) minorityFault(at sim.Time, f sim.Fault) {
	if !e.cfg.MinorityIdle || f.Kind != sim.FaultPartition && f.Kind != sim.FaultHeal {
		return
	}
	if e.minority != nil {
		if e.majorityDone == 0 {
			e.fail("the majority's clerks completed nothing while the minority was cut off (%s to %s)",
				sim.AppendTime(nil, e.idleFrom), sim.AppendTime(nil, at))
		}
		e.minority = nil
	}
	if f.Kind == sim.FaultPartition && f.Label == "minority-idle" {
		e.idleFrom, e.majorityDone, e.minority = at, 0, e.cutOffClients(f.Links)
	}
}

// cutOffClients are the clients that cannot talk both ways with a majority
// of the servers.
func (e *ExpectWatch) cutOffClients(links [][2]int) map[int]bool {
	blocked := map[[2]int]bool{}
	for _, l := range links {
		blocked[l] = true
	}
	out := map[int]bool{}
	for c := e.cfg.Servers; c < e.cfg.Nodes; c++ {
		n := 0
		for sv := 0; sv < e.cfg.Servers; sv++ {
			if !blocked[[2]int{c, sv}] && !blocked[[2]int{sv, c}] {
				n++
			}
		}
		if n <= e.cfg.Servers/2 {
			out[c] = true
		}
	}
	return out
}

// Call is a client's call.
func (e *ExpectWatch) Call(at sim.Time) {
	if e.returns == 0 && e.firstCall == 0 {
		e.firstCall = at
	}
}

// Return is a client's return of the operation it called at called.
func (e *ExpectWatch) Return(client int, called, at sim.Time) {
	e.returns++
	e.lastReturn = at
	e.latency(client, called, at)
	if e.minority == nil {
		return
	}
	if !e.minority[client] {
		e.majorityDone++
	} else if called >= e.idleFrom {
		e.fail("n%d, cut off with the minority, completed an operation called at %s", client, sim.AppendTime(nil, called))
	}
}

// latency judges one operation against MaxLatency.
func (e *ExpectWatch) latency(client int, called, at sim.Time) {
	if e.cfg.MaxLatency <= 0 || called < e.cfg.LatencyAfter {
		return
	}
	took := at.Sub(called)
	e.slowest = max(e.slowest, took)
	if took > e.cfg.MaxLatency {
		e.slow++
		if e.slow == 1 {
			e.fail("n%d's operation called at %s took %s (at most %s after %s)", client, sim.AppendTime(nil, called),
				sim.AppendTime(nil, took), sim.AppendTime(nil, e.cfg.MaxLatency), sim.AppendTime(nil, e.cfg.LatencyAfter))
		}
	}
}

// ClientOps is the workload's span and throughput: the first call, the
// last return, and how many returned.
func (e *ExpectWatch) ClientOps() (firstCall, lastReturn sim.Time, returns int) {
	return e.firstCall, e.lastReturn, e.returns
}

// Result judges what is still due and returns the verdict; own are the
// system's own violations, after the watch's, and figures what the
// system's own expectations measured, reported after the watch's when
// everything holds.
func (e *ExpectWatch) Result(own []string, figures ...string) Result {
	for _, c := range e.pending {
		if !c.done {
			c.done = true
			c.fn()
		}
	}
	x := e.cfg
	if x.Leaders == nil && (x.StableLeader || x.NewLeaderWithin > 0 || x.NoDisruption > 0 || x.MaxLeaderTerms > 0) {
		e.fail("the scenario expects things of its leaders, but the system names none (it does not implement Leadership)")
	}
	if x.StableLeader && x.Leaders != nil {
		if n := x.Leaders.LeaderTerms(); n != 1 {
			e.fail("%d leader terms in a run that should keep one leader", n)
		}
	}
	if x.MaxLeaderTerms > 0 && x.Leaders != nil {
		if n := x.Leaders.LeaderTerms(); n > x.MaxLeaderTerms {
			e.fail("%d leader terms, at most %d: more elections than the faults call for", n, x.MaxLeaderTerms)
		}
	}
	if x.MaxMessagesPerOp > 0 && x.Sent == nil {
		e.fail("the scenario bounds messages per operation, but nothing counts them (ExpectConfig.Sent is nil)")
	} else if x.MaxMessagesPerOp > 0 {
		switch sent := x.Sent(); {
		case sent > 0 && e.returns == 0:
			e.fail("%d messages and no operation returned (at most %d per operation)", sent, x.MaxMessagesPerOp)
		case sent > uint64(x.MaxMessagesPerOp)*uint64(e.returns):
			e.fail("%d messages for %d operations: %s per operation, at most %d", sent, e.returns, perOp(sent, e.returns), x.MaxMessagesPerOp)
		}
	}
	e.violations = append(e.violations, own...)
	if len(e.violations) == 0 {
		return Result{Name: Expectations, Status: OK, Detail: strings.Join(append(e.figures(), figures...), " ")}
	}
	d := e.violations[0]
	if len(e.violations) > 1 {
		d += fmt.Sprintf(" (+%d more)", len(e.violations)-1)
	}
	return Result{Name: Expectations, Status: Fail, Detail: d}
}

// figures are what the ok line reports of the quantitative expectations.
func (e *ExpectWatch) figures() []string {
	var f []string
	if e.cfg.MaxLatency > 0 {
		f = append(f, fmt.Sprintf("slowest-op=%s (at most %s)", sim.AppendTime(nil, e.slowest), sim.AppendTime(nil, e.cfg.MaxLatency)))
	}
	if e.cfg.MaxLeaderTerms > 0 && e.cfg.Leaders != nil {
		f = append(f, fmt.Sprintf("leader-terms=%d (at most %d)", e.cfg.Leaders.LeaderTerms(), e.cfg.MaxLeaderTerms))
	}
	if e.cfg.MaxMessagesPerOp > 0 && e.cfg.Sent != nil {
		f = append(f, fmt.Sprintf("messages-per-op=%s (at most %d)", perOp(e.cfg.Sent(), e.returns), e.cfg.MaxMessagesPerOp))
	}
	return f
}

// perOp renders sent/ops with two decimals, in integers (0 for no ops).
func perOp(sent uint64, ops int) string {
	hundredths := uint64(0)
	if ops > 0 {
		hundredths = sent * 100 / uint64(ops)
	}
	return fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100)
}
