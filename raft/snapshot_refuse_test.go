package raft

import (
	"fmt"
	"slices"
	"testing"
)

// A follower never lets a snapshot roll its state back: one at or below its
// commit index (stale, or a duplicate of one installed) is refused and
// answered with its commit index; one whose last entry it already holds only
// advances its commit, keeping its log.

// installed returns a network where n2 has installed n0's snapshot, and the
// MsgSnap that carried it.
func installed(t *testing.T, seed uint64) (*network, Message) {
	t.Helper()
	nw := lagBehindSnapshot(t, seed)
	nw.heal()
	nw.heartbeat(0)
	snaps := nw.sentSince(0, 0, MsgSnap)
	if len(snaps) != 1 || nw.nodes[2].restores != 1 {
		t.Fatalf("setup: %d snapshots sent, %d restored", len(snaps), nw.nodes[2].restores)
	}
	return nw, snaps[0]
}

// checkRefused delivers m to n2 and asserts it changes nothing there but a
// reply carrying n2's commit index.
func checkRefused(t *testing.T, nw *network, m Message, what string) {
	t.Helper()
	n := nw.nodes[2]
	r := nw.core(2)
	commit, last, snap, applied, restores := r.Commit(), n.lastIndex(), n.snapIndex(), len(n.applied), n.restores
	refused := n.probes["snapshot-stale-refused"]
	mark := len(n.sent)
	nw.deliver(m)
	if n.restores != restores || len(n.applied) != applied || n.snapIndex() != snap || n.lastIndex() != last {
		t.Fatalf("%s: n2 went from snapshot %d, log end %d, applied %d to %v (restores %d -> %d)",
			what, snap, last, applied, n, restores, n.restores)
	}
	if r.Commit() != commit || n.probes["snapshot-stale-refused"] != refused+1 {
		t.Fatalf("%s: commit %d -> %d, refusals %d -> %d", what, commit, r.Commit(), refused, n.probes["snapshot-stale-refused"])
	}
	replies := nw.sentSince(2, mark)
	if len(replies) != 1 || replies[0].Type != MsgAppResp || replies[0].Reject || replies[0].Index != commit {
		t.Fatalf("%s: n2 replied %v, want an acknowledgement of its commit %d", what, replies, commit)
	}
	nw.stabilize()
}

// The same MsgSnap delivered again right after its install is refused.
func TestSnapshotDuplicateRefused(t *testing.T) {
	nw, m := installed(t, 3)
	checkRefused(t, nw, m, "duplicate")
	nw.propose(0, "after")
	nw.stabilize()
	checkCaughtUp(t, nw, 0, 2)
}

// An old MsgSnap arriving after the follower moved on is refused: its
// state, log and commit index stay where they are.
func TestSnapshotStaleRefused(t *testing.T) {
	nw, m := installed(t, 4)
	for i := range 5 {
		nw.propose(0, fmt.Sprintf("later%d", i))
	}
	nw.stabilize()
	nw.compact(2) // n2 even has a newer snapshot of its own now
	if nw.core(2).Commit() <= m.Index {
		t.Fatalf("setup: n2 commit %d, snapshot %d", nw.core(2).Commit(), m.Index)
	}
	checkRefused(t, nw, m, "stale")
	checkCaughtUp(t, nw, 0, 2)
}

// A MsgSnap from a deposed leader (an older term) is answered with our term
// and otherwise ignored.
func TestSnapshotFromOldTermIgnored(t *testing.T) {
	nw, m := installed(t, 5)
	nw.elect(1)
	n := nw.nodes[2]
	restores, applied := n.restores, len(n.applied)
	mark := len(n.sent)
	nw.deliver(m)
	replies := nw.sentSince(2, mark)
	if n.restores != restores || len(n.applied) != applied || len(replies) != 1 || replies[0].Term != nw.core(1).Term() {
		t.Fatalf("old-term MsgSnap: restores %d -> %d, applied %d -> %d, replies %v", restores, n.restores, applied, len(n.applied), replies)
	}
	nw.stabilize()
	if nw.core(1).Role() != Leader {
		t.Fatalf("the current leader was disturbed: %v", nw.core(1).Role())
	}
}

// A follower holding the snapshot's last entry with its term keeps its whole
// log, the entries after the snapshot included, and only commits through it:
// the service gets those entries applied, not a restore.
func TestSnapshotMatchingLogKept(t *testing.T) {
	r := newCore(1, 3, HardState{Term: 2, Vote: None}, ents(1, 1, 2, 2, 2, 2), nil)
	snap := &Snapshot{Index: 4, Term: 2, Data: []byte("unused")}
	r.Step(Message{Type: MsgSnap, From: 0, To: 1, Term: 2, Index: 4, LogTerm: 2, Commit: 6, Snapshot: snap})
	if r.Commit() != 4 || r.LastIndex() != 6 || r.SnapshotIndex() != 0 {
		t.Fatalf("commit %d last %d snapshot %d", r.Commit(), r.LastIndex(), r.SnapshotIndex())
	}
	rd := r.Ready()
	if rd.Snapshot != nil || rd.RestoreSnapshot || !sameEntries(rd.Committed, ents(1, 1, 2, 2)) {
		t.Fatalf("Ready: snapshot %+v restore %v committed %v", rd.Snapshot, rd.RestoreSnapshot, rd.Committed)
	}
	acks := filter(rd.Messages, MsgAppResp)
	if len(acks) != 1 || acks[0].Index != 4 || acks[0].Reject || !slices.Contains(rd.Probes, "snapshot-log-matched") {
		t.Fatalf("Ready messages %v probes %v", rd.Messages, rd.Probes)
	}
	r.Advance(rd)
	if !sameEntries(r.log.entries, ents(1, 1, 2, 2, 2, 2)) {
		t.Fatalf("log after a matching snapshot: %v", terms(r.log.entries))
	}
}

// The same through the network: n2 holds the entries but its acks are lost
// and no commit index reaches it, so the leader, having compacted, probes it
// with the snapshot; n2 finds its log matches and keeps it.
func TestSnapshotMatchingLogOverNetwork(t *testing.T) {
	nw := newNetwork(t, 3, 6, nil)
	nw.elect(0)
	nw.propose(0, "first")
	nw.stabilize()
	base := nw.core(2).Commit()
	nw.drop = func(m Message) bool {
		commitOnly := m.Type == MsgHeartbeat || m.Type == MsgApp && len(m.Entries) == 0
		return m.From == 2 && m.Type == MsgAppResp || m.To == 2 && commitOnly
	}
	r := nw.core(0)
	for i := range 5 {
		r.Propose([]byte(fmt.Sprintf("batch%d", i)))
	}
	nw.flush(0)
	nw.stabilize()
	if n := nw.nodes[2]; n.lastIndex() != r.LastIndex() || nw.core(2).Commit() != base {
		t.Fatalf("setup: n2 %v commit %d, leader last %d", n, nw.core(2).Commit(), r.LastIndex())
	}
	nw.compactAt(0, r.LastIndex()-2)
	nw.drop = nil
	for i := 0; nw.nodes[2].probes["snapshot-log-matched"] == 0; i++ {
		if i > 5 {
			t.Fatalf("no snapshot probe reached n2: leader %v, n2 %v", nw.nodes[0].probes, nw.nodes[2].probes)
		}
		nw.heartbeat(0)
	}
	n := nw.nodes[2]
	if n.restores != 0 || n.snapIndex() != 0 || n.probes["snapshot-accepted"] != 0 || len(n.applied) != int(r.LastIndex()) {
		t.Fatalf("n2 after a matching snapshot: %v, %d restores, probes %v", n, n.restores, n.probes)
	}
	checkCaughtUp(t, nw, 0, 2)
}
