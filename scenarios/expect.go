package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// expectWatch judges a scenario's Expectations as the run goes.
type expectWatch struct {
	r          *runner
	violations []string
	cutAt      int64
	cutLimit   int // the most entries that may commit during the cut
	inCut      bool

	idleFrom     int64        // when a minority-idle partition began; -1: none holds
	minority     map[int]bool // clerks cut off with the minority
	majorityDone int          // operations the majority's clerks completed during it

	firstCall, lastReturn int64
	returns               int

	pending []*laterCheck // verdicts due at a time the run may end before
}

type laterCheck struct {
	done bool
	fn   func()
}

// later judges fn at time at, or when the run ends if that comes first (a
// drain that ends early must not skip a verdict).
func (e *expectWatch) later(at int64, fn func()) {
	c := &laterCheck{fn: fn}
	e.pending = append(e.pending, c)
	e.r.w.At(at, func() {
		if !c.done {
			c.done = true
			c.fn()
		}
	})
}

func (e *expectWatch) fail(format string, args ...any) {
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

func (e *expectWatch) onFault(at int64, f sim.Fault) {
	x, r := e.r.opts.Expect, e.r
	e.minorityFault(at, f)
	if e.inCut && (f.Kind == sim.FaultHeal || f.Kind == sim.FaultPartition) {
		e.inCut = false
		if n := r.chk.CommittedCount(); n > e.cutLimit {
			e.fail("entry %d committed while a majority was cut off (%s to %s); only %d were held by a majority at the cut",
				n, sim.AppendTime(nil, e.cutAt), sim.AppendTime(nil, at), e.cutLimit)
		}
	}
	if x.NoCommitInCut && f.Kind == sim.FaultPartition && f.Label == "majority-cut" {
		// Entries a majority already held may still commit (their
		// acknowledgements can complete a quorum later); nothing else may.
		e.inCut, e.cutAt = true, at
		e.cutLimit = max(r.chk.CommittedCount(), int(min(r.chk.QuorumPersisted(e.reach(f)), 1<<40)))
	}
	if x.NewLeaderWithin > 0 && f.Target == TargetLeader {
		term := r.chk.MaxLeaderTerm()
		e.later(at+x.NewLeaderWithin, func() {
			if r.chk.MaxLeaderTerm() <= term {
				e.fail("no new leader within %s of %s at %s", sim.AppendTime(nil, x.NewLeaderWithin), f, sim.AppendTime(nil, at))
			}
		})
	}
	if x.NoDisruption > 0 && f.Kind == sim.FaultHeal && f.Label != "final" {
		term := r.chk.MaxTerm()
		e.later(at+x.NoDisruption, func() {
			if t := r.chk.MaxTerm(); t > term {
				e.fail("term rose from %d to %d within %s of the heal at %s", term, t, sim.AppendTime(nil, x.NoDisruption), sim.AppendTime(nil, at))
			}
		})
	}
}

// reach is the servers that can still talk both ways with the node a
// partition fault was aimed at.
func (e *expectWatch) reach(f sim.Fault) []int {
	blocked := map[[2]int]bool{}
	for _, l := range f.Links {
		blocked[l] = true
	}
	var out []int
	for _, n := range e.r.servers() {
		if n == f.Node || !blocked[[2]int{n, f.Node}] && !blocked[[2]int{f.Node, n}] {
			out = append(out, n)
		}
	}
	return out
}

// minorityFault opens and closes a minority-idle window.
func (e *expectWatch) minorityFault(at int64, f sim.Fault) {
	if !e.r.opts.Expect.MinorityIdle || f.Kind != sim.FaultPartition && f.Kind != sim.FaultHeal {
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
func (e *expectWatch) cutOffClients(links [][2]int) map[int]bool {
	blocked := map[[2]int]bool{}
	for _, l := range links {
		blocked[l] = true
	}
	out := map[int]bool{}
	for c := e.r.opts.Servers; c < e.r.opts.Nodes(); c++ {
		n := 0
		for _, sv := range e.r.servers() {
			if !blocked[[2]int{c, sv}] && !blocked[[2]int{sv, c}] {
				n++
			}
		}
		if n <= e.r.opts.Servers/2 {
			out[c] = true
		}
	}
	return out
}

// onCall and onReturn follow client operations.
func (e *expectWatch) onCall(at int64) {
	if e.returns == 0 && e.firstCall == 0 {
		e.firstCall = at
	}
}

func (e *expectWatch) onReturn(client int, called, at int64) {
	e.returns++
	e.lastReturn = at
	if e.minority == nil {
		return
	}
	if !e.minority[client] {
		e.majorityDone++
	} else if called >= e.idleFrom {
		e.fail("n%d, cut off with the minority, completed an operation called at %s", client, sim.AppendTime(nil, called))
	}
}

func (e *expectWatch) result() checker.Result {
	for _, c := range e.pending {
		if !c.done {
			c.done = true
			c.fn()
		}
	}
	if n := e.r.opts.Expect.MinOpsPerHeartbeat; n > 0 {
		hb := raft.DefaultHostConfig(nil)
		interval := int64(hb.HeartbeatTicks) * hb.TickInterval
		span := max(e.lastReturn-e.firstCall, 1)
		// Integers only: returns·interval ≥ n·span (both far below 2^63).
		if e.returns == 0 || int64(e.returns)*interval < int64(n)*span {
			e.fail("%d operations in %s: %d.%02d per heartbeat interval of %s, want at least %d",
				e.returns, sim.AppendTime(nil, span), int64(e.returns)*interval/span, int64(e.returns)*interval*100/span%100,
				sim.AppendTime(nil, interval), n)
		}
	}
	if e.r.opts.Expect.SmallSnapshot && e.r.kvRec != nil && !e.r.kvRec.noHistory { // no history, no bound
		bound := snapshotBound(e.r.kvRec.history)
		if got := e.r.chk.LargestSnapshot(); got > bound {
			e.fail("a snapshot of %d bytes, more than the %d bytes the history's store and dedup table can fill", got, bound)
		}
	}
	if e.r.opts.Expect.StableLeader {
		if n := e.r.chk.LeaderTerms(); n != 1 {
			e.fail("%d leader terms in a run that should keep one leader", n)
		}
	}
	if len(e.violations) == 0 {
		return checker.Result{Name: "expectations", Status: checker.OK}
	}
	d := e.violations[0]
	if len(e.violations) > 1 {
		d += fmt.Sprintf(" (+%d more)", len(e.violations)-1)
	}
	return checker.Result{Name: "expectations", Status: checker.Fail, Detail: d}
}

// snapshotBound is the most bytes a snapshot of the state a history leaves
// can take: per key its longest put plus every append, per client its
// longest read, each with its varint framing.
func snapshotBound(h []checker.HistoryOp) int {
	keys, reads := map[string][2]int{}, map[int]int{} // key → (longest put, appends)
	for _, op := range h {
		k := keys[op.Key]
		switch op.Op {
		case "put":
			k[0] = max(k[0], len(op.Value))
		case "append":
			k[1] += len(op.Value)
		case "get":
			reads[op.Client] = max(reads[op.Client], len(op.Output))
		}
		keys[op.Key] = k
	}
	n := 16
	for key, k := range keys {
		n += len(key) + k[0] + k[1] + 2*10
	}
	for _, r := range reads {
		n += r + 3*10
	}
	return n
}
