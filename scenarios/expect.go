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
	cutCommits int // committed entries when a majority-cut partition began; -1: none
	inCut      bool
}

func (e *expectWatch) fail(format string, args ...any) {
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

func (e *expectWatch) onFault(at int64, f sim.Fault) {
	x, r := e.r.opts.Expect, e.r
	if e.inCut && (f.Kind == sim.FaultHeal || f.Kind == sim.FaultPartition) {
		e.inCut = false
		if n := r.chk.CommittedCount(); n > e.cutCommits {
			e.fail("%d entries committed while a majority was cut off (%s to %s)", n-e.cutCommits,
				sim.AppendTime(nil, e.cutAt), sim.AppendTime(nil, at))
		}
	}
	if x.NoCommitInCut && f.Kind == sim.FaultPartition && f.Label == "majority-cut" {
		// Acknowledgements sent before the cut may still complete a quorum:
		// the baseline is taken once they have landed.
		settle := at + 2*r.opts.Net.MaxLatency + 10*ms
		e.inCut, e.cutAt = true, settle
		r.w.At(settle, func() { e.cutCommits = r.chk.CommittedCount() })
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
