package checker

import "testing"

// divergedLogs makes n0 leader of term 3 with terms 1 1 2 3 3 3 and n1 its
// follower holding 1 1 2 2 2: they agree through index 3, the last entry
// of term 2 that both hold.
func divergedLogs(t *testing.T) *Raft {
	t.Helper()
	c, _ := newTestChecker(3)
	log := append(append(entries(1, 1, "a", "b"), entries(2, 3, "c")...), entries(3, 4, "d", "e", "f")...)
	persist(c, 0, HardState{Term: 3, Vote: 0}, log)
	elected(c, 0, 3)
	persist(c, 1, HardState{Term: 3, Vote: 0}, append(append(entries(1, 1, "a", "b"), entries(2, 3, "c")...), entries(2, 4, "x", "y")...))
	c.StateChanged(1, 3, Follower, 0)
	return c
}

// A follower's hint must name the first entry of the term it holds at
// the refused index (3: its term 2 starts there), or the end of a short
// log; 4 is neither.
func TestFastBackupCatchesAWrongHint(t *testing.T) {
	c := divergedLogs(t)
	c.AppendRejected(1, 0, 3, 5, 3, 2)
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("a right hint judged a miss: %+v", m)
	}
	c.AppendRejected(1, 0, 3, 5, 4, 2)
	m := c.FirstBackupMiss()
	if m.Node != 1 || m.Leader != 0 || m.Hint != 4 || m.WantHint != 3 || m.WantTerm != 2 || m.First != 0 {
		t.Fatalf("miss = %+v, want n1's hint 4 where its log said 3 (term 2)", m)
	}
}

func TestFastBackupCatchesAShortLogsWrongHint(t *testing.T) {
	c := divergedLogs(t)
	c.AppendRejected(1, 0, 3, 9, 6, 0) // its log ends at 5
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("the end of a short log judged a miss: %+v", m)
	}
	c.AppendRejected(1, 0, 3, 9, 1, 0)
	if m := c.FirstBackupMiss(); m.Node != 1 || m.WantHint != 6 || m.WantTerm != 0 {
		t.Fatalf("miss = %+v, want n1's hint 1 where its log ends at 5", m)
	}
}

// The leader holds term 2 through index 3, so the hint (3, term 2) sends
// it to 4; an append from 3 resends what the follower had (the leader
// read the hint as if it held none of the term).
func TestFastBackupCatchesALeaderThatIgnoresTheHintTerm(t *testing.T) {
	c := divergedLogs(t)
	c.AppendRejected(1, 0, 3, 5, 3, 2)
	c.BackingUp(0)
	c.AppendSent(0, 1, 4, 3)
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("an answer from 4 judged a miss: %+v", m)
	}
	c.AppendRejected(1, 0, 3, 5, 3, 2)
	c.BackingUp(0)
	c.AppendSent(0, 1, 3, 4)
	m := c.FirstBackupMiss()
	if m.Node != 1 || m.Leader != 0 || m.First != 3 || m.Want != 4 {
		t.Fatalf("miss = %+v, want n0's answer from 3 where the hint sends it to 4", m)
	}
}

// Only the append that answers a rejection is judged: one after a
// snapshot sent instead, or an ordinary one, is not.
func TestFastBackupJudgesOnlyTheAnswer(t *testing.T) {
	c := divergedLogs(t)
	c.AppendRejected(1, 0, 3, 5, 3, 2)
	c.BackingUp(0)
	c.SnapshotSent(0, 1)
	c.AppendSent(0, 1, 2, 1)
	c.AppendSent(0, 1, 1, 1)
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("an append that answered nothing judged: %+v", m)
	}
}

// A leader never backs up below what the follower acknowledged: the answer
// may begin just after it, no further.
func TestFastBackupAllowsWhatTheFollowerAcknowledged(t *testing.T) {
	c := divergedLogs(t)
	c.AppendAcked(1, 0, 3, 4)
	c.AppendRejected(1, 0, 3, 5, 3, 2)
	c.BackingUp(0)
	c.AppendSent(0, 1, 5, 2)
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("an answer just after the acknowledged entry judged a miss: %+v", m)
	}
	c.BackingUp(0)
	c.AppendSent(0, 1, 6, 1)
	if m := c.FirstBackupMiss(); m.First != 6 || m.Want != 4 {
		t.Fatalf("miss = %+v, want the answer from 6 beyond the acknowledged 4", m)
	}
}

// A stale rejection the leader handles after the follower caught up and
// restarted: the leader's match (6, acknowledged before the restart) lifts
// its answer to 7, above the hint's 4. The restart does not make the
// checker forget the acknowledgement the leader still counts.
func TestFastBackupRemembersAcknowledgementsAcrossARestart(t *testing.T) {
	c, _ := newTestChecker(3)
	log := append(append(entries(1, 1, "a", "b"), entries(2, 3, "c")...), entries(3, 4, "d", "e", "f")...)
	persist(c, 0, HardState{Term: 3, Vote: 0}, log)
	elected(c, 0, 3)
	persist(c, 1, HardState{Term: 3, Vote: 0}, log[:3])
	c.StateChanged(1, 3, Follower, 0)
	c.AppendRejected(1, 0, 3, 6, 4, 0) // its log ends at 3
	persist(c, 1, HardState{Term: 3, Vote: 0}, log[3:])
	c.AppendAcked(1, 0, 3, 6)
	c.Down(1)
	restart(c, 1, HardState{Term: 3, Vote: 0}, nil, log)
	c.StateChanged(1, 3, Follower, 0)
	c.BackingUp(0)
	c.AppendSent(0, 1, 7, 0) // a duplicate of the old rejection, answered from match+1
	if m := c.FirstBackupMiss(); m.Node != -1 {
		t.Fatalf("an answer from the leader's match judged a miss: %+v", m)
	}
}
