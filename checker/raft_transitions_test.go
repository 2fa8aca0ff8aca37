package checker

import "testing"

// Each transition check catches the wrong step a buggy node would report,
// and lets the right one pass.

func TestTermMonotonicCatchesATermGoingBack(t *testing.T) {
	c, _ := newTestChecker(3)
	c.StateChanged(0, 3, Follower, NoNode)
	c.StateChanged(0, 2, Follower, NoNode)
	wantFail(t, c, TermMonotonic, "went from term 3 back to term 2")
}

func TestTermMonotonicCatchesADurableTermGoingBack(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 1, HardState{Term: 4, Vote: 1}, nil)
	restart(c, 1, HardState{Term: 3, Vote: 1}, nil, nil) // the disk lost the newer term
	wantFail(t, c, TermMonotonic, "read back term 3")
}

func TestElectionSafetyCatchesADurableVoteChangedInItsTerm(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 2, HardState{Term: 5, Vote: 0}, nil)
	persist(c, 2, HardState{Term: 5, Vote: 1}, nil)
	wantFail(t, c, ElectionSafety, "a vote for n1 in term 5")
}

func TestElectionQuorumCatchesALeaderWithoutAMajority(t *testing.T) {
	c, _ := newTestChecker(5)
	persist(c, 0, HardState{Term: 2, Vote: 0}, nil)
	persist(c, 1, HardState{Term: 2, Vote: 0}, nil)
	c.VoteGranted(1, 0, 2)
	c.StateChanged(0, 2, Leader, 0) // two of five votes: a quorum counted wrong
	wantFail(t, c, ElectionQuorum, "with 2 of the 3 votes it needs (of 5 servers)")
}

func TestElectionQuorumPassesAMajority(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 0, HardState{Term: 2, Vote: 0}, nil)
	persist(c, 2, HardState{Term: 2, Vote: 0}, nil)
	c.VoteGranted(2, 0, 2)
	c.StateChanged(0, 2, Leader, 0)
	if r := result(c, ElectionQuorum); r.Status != OK {
		t.Fatal(r)
	}
}

func TestAppendFromLeaderCatchesAnAckToADeposedLeader(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 1)
	elected(c, 1, 2)
	persist(c, 2, HardState{Term: 2}, entries(1, 1, "a"))
	c.StateChanged(2, 2, Follower, 1)
	c.AppendAcked(2, 0, 2, 1) // took entries from term 1's leader
	wantFail(t, c, AppendFromLeader, "to n0 in term 2 at 0.000000000s, but n0 does not lead that term")
}

func TestAppendFromLeaderCatchesAnAckInAnotherTerm(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 1)
	persist(c, 2, HardState{Term: 3}, entries(1, 1, "a"))
	c.StateChanged(2, 3, Follower, NoNode)
	c.AppendAcked(2, 0, 1, 1) // answers term 1 while in term 3
	wantFail(t, c, AppendFromLeader, "n2 in term 3 acknowledged an append of term 1")
}

// A follower that acknowledged entries cuts them in the same term: the
// leader counted them as replicated.
func TestAckedEntriesKeptCatchesACutAfterAnAck(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 1)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a", "b", "c"))
	c.StateChanged(1, 1, Follower, 0)
	c.AppendAcked(1, 0, 1, 3)
	persist(c, 1, HardState{Term: 1}, entries(1, 2, "b")) // a stale append "deleted everything after prevLogIndex"
	wantFail(t, c, AckedEntriesKept, "acknowledged entries through 3 in term 1, then dropped entry 3")
}

// Rewriting acknowledged entries as they were is no cut (a snapshot
// persist writes the whole log after it), and a newer term frees them.
func TestAckedEntriesKeptAllowsRewritesAndNewTerms(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 1)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a", "b", "c"))
	c.StateChanged(1, 1, Follower, 0)
	c.AppendAcked(1, 0, 1, 3)
	persist(c, 1, HardState{Term: 1}, entries(1, 2, "b", "c"))
	persist(c, 1, HardState{Term: 2}, entries(2, 2, "x")) // the new term's leader overrules
	c.StateChanged(1, 2, Follower, 2)
	for _, name := range []string{AckedEntriesKept, LeaderAppendOnly} {
		if r := result(c, name); r.Status != OK {
			t.Fatal(r)
		}
	}
}

func TestLeaderAppendOnlyCatchesALeaderRewritingItsLog(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 0, HardState{Term: 2, Vote: 0}, entries(2, 1, "a", "b"))
	elected(c, 0, 2)
	persist(c, 0, HardState{Term: 2, Vote: 0}, entries(1, 2, "z"))
	wantFail(t, c, LeaderAppendOnly, "n0, leader of term 2, changed entry 2 of its own log")
}

func TestCommitMonotonicCatchesACommitGoingBack(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a", "b"))
	c.CommitAdvanced(1, 2)
	c.CommitAdvanced(1, 1)
	wantFail(t, c, CommitMonotonic, "commit went back from 2 to 1")
}

// A restart that reads back less than the node made durable and knew
// committed loses data the cluster counted on.
func TestDurabilityCatchesACommittedEntryLostAcrossARestart(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a", "b", "c"))
	c.CommitAdvanced(1, 3)
	restart(c, 1, HardState{Term: 1}, nil, entries(1, 1, "a", "b")) // the disk kept two
	c.StateChanged(1, 1, Follower, NoNode)
	wantFail(t, c, Durability, "n1 restarted without entry 3, which it had made durable and knew committed (dropped")
}

// What a snapshot covers came back; entries beyond the commit index may be
// lost (never promised), and more than was reported may come back (a
// crash after a sync, before its report).
func TestDurabilityAllowsSnapshotsAndUncommittedTails(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a", "b", "c", "d"))
	c.CommitAdvanced(1, 3)
	restart(c, 1, HardState{Term: 1}, &Snapshot{Index: 2, Term: 1}, entries(1, 3, "c"))
	c.StateChanged(1, 1, Follower, NoNode)
	c.CommitAdvanced(1, 3)
	restart(c, 1, HardState{Term: 1}, nil, entries(1, 1, "a", "b", "c", "d", "e"))
	if r := result(c, Durability); r.Status != OK {
		t.Fatal(r)
	}
}
