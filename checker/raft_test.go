package checker

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// Each test feeds the checker a real violation, as a buggy node would report
// it, and shows the check failing with a useful first violation.

func newTestChecker(n int) (*Raft, *sim.Time) {
	now := new(sim.Time)
	return NewRaft(n, func() sim.Time { return *now }), now
}

// entries builds command entries from first on; an entry's digest covers
// its data and term, as an adapter's would.
func entries(term uint64, first uint64, data ...string) []Entry {
	var es []Entry
	for i, d := range data {
		es = append(es, Entry{Term: term, Index: first + uint64(i), Digest: sim.Key(sim.Digest([]byte(d)), term),
			Size: len(d), Command: true})
	}
	return es
}

// persist reports a synced batch: the hard state, then each entry.
func persist(c *Raft, node int, hs HardState, es []Entry) {
	c.Persisted(node, hs)
	for _, e := range es {
		c.Append(node, e)
	}
}

// restart reports a node's recovery: its hard state and snapshot, then the
// log after it.
func restart(c *Raft, node int, hs HardState, snap *Snapshot, es []Entry) {
	c.Recovered(node, hs, snap)
	for _, e := range es {
		c.Append(node, e)
	}
}

// elected makes node leader of term as an election would: a vote from
// every server, then the state change.
func elected(c *Raft, node int, term uint64) {
	c.votes[voteKey{term, node}] = 1<<uint(len(c.nodes)) - 1
	c.StateChanged(node, term, Leader, node)
}

func result(c *Raft, name string) Result {
	for _, r := range append(c.Results(), c.HeartbeatResult()) {
		if r.Name == name {
			return r
		}
	}
	panic("no result " + name)
}

func wantFail(t *testing.T, c *Raft, name, detail string) {
	t.Helper()
	r := result(c, name)
	if r.Status != Fail || !strings.Contains(r.Detail, detail) {
		t.Fatalf("%s = %v %q, want FAIL mentioning %q", name, r.Status, r.Detail, detail)
	}
	for _, other := range c.Results() {
		if other.Name != name && other.Status != OK {
			t.Errorf("unrelated check %s also failed: %s", other.Name, other.Detail)
		}
	}
}

func TestElectionSafetyCatchesTwoLeadersInOneTerm(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 2)
	elected(c, 1, 2)
	wantFail(t, c, ElectionSafety, "two leaders in term 2")
}

func TestElectionSafetyCatchesAFollowerOfALeaderOfAnotherTerm(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 1, 2)
	c.StateChanged(0, 2, Follower, 1) // right: n1 won term 2
	c.StateChanged(0, 3, Follower, 1) // stale: n1 led term 2, nobody has won 3
	wantFail(t, c, ElectionSafety, "n0 follows n1 in term 3")
}

func TestElectionSafetyCatchesADeposedLeaderFollowingItself(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 2)
	c.StateChanged(0, 3, Follower, 0) // stepped down but kept itself as leader
	wantFail(t, c, ElectionSafety, "n0 follows n0 in term 3")
}

func TestElectionSafetyAllowsLeadersOfDifferentTerms(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 1)
	elected(c, 1, 2)
	if r := result(c, ElectionSafety); r.Status != OK {
		t.Fatal(r)
	}
}

func TestLogMatchingCatchesDivergentPrefix(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a", "b"))
	// Same index and term at 2, but a different entry at 1: the prefix differs.
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "x", "b"))
	wantFail(t, c, LogMatching, "entry 1 of term 1 ends a log that differs")
}

func TestLogMatchingCatchesGapInPersistedLog(t *testing.T) {
	c, _ := newTestChecker(1)
	persist(c, 0, HardState{Term: 1}, entries(1, 3, "a"))
	wantFail(t, c, LogMatching, "persisted index 3 after a log ending at 0")
}

func TestLeaderCompletenessCatchesLeaderMissingCommittedEntry(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a", "b"))
	c.CommitAdvanced(0, 2)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a"))
	elected(c, 1, 2) // a vote granted without the up-to-date check
	wantFail(t, c, LeaderCompleteness, "without committed entry 2")
}

func TestStateMachineSafetyCatchesDifferentAppliedEntries(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a"))
	persist(c, 1, HardState{Term: 2}, entries(2, 1, "b"))
	c.CommitAdvanced(0, 1)
	c.Applied(0, entries(1, 1, "a")[0])
	c.Applied(1, entries(2, 1, "b")[0])
	r := result(c, StateMachineSafety)
	if r.Status != Fail || !strings.Contains(r.Detail, "another node applied entry 1") {
		t.Fatal(r)
	}
}

func TestStateMachineSafetyCatchesOverwrittenCommit(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a"))
	c.CommitAdvanced(0, 1)
	persist(c, 1, HardState{Term: 2}, entries(2, 1, "b"))
	c.CommitAdvanced(1, 1) // the Figure 8 bug: a committed entry replaced
	wantFail(t, c, StateMachineSafety, "was committed there before")
}

func TestApplyOrderCatchesSkippedIndex(t *testing.T) {
	c, _ := newTestChecker(1)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a", "b"))
	c.CommitAdvanced(0, 2)
	c.Applied(0, entries(1, 2, "b")[0])
	wantFail(t, c, ApplyOrder, "applied 2 after 0")
}

func TestApplyOrderCatchesApplyBeforeCommit(t *testing.T) {
	c, _ := newTestChecker(1)
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a"))
	c.Applied(0, entries(1, 1, "a")[0])
	wantFail(t, c, ApplyOrder, "before committing it")
}

func TestApplyOrderRestartsWithIncarnation(t *testing.T) {
	c, _ := newTestChecker(1)
	es := entries(1, 1, "a")
	persist(c, 0, HardState{Term: 1}, es)
	c.CommitAdvanced(0, 1)
	c.Applied(0, es[0])
	restart(c, 0, HardState{Term: 1}, nil, es)
	c.CommitAdvanced(0, 1)
	c.Applied(0, es[0]) // applying again from the start after a restart is right
	if r := result(c, ApplyOrder); r.Status != OK {
		t.Fatal(r)
	}
}

func TestHeartbeatRateCatchesStorm(t *testing.T) {
	c, now := newTestChecker(2)
	for i := 0; i < 11; i++ {
		*now = sim.Time(sim.Duration(i) * 90 * sim.Millisecond) // every 90 ms: 11 within 0.9 s
		c.HeartbeatSent(0, 1)
	}
	r := c.HeartbeatResult()
	if r.Status != Fail || r.Detail != "n0 sent n1 11 heartbeats within 0.900000000s ending at 0.900000000s" {
		t.Fatal(r)
	}
	// Every send of a storm after the 11th is one more.
	for i := 11; i < 50; i++ {
		*now = sim.Time(sim.Duration(i) * 90 * sim.Millisecond)
		c.HeartbeatSent(0, 1)
	}
	if r := c.HeartbeatResult(); !strings.HasSuffix(r.Detail, "(+39 more)") {
		t.Fatal(r)
	}
}

func TestHeartbeatRateAllowsTenPerSecond(t *testing.T) {
	c, now := newTestChecker(2)
	for i := 0; i < 50; i++ {
		*now = sim.Time(sim.Duration(i) * 100 * sim.Millisecond)
		c.HeartbeatSent(0, 1)
	}
	if r := c.HeartbeatResult(); r.Status != OK {
		t.Fatal(r)
	}
}

func TestViolationsKeepFirstAndCount(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 2)
	elected(c, 1, 2)
	elected(c, 2, 2)
	r := result(c, ElectionSafety)
	if !strings.Contains(r.Detail, "n0 and n1") || !strings.Contains(r.Detail, "(+1 more)") {
		t.Fatal(r.Detail)
	}
}

func TestVerdictOrder(t *testing.T) {
	if Verdict([]Result{{Status: OK}, {Status: Unknown}}) != Unknown {
		t.Fatal("unknown must not pass")
	}
	if Verdict([]Result{{Status: Unknown}, {Status: Fail}}) != Fail {
		t.Fatal("fail must win")
	}
}

func TestElectionSafetyCatchesVoteGrantedBeforeDurable(t *testing.T) {
	c, _ := newTestChecker(3)
	persist(c, 0, HardState{Term: 3, Vote: NoNode}, nil) // the vote never reached the disk
	c.VoteGranted(0, 1, 3)
	wantFail(t, c, ElectionSafety, "before it was durable")
}

func TestLeaderCompletenessCatchesAckBeforeDurable(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 1, HardState{Term: 1}, entries(1, 1, "a"))
	elected(c, 0, 1)
	c.StateChanged(1, 1, Follower, 0)
	c.AppendAcked(1, 0, 1, 2) // entry 2 not yet synced
	wantFail(t, c, LeaderCompleteness, "acknowledged entries through 2")
}

// The election restriction (§5.4.1): a longer log of an older term is
// behind a shorter one of a newer term, and a vote for it is caught.
func TestLeaderCompletenessCatchesAVoteForALogBehindTheVoters(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 3, Vote: 1}, append(entries(1, 1, "a"), entries(2, 2, "b")...))
	persist(c, 1, HardState{Term: 3, Vote: 1}, entries(1, 1, "a", "x", "y"))
	c.VoteRequested(1, 3, 3, 1)
	c.VoteGranted(0, 1, 3)
	wantFail(t, c, LeaderCompleteness, "whose log ends at 3 of term 1, behind its own at 2 of term 2")
}

func TestElectionRestrictionAllowsLogsAsUpToDate(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 3, Vote: 1}, entries(1, 1, "a", "b"))
	for _, claim := range [][2]uint64{{2, 1}, {5, 1}, {1, 2}} { // as long, longer, a newer last term
		c.VoteRequested(1, 3, claim[0], claim[1])
		c.VoteGranted(0, 1, 3)
	}
	if r := result(c, LeaderCompleteness); r.Status != OK {
		t.Fatal(r)
	}
}

func TestDurablePromisesPass(t *testing.T) {
	c, _ := newTestChecker(2)
	persist(c, 0, HardState{Term: 2, Vote: 0}, entries(1, 1, "a", "b"))
	persist(c, 1, HardState{Term: 2, Vote: 0}, entries(1, 1, "a", "b"))
	c.StateChanged(1, 2, Follower, NoNode)
	c.VoteGranted(1, 0, 2)
	elected(c, 0, 2)
	c.StateChanged(1, 2, Follower, 0)
	c.AppendAcked(1, 0, 2, 2)
	for _, r := range c.Results() {
		if r.Status != OK {
			t.Fatal(r)
		}
	}
}

// A candidate of an older term may still win once its votes arrive (it was
// paused with them in flight) after a newer leader committed an entry: it
// owes only what was committed in terms before its own. Found by the rapid
// property test (3 servers, n1 paused at 395 ms).
func TestLeaderCompletenessAllowsLateLeaderOfOlderTerm(t *testing.T) {
	c, _ := newTestChecker(3)
	elected(c, 0, 2)
	persist(c, 0, HardState{Term: 2}, entries(2, 1, "a"))
	c.CommitAdvanced(0, 1)
	elected(c, 1, 1) // term 1 < 2: entry 1 was committed after it
	if r := result(c, LeaderCompleteness); r.Status != OK {
		t.Fatal(r)
	}
	elected(c, 2, 3) // term 3 must hold it
	wantFail(t, c, LeaderCompleteness, "n2 became leader of term 3")
}

// A batch that starts past the end of a log is one violation, however many
// entries it carries: the rest of it is not judged against a log it skipped.
func TestLogMatchingJudgesAGapOncePerBatch(t *testing.T) {
	c, _ := newTestChecker(1)
	persist(c, 0, HardState{Term: 1}, entries(1, 3, "a", "b", "c"))
	if r := result(c, LogMatching); r.Detail != "n0 persisted index 3 after a log ending at 0 (snapshot at 0)" {
		t.Fatal(r)
	}
	persist(c, 0, HardState{Term: 1}, entries(1, 1, "a")) // the next batch is judged again
	if c.nodes[0].lastIndex() != 1 {
		t.Fatalf("log ends at %d, want 1", c.nodes[0].lastIndex())
	}
}

// restart-recovered fires once per restart that read anything back: a
// snapshot, or log entries.
func TestRestartRecoveredProbe(t *testing.T) {
	c, _ := newTestChecker(1)
	es := entries(1, 1, "a", "b")
	restart(c, 0, HardState{}, nil, nil)
	if n := c.Fired("restart-recovered"); n != 0 {
		t.Fatalf("fired %d times for an empty disk", n)
	}
	persist(c, 0, HardState{Term: 1}, es)
	restart(c, 0, HardState{Term: 1}, nil, es)
	if n := c.Fired("restart-recovered"); n != 1 {
		t.Fatalf("fired %d times for one restart with a log", n)
	}
	c.SnapshotSaved(0, snapAt(2, 1, "s"))
	s := snapAt(2, 1, "s")
	restart(c, 0, HardState{Term: 1}, &s, nil)
	if n := c.Fired("restart-recovered"); n != 2 {
		t.Fatalf("fired %d times after a restart from a snapshot", n)
	}
}

func TestCommandAppliedCountsCommandsOnly(t *testing.T) {
	c, _ := newTestChecker(1)
	es := entries(1, 1, "noop", "a")
	es[0].Command = false
	persist(c, 0, HardState{Term: 1}, es)
	c.CommitAdvanced(0, 2)
	c.Applied(0, es[0])
	c.Applied(0, es[1])
	if n := c.Fired("command-applied"); n != 1 {
		t.Fatalf("command-applied fired %d times, want 1", n)
	}
}
