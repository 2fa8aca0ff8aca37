package raft

// Observer watches a node from outside: checkers and coverage probes see what
// the node persisted, decided and applied, but never steer it. Every method is
// called from the node's own step, after the fact.
type Observer interface {
	// Recovered reports what the node read back from disk at start.
	Recovered(node int, rec *Recovered)
	// Persisted reports a synced Ready: the hard state and the entries
	// appended (truncating at Entries[0].Index).
	Persisted(node int, hs HardState, entries []Entry)
	// StateChanged reports a new term, role or leader.
	StateChanged(node int, term uint64, role Role, lead int)
	// CommitAdvanced reports a new commit index.
	CommitAdvanced(node int, commit uint64)
	// Applied reports an entry handed to the service, in order.
	Applied(node int, e *Entry)
	// Sent reports a message as it leaves (after persisting).
	Sent(node int, m *Message)
	// Probe reports a coverage event.
	Probe(node int, name string)
	// SnapshotSaved reports a snapshot made durable, taken here or installed
	// from the leader; Persisted follows with the whole log after it.
	SnapshotSaved(node int, snap *Snapshot)
	// SnapshotRestored reports the service's state replaced by a snapshot
	// (at start, or installed), with the service's state digest after it
	// (0 if it has none). An installed snapshot's commit is reported
	// (CommitAdvanced) before it is restored.
	SnapshotRestored(node int, snap *Snapshot, state uint64)
	// AppliedState reports the service's state digest after applying index.
	AppliedState(node int, index, state uint64)
	// StateSize reports the bytes of durable Raft state after each persist.
	StateSize(node int, bytes int64)
}

// NopObserver observes nothing.
type NopObserver struct{}

func (NopObserver) Recovered(int, *Recovered)               {}
func (NopObserver) Persisted(int, HardState, []Entry)       {}
func (NopObserver) StateChanged(int, uint64, Role, int)     {}
func (NopObserver) CommitAdvanced(int, uint64)              {}
func (NopObserver) Applied(int, *Entry)                     {}
func (NopObserver) Sent(int, *Message)                      {}
func (NopObserver) Probe(int, string)                       {}
func (NopObserver) SnapshotSaved(int, *Snapshot)            {}
func (NopObserver) SnapshotRestored(int, *Snapshot, uint64) {}
func (NopObserver) AppliedState(int, uint64, uint64)        {}
func (NopObserver) StateSize(int, int64)                    {}
