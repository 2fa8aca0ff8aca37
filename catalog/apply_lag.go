package catalog

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// applyLag judges Params.ApplyLagWithin from the checker's slowest calm
// apply. A leader tells its followers of a commit in the next append it
// sends, which it sends at once (a heartbeat later would do, but costs a
// heartbeat interval of every write's visibility on a follower): the
// bound catches a follower that learns of commits only by heartbeat.
func (c *cluster) applyLag() []string {
	within := c.params.ApplyLagWithin
	l := c.chk.SlowestCalmApply()
	if within <= 0 || l.Timed == 0 || l.Lag <= within {
		return nil
	}
	return []string{fmt.Sprintf("n%d applied entry %d %s after it first committed at %s, with no fault between (at most %s)",
		l.Node, l.Index, sim.AppendTime(nil, l.Lag), sim.AppendTime(nil, l.Committed), sim.AppendTime(nil, within))}
}

// lateApply judges prompt apply, in every scenario: the bundled Raft hands
// committed, durable entries to its service in the step that made them so
// (Ready is due whenever anything is owed), so entries still owed at the
// node's next event waited for an unrelated wake-up, such as a heartbeat.
func (c *cluster) lateApply() []string {
	l := c.chk.FirstLateApply()
	if l.Node < 0 {
		return nil
	}
	return []string{fmt.Sprintf("n%d ended its step at %s with entries %d..%d committed and durable but not applied; they were still waiting at its next event at %s",
		l.Node, sim.AppendTime(nil, l.StepAt), l.From, l.Through, sim.AppendTime(nil, l.NextAt))}
}

// Figures are what the Raft expectations measured, for the expectations
// line: the slowest calm apply where it is bounded.
func (c *cluster) Figures() []string {
	if c.params.ApplyLagWithin <= 0 {
		return nil
	}
	l := c.chk.SlowestCalmApply()
	return []string{fmt.Sprintf("apply-lag=%s (at most %s, %d timed)",
		sim.AppendTime(nil, l.Lag), sim.AppendTime(nil, c.params.ApplyLagWithin), l.Timed)}
}
