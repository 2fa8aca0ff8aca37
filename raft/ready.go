package raft

// HasReady reports whether Ready would return any work.
func (r *Raft) HasReady() bool {
	return r.pendingBcast || len(r.msgs) > 0 || len(r.probes) > 0 || r.snapDirty ||
		r.HardState() != r.savedHS || r.log.stable < r.log.lastIndex() ||
		r.applied < min(r.commit, r.log.stable)
}

// Ready returns the work the host must do now, in the order the Ready type
// documents.
func (r *Raft) Ready() Ready {
	if r.pendingBcast {
		r.pendingBcast = false
		if r.role == Leader {
			r.bcastAppend()
		}
	}
	rd := Ready{HardState: r.HardState(), Entries: r.log.unstable(), Messages: r.msgs, Probes: r.probes}
	lo := r.applied + 1
	if r.snapDirty {
		rd.Snapshot, rd.RestoreSnapshot = r.snapshot, r.snapRestore
		rd.Entries = r.log.entries // the whole log after the snapshot
		if r.snapRestore {
			lo = r.snapshot.Index + 1
		}
	}
	rd.MustSync = rd.HardState != r.savedHS || len(rd.Entries) > 0 || rd.Snapshot != nil
	if hi := min(r.commit, r.log.stable); hi >= lo {
		rd.Committed = r.log.slice(lo, hi+1)
		r.applying = hi
	}
	r.msgs = nil
	r.probes = nil
	return rd
}

// Advance acknowledges that rd was persisted, sent and applied.
func (r *Raft) Advance(rd Ready) {
	r.savedHS = rd.HardState
	if r.msgs == nil {
		// The host has sent them: reuse the array for the next batch.
		clear(rd.Messages)
		r.msgs = rd.Messages[:0]
	}
	if rd.Snapshot != nil && rd.Snapshot == r.snapshot {
		// (A snapshot the service took while applying rd is still to persist.)
		r.snapDirty, r.snapRestore = false, false
	}
	if rd.RestoreSnapshot {
		r.applied = max(r.applied, rd.Snapshot.Index)
	}
	if n := len(rd.Entries); n > 0 {
		last := rd.Entries[n-1]
		if r.log.matchTerm(last.Index, last.Term) && last.Index > r.log.stable {
			r.log.stable = last.Index
		}
	}
	if n := len(rd.Committed); n > 0 {
		r.applied = rd.Committed[n-1].Index
	}
	r.applying = r.applied
	if r.role == Leader {
		r.self().match = r.log.stable
		r.maybeCommit()
	}
}
