package raft

import (
	"errors"
	"testing"
)

// Unit tests of Compact and of the Ready that persists a snapshot, on a
// single core driven by hand.

// followerWithCommit is n1 of three, holding ents(1, 1, 1, 1) and told by
// the leader n0 that all four are committed, none yet handed to the service.
func followerWithCommit(t *testing.T) *Raft {
	t.Helper()
	r := newCore(1, 3, HardState{Term: 1, Vote: None}, ents(1, 1, 1, 1), nil)
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 1, Index: 4, LogTerm: 1, Commit: 4})
	if r.Commit() != 4 || r.Applied() != 0 {
		t.Fatalf("setup: commit %d applied %d", r.Commit(), r.Applied())
	}
	return r
}

// Compact refuses a snapshot at or below the current one, and one beyond
// what was handed to the service: committed is not enough, the service must
// have been given it (in a Ready being worked on, or acknowledged).
func TestCompactRefusesStaleAndAhead(t *testing.T) {
	r := followerWithCommit(t)
	if err := r.Compact(0, nil); !errors.Is(err, ErrSnapshotStale) {
		t.Fatalf("compact at 0: %v", err)
	}
	if err := r.Compact(2, nil); !errors.Is(err, ErrSnapshotAhead) {
		t.Fatalf("compact at 2, committed but not handed out: %v", err)
	}
	rd := r.Ready()
	if len(rd.Committed) != 4 {
		t.Fatalf("Ready hands out %d entries", len(rd.Committed))
	}
	if err := r.Compact(5, nil); !errors.Is(err, ErrSnapshotAhead) {
		t.Fatalf("compact at 5, beyond the log: %v", err)
	}
	if err := r.Compact(2, encodeState(rd.Committed[:2])); err != nil {
		t.Fatalf("compact at 2 while applying: %v", err)
	}
	r.Advance(rd)
	for _, index := range []uint64{1, 2} {
		if err := r.Compact(index, nil); !errors.Is(err, ErrSnapshotStale) {
			t.Fatalf("compact at %d after one at 2: %v", index, err)
		}
	}
	if err := r.Compact(4, nil); err != nil || r.SnapshotIndex() != 4 {
		t.Fatalf("compact at 4 once applied: %v, snapshot at %d", err, r.SnapshotIndex())
	}
}

// A snapshot taken while applying a Ready (between Ready and Advance) is
// persisted by the next Ready, with the whole log after it, and nothing is
// handed to the service twice or restored.
func TestCompactDuringApply(t *testing.T) {
	r := followerWithCommit(t)
	rd := r.Ready()
	if err := r.Compact(2, encodeState(rd.Committed[:2])); err != nil {
		t.Fatal(err)
	}
	r.Advance(rd)
	if !r.HasReady() {
		t.Fatal("a snapshot to persist, and no Ready")
	}
	rd = r.Ready()
	s := rd.Snapshot
	if s == nil || s.Index != 2 || s.Term != 1 || rd.RestoreSnapshot || !rd.MustSync {
		t.Fatalf("Ready after compaction: snapshot %+v restore %v mustSync %v", s, rd.RestoreSnapshot, rd.MustSync)
	}
	if !sameEntries(rd.Entries, entsFrom(3, 1, 1)) || len(rd.Committed) != 0 {
		t.Fatalf("Ready after compaction: entries %v committed %v", rd.Entries, rd.Committed)
	}
	r.Advance(rd)
	if r.HasReady() {
		t.Fatalf("still a Ready after the snapshot was persisted: %+v", r.Ready())
	}
}

// A snapshot's Ready persists the whole log after it, the entries not yet
// persisted included, and carries the hard state and the messages as any
// Ready does.
func TestReadySnapshotCarriesWholeLog(t *testing.T) {
	r := newCore(0, 1, HardState{Vote: None}, nil, nil)
	for r.Role() != Leader {
		r.Tick()
	}
	drain(r)
	for _, cmd := range []string{"a", "b", "c"} {
		r.Propose([]byte(cmd))
	}
	drain(r)
	if r.Applied() != 4 {
		t.Fatalf("setup: applied %d", r.Applied())
	}
	r.Propose([]byte("d"))
	r.Propose([]byte("e"))
	if err := r.Compact(3, nil); err != nil {
		t.Fatal(err)
	}
	rd := r.Ready()
	if rd.Snapshot == nil || rd.Snapshot.Index != 3 || rd.HardState != r.HardState() || !rd.MustSync {
		t.Fatalf("Ready: snapshot %+v hs %+v mustSync %v", rd.Snapshot, rd.HardState, rd.MustSync)
	}
	if got := terms(rd.Entries); len(got) != 3 || rd.Entries[0].Index != 4 || string(rd.Entries[2].Data) != "e" {
		t.Fatalf("Ready entries %v from %d, want 4..6", got, rd.Entries[0].Index)
	}
	r.Advance(rd)
	drain(r)
	if r.Commit() != 6 || r.Applied() != 6 {
		t.Fatalf("after the snapshot Ready: commit %d applied %d", r.Commit(), r.Applied())
	}
}

// Compaction copies the entries it keeps into a new array: the dropped
// prefix is unreachable from the log, so its memory can be freed.
func TestCompactFreesPrefix(t *testing.T) {
	log := ents(make([]uint64, 100)...)
	for i := range log {
		log[i].Term = 1 + uint64(i)/50
	}
	r := newCore(1, 3, HardState{Term: 2, Vote: None}, log, nil)
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 2, Index: 100, LogTerm: 2, Commit: 100})
	drain(r)
	old := r.log.entries
	if err := r.Compact(90, nil); err != nil {
		t.Fatal(err)
	}
	kept := r.log.entries
	if len(kept) != 10 || kept[0].Index != 91 || cap(kept) > len(kept)+16 {
		t.Fatalf("after compaction: %d entries from %d, cap %d", len(kept), kept[0].Index, cap(kept))
	}
	for i := range old {
		if &kept[0] == &old[i] {
			t.Fatalf("the kept entries still live in the old array (at %d)", i)
		}
	}
	if term, ok := r.log.term(90); !ok || term != 2 {
		t.Fatalf("term of the snapshot index: %d %v", term, ok)
	}
	if _, ok := r.log.term(89); ok {
		t.Fatal("a compacted entry still has a term")
	}
	// Compacting everything leaves an empty log that ends at the snapshot.
	if err := r.Compact(100, nil); err != nil {
		t.Fatal(err)
	}
	if len(r.log.entries) != 0 || r.LastIndex() != 100 || r.log.lastTerm() != 2 {
		t.Fatalf("after compacting all: %d entries, last %d/t%d", len(r.log.entries), r.LastIndex(), r.log.lastTerm())
	}
}

// A snapshot the service takes while applying a Ready that persists an
// earlier one is not lost: Advance acknowledges only the snapshot that Ready
// carried.
func TestCompactWhilePersistingAnotherSnapshot(t *testing.T) {
	r := followerWithCommit(t)
	drain(r)
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 1, Index: 4, LogTerm: 1, Commit: 6, Entries: entsFrom(5, 1, 1)})
	drain(r) // persists 5..6; commits them once stable
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 1, Index: 6, LogTerm: 1, Commit: 7, Entries: entsFrom(7, 1)})
	rd := r.Ready() // persists 7
	r.Advance(rd)
	if err := r.Compact(3, nil); err != nil {
		t.Fatal(err)
	}
	rd = r.Ready()
	if rd.Snapshot == nil || rd.Snapshot.Index != 3 || len(rd.Committed) != 1 || rd.Committed[0].Index != 7 {
		t.Fatalf("Ready: snapshot %+v committed %v", rd.Snapshot, rd.Committed)
	}
	if err := r.Compact(7, nil); err != nil {
		t.Fatal(err)
	}
	r.Advance(rd)
	rd = r.Ready()
	if rd.Snapshot == nil || rd.Snapshot.Index != 7 || len(rd.Entries) != 0 || rd.RestoreSnapshot {
		t.Fatalf("the snapshot at 7 was lost: %+v restore %v", rd.Snapshot, rd.RestoreSnapshot)
	}
	r.Advance(rd)
	if r.HasReady() {
		t.Fatal("a Ready after both snapshots were persisted")
	}
}

// NewFromSnapshot starts with everything through the snapshot committed and
// applied, the log after it, and the snapshot's term at its index.
func TestNewFromSnapshot(t *testing.T) {
	snap := &Snapshot{Index: 10, Term: 3, Data: []byte("state")}
	r := NewFromSnapshot(testConfig(1, ids(3), 1), HardState{Term: 4, Vote: 0}, snap, entsFrom(11, 3, 4, 4))
	if r.Commit() != 10 || r.Applied() != 10 || r.LastIndex() != 13 || r.SnapshotIndex() != 10 {
		t.Fatalf("commit %d applied %d last %d snapshot %d", r.Commit(), r.Applied(), r.LastIndex(), r.SnapshotIndex())
	}
	if term, ok := r.log.term(10); !ok || term != 3 {
		t.Fatalf("term at the snapshot index: %d %v", term, ok)
	}
	if _, ok := r.log.term(9); ok {
		t.Fatal("an entry below the snapshot has a term")
	}
	if r.HasReady() {
		t.Fatalf("a fresh core from durable state has work: %+v", r.Ready())
	}
	// Only the snapshot: the log ends at it, which votes go by.
	r = NewFromSnapshot(testConfig(1, ids(3), 1), HardState{Term: 4, Vote: None}, snap, nil)
	if r.LastIndex() != 10 || r.log.lastTerm() != 3 {
		t.Fatalf("last %d/t%d, want 10/t3", r.LastIndex(), r.log.lastTerm())
	}
	r.Step(Message{Type: MsgVote, From: 2, To: 1, Term: 5, Index: 9, LogTerm: 3})
	r.Step(Message{Type: MsgVote, From: 0, To: 1, Term: 5, Index: 10, LogTerm: 3})
	votes := filter(drain(r), MsgVoteResp)
	if len(votes) != 2 || !votes[0].Reject || votes[1].Reject {
		t.Fatalf("votes %v: want a refusal for a log ending at 9/t3, a grant for 10/t3", votes)
	}
	// A new entry is committed and applied after the snapshot, never below.
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 5, Index: 10, LogTerm: 3, Commit: 11, Entries: entsFrom(11, 5)})
	var applied []uint64
	for r.HasReady() {
		rd := r.Ready()
		for _, e := range rd.Committed {
			applied = append(applied, e.Index)
		}
		r.Advance(rd)
	}
	if len(applied) != 1 || applied[0] != 11 {
		t.Fatalf("applied %v after a restart at 10", applied)
	}
}
