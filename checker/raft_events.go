package checker

// Raft's events, as the checker hears them. The checker knows no Raft
// library: an adapter on the system's side (raft/raftcheck for the bundled
// Raft) turns what a node reports into these neutral values and calls the
// event methods of Raft, one event at a time, from the node's own step and
// after the fact. The values are small and passed by value, so feeding the
// checker costs no allocation per event.
//
// The events and when each must be reported:
//
//   - Recovered: a node started and read back its durable state (hard state,
//     newest snapshot if any); one Append follows for each log entry after
//     the snapshot, in index order. Report it before anything else of that
//     incarnation; it resets what the node has committed and applied.
//   - Persisted: a batch was synced, with the hard state now durable; one
//     Append follows for each entry the batch wrote, in index order, the
//     first replacing the log from its index on. Report it after the sync,
//     before any message that depends on it is sent.
//   - SnapshotSaved: a snapshot was made durable, taken or installed; a
//     Persisted follows with the log after it.
//   - StateChanged: a node's term, role or known leader changed.
//   - CommitAdvanced: a node's commit index moved forward.
//   - Applied: an entry was handed to the service, in index order; then
//     AppliedState with the service's state digest after it, if it keeps one.
//   - SnapshotRestored: the service's state was replaced by a snapshot (at
//     start, or installed), with the state digest after it.
//   - VoteRequested, VoteGranted, AppendAcked, HeartbeatSent, AppendSent:
//     a message left the node (after the persist it depends on), asking
//     for a vote (with the end of the candidate's log it claims), granting
//     one (every granted vote: a leader must show a majority of them),
//     acknowledging to the leader of a term that its log matches through
//     an index, as a leader's heartbeat, or as an append of so many
//     entries from an index.
//   - AppendRejected, BackingUp, SnapshotSent (fast backup, opt-in): a
//     refusal of an append with its hint; a leader about to answer one
//     (its next AppendSent is the answer); a snapshot sent instead.
//   - StateSize: the bytes of durable Raft state after each persist.
//   - Probe: a coverage event the node reports.

// NoNode is the node id meaning "nobody": no vote, no known leader.
const NoNode = -1

// Role is a node's part in the protocol. Its text reaches summaries.
type Role uint8

const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	return [...]string{"follower", "precandidate", "candidate", "leader"}[r]
}

// HardState is what a node holds durable about its term: the term and the
// vote cast in it (NoNode: none).
type HardState struct {
	Term uint64
	Vote int
}

// Entry is one log entry as the checker needs it: where it is, a digest of
// everything it holds (two entries are the same iff their digests are), the
// bytes of its payload, and whether it is a client's command (not a
// leader's no-op).
type Entry struct {
	Index, Term uint64
	Digest      uint64
	Size        int
	Command     bool
}

// Snapshot is a service state through Index, whose entry had Term: a digest
// of its data and the data's size in bytes.
type Snapshot struct {
	Index, Term uint64
	Digest      uint64
	Size        int
}

// batch is where a node's next Append goes.
type batch uint8

const (
	batchStart      batch = iota // after Persisted: the next Append replaces the log from its index on
	batchContinue                // the next Append extends the log
	batchRecovering              // after Recovered: as batchContinue, and the first fires restart-recovered
	batchRejected                // this batch started where no log can continue: ignore the rest
)

// Recovered is reported when a node starts, before anything else of that
// incarnation: the hard state and newest snapshot (nil if none) it read
// back; one Append per log entry after the snapshot follows. It resets the
// node's volatile view: it will apply again from its snapshot (whose
// restore is reported next), or from the start.
func (c *Raft) Recovered(node int, hs HardState, snap *Snapshot) {
	c.forgetStep(node)
	c.settle(node)
	n := &c.nodes[node]
	c.durableTermMoved(node, hs, "read back")
	c.expectRecovery(node)
	n.ack = acked{}
	n.log, n.chain = n.log[:0], n.chain[:0]
	n.commit, n.lastApplied = 0, 0
	n.term, n.role, n.lead = hs.Term, Follower, NoNode
	n.hs, n.batch = hs, batchRecovering
	if snap != nil {
		c.rebase(node, snap.Index, snap.Term)
		c.recoveredSnapshot(node, snap.Index)
		n.commit, n.batch = snap.Index, batchContinue
		c.Probe(node, "restart-recovered")
	}
}

// Persisted is reported after a node synced a batch and before it sends
// anything that depends on it: the hard state now durable; one Append per
// entry the batch wrote follows.
func (c *Raft) Persisted(node int, hs HardState) {
	c.settle(node)
	n := &c.nodes[node]
	c.durableTermMoved(node, hs, "persisted")
	n.hs, n.batch = hs, batchStart
}

// Append is reported for each entry of the batch Persisted or Recovered
// opened, in index order; after Persisted, the first replaces the node's log
// from its index on.
func (c *Raft) Append(node int, e Entry) {
	n := &c.nodes[node]
	switch n.batch {
	case batchRejected:
		return
	case batchStart:
		if !c.truncate(node, e.Index) {
			n.batch = batchRejected
			return
		}
	case batchRecovering:
		c.Probe(node, "restart-recovered")
	}
	n.batch = batchContinue
	c.appendEntry(node, e)
}
