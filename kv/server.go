package kv

import (
	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	Raft raft.HostConfig
	// OpTimeout is how long a request may wait to commit here before the
	// server answers ErrTimeout, so that a clerk stuck with a leader in a
	// minority partition moves on instead of hanging.
	OpTimeout sim.Duration
	// MaxRaftState: when the durable Raft state reaches this many bytes,
	// the server snapshots (every replica, from its apply path); -1: never.
	MaxRaftState int64
	Testing      TestingKnobs // for tests of the checkers only: leave zero
}

// TestingKnobs are switches for tests of detsim's own checkers, kept apart
// from what a production server or clerk needs: leave them zero. In a
// build without -tags detsimbugs the set is empty and every bug path
// compiles away.
type TestingKnobs struct {
	Bugs planted.Set // the planted bugs switched on
}

// DefaultServerConfig is the configuration the scenarios use.
func DefaultServerConfig(peers []int) ServerConfig {
	return ServerConfig{Raft: raft.DefaultHostConfig(peers), OpTimeout: 800 * sim.Millisecond, MaxRaftState: -1}
}

// Server is one replica of the service: a Raft host whose applied entries
// drive a key/value store with a deduplication table.
type Server struct {
	env     sim.Env
	cfg     ServerConfig
	host    *raft.Host
	obs     raft.Observer
	store   map[string]string
	dedup   map[uint64]session // client → its latest executed operation
	digest  stateDigest        // of store and dedup, for the checker
	applied uint64             // the last index applied or restored
	waiting []waiter           // ascending index
	sweep   sim.TimerID
	buf     []byte
}

// session is the deduplication record of one client: the sequence number
// of its latest executed operation and the reply it got.
type session struct {
	seq   uint64
	value string
	// restored: it came from a snapshot, not from an entry applied by this
	// incarnation (for the coverage probe of a retry answered from it).
	restored bool
}

// waiter is a request proposed here, waiting for its index to be applied.
type waiter struct {
	index, term uint64
	from        int // the clerk's node
	client, seq uint64
	deadline    sim.Time
}

// NewServer recovers a replica from env's disk; an error means it must not run.
func NewServer(env sim.Env, cfg ServerConfig, obs raft.Observer) (*Server, error) {
	if obs == nil {
		obs = raft.NopObserver{}
	}
	s := &Server{env: env, cfg: cfg, obs: obs, store: map[string]string{}, dedup: map[uint64]session{}, digest: newStateDigest()}
	h, err := raft.NewHost(env, cfg.Raft, s, obs)
	if err != nil {
		return nil, err
	}
	s.host = h
	return s, nil
}

// Host exposes the Raft host (for status reports).
func (s *Server) Host() *raft.Host { return s.host }

// Receive handles Raft traffic and client requests.
func (s *Server) Receive(from int, msg []byte) error {
	if len(msg) == 0 {
		return nil
	}
	var err error
	switch msg[0] {
	case raft.WireTag:
		err = s.host.Receive(msg)
	case RequestTag:
		err = s.handleRequest(from, msg)
	}
	s.failWaitersIfDeposed()
	return err
}

// Timer drives Raft's ticks and the sweep of timed-out requests.
func (s *Server) Timer(id sim.TimerID) error {
	if id == s.sweep {
		s.sweep = 0
		s.expireWaiters()
		return nil
	}
	_, err := s.host.Timer(id)
	s.failWaitersIfDeposed()
	return err
}

func (s *Server) handleRequest(from int, msg []byte) error {
	op, err := DecodeRequest(msg)
	if err != nil {
		s.obs.Probe(s.env.ID(), "bad-request-dropped") // garbage from the network
		return nil
	}
	if err := op.Validate(); err != nil {
		s.obs.Probe(s.env.ID(), "bad-request-refused")
		s.reply(from, &Reply{Seq: op.Seq, Err: ErrBadRequest, Value: err.Error()})
		return nil
	}
	twice := op.Kind == Append && s.cfg.Testing.Bugs.Has(planted.AppendExecutedTwice)
	if sess, ok := s.dedup[op.Client]; ok && op.Seq <= sess.seq && !twice {
		if op.Seq == sess.seq {
			// A retry of what already executed: answer from the cache.
			s.obs.Probe(s.env.ID(), "duplicate-answered-from-cache")
			if sess.restored {
				s.obs.Probe(s.env.ID(), "dedup-from-restored-table")
			}
			s.reply(from, &Reply{Seq: op.Seq, Value: sess.value})
		}
		return nil // older than the client's latest: it has moved on
	}
	core := s.host.Core()
	if core.Role() != raft.Leader {
		s.reply(from, &Reply{Seq: op.Seq, Err: ErrWrongLeader, Leader: core.Lead()})
		return nil
	}
	if op.Kind == Get && s.cfg.Testing.Bugs.Has(planted.StaleLocalRead) {
		s.reply(from, &Reply{Seq: op.Seq, Value: s.store[op.Key]})
		return nil
	}
	// The waiter goes in before the proposal: a cluster of one commits and
	// applies inside Propose.
	s.waiting = append(s.waiting, waiter{index: core.LastIndex() + 1, term: core.Term(), from: from, client: op.Client,
		seq: op.Seq, deadline: s.env.Now().Add(s.cfg.OpTimeout)})
	s.buf = appendEntry(s.buf[:0], &op)
	if _, _, err := s.host.Propose(append([]byte(nil), s.buf...)); err != nil {
		return err
	}
	if s.sweep == 0 {
		s.sweep = s.env.SetTimer(s.cfg.OpTimeout / 4)
	}
	return nil
}

// Apply executes a committed operation at most once per (client, seq) and
// answers whoever waits for its index.
func (s *Server) Apply(e *raft.Entry) {
	s.applied = e.Index
	if e.Type != raft.EntryNormal {
		s.answerWaiters(e, Op{}, false)
		s.maybeSnapshot(e.Index)
		return
	}
	op, err := decodeEntry(e.Data)
	if err != nil {
		// Entries come from our own leaders' encoder; a bad one is a bug.
		panic("kv: undecodable log entry " + err.Error())
	}
	twice := op.Kind == Append && s.cfg.Testing.Bugs.Has(planted.AppendExecutedTwice)
	if sess, ok := s.dedup[op.Client]; !ok || op.Seq > sess.seq || twice {
		next := session{seq: op.Seq, value: s.execute(&op)}
		s.digest.session(op.Client, sess, ok, next) //detsim:nomutate the checker's digest
		s.dedup[op.Client] = next
	} else {
		s.obs.Probe(s.env.ID(), "duplicate-entry-skipped")
		if sess.restored {
			s.obs.Probe(s.env.ID(), "dedup-from-restored-table")
		}
	}
	s.answerWaiters(e, op, true)
	s.maybeSnapshot(e.Index)
}

// execute applies op and returns what its reply carries: the value for a
// Get, nothing for a write (a hot key's value would otherwise travel back
// with every append).
func (s *Server) execute(op *Op) string {
	switch op.Kind {
	case Put:
		s.store[op.Key] = op.Value
		s.digest.set(op.Key, hashString(op.Value)) //detsim:nomutate the checker's digest
	case Append:
		s.store[op.Key] += op.Value
		s.digest.set(op.Key, s.digest.values[op.Key].extend(op.Value)) //detsim:nomutate the checker's digest
	default:
		return s.store[op.Key]
	}
	return ""
}

// answerWaiters answers the requests proposed at or below this index: the
// one whose entry this is gets its result; any other lost its slot to a
// different leader's entry and is told to look elsewhere.
func (s *Server) answerWaiters(e *raft.Entry, op Op, isOp bool) {
	for len(s.waiting) > 0 && s.waiting[0].index <= e.Index {
		w := s.waiting[0]
		s.waiting = s.waiting[1:]
		if w.index == e.Index && w.term == e.Term && isOp && op.Client == w.client && op.Seq == w.seq {
			rep := &Reply{Seq: w.seq}
			if sess := s.dedup[w.client]; sess.seq == w.seq {
				rep.Value = sess.value
			}
			s.reply(w.from, rep)
			continue
		}
		s.obs.Probe(s.env.ID(), "index-taken-by-other-entry")
		s.reply(w.from, &Reply{Seq: w.seq, Err: ErrWrongLeader, Leader: s.host.Core().Lead()})
	}
}

// failWaitersIfDeposed answers every waiting request at once when this server
// is no longer leader: their entries may never commit. (A leader re-elected in
// a later term keeps them: an entry of its old term still in its log commits
// with the new term's, and answerWaiters checks the term.)
func (s *Server) failWaitersIfDeposed() {
	if len(s.waiting) == 0 {
		return
	}
	c := s.host.Core()
	if c.Role() == raft.Leader {
		return
	}
	s.obs.Probe(s.env.ID(), "deposed-leader-answered")
	for _, w := range s.waiting {
		s.reply(w.from, &Reply{Seq: w.seq, Err: ErrWrongLeader, Leader: c.Lead()})
	}
	s.waiting = s.waiting[:0]
}

// expireWaiters answers ErrTimeout to requests that waited too long.
func (s *Server) expireWaiters() {
	now := s.env.Now()
	kept := s.waiting[:0]
	for _, w := range s.waiting {
		if now >= w.deadline {
			s.obs.Probe(s.env.ID(), "request-timed-out")
			s.reply(w.from, &Reply{Seq: w.seq, Err: ErrTimeout, Leader: s.host.Core().Lead()})
			continue
		}
		kept = append(kept, w)
	}
	s.waiting = kept
	if len(s.waiting) > 0 {
		s.sweep = s.env.SetTimer(s.cfg.OpTimeout / 4)
	}
}

func (s *Server) reply(to int, rep *Reply) {
	s.buf = AppendReply(s.buf[:0], rep)
	s.env.Send(to, s.buf)
}

// maybeSnapshot hands Raft a snapshot through index once the durable Raft
// state has reached MaxRaftState (and the last snapshot is persisted: until
// then the size has not come down yet).
func (s *Server) maybeSnapshot(index uint64) {
	limit := s.cfg.MaxRaftState
	if limit < 0 || s.host.SnapshotPending() || s.host.StorageSize() < limit {
		return
	}
	dedup := s.dedup
	if s.cfg.Testing.Bugs.Has(planted.DedupMissingFromSnapshot) {
		dedup = nil
	}
	if err := s.host.Compact(index, encodeSnapshot(s.store, dedup)); err != nil {
		// Apply hands us only committed entries above the last snapshot.
		panic("kv: snapshot refused: " + err.Error())
	}
}

// Restore replaces the state by a snapshot's, if it is newer than what was
// applied (Raft never hands an older one; a service must not trust that).
func (s *Server) Restore(snap *raft.Snapshot) error {
	if snap.Index <= s.applied {
		s.obs.Probe(s.env.ID(), "snapshot-older-ignored")
		return nil
	}
	store, dedup, err := decodeSnapshot(snap.Data)
	if err != nil {
		return err
	}
	for c, sess := range dedup {
		sess.restored = true
		dedup[c] = sess
	}
	s.store, s.dedup, s.applied = store, dedup, snap.Index
	s.digest = rebuildDigest(store, dedup) //detsim:nomutate the checker's digest
	// Requests waiting at or below the snapshot were decided by entries we
	// will never apply here: send the clerks elsewhere (a retry of one
	// that executed is answered from the restored table).
	for len(s.waiting) > 0 && s.waiting[0].index <= snap.Index {
		w := s.waiting[0]
		s.waiting = s.waiting[1:]
		s.reply(w.from, &Reply{Seq: w.seq, Err: ErrWrongLeader, Leader: s.host.Core().Lead()})
	}
	return nil
}

// StateDigest is the digest of the store and the dedup table.
func (s *Server) StateDigest() uint64 { return s.digest.sum }
