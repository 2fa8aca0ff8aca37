package raft

import (
	"errors"
	"slices"

	"github.com/detsim/detsim/planted"
)

// ErrNotLeader is returned by Propose on a node that is not the leader.
var ErrNotLeader = errors.New("not the leader")

// Rand is the random stream the core draws election timeouts from.
type Rand interface{ Below(n uint64) uint64 }

// Config configures one node's core.
type Config struct {
	ID    int
	Peers []int // every voter, this node included
	// ElectionTicks is the minimum election timeout; each timeout is drawn
	// anew from [ElectionTicks, 2·ElectionTicks) whenever it is reset.
	ElectionTicks  int
	HeartbeatTicks int
	PreVote        bool
	CheckQuorum    bool
	MaxBatch       int // entries per AppendEntries
	MaxInflight    int // pipelined AppendEntries per follower
	Rand           Rand
	Testing        TestingKnobs
}

// TestingKnobs are switches for tests of detsim's own checkers, kept apart
// from the configuration a production node needs: leave them zero. In a
// build without -tags detsimbugs the set is empty and every bug path
// compiles away.
type TestingKnobs struct {
	Bugs planted.Set // the planted bugs switched on
}

// Raft is the core state machine of one node.
type Raft struct {
	cfg  Config
	id   int
	term uint64
	vote int
	role Role
	lead int
	log  raftLog

	commit   uint64
	applied  uint64 // applied by the service (acknowledged by Advance)
	applying uint64 // handed out in the Ready being worked on

	snapshot    *Snapshot // the latest, taken or installed; nil if none
	snapDirty   bool      // snapshot must be persisted
	snapRestore bool      // snapshot must be restored by the service

	prs   []progress // by position in cfg.Peers; leader only
	votes map[int]bool

	electionElapsed   int
	heartbeatElapsed  int
	randomizedTimeout int
	pendingBcast      bool

	msgs    []Message
	scratch []uint64
	probes  []string
	savedHS HardState
}

// New builds a core from what was recovered from storage.
func New(cfg Config, hs HardState, entries []Entry) *Raft {
	return NewFromSnapshot(cfg, hs, nil, entries)
}

// NewFromSnapshot builds a core from a recovered snapshot (nil: none) and the
// entries after it. The service must already hold the snapshot's state: the
// core starts with everything through it committed and applied.
func NewFromSnapshot(cfg Config, hs HardState, snap *Snapshot, entries []Entry) *Raft {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 8
	}
	cfg.Peers = slices.Clone(cfg.Peers)
	slices.Sort(cfg.Peers)
	r := &Raft{cfg: cfg, id: cfg.ID, term: hs.Term, vote: hs.Vote, lead: None, savedHS: hs}
	if snap != nil {
		r.snapshot = snap
		r.log.snapIndex, r.log.snapTerm = snap.Index, snap.Term
		r.commit, r.applied = snap.Index, snap.Index
	}
	r.log.entries = cloneEntries(entries)
	r.log.stable = r.log.lastIndex()
	r.becomeFollower(r.term, None)
	return r
}

// Term, Role, Lead, Commit, Applied, LastIndex expose the core's state to its
// host (for observers and status lines), never to steer it.
func (r *Raft) Term() uint64      { return r.term }
func (r *Raft) Role() Role        { return r.role }
func (r *Raft) Lead() int         { return r.lead }
func (r *Raft) Commit() uint64    { return r.commit }
func (r *Raft) Applied() uint64   { return r.applied }
func (r *Raft) LastIndex() uint64 { return r.log.lastIndex() }
func (r *Raft) HardState() HardState {
	return HardState{Term: r.term, Vote: r.vote}
}

func (r *Raft) quorum() int {
	if r.cfg.Testing.Bugs.Has(planted.QuorumOffByOne) {
		return max(len(r.cfg.Peers)/2, 1)
	}
	return len(r.cfg.Peers)/2 + 1
}

func (r *Raft) send(m Message) {
	m.From = r.id
	if m.Term == 0 {
		m.Term = r.term
	}
	r.msgs = append(r.msgs, m)
}

func (r *Raft) probe(name string) { r.probes = append(r.probes, name) }

func (r *Raft) resetTimers() {
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	base := r.cfg.ElectionTicks
	r.randomizedTimeout = base + int(r.cfg.Rand.Below(uint64(base)))
}

func (r *Raft) becomeFollower(term uint64, lead int) {
	if term > r.term {
		r.term = term
		r.vote = None
	}
	r.role = Follower
	r.lead = lead
	r.prs = nil
	r.resetTimers()
}

func (r *Raft) becomePreCandidate() {
	r.role = PreCandidate
	r.lead = None
	r.votes = map[int]bool{r.id: true}
	r.resetTimers()
	r.requestVotes(MsgPreVote, r.term+1)
}

func (r *Raft) becomeCandidate() {
	r.term++
	r.vote = r.id
	r.role = Candidate
	r.lead = None
	r.votes = map[int]bool{r.id: true}
	r.resetTimers()
	r.requestVotes(MsgVote, r.term)
}

func (r *Raft) requestVotes(t MsgType, term uint64) {
	if r.tallyWon() {
		r.wonVote(t)
		return
	}
	for _, p := range r.cfg.Peers {
		if p != r.id {
			r.send(Message{Type: t, To: p, Term: term, Index: r.log.lastIndex(), LogTerm: r.log.lastTerm()})
		}
	}
}

func (r *Raft) becomeLeader() {
	r.role = Leader
	r.lead = r.id
	r.resetTimers()
	r.prs = make([]progress, len(r.cfg.Peers))
	for i, p := range r.cfg.Peers {
		r.prs[i] = progress{id: p, next: r.log.lastIndex() + 1, active: true}
	}
	r.self().match = r.log.stable
	r.log.append(Entry{Term: r.term, Index: r.log.lastIndex() + 1, Type: EntryNoop})
	r.pendingBcast = true
}

func (r *Raft) self() *progress { return r.peer(r.id) }

func (r *Raft) peer(id int) *progress {
	for i := range r.prs {
		if r.prs[i].id == id {
			return &r.prs[i]
		}
	}
	return nil
}

// Tick advances the core's logical clock by one tick.
func (r *Raft) Tick() {
	if r.role == Leader {
		r.tickLeader()
		return
	}
	r.electionElapsed++
	if r.electionElapsed >= r.randomizedTimeout {
		r.campaign()
	}
}

func (r *Raft) campaign() {
	if r.cfg.PreVote {
		r.becomePreCandidate()
	} else {
		r.becomeCandidate()
	}
}

func (r *Raft) tickLeader() {
	r.heartbeatElapsed++
	r.electionElapsed++
	if r.electionElapsed >= r.cfg.ElectionTicks {
		r.electionElapsed = 0
		if r.cfg.CheckQuorum && !r.quorumActive() {
			r.probe("checkquorum-stepdown")
			r.becomeFollower(r.term, None)
			return
		}
	}
	if r.heartbeatElapsed >= r.cfg.HeartbeatTicks || r.cfg.Testing.Bugs.Has(planted.HeartbeatStorm) {
		r.heartbeatElapsed = 0
		r.bcastHeartbeat()
	}
}

// quorumActive reports whether a quorum was heard from during the last
// election timeout, and starts a new round.
func (r *Raft) quorumActive() bool {
	n := 0
	for i := range r.prs {
		pr := &r.prs[i]
		if pr.id == r.id || pr.active {
			n++
		}
		pr.active = false
	}
	return n >= r.quorum()
}

// Propose appends a command to the leader's log and replicates it at once
// (with the next Ready, batched with whatever else is proposed before then).
func (r *Raft) Propose(data []byte) (index, term uint64, err error) {
	if r.role != Leader {
		return 0, 0, ErrNotLeader
	}
	index = r.log.lastIndex() + 1
	r.log.append(Entry{Term: r.term, Index: index, Data: data})
	r.pendingBcast = true
	return index, r.term, nil
}
