package raft

import (
	"fmt"
	"slices"
	"testing"
)

// InstallSnapshot over the test network: a follower that needs entries the
// leader has discarded gets the whole snapshot in one MsgSnap, restores it
// before anything after it, then catches up by ordinary appends.

// lagBehindSnapshot elects n0 of three, lets n2 miss ten commands while it is
// cut off, then has n0 and n1 compact their logs past everything n2 holds.
func lagBehindSnapshot(t *testing.T, seed uint64) *network {
	t.Helper()
	nw := newNetwork(t, 3, seed, nil)
	nw.elect(0)
	for i := range 3 {
		nw.propose(0, fmt.Sprintf("before%d", i))
	}
	nw.stabilize()
	nw.isolate(2)
	for i := range 10 {
		nw.propose(0, fmt.Sprintf("missed%d", i))
		nw.stabilize()
	}
	nw.compact(0)
	nw.compact(1)
	if s, last := nw.nodes[0].snapIndex(), nw.nodes[2].lastIndex(); s <= last {
		t.Fatalf("setup: the leader's snapshot at %d does not pass n2's log end %d", s, last)
	}
	return nw
}

// checkCaughtUp asserts id holds the leader's log and state, and that the
// leader's progress for it is exact: replicating, match at its last index.
func checkCaughtUp(t *testing.T, nw *network, lead, id int) {
	t.Helper()
	nw.checkLogsEqual(lead)
	l, f := nw.nodes[lead], nw.nodes[id]
	if len(f.applied) != len(l.applied) || encodeStateString(f.applied) != encodeStateString(l.applied) {
		t.Fatalf("n%d state (%d entries) differs from the leader's (%d)", id, len(f.applied), len(l.applied))
	}
	pr := nw.core(lead).peer(id)
	last := nw.core(lead).LastIndex()
	if pr.match != last || pr.next != last+1 || !pr.replicate || len(pr.inflight) != 0 {
		t.Fatalf("leader's progress for n%d: %+v, want match %d next %d replicating", id, *pr, last, last+1)
	}
}

func encodeStateString(s []Entry) string { return string(encodeState(s)) }

// A follower cut off while the leader compacted past its log receives the
// snapshot once healed, restores it, then catches up by ordinary appends.
func TestInstallSnapshotToLaggingFollower(t *testing.T) {
	nw := lagBehindSnapshot(t, 1)
	snapIndex := nw.nodes[0].snapIndex()
	mark := len(nw.nodes[0].sent)
	nw.heal()
	nw.heartbeat(0)
	f := nw.nodes[2]
	if nw.nodes[0].probes["snapshot-sent"] != 1 || f.probes["snapshot-accepted"] != 1 || f.restores != 1 {
		t.Fatalf("probes: leader %v follower %v, restores %d", nw.nodes[0].probes, f.probes, f.restores)
	}
	if f.snapIndex() != snapIndex || nw.core(2).Commit() != snapIndex || len(f.applied) != int(snapIndex) {
		t.Fatalf("n2 after install: %v, commit %d; leader's snapshot at %d", f, nw.core(2).Commit(), snapIndex)
	}
	for i := range 5 {
		nw.propose(0, fmt.Sprintf("after%d", i))
	}
	nw.stabilize()
	snaps := nw.sentSince(0, mark, MsgSnap)
	apps := 0
	for _, m := range nw.sentSince(0, mark, MsgApp) {
		if m.To == 2 && len(m.Entries) > 0 {
			apps++
		}
	}
	if len(snaps) != 1 || apps == 0 {
		t.Fatalf("n2 caught up with %d snapshots and %d appends, want one snapshot then appends", len(snaps), apps)
	}
	checkCaughtUp(t, nw, 0, 2)
}

// A restore Ready hands the service the snapshot and nothing at or below it;
// entries after it follow in later Readies, in order.
func TestInstallSnapshotReady(t *testing.T) {
	nw := lagBehindSnapshot(t, 2)
	nw.heal()
	var readies []Ready
	nw.ready = func(id int, rd Ready) {
		if id == 2 && rd.Snapshot != nil {
			rd.Messages = slices.Clone(rd.Messages) // Advance reuses the array
			readies = append(readies, rd)
		}
	}
	nw.heartbeat(0)
	if len(readies) != 1 {
		t.Fatalf("n2 persisted %d snapshots, want 1", len(readies))
	}
	rd := readies[0]
	if !rd.RestoreSnapshot || rd.Snapshot == nil || !rd.MustSync || len(rd.Entries) != 0 || len(rd.Committed) != 0 {
		t.Fatalf("restore Ready: restore %v snapshot %+v mustSync %v entries %d committed %d",
			rd.RestoreSnapshot, rd.Snapshot, rd.MustSync, len(rd.Entries), len(rd.Committed))
	}
	acks := filter(rd.Messages, MsgAppResp)
	if len(acks) != 1 || acks[0].Reject || acks[0].Index != rd.Snapshot.Index {
		t.Fatalf("restore Ready messages %v: want the ack of %d", rd.Messages, rd.Snapshot.Index)
	}
	nw.ready = nil
	nw.propose(0, "after")
	nw.stabilize()
	checkCaughtUp(t, nw, 0, 2)
}

// While a snapshot is in flight the leader treats the follower as a probe
// that was sent: nothing more goes to it but heartbeats. A lost snapshot is
// sent again when a heartbeat response shows the follower still behind.
func TestSnapshotInFlightPausesFollower(t *testing.T) {
	nw := lagBehindSnapshot(t, 7)
	var snaps []Message
	nw.hold = func(m Message) bool { return m.Type == MsgSnap }
	nw.heal()
	nw.heartbeat(0)
	snaps, nw.held = nw.held, nil
	pr := nw.core(0).peer(2)
	if len(snaps) != 1 || pr.replicate || !pr.probeSent || pr.next != pr.match+1 || len(pr.inflight) != 0 {
		t.Fatalf("%d snapshots held; leader's progress for n2 %+v, want a sent probe at match+1", len(snaps), *pr)
	}
	mark := len(nw.nodes[0].sent)
	nw.propose(0, "meanwhile")
	nw.stabilize()
	for _, m := range nw.sentSince(0, mark, MsgApp) {
		if m.To == 2 {
			t.Fatalf("the leader sent %v while its snapshot was in flight", m)
		}
	}
	// The held snapshot is lost; the next heartbeat round sends it again.
	nw.heartbeat(0)
	snaps, nw.held = nw.held, nil
	if len(snaps) != 1 || snaps[0].Index != nw.nodes[0].snapIndex() {
		t.Fatalf("after a lost snapshot, the leader sent %v", snaps)
	}
	nw.hold = nil
	nw.deliver(snaps[0])
	nw.stabilize()
	checkCaughtUp(t, nw, 0, 2)
}
