package checker

import (
	"testing"

	"github.com/detsim/detsim/sim"
)

// A follower that applies an entry long after it first committed is the
// slowest apply; one it applies late across a fault is not timed.
func TestSlowestCalmApplyTimesTheLateFollower(t *testing.T) {
	c, now, es := leaderAppliedFirst()
	*now += sim.Time(5 * sim.Millisecond)
	c.CommitAdvanced(1, 1)
	c.Applied(1, es[0])
	*now += sim.Time(2 * sim.Millisecond)
	c.CommitAdvanced(0, 2)
	c.Applied(0, es[1])
	*now += sim.Time(100 * sim.Millisecond) // learnt of the commit by heartbeat
	c.CommitAdvanced(1, 2)
	c.Applied(1, es[1])
	got := c.SlowestCalmApply()
	want := ApplyLag{Node: 1, Index: 2, Committed: sim.Time(1007 * sim.Millisecond), Lag: 100 * sim.Millisecond, Timed: 4}
	if got != want {
		t.Fatalf("slowest = %+v, want %+v", got, want)
	}
}

func TestSlowestCalmApplySkipsWhatAFaultDelayed(t *testing.T) {
	c, now, es := leaderAppliedFirst()
	c.Disturbed(*now + 1) // the follower is cut off
	*now += sim.Time(3 * sim.Second)
	c.CommitAdvanced(1, 1) // late, but the fault is why
	c.Applied(1, es[0])
	c.CommitAdvanced(0, 2)
	*now += sim.Time(3 * sim.Millisecond)
	c.Applied(0, es[1])
	c.CommitAdvanced(1, 2)
	c.Applied(1, es[1])
	got := c.SlowestCalmApply()
	if got.Timed != 3 || got.Index != 2 || got.Lag != 3*sim.Millisecond {
		t.Fatalf("slowest = %+v, want entry 2 at 3ms of 3 timed (entry 1 only on the leader)", got)
	}
}

// leaderAppliedFirst: two nodes hold entries 1 and 2 of term 1; at 1 s
// node 0 commits and applies the first.
func leaderAppliedFirst() (*Raft, *sim.Time, []Entry) {
	c, now := newTestChecker(2)
	es := entries(1, 1, "a", "b")
	persist(c, 0, HardState{Term: 1}, es)
	persist(c, 1, HardState{Term: 1}, es)
	*now = sim.Time(1 * sim.Second)
	c.CommitAdvanced(0, 1)
	c.Applied(0, es[0])
	return c, now, es
}
