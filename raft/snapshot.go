package raft

import (
	"errors"

	"github.com/detsim/detsim/planted"
)

// Snapshots. The service hands the core a snapshot of its state through an
// index it has applied (Compact); the core drops the log through it, copying
// the rest so the prefix is really freed, and asks the host to persist the
// snapshot with the remaining log at once (Ready.Snapshot). A follower that
// needs entries the leader has discarded gets the whole snapshot in one
// MsgSnap (not in chunks: snapshots here are small, and one message keeps the
// install atomic); it keeps its log if the snapshot's last entry matches it,
// and otherwise replaces its log and hands the snapshot to the service
// (Ready.RestoreSnapshot) before any entry after it.

var (
	// ErrSnapshotStale: a snapshot at or below the current one.
	ErrSnapshotStale = errors.New("raft: snapshot at or below the current one")
	// ErrSnapshotAhead: a snapshot beyond what was handed to the service.
	ErrSnapshotAhead = errors.New("raft: snapshot beyond the applied index")
)

// Compact records the service's snapshot of its state through index and
// discards the log through it. index must be above the current snapshot and
// at most the last index handed out to apply (so at most the commit index).
func (r *Raft) Compact(index uint64, data []byte) error {
	if index <= r.log.snapIndex {
		return ErrSnapshotStale
	}
	if index > max(r.applied, r.applying) {
		return ErrSnapshotAhead
	}
	term, _ := r.log.term(index)
	r.snapshot = &Snapshot{Index: index, Term: term, Data: data}
	r.log.compact(index, term)
	r.snapDirty = true
	return nil
}

// SnapshotIndex is the index of the latest snapshot, taken or installed.
func (r *Raft) SnapshotIndex() uint64 { return r.log.snapIndex }

// sendSnapshot sends pr the whole snapshot, because the entries it needs are
// compacted, and waits for its answer (or the next heartbeat's) as a probe.
func (r *Raft) sendSnapshot(pr *progress) {
	s := r.snapshot
	r.send(Message{Type: MsgSnap, To: pr.id, Index: s.Index, LogTerm: s.Term, Commit: r.commit, Snapshot: s})
	r.probe("snapshot-sent")
	pr.replicate = false
	pr.inflight = pr.inflight[:0]
	pr.next = pr.match + 1
	pr.probeSent = true
}

// handleSnapshot is the follower's side of InstallSnapshot.
func (r *Raft) handleSnapshot(m Message) {
	s := m.Snapshot
	switch {
	case s == nil || s.Index != m.Index || s.Term != m.LogTerm:
		return // malformed: the codec never builds one
	case s.Index <= r.commit && !r.cfg.Testing.Bugs.Has(planted.StaleSnapshotInstalled):
		// Stale or duplicated: our state is already at least this new, and
		// installing it would roll the service back.
		r.probe("snapshot-stale-refused")
		r.send(Message{Type: MsgAppResp, To: m.From, Index: r.commit})
		return
	case r.log.matchTerm(s.Index, s.Term) && !r.cfg.Testing.Bugs.Has(planted.StaleSnapshotInstalled):
		// We hold its last entry, so the log through it is the leader's:
		// keep it all and just commit through the snapshot.
		r.probe("snapshot-log-matched")
		r.commitTo(s.Index)
		r.send(Message{Type: MsgAppResp, To: m.From, Index: s.Index})
		return
	}
	r.probe("snapshot-accepted")
	r.log.restore(s.Index, s.Term)
	r.commit = s.Index
	r.snapshot = s
	r.snapDirty, r.snapRestore = true, true
	r.send(Message{Type: MsgAppResp, To: m.From, Index: s.Index})
}
