// Package raftcheck feeds detsim's Raft checker from the bundled Raft: it
// turns what a node reports through raft.Observer into checker.Raft's
// neutral events. It lives on the system's side so that the engine's
// checker imports no system, and apart from package raft so that a
// production build of raft links neither the checker nor Porcupine.
package raftcheck

import (
	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// Observer is a raft.Observer that reports to a checker.Raft. It allocates
// nothing per event: each report becomes one or more calls with values.
type Observer struct{ c *checker.Raft }

// Observe returns an Observer reporting to c.
func Observe(c *checker.Raft) Observer { return Observer{c: c} }

var _ raft.Observer = Observer{}

// Recovered reports the hard state and snapshot read back, then the log.
func (o Observer) Recovered(node int, rec *raft.Recovered) {
	var snap *checker.Snapshot
	if rec.Snapshot != nil {
		s := snapshot(rec.Snapshot)
		snap = &s
	}
	o.c.Recovered(node, hardState(rec.HardState), snap)
	o.appendAll(node, rec.Entries)
}

// Persisted reports the synced hard state, then each entry written.
func (o Observer) Persisted(node int, hs raft.HardState, entries []raft.Entry) {
	o.c.Persisted(node, hardState(hs))
	o.appendAll(node, entries)
}

func (o Observer) appendAll(node int, entries []raft.Entry) {
	for i := range entries {
		o.c.Append(node, entry(&entries[i]))
	}
}

func (o Observer) StateChanged(node int, term uint64, r raft.Role, lead int) {
	o.c.StateChanged(node, term, role(r), nodeID(lead))
}

func (o Observer) CommitAdvanced(node int, commit uint64) { o.c.CommitAdvanced(node, commit) }

func (o Observer) Applied(node int, e *raft.Entry) { o.c.Applied(node, entry(e)) }

// Sent reports what the checker judges of a message: a vote request's
// claim, a granted vote, an acknowledged append, a heartbeat, the size of
// an append. Refusals promise nothing.
func (o Observer) Sent(node int, m *raft.Message) {
	switch {
	case m.Type == raft.MsgVote:
		o.c.VoteRequested(node, m.Term, m.Index, m.LogTerm)
	case m.Type == raft.MsgVoteResp && !m.Reject:
		o.c.VoteGranted(node, m.To, m.Term)
	case m.Type == raft.MsgAppResp && !m.Reject:
		o.c.AppendAcked(node, m.To, m.Term, m.Index)
	case m.Type == raft.MsgAppResp:
		o.c.AppendRejected(node, m.To, m.Term, m.Index, m.Hint, m.HintTerm)
	case m.Type == raft.MsgSnap:
		o.c.SnapshotSent(node, m.To)
	case m.Type == raft.MsgHeartbeat:
		o.c.HeartbeatSent(node, m.To)
	case m.Type == raft.MsgApp:
		o.c.AppendSent(node, m.To, m.Index+1, len(m.Entries))
	}
}

// Probe reports a coverage event; the leader's "fast-backup" also says
// that the AppendEntries it sends next answers a rejection.
func (o Observer) Probe(node int, name string) {
	if name == "fast-backup" {
		o.c.BackingUp(node)
	}
	o.c.Probe(node, name)
}

func (o Observer) SnapshotSaved(node int, s *raft.Snapshot) { o.c.SnapshotSaved(node, snapshot(s)) }

func (o Observer) SnapshotRestored(node int, s *raft.Snapshot, state uint64) {
	o.c.SnapshotRestored(node, snapshot(s), state)
}

func (o Observer) AppliedState(node int, index, state uint64) { o.c.AppliedState(node, index, state) }

func (o Observer) StateSize(node int, bytes int64) { o.c.StateSize(node, bytes) }

// entry is what the checker needs of e. The digest covers the data, the
// type and the term: two entries are the same iff they agree on all three.
func entry(e *raft.Entry) checker.Entry {
	return checker.Entry{Index: e.Index, Term: e.Term, Digest: sim.Key(sim.Digest(e.Data), uint64(e.Type), e.Term),
		Size: len(e.Data), Command: e.Type == raft.EntryNormal}
}

func snapshot(s *raft.Snapshot) checker.Snapshot {
	return checker.Snapshot{Index: s.Index, Term: s.Term, Digest: sim.Digest(s.Data), Size: len(s.Data)}
}

func hardState(hs raft.HardState) checker.HardState {
	return checker.HardState{Term: hs.Term, Vote: nodeID(hs.Vote)}
}

var roles = [...]checker.Role{
	raft.Follower:     checker.Follower,
	raft.PreCandidate: checker.PreCandidate,
	raft.Candidate:    checker.Candidate,
	raft.Leader:       checker.Leader,
}

func role(r raft.Role) checker.Role { return roles[r] }

func nodeID(id int) int {
	if id == raft.None {
		return checker.NoNode
	}
	return id
}
