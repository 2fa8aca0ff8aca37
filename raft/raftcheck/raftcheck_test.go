package raftcheck

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// Each test reports raft's own types through the adapter and shows the
// checker's verdict coming out as if it watched raft directly.

func newObserved(n int) (*checker.Raft, Observer, *sim.Time) {
	now := new(sim.Time)
	c := checker.NewRaft(n, func() sim.Time { return *now })
	return c, Observe(c), now
}

func wantFail(t *testing.T, c *checker.Raft, name, detail string) {
	t.Helper()
	for _, r := range append(c.Results(), c.HeartbeatResult()) {
		if r.Name == name {
			if r.Status != checker.Fail || !strings.Contains(r.Detail, detail) {
				t.Fatalf("%s = %v %q, want FAIL mentioning %q", name, r.Status, r.Detail, detail)
			}
			return
		}
	}
	t.Fatalf("no result %s", name)
}

func wantOK(t *testing.T, c *checker.Raft) {
	t.Helper()
	for _, r := range append(c.Results(), c.HeartbeatResult()) {
		if r.Status != checker.OK {
			t.Fatal(r)
		}
	}
}

func log(term uint64, data ...string) []raft.Entry {
	es := []raft.Entry{{Term: term, Index: 1, Type: raft.EntryNoop}}
	for i, d := range data {
		es = append(es, raft.Entry{Term: term, Index: uint64(i) + 2, Data: []byte(d)})
	}
	return es
}

func TestRolesAndNobodyReadAsRaftSaysThem(t *testing.T) {
	for _, r := range []raft.Role{raft.Follower, raft.PreCandidate, raft.Candidate, raft.Leader} {
		if role(r).String() != r.String() {
			t.Errorf("raft's %s reaches the checker as %s", r, role(r))
		}
	}
	if nodeID(raft.None) != checker.NoNode || nodeID(2) != 2 {
		t.Errorf("raft.None is %d to the checker", nodeID(raft.None))
	}
}

func TestTwoLeadersInOneTermPassThrough(t *testing.T) {
	c, o, _ := newObserved(3)
	o.StateChanged(0, 2, raft.Leader, 0)
	o.StateChanged(1, 2, raft.Leader, 1)
	wantFail(t, c, checker.ElectionSafety, "two leaders in term 2: n0 and n1")
	if lead, _, _, _ := c.Node(1); lead != 2 || c.Leader() != 1 {
		t.Fatalf("n1 at term %d, leader %d", lead, c.Leader())
	}
}

func TestVoteSentBeforeDurablePassesThrough(t *testing.T) {
	c, o, _ := newObserved(3)
	o.Persisted(0, raft.HardState{Term: 3, Vote: raft.None}, nil)
	o.Sent(0, &raft.Message{Type: raft.MsgVoteResp, From: 0, To: 1, Term: 3, Reject: true}) // a refusal promises nothing
	wantOK(t, c)
	o.Sent(0, &raft.Message{Type: raft.MsgVoteResp, From: 0, To: 1, Term: 3})
	wantFail(t, c, checker.ElectionSafety, "granted its vote in term 3 to n1 at 0.000000000s before it was durable (disk: term 3 vote -1)")
}

func TestAckBeforeDurablePassesThrough(t *testing.T) {
	c, o, _ := newObserved(2)
	o.Persisted(0, raft.HardState{Term: 1, Vote: 0}, nil)
	o.Persisted(1, raft.HardState{Term: 1, Vote: 0}, log(1, "a"))
	o.Sent(1, &raft.Message{Type: raft.MsgVoteResp, From: 1, To: 0, Term: 1})
	o.StateChanged(0, 1, raft.Leader, 0)
	o.StateChanged(1, 1, raft.Follower, 0)
	o.Sent(1, &raft.Message{Type: raft.MsgAppResp, From: 1, To: 0, Term: 1, Index: 2})
	o.Sent(1, &raft.Message{Type: raft.MsgAppResp, From: 1, To: 0, Term: 1, Index: 5, Reject: true, Hint: 2})
	wantOK(t, c)
	o.Sent(1, &raft.Message{Type: raft.MsgAppResp, From: 1, To: 0, Term: 1, Index: 3})
	wantFail(t, c, checker.LeaderCompleteness, "n1 acknowledged entries through 3")
}

func TestLogMismatchPassesThrough(t *testing.T) {
	c, o, _ := newObserved(2)
	o.Persisted(0, raft.HardState{Term: 1}, log(1, "a", "b"))
	o.Persisted(1, raft.HardState{Term: 1}, log(1, "a", "b"))
	wantOK(t, c)
	// Same data, but the first entry is a command here: the digest covers
	// the type, so the logs differ.
	other := log(1, "a", "b")
	other[0].Type = raft.EntryNormal
	o.Persisted(1, raft.HardState{Term: 1}, other)
	wantFail(t, c, checker.LogMatching, "n1 at 0.000000000s: entry 1 of term 1 ends a log that differs")
}

func TestSnapshotsAndRestartPassThrough(t *testing.T) {
	c, o, _ := newObserved(2)
	es := log(1, "a", "b")
	for node := range 2 {
		o.Persisted(node, raft.HardState{Term: 1, Vote: 0}, es)
		o.CommitAdvanced(node, 3)
		for i := range es {
			o.Applied(node, &es[i])
			o.AppliedState(node, es[i].Index, 100+es[i].Index)
		}
	}
	o.SnapshotSaved(0, &raft.Snapshot{Index: 2, Term: 1, Data: []byte("state@2")})
	o.Recovered(0, &raft.Recovered{HardState: raft.HardState{Term: 1, Vote: 0},
		Snapshot: &raft.Snapshot{Index: 2, Term: 1, Data: []byte("state@2")}, Entries: es[2:]})
	o.SnapshotRestored(0, &raft.Snapshot{Index: 2, Term: 1, Data: []byte("state@2")}, 102)
	wantOK(t, c)
	if c.Fired("restart-recovered") != 1 || c.Fired("snapshot-restored") != 1 || c.Fired("command-applied") != 4 {
		t.Fatalf("probes %v", c.Probes())
	}
	if c.LargestSnapshot() != len("state@2") {
		t.Fatalf("largest snapshot %d", c.LargestSnapshot())
	}
	o.SnapshotSaved(1, &raft.Snapshot{Index: 2, Term: 1, Data: []byte("state@3")})
	wantFail(t, c, checker.StateMachineSafety, "n1 saved a snapshot at 2 at 0.000000000s whose data differs")
}

func TestHeartbeatsAndProbesPassThrough(t *testing.T) {
	c, o, now := newObserved(2)
	o.Probe(0, "pre-vote-refused")
	for i := range 11 {
		*now = sim.Time(sim.Duration(i) * 50 * sim.Millisecond)
		o.Sent(0, &raft.Message{Type: raft.MsgHeartbeat, From: 0, To: 1, Term: 1})
		o.Sent(0, &raft.Message{Type: raft.MsgApp, From: 0, To: 1, Term: 1}) // not a heartbeat
	}
	if c.Fired("pre-vote-refused") != 1 {
		t.Fatalf("probes %v", c.Probes())
	}
	wantFail(t, c, checker.HeartbeatRate, "n0 sent n1 11 heartbeats within 0.500000000s")
}

// The adapter turns every report into calls with values: in steady state
// (a node restarting over the same log, re-persisting it, leading, committing
// and applying it again), no event allocates.
func TestAdapterAllocatesNothingPerEvent(t *testing.T) {
	c, o, now := newObserved(2)
	es := log(1, "a", "b")
	rec := &raft.Recovered{HardState: raft.HardState{Term: 1, Vote: 0}, Entries: es}
	hs := raft.HardState{Term: 1, Vote: 0}
	vote := &raft.Message{Type: raft.MsgVoteResp, From: 1, To: 0, Term: 1}
	ack := &raft.Message{Type: raft.MsgAppResp, From: 1, To: 0, Term: 1, Index: 3}
	beat := &raft.Message{Type: raft.MsgHeartbeat, From: 0, To: 1, Term: 1, Commit: 3}
	o.Persisted(1, hs, es)
	o.Persisted(0, hs, es)
	o.Sent(1, vote)
	o.StateChanged(0, 1, raft.Leader, 0)
	o.StateChanged(1, 1, raft.Follower, 0) // once n0 has won term 1
	cycle := func() {
		*now += 1e9
		o.Recovered(0, rec)
		o.Persisted(0, hs, es)
		o.StateSize(0, 300)
		o.Sent(1, vote)
		o.StateChanged(0, 1, raft.Leader, 0)
		o.CommitAdvanced(0, 3)
		for i := range es {
			o.Applied(0, &es[i])
			o.AppliedState(0, es[i].Index, 100+es[i].Index)
		}
		o.Sent(1, ack)
		o.Sent(0, beat)
		o.Probe(0, "leader-elected")
	}
	cycle() // the checker's maps and windows grow once
	if allocs := testing.AllocsPerRun(100, cycle); allocs != 0 {
		t.Errorf("%v allocations per cycle of %d events", allocs, 9+2*len(es))
	}
	wantOK(t, c)
	if n := c.Fired("command-applied"); n != 2*102 { // AllocsPerRun runs cycle once more to warm up
		t.Fatalf("command-applied fired %d times", n)
	}
}
