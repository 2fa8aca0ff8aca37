package scenarios

import (
	"fmt"

	"detsim/checker"
	"detsim/sim"
)

// expectWatch judges a scenario's Expectations as the run goes.
type expectWatch struct {
	r          *runner
	violations []string
	cutAt      int64
	cutLimit   int // the most entries that may commit during the cut
	inCut      bool
}

func (e *expectWatch) fail(format string, args ...any) {
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

func (e *expectWatch) onFault(at int64, f sim.Fault) {
	x, r := e.r.opts.Expect, e.r
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
	if x.NewLeaderWithin > 0 && f.Target == "leader" {
		term := r.chk.MaxLeaderTerm()
		r.w.At(at+x.NewLeaderWithin, func() {
			if r.chk.MaxLeaderTerm() <= term {
				e.fail("no new leader within %s of %s at %s", sim.AppendTime(nil, x.NewLeaderWithin), f, sim.AppendTime(nil, at))
			}
		})
	}
	if x.NoDisruption > 0 && f.Kind == sim.FaultHeal && f.Label != "final" {
		term := r.chk.MaxTerm()
		r.w.At(at+x.NoDisruption, func() {
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

func (e *expectWatch) result() checker.Result {
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
