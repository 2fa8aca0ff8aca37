package raft

import (
	"fmt"
	"testing"
)

// Snapshots meet conflicting logs: a deposed leader's uncommitted entries are
// discarded by the snapshot that replaces its log, and the fast backup over a
// divergence the leader has compacted ends in a snapshot, not in endless
// probing.

// A deposed leader with a longer log of uncommitted entries gets the new
// leader's snapshot: every conflicting entry is gone, from its log and from
// what its service applied.
func TestSnapshotDiscardsConflictingLog(t *testing.T) {
	nw := newNetwork(t, 3, 11, nil)
	nw.elect(2)
	nw.propose(2, "committed")
	nw.stabilize()
	common := nw.core(2).LastIndex()
	nw.isolate(2)
	for i := range 30 {
		nw.propose(2, fmt.Sprintf("doomed%d", i))
	}
	oldTerm := nw.core(2).Term()
	nw.elect(0)
	for i := range 10 {
		nw.propose(0, fmt.Sprintf("new%d", i))
		nw.stabilize()
	}
	nw.compact(0)
	nw.compact(1)
	if n2, n0 := nw.nodes[2].lastIndex(), nw.core(0).LastIndex(); n2 <= n0 {
		t.Fatalf("setup: n2's log (%d) is not longer than the leader's (%d)", n2, n0)
	}
	nw.heal()
	nw.heartbeat(0)
	n := nw.nodes[2]
	if n.probes["snapshot-accepted"] != 1 || n.restores != 1 {
		t.Fatalf("n2 probes %v, %d restores", n.probes, n.restores)
	}
	for i := common + 1; i <= n.lastIndex(); i++ {
		if e, ok := n.entry(i); ok && e.Term == oldTerm {
			t.Fatalf("n2 still holds %d/t%d %q of its deposed term", i, e.Term, e.Data)
		}
	}
	nw.propose(0, "after")
	nw.stabilize()
	checkCaughtUp(t, nw, 0, 2)
}

// The follower's log diverges at an index the leader has compacted, and is
// longer than the leader's probe (it rejects with the conflicting term) or
// shorter (it rejects with its length): either way it rejects once, the fast
// backup points below the leader's snapshot, and the leader sends the
// snapshot at once and waits for it as a probe from the follower's match.
func TestFastBackupIntoSnapshot(t *testing.T) {
	for _, tt := range []struct {
		name     string
		follower []Entry
	}{
		{"longer", ents(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
		{"shorter", ents(1, 1, 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nw := newNetwork(t, 3, 12, nil)
			lead := ents(1, 1, 2, 2, 2, 2, 2, 2)
			nw.setState(0, HardState{Term: 3, Vote: None}, lead)
			nw.setState(1, HardState{Term: 3, Vote: None}, lead)
			nw.setState(2, HardState{Term: 3, Vote: None}, tt.follower)
			nw.isolate(2)
			nw.elect(0)
			for i := range 3 {
				nw.propose(0, fmt.Sprintf("new%d", i))
			}
			nw.stabilize()
			// Compact below the leader's probe of n2 (its log end at election,
			// 8), above the divergence (3).
			nw.compactAt(0, 5)
			nw.compactAt(1, 5)
			fastBackupIntoSnapshot(t, nw)
		})
	}
}

func fastBackupIntoSnapshot(t *testing.T, nw *network) {
	t.Helper()
	mark0, mark2 := len(nw.nodes[0].sent), len(nw.nodes[2].sent)
	nw.hold = func(m Message) bool { return m.Type == MsgSnap }
	nw.heal()
	nw.heartbeat(0)
	var rejects int
	for _, m := range nw.sentSince(2, mark2, MsgAppResp) {
		if m.Reject {
			rejects++
		}
	}
	pr := nw.core(0).peer(2)
	if rejects != 1 || len(nw.held) != 1 || nw.nodes[0].probes["fast-backup"] != 1 {
		t.Fatalf("%d rejections, %d snapshots, leader probes %v; want one of each", rejects, len(nw.held), nw.nodes[0].probes)
	}
	if pr.replicate || !pr.probeSent || pr.match != 0 || pr.next != 1 {
		t.Fatalf("leader's progress for n2 with a snapshot in flight: %+v, want a sent probe at 1", *pr)
	}
	nw.hold = nil
	nw.deliver(nw.held[0])
	nw.held = nil
	nw.stabilize()
	toN2 := 0
	for _, m := range nw.sentSince(0, mark0, MsgApp, MsgSnap) {
		if m.To == 2 {
			toN2++
		}
	}
	if n := nw.nodes[2]; n.restores != 1 || n.snapIndex() != 5 || toN2 > 3 {
		t.Fatalf("n2 %v after %d restores and %d messages from the leader", n, n.restores, toN2)
	}
	checkCaughtUp(t, nw, 0, 2)
}
