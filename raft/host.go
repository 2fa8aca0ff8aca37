package raft

import (
	"fmt"

	"detsim/sim"
)

// Applier is the service on top of Raft: it receives committed entries in
// order, exactly once per incarnation.
type Applier interface {
	Apply(e *Entry)
}

// HostConfig configures a Host.
type HostConfig struct {
	Peers          []int
	TickInterval   int64 // nanoseconds of the node's clock per tick
	ElectionTicks  int
	HeartbeatTicks int
	PreVote        bool
	CheckQuorum    bool
	MaxBatch       int
	MaxInflight    int
}

// DefaultHostConfig ticks every 10 ms, heartbeats every 110 ms (at most 10 a
// second even on a clock that runs fast) and times elections out after
// 300–600 ms, so a new leader appears well within 5 s of losing the old one.
func DefaultHostConfig(peers []int) HostConfig {
	return HostConfig{
		Peers: peers, TickInterval: 10_000_000, ElectionTicks: 30, HeartbeatTicks: 11,
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
	core := New(Config{
		ID: env.ID(), Peers: cfg.Peers, ElectionTicks: cfg.ElectionTicks, HeartbeatTicks: cfg.HeartbeatTicks,
		PreVote: cfg.PreVote, CheckQuorum: cfg.CheckQuorum, MaxBatch: cfg.MaxBatch, MaxInflight: cfg.MaxInflight,
		Rand: env.Rand(),
	}, rec.HardState, rec.Entries)
	h := &Host{env: env, cfg: cfg, core: core, store: store, app: app, obs: obs, lead: None, role: Follower}
	h.tick = env.SetTimer(cfg.TickInterval)
	return h, h.flush()
}

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
	id := h.env.ID()
	for h.core.HasReady() {
		rd := h.core.Ready()
		for _, p := range rd.Probes {
			h.obs.Probe(id, p)
		}
		if rd.MustSync {
			if err := h.store.Save(rd.HardState, rd.Entries); err != nil {
				return fmt.Errorf("n%d persist: %w", id, err)
			}
			h.obs.Persisted(id, rd.HardState, rd.Entries)
		}
		h.observeState()
		for i := range rd.Messages {
			m := &rd.Messages[i]
			h.buf = AppendMessage(h.buf[:0], m)
			h.env.Send(m.To, h.buf)
			h.obs.Sent(id, m)
		}
		for i := range rd.Committed {
			h.app.Apply(&rd.Committed[i])
			h.obs.Applied(id, &rd.Committed[i])
		}
		h.core.Advance(rd)
	}
	h.observeState()
	return nil
}

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
