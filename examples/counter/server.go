package counter

import (
	"errors"
	"io/fs"

	"github.com/detsim/detsim/sim"
)

// The protocol, in the style of Viewstamped Replication.
//
// A server's durable state is its view (the highest it has adopted: it
// accepts nothing from an older one) and the state it last stored, with
// the view whose primary wrote it. The primary of view v is server v mod N.
//
// Operations: the primary takes one client request at a time, writes the
// state that follows it (with its view and the next operation number) to
// its own disk, sends it whole to every backup, and answers the client once
// a majority (itself included) has stored it. A backup stores a state from
// its view's primary if it is newer than its own, and acknowledges. The
// primary re-sends its state as a heartbeat, which repairs lost messages.
// Each client's last result is part of the state, so a retried request is
// answered again, never applied twice; a read goes through the same path,
// so a deposed primary cannot answer one from an old state.
//
// View changes: a backup that hears nothing from its primary for a while
// adopts the next view (durably, before anything else) and sends its state
// to that view's primary; a server that hears of a higher view adopts it
// and does the same. The new primary starts serving once it holds the
// states of a majority, from the newest of them (the highest view that
// wrote it, then the highest operation number). Every operation a client
// was answered for is stored by a majority, and any two majorities share a
// server, which adopted the new view only after storing it: the new
// primary's state holds it. A primary serves a view at most once (a
// restarted one never resumes it), so one view has one sequence of states.

const stateFile, tmpFile = "state", "state.tmp"

type server struct {
	env      sim.Env
	cfg      Config
	id, n    int
	st       state // as on disk
	active   bool  // serving as the primary of st.View
	queue    []request
	inflight *inflight
	votes    map[int]state // as the next view's primary: the states received
	heard    sim.Time      // when this server last heard its primary
	silence  sim.Duration  // how long it waits before it moves on
}

type request struct {
	client int
	op     Op
}

type inflight struct {
	req      request
	opNum    uint64
	result   int64
	acks     map[int]bool
	answered bool
}

// NewServer starts a counter server from what its disk holds; damaged state
// is an error, which stops the node.
func NewServer(env sim.Env, cfg Config) (sim.Process, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(env.ID()); err != nil {
		return nil, err
	}
	s := &server{env: env, cfg: cfg, id: env.ID(), n: cfg.Servers, st: state{Clients: map[int]lastOp{}}}
	data, err := env.FS().ReadFile(stateFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if s.st, err = decodeState(data); err != nil {
			return nil, err
		}
	}
	cfg.Observer.ViewAdopted(s.id, s.st.View)
	s.listen()
	env.SetTimer(cfg.Heartbeat)
	return s, nil
}

func (s *server) primary(view uint64) int { return int(view % uint64(s.n)) }
func (s *server) majority(k int) bool     { return k > s.n/2 }

// listen restarts the wait for the primary, with a timeout drawn anew.
func (s *server) listen() {
	s.heard, s.silence = s.env.Now(), s.cfg.Timeout+s.env.Rand().Duration(0, s.cfg.Timeout)
}

// persist makes st durable (a new file, synced, renamed over the old one,
// the directory synced), then adopts it.
func (s *server) persist(st state) error {
	f := s.env.FS()
	for _, step := range []func() error{
		func() error { return f.Create(tmpFile) },
		func() error { return f.Append(tmpFile, st.encode(nil)) },
		func() error { return f.Sync(tmpFile) },
		func() error { return f.Rename(tmpFile, stateFile) },
		f.SyncDir,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	if st.View > s.st.View {
		s.cfg.Observer.ViewAdopted(s.id, st.View)
	}
	if st.newer(&s.st) {
		s.cfg.Observer.Stored(s.id, st.StateView, st.Count)
	}
	s.st = st
	return nil
}

func (s *server) send(to int, m msg) { s.env.Send(to, m.encode()) }

func (s *server) broadcast(m msg) {
	for i := 0; i < s.n; i++ {
		if i != s.id {
			s.send(i, m)
		}
	}
}

func (s *server) Receive(from int, p []byte) error {
	m, err := decode(p)
	if err != nil {
		return nil // not a message of ours: the network's problem, not the node's
	}
	switch m.tag {
	case tagRequest:
		return s.onRequest(request{client: from, op: Op{Seq: m.Seq, Kind: m.Kind, Delta: m.Delta}})
	case tagStore:
		return s.onStore(from, m)
	case tagAck:
		return s.onAck(from, m)
	case tagChange:
		return s.onChange(from, m)
	}
	return nil
}

func (s *server) Timer(sim.TimerID) error {
	defer s.env.SetTimer(s.cfg.Heartbeat)
	switch {
	case s.active:
		s.broadcast(msg{tag: tagStore, View: s.st.View, State: s.st})
	case s.env.Now().Sub(s.heard) > s.silence:
		return s.enterView(s.st.View + 1)
	case s.st.StateView < s.st.View && s.primary(s.st.View) != s.id:
		s.send(s.primary(s.st.View), msg{tag: tagChange, View: s.st.View, State: s.st}) // in case it was lost
	}
	return nil
}
