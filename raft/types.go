// Package raft is Raft as a pure, event-driven state machine (the etcd-io/raft
// shape): Step, Tick and Propose go in, a Ready batch comes out, and the caller
// acknowledges it with Advance. The core has no goroutines, clock or I/O. Host
// binds it to a sim.Env: it persists and syncs before it sends, then applies.
package raft

import "fmt"

// None is the node id meaning "nobody" (no vote, no known leader).
const None = -1

// Role is a node's part in the protocol.
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

// EntryType distinguishes the leader's no-op from commands.
type EntryType uint8

const (
	EntryNormal EntryType = iota
	EntryNoop             // appended by every new leader to commit its term
)

// Entry is one log entry.
type Entry struct {
	Term  uint64
	Index uint64
	Type  EntryType
	Data  []byte
}

// Snapshot is the service's state through Index, whose entry had Term.
type Snapshot struct {
	Index uint64
	Term  uint64
	Data  []byte
}

// HardState is what must be durable before any message that depends on it is
// sent: the current term and the vote cast in it.
type HardState struct {
	Term uint64
	Vote int
}

// MsgType is the kind of a message.
type MsgType uint8

const (
	MsgApp MsgType = iota + 1 // AppendEntries (Entries may be empty)
	MsgAppResp
	MsgVote
	MsgVoteResp
	MsgPreVote
	MsgPreVoteResp
	MsgHeartbeat
	MsgHeartbeatResp
	MsgSnap // InstallSnapshot, the whole snapshot in one message
	msgTypeEnd
)

var msgNames = [...]string{"", "App", "AppResp", "Vote", "VoteResp", "PreVote", "PreVoteResp", "Heartbeat", "HeartbeatResp", "Snap"}

func (t MsgType) String() string {
	if t == 0 || t >= msgTypeEnd {
		return fmt.Sprintf("MsgType(%d)", uint8(t))
	}
	return msgNames[t]
}

// Message is one Raft RPC. Fields are reused across types as in etcd-io/raft:
//
//	MsgApp:       Index/LogTerm = the entry before Entries; Commit = leader's commit
//	MsgAppResp:   Index = last index now matching (or, rejected, the probed Index);
//	              Reject with Hint/HintTerm = where the leader should back up to
//	MsgVote(Pre): Index/LogTerm = candidate's last entry
//	MsgHeartbeat: Commit = min(leader commit, follower match)
//	MsgSnap:      Index/LogTerm = the snapshot's last entry; Snapshot = it;
//	              answered by a MsgAppResp
type Message struct {
	Type     MsgType
	From, To int
	Term     uint64
	LogTerm  uint64
	Index    uint64
	Commit   uint64
	Reject   bool
	Hint     uint64
	HintTerm uint64
	Entries  []Entry
	Snapshot *Snapshot
}

func (m Message) String() string {
	s := fmt.Sprintf("%s %d->%d t%d", m.Type, m.From, m.To, m.Term)
	switch m.Type {
	case MsgApp:
		s += fmt.Sprintf(" prev=%d/t%d n=%d commit=%d", m.Index, m.LogTerm, len(m.Entries), m.Commit)
	case MsgAppResp:
		s += fmt.Sprintf(" index=%d", m.Index)
		if m.Reject {
			s += fmt.Sprintf(" reject hint=%d/t%d", m.Hint, m.HintTerm)
		}
	case MsgVote, MsgPreVote:
		s += fmt.Sprintf(" last=%d/t%d", m.Index, m.LogTerm)
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			s += " reject"
		} else {
			s += " grant"
		}
	case MsgHeartbeat:
		s += fmt.Sprintf(" commit=%d", m.Commit)
	case MsgSnap:
		n := 0
		if m.Snapshot != nil {
			n = len(m.Snapshot.Data)
		}
		s += fmt.Sprintf(" snap=%d/t%d bytes=%d commit=%d", m.Index, m.LogTerm, n, m.Commit)
	}
	return s
}

// Ready is a batch of work for the host. The ordering contract: persist
// HardState and Entries and sync them, then send Messages, then apply
// Committed, then call Advance. Messages may promise (votes, acknowledgements)
// what only the persisted state makes true.
type Ready struct {
	HardState HardState
	// MustSync: HardState or Entries changed and must be synced before sending.
	MustSync bool
	// Entries to append; if Entries[0].Index is at or below the last persisted
	// index, the persisted log is truncated there first.
	Entries []Entry
	// Snapshot, when set, is persisted first, with Entries as the whole log
	// after it (Storage.SaveSnapshot), replacing everything before.
	Snapshot *Snapshot
	// RestoreSnapshot: Snapshot came from the leader; the service restores
	// it after sending and before applying Committed.
	RestoreSnapshot bool
	Messages        []Message
	Committed       []Entry
	// Probes are coverage events that fired in this batch.
	Probes []string
}
