package checker

import (
	"testing"

	"github.com/detsim/detsim/sim"
)

// A follower that learns of a commit and does not apply it until its next
// event, a heartbeat later, applied late; one that applies in the same
// step did not.
func TestFirstLateApplyCatchesAnApplyLeftForTheNextWakeUp(t *testing.T) {
	c, now, es := leaderAppliedFirst()
	c.CommitAdvanced(1, 2) // learnt of both commits, applies only the first
	c.Applied(1, es[0])
	*now += sim.Time(100 * sim.Millisecond)
	c.HeartbeatSent(1, 0) // its next event: entry 2 still owed
	got := c.FirstLateApply()
	want := LateApply{Node: 1, From: 2, Through: 2, StepAt: sim.Time(1 * sim.Second), NextAt: sim.Time(1100 * sim.Millisecond)}
	if got != want {
		t.Fatalf("late apply = %+v, want %+v", got, want)
	}
}

func TestFirstLateApplyAllowsAStepThatAppliesAllItCommits(t *testing.T) {
	c, now, es := leaderAppliedFirst()
	c.CommitAdvanced(1, 2)
	c.Applied(1, es[0])
	c.Applied(1, es[1])
	*now += sim.Time(100 * sim.Millisecond)
	c.HeartbeatSent(1, 0)
	if got := c.FirstLateApply(); got.Node != -1 {
		t.Fatalf("late apply = %+v, want none", got)
	}
}

// Entries committed but not yet durable on the node are not owed: it must
// not apply what it could lose.
func TestFirstLateApplyWaitsForDurability(t *testing.T) {
	c, now := newTestChecker(2)
	es := entries(1, 1, "a", "b")
	persist(c, 1, HardState{Term: 1}, es[:1])
	*now = sim.Time(1 * sim.Second)
	c.CommitAdvanced(1, 2) // knows entry 2 committed, holds only entry 1
	c.Applied(1, es[0])
	*now += sim.Time(10 * sim.Millisecond)
	c.Append(1, es[1])
	if got := c.FirstLateApply(); got.Node != -1 {
		t.Fatalf("late apply = %+v, want none: entry 2 was not durable", got)
	}
}

// A crash ends a step early: what it owed is not late.
func TestFirstLateApplyForgetsAStepACrashCut(t *testing.T) {
	c, now, _ := leaderAppliedFirst()
	c.CommitAdvanced(1, 2)
	c.Down(1)
	*now += sim.Time(100 * sim.Millisecond)
	restart(c, 1, HardState{Term: 1}, nil, entries(1, 1, "a", "b"))
	if got := c.FirstLateApply(); got.Node != -1 {
		t.Fatalf("late apply = %+v, want none across a crash", got)
	}
}

// The run's end judges every running node's last step: entries it left
// owed are late even with no event after them.
func TestFirstLateApplyJudgesTheLastStepAtTheEnd(t *testing.T) {
	c, now, es := leaderAppliedFirst()
	c.CommitAdvanced(1, 2)
	c.Applied(1, es[0])
	*now += sim.Time(100 * sim.Millisecond)
	c.Results()
	if got := c.FirstLateApply(); got.Node != 1 || got.From != 2 {
		t.Fatalf("late apply = %+v, want n1's entry 2 at the end", got)
	}
}
