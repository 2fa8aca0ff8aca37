package checker

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// snapAt builds a snapshot of a committed log through index.
func snapAt(index, term uint64, data string) Snapshot {
	return Snapshot{Index: index, Term: term, Digest: sim.Digest([]byte(data)), Size: len(data)}
}

// applyAll persists, commits and applies entries on a node, reporting a
// state digest after each (the digest is the index times a node-independent
// factor, unless the test says otherwise).
func applyAll(c *Raft, node int, es []Entry) {
	persist(c, node, HardState{Term: es[0].Term}, es)
	c.CommitAdvanced(node, es[len(es)-1].Index)
	for i := range es {
		c.Applied(node, es[i])
		c.AppliedState(node, es[i].Index, 1000+es[i].Index)
	}
}

func TestSnapshotTakenMovesLogViewAndAllowsRestoreJump(t *testing.T) {
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b", "c", "d")
	applyAll(c, 0, es)
	c.SnapshotSaved(0, snapAt(3, 1, "s3"))
	persist(c, 0, HardState{Term: 1}, es[3:])
	// n1 installs the snapshot and applies the rest.
	c.SnapshotSaved(1, snapAt(3, 1, "s3"))
	persist(c, 1, HardState{Term: 1}, es[3:])
	c.CommitAdvanced(1, 4)
	c.SnapshotRestored(1, snapAt(3, 1, "s3"), 1003)
	c.Applied(1, es[3])
	c.AppliedState(1, 4, 1004)
	elected(c, 1, 2) // holds everything committed: complete
	for _, r := range c.Results() {
		if r.Status != OK {
			t.Fatal(r)
		}
	}
	if c.Fired("snapshot-restored") != 1 {
		t.Fatal("no snapshot-restored probe")
	}
}

func TestStateMachineSafetyCatchesRestoredStateThatDiffers(t *testing.T) {
	// The dedup table left out of a snapshot: the entries agree, but the
	// state a node restores is not the state the others reached there.
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b", "c")
	applyAll(c, 0, es)
	c.SnapshotSaved(0, snapAt(3, 1, "store-without-dedup"))
	c.SnapshotSaved(1, snapAt(3, 1, "store-without-dedup"))
	c.CommitAdvanced(1, 3) // a host reports its commit before restoring
	c.SnapshotRestored(1, snapAt(3, 1, "store-without-dedup"), 7777)
	wantFail(t, c, StateMachineSafety, "n1 restored a snapshot through 3")
}

func TestStateMachineSafetyCatchesAppliedStateThatDiffers(t *testing.T) {
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b")
	applyAll(c, 0, es)
	persist(c, 1, HardState{Term: 1}, es)
	c.CommitAdvanced(1, 2)
	c.Applied(1, es[0])
	c.AppliedState(1, 1, 1001)
	c.Applied(1, es[1])
	c.AppliedState(1, 2, 9) // e.g. an append executed twice
	wantFail(t, c, StateMachineSafety, "n1 applied through 2")
}

func TestStateMachineSafetyCatchesSnapshotsThatDifferAtOneIndex(t *testing.T) {
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b")
	applyAll(c, 0, es)
	applyAll(c, 1, es)
	c.SnapshotSaved(0, snapAt(2, 1, "state@2"))
	c.SnapshotSaved(1, snapAt(2, 1, "state@3")) // taken with the wrong index
	wantFail(t, c, StateMachineSafety, "whose data differs")
}

func TestStateMachineSafetyCatchesSnapshotOfWrongTerm(t *testing.T) {
	c, _ := newTestChecker(2)
	applyAll(c, 0, entries(1, 1, "a", "b"))
	persist(c, 1, HardState{Term: 2}, entries(2, 1, "x", "y"))
	c.SnapshotSaved(1, snapAt(2, 2, "s")) // a snapshot of entries never committed
	wantFail(t, c, StateMachineSafety, "entry 2 of term 1 was committed there")
}

func TestApplyOrderCatchesSnapshotRollingStateBack(t *testing.T) {
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b", "c")
	applyAll(c, 0, es)
	applyAll(c, 1, es)
	c.SnapshotRestored(1, snapAt(2, 1, "old"), 1002) // a stale InstallSnapshot accepted
	wantFail(t, c, ApplyOrder, "state rolled back")
}

func TestApplyOrderCatchesSnapshotRestoredBeyondCommit(t *testing.T) {
	c, _ := newTestChecker(2)
	es := entries(1, 1, "a", "b", "c", "d")
	applyAll(c, 0, es)
	c.SnapshotSaved(1, snapAt(3, 1, "s3"))
	persist(c, 1, HardState{Term: 1}, es[3:])
	// Installed, but its commit never moved through the snapshot.
	c.SnapshotRestored(1, snapAt(3, 1, "s3"), 1003)
	wantFail(t, c, ApplyOrder, "n1 restored a snapshot at 3 beyond its commit 0")
}

func TestLogMatchingCatchesSnapshotOfUnknownEntry(t *testing.T) {
	c, _ := newTestChecker(2)
	c.SnapshotSaved(1, snapAt(5, 3, "s"))
	wantFail(t, c, LogMatching, "an entry no node ever persisted")
}

func TestRestartFromSnapshotAppliesOnlyAfterIt(t *testing.T) {
	c, _ := newTestChecker(1)
	es := entries(1, 1, "a", "b", "c")
	applyAll(c, 0, es)
	c.SnapshotSaved(0, snapAt(2, 1, "s2"))
	persist(c, 0, HardState{Term: 1}, es[2:])
	s2 := snapAt(2, 1, "s2")
	restart(c, 0, HardState{Term: 1}, &s2, es[2:])
	c.SnapshotRestored(0, snapAt(2, 1, "s2"), 1002)
	c.CommitAdvanced(0, 3)
	c.Applied(0, es[2])
	if r := result(c, ApplyOrder); r.Status != OK {
		t.Fatal(r)
	}
	c.Applied(0, es[0]) // an entry below the snapshot after it
	wantFail(t, c, ApplyOrder, "applied 1 after 3")
}

// A long run whose nodes all snapshot keeps only a window of history.
func TestCheckerForgetsWhatEveryNodeCompacted(t *testing.T) {
	c, _ := newTestChecker(2)
	const n = 5000
	for i := uint64(1); i <= n; i++ {
		e := entries(1, i, "x")
		for node := 0; node < 2; node++ {
			persist(c, node, HardState{Term: 1}, e)
			c.CommitAdvanced(node, i)
			c.Applied(node, e[0])
			c.AppliedState(node, i, 1000+i)
			if i%100 == 0 {
				c.SnapshotSaved(node, snapAt(i, 1, "s"+string(rune('0'+i%7))))
				persist(c, node, HardState{Term: 1}, nil)
			}
		}
	}
	if held := c.commits.last() - c.commits.base; c.commits.base < n-2048 || held > 2048 {
		t.Fatalf("commits window (%d, %d]: history not forgotten", c.commits.base, c.commits.last())
	}
	if len(c.chains) > 2*2048 || len(c.nodes[0].log) > 100 {
		t.Fatalf("%d chain hashes and %d log entries kept", len(c.chains), len(c.nodes[0].log))
	}
	for _, r := range c.Results() {
		if r.Status != OK {
			t.Fatal(r)
		}
	}
}

func TestRaftStateSizeCatchesGrowth(t *testing.T) {
	c, _ := newTestChecker(1)
	c.SetStateLimit(1000, 64)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "x"))
	c.StateSize(0, 7000)
	if r, ok := c.StateSizeResult(); !ok || r.Status != OK {
		t.Fatal(r)
	}
	c.StateSize(0, 8000)
	r, _ := c.StateSizeResult()
	if r.Status != Fail || !strings.Contains(r.Detail, "8000 bytes") {
		t.Fatal(r)
	}
}

func TestRaftStateSizeFloorForTinyLimit(t *testing.T) {
	c, _ := newTestChecker(1)
	c.SetStateLimit(1, 4)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, strings.Repeat("v", 84)))
	// Floor: twice (256 + 4 entries of 100 bytes) = 1312.
	c.StateSize(0, 1311)
	if r, _ := c.StateSizeResult(); r.Status != OK {
		t.Fatal(r)
	}
	c.StateSize(0, 1312)
	if r, _ := c.StateSizeResult(); r.Status != Fail {
		t.Fatal(r)
	}
}

func TestRaftStateSizeAbsentWithoutLimit(t *testing.T) {
	c, _ := newTestChecker(1)
	c.StateSize(0, 1<<30)
	if _, ok := c.StateSizeResult(); ok {
		t.Fatal("raft-state-size judged without a maxraftstate")
	}
}

// An installed snapshot may replace a follower's conflicting log (a deposed
// leader's entries at the same index): that is no violation. Found by
// snapshot-all-crash seed 39 and kv-snapshot-unreliable seed 34.
func TestInstallOverConflictingLogIsAllowed(t *testing.T) {
	c, _ := newTestChecker(2)
	applyAll(c, 0, entries(2, 1, "a", "b"))
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "x", "y", "z")) // never committed
	c.SnapshotSaved(1, snapAt(2, 2, "s"))
	persist(c, 1, HardState{Term: 2}, nil)
	c.CommitAdvanced(1, 2)
	c.SnapshotRestored(1, snapAt(2, 2, "s"), 1002)
	for _, r := range c.Results() {
		if r.Status != OK {
			t.Fatal(r)
		}
	}
}
