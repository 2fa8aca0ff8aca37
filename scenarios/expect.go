package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// expectWatch judges a scenario's Expectations as the run goes.
type expectWatch struct {
	r          *runner
	violations []string

	idleFrom     sim.Time     // when a minority-idle partition began; -1: none holds
	minority     map[int]bool // clerks cut off with the minority
	majorityDone int          // operations the majority's clerks completed during it

	firstCall, lastReturn sim.Time
	returns               int

	pending []*laterCheck // verdicts due at a time the run may end before
}

type laterCheck struct {
	done bool
	fn   func()
}

// later judges fn at time at, or when the run ends if that comes first (a
// drain that ends early must not skip a verdict).
func (e *expectWatch) later(at sim.Time, fn func()) {
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

func (e *expectWatch) onFault(at sim.Time, f sim.Fault) {
	x, lead := e.r.opts.Expect, e.r.lead
	e.minorityFault(at, f)
	if lead == nil {
		return // the leader expectations fail in result
	}
	if x.NewLeaderWithin > 0 && f.Target == TargetLeader {
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
func (e *expectWatch) minorityFault(at sim.Time, f sim.Fault) {
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
func (e *expectWatch) onCall(at sim.Time) {
	if e.returns == 0 && e.firstCall == 0 {
		e.firstCall = at
	}
}

func (e *expectWatch) onReturn(client int, called, at sim.Time) {
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
	x := e.r.opts.Expect
	if e.r.lead == nil && (x.StableLeader || x.NewLeaderWithin > 0 || x.NoDisruption > 0) {
		e.fail("the scenario expects things of its leaders, but the system names none (it does not implement Leadership)")
	}
	if x.StableLeader && e.r.lead != nil {
		if n := e.r.lead.LeaderTerms(); n != 1 {
			e.fail("%d leader terms in a run that should keep one leader", n)
		}
	}
	if sys, ok := e.r.inst.(Expecter); ok {
		e.violations = append(e.violations, sys.Violations()...)
	}
	if len(e.violations) == 0 {
		return checker.Result{Name: checker.Expectations, Status: checker.OK}
	}
	d := e.violations[0]
	if len(e.violations) > 1 {
		d += fmt.Sprintf(" (+%d more)", len(e.violations)-1)
	}
	return checker.Result{Name: checker.Expectations, Status: checker.Fail, Detail: d}
}
