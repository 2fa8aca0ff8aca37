package raft

import (
	"errors"
	"fmt"

	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/sim"
)

// Applier is the service on top of Raft: it receives committed entries in
// order, exactly once per incarnation, and snapshots in their place: at start
// the one on disk, later any the leader installs. Restore replaces the whole
// state; an error (the data cannot be decoded) stops the node.
type Applier interface {
	Apply(e *Entry)
	Restore(snap *Snapshot) error
}

// StateDigester is a service whose state has a digest. The host reports it
// after every apply and restore, so a checker can compare replicas index by
// index, snapshots included.
type StateDigester interface {
	StateDigest() uint64
}

// HostConfig configures a Host.
type HostConfig struct {
	Peers          []int
	TickInterval   sim.Duration // of the node's clock, per tick
	ElectionTicks  int
	HeartbeatTicks int
	PreVote        bool
	CheckQuorum    bool
	MaxBatch       int
	MaxInflight    int
	Testing        TestingKnobs // for tests of the checkers only: leave zero
}

// DefaultHostConfig ticks every 10 ms, heartbeats every 110 ms (at most 10 a
// second even on a clock that runs fast) and times elections out after
// 300–600 ms, so a new leader appears well within 5 s of losing the old one.
func DefaultHostConfig(peers []int) HostConfig {
	return HostConfig{
		Peers: peers, TickInterval: 10 * sim.Millisecond, ElectionTicks: 30, HeartbeatTicks: 11,
		PreVote: true, CheckQuorum: true, MaxBatch: 64, MaxInflight: 8,
	}
}

// Host binds a core to an environment. On each input it steps the core, then
// for each Ready persists and syncs, then sends, then applies.
type Host struct {
	env   sim.Env
	cfg   HostConfig
	core  *Raft
	store *Storage
	app   Applier
	obs   Observer
	tick  sim.TimerID
	buf   []byte

	digester StateDigester // app, if it digests its state
	flushing bool

	term   uint64
	role   Role
	lead   int
	commit uint64
}

// NewHost recovers the node's state from env's disk and starts ticking. An
// error means the disk is damaged (or failed) and the node must not run.
func NewHost(env sim.Env, cfg HostConfig, app Applier, obs Observer) (*Host, error) {
	if obs == nil {
		obs = NopObserver{}
	}
	store, rec, err := OpenStorage(env.FS())
	if err != nil {
		return nil, fmt.Errorf("n%d recovery: %w", env.ID(), err)
	}
	obs.Recovered(env.ID(), &rec)
	if rec.DroppedTail {
		obs.Probe(env.ID(), "torn-tail-dropped")
	}
	h := &Host{env: env, cfg: cfg, store: store, app: app, obs: obs, lead: None, role: Follower}
	h.digester, _ = app.(StateDigester)
	if rec.Snapshot != nil {
		if err := h.restore(rec.Snapshot); err != nil {
			return nil, err
		}
		obs.Probe(env.ID(), "restart-from-snapshot")
	}
	h.core = NewFromSnapshot(Config{
		ID: env.ID(), Peers: cfg.Peers, ElectionTicks: cfg.ElectionTicks, HeartbeatTicks: cfg.HeartbeatTicks,
		PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum, MaxBatch: cfg.MaxBatch, MaxInflight: cfg.MaxInflight,
		Rand: env.Rand(), Testing: cfg.Testing,
	}, rec.HardState, rec.Snapshot, rec.Entries)
	h.tick = env.SetTimer(cfg.TickInterval)
	return h, h.flush()
}

// restore hands a snapshot to the service and reports the state it left.
func (h *Host) restore(snap *Snapshot) error {
	if err := h.app.Restore(snap); err != nil {
		return fmt.Errorf("n%d restore snapshot at %d: %w", h.env.ID(), snap.Index, err)
	}
	h.obs.SnapshotRestored(h.env.ID(), snap, h.stateDigest())
	return nil
}

// stateDigest is the service's state digest for the observer, 0 if it
// keeps none.
//
//detsim:nomutate the observer's view
func (h *Host) stateDigest() uint64 {
	if h.digester == nil {
		return 0
	}
	return h.digester.StateDigest()
}

// Compact gives Raft the service's snapshot through index (see Raft.Compact);
// it is persisted, with the log after it, before the next messages go out.
// The service may call it from Apply.
func (h *Host) Compact(index uint64, data []byte) error {
	if h.core == nil {
		return errors.New("raft: Compact called while the host is starting (from Restore)")
	}
	if err := h.core.Compact(index, data); err != nil {
		return err
	}
	h.obs.Probe(h.env.ID(), "snapshot-taken")
	if h.flushing {
		return nil // the running flush persists it
	}
	return h.flush()
}

// SnapshotPending reports a snapshot taken but not yet persisted.
func (h *Host) SnapshotPending() bool { return h.core.snapDirty }

// Core exposes the state machine for status reports (never to steer it).
func (h *Host) Core() *Raft { return h.core }

// StorageSize is the bytes of durable Raft state.
func (h *Host) StorageSize() int64 { return h.store.Size() }

// Receive handles a Raft message from the network. Undecodable bytes are
// dropped: the network may deliver anything.
func (h *Host) Receive(msg []byte) error {
	m, err := DecodeMessage(msg)
	if err != nil {
		h.obs.Probe(h.env.ID(), "bad-message-dropped")
		return nil
	}
	h.core.Step(m)
	return h.flush()
}

// Timer handles a timer firing; it reports false for timers it does not own.
func (h *Host) Timer(id sim.TimerID) (bool, error) {
	if id != h.tick {
		return false, nil
	}
	h.tick = h.env.SetTimer(h.cfg.TickInterval)
	h.core.Tick()
	return true, h.flush()
}

// Propose submits a command if this node leads; it is replicated at once.
func (h *Host) Propose(data []byte) (index, term uint64, err error) {
	index, term, err = h.core.Propose(data)
	if err != nil {
		return 0, 0, err
	}
	return index, term, h.flush()
}

// flush drains the core's Ready batches in the order the contract demands.
func (h *Host) flush() error {
	h.flushing = true
	defer func() { h.flushing = false }()
	id := h.env.ID()
	for h.core.HasReady() {
		rd := h.core.Ready()
		for _, p := range rd.Probes {
			h.obs.Probe(id, p)
		}
		ackFirst := h.cfg.Testing.Bugs.Has(planted.AckBeforeSync)
		if ackFirst {
			h.send(rd.Messages)
		}
		if err := h.persist(&rd); err != nil {
			return err
		}
		h.observeState() //detsim:nomutate the observer's view
		if !ackFirst {
			h.send(rd.Messages)
		}
		if rd.RestoreSnapshot {
			if err := h.restore(rd.Snapshot); err != nil {
				return err
			}
			h.obs.Probe(id, "snapshot-installed")
		}
		for i := range rd.Committed {
			e := &rd.Committed[i]
			h.app.Apply(e)
			h.obs.Applied(id, e)
			if h.digester != nil {
				h.obs.AppliedState(id, e.Index, h.digester.StateDigest())
			}
		}
		h.core.Advance(rd)
	}
	h.observeState() //detsim:nomutate the observer's view
	return nil
}

func (h *Host) send(msgs []Message) {
	for i := range msgs {
		m := &msgs[i]
		h.buf = AppendMessage(h.buf[:0], m)
		h.env.Send(m.To, h.buf)
		h.obs.Sent(h.env.ID(), m)
	}
}

// persist makes a Ready's hard state, entries and snapshot durable.
func (h *Host) persist(rd *Ready) error {
	id := h.env.ID()
	hs := rd.HardState
	if h.cfg.Testing.Bugs.Has(planted.VoteNotPersisted) {
		hs.Vote = None
	}
	switch {
	case rd.Snapshot != nil:
		if err := h.store.SaveSnapshot(hs, rd.Snapshot, rd.Entries); err != nil {
			return fmt.Errorf("n%d persist snapshot: %w", id, err)
		}
		h.obs.SnapshotSaved(id, rd.Snapshot)
	case rd.MustSync:
		if err := h.store.Save(hs, rd.Entries); err != nil {
			return fmt.Errorf("n%d persist: %w", id, err)
		}
	default:
		return nil
	}
	h.obs.Persisted(id, hs, rd.Entries) // what is on disk, not what was meant
	h.obs.StateSize(id, h.store.Size())
	return nil
}

// observeState reports to the observer what changed since it last
// looked: what the node tells its checker, never what it does.
//
//detsim:nomutate the observer's view
func (h *Host) observeState() {
	c := h.core
	if c.Term() != h.term || c.Role() != h.role || c.Lead() != h.lead {
		h.term, h.role, h.lead = c.Term(), c.Role(), c.Lead()
		h.obs.StateChanged(h.env.ID(), h.term, h.role, h.lead)
	}
	if c.Commit() != h.commit {
		h.commit = c.Commit()
		h.obs.CommitAdvanced(h.env.ID(), h.commit)
	}
}
