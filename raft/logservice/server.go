package logservice

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// Server is the service's server: a Raft host whose service just
// acknowledges each client's command once it is applied. Its state is a
// running digest of the commands applied, so snapshots (every snapEvery
// entries, if set) have something real to carry and the checker can compare
// replicas index by index.
type Server struct {
	env       sim.Env
	host      *raft.Host
	pending   []pendingCmd // ascending index
	buf       []byte
	state     uint64 // digest of every command applied, in order
	applied   uint64
	snapEvery uint64
}

type pendingCmd struct {
	index, term uint64
	client      int
	seq         uint64
}

// NewServer starts a server over a Raft host; it snapshots every snapEvery
// applied entries (0: never), and obs hears the host's events.
func NewServer(env sim.Env, cfg raft.HostConfig, snapEvery int, obs raft.Observer) (sim.Process, error) {
	s := &Server{env: env, snapEvery: uint64(snapEvery), state: 1}
	h, err := raft.NewHost(env, cfg, s, obs)
	if err != nil {
		return nil, err
	}
	s.host = h
	return s, nil
}

func (s *Server) Receive(from int, msg []byte) error {
	if len(msg) == 0 {
		return nil
	}
	var err error
	if msg[0] == raft.WireTag {
		err = s.host.Receive(msg)
	} else {
		err = s.handleRequest(from, msg)
	}
	s.failPendingIfDeposed()
	return err
}

func (s *Server) Timer(id sim.TimerID) error {
	_, err := s.host.Timer(id)
	s.failPendingIfDeposed()
	return err
}

func (s *Server) handleRequest(from int, msg []byte) error {
	seq, burst, data, err := decodeRequest(msg)
	if err != nil {
		return nil // garbage from the network is dropped
	}
	var index, term uint64
	for k := 0; k < burst; k++ {
		cmd := strconv.AppendInt(append(append([]byte(nil), data...), '/'), int64(k), 10)
		index, term, err = s.host.Propose(cmd)
		if err == raft.ErrNotLeader {
			s.reply(from, seq, cmdNotLeader)
			return nil
		}
		if err != nil {
			return err
		}
	}
	s.pending = append(s.pending, pendingCmd{index: index, term: term, client: from, seq: seq})
	return nil
}

// Apply answers the client whose command was proposed at this index: done if
// the entry is the one proposed (same term), lost if another took its place.
func (s *Server) Apply(e *raft.Entry) {
	s.applied = e.Index
	if e.Type == raft.EntryNormal {
		s.state = sim.Key(s.state, sim.Digest(e.Data))
	}
	defer s.maybeSnapshot(e.Index)
	for len(s.pending) > 0 && s.pending[0].index <= e.Index {
		p := s.pending[0]
		s.pending = s.pending[1:]
		switch {
		case p.index < e.Index:
			s.reply(p.client, p.seq, cmdLost)
		case p.term == e.Term:
			s.reply(p.client, p.seq, cmdOK)
		default:
			s.reply(p.client, p.seq, cmdLost)
		}
	}
}

// failPendingIfDeposed answers every waiting client at once when this server
// is no longer leader, instead of letting them time out.
func (s *Server) failPendingIfDeposed() {
	if len(s.pending) == 0 || s.host.Core().Role() == raft.Leader {
		return
	}
	for _, p := range s.pending {
		s.reply(p.client, p.seq, cmdNotLeader)
	}
	s.pending = nil
}

func (s *Server) reply(client int, seq uint64, st cmdStatus) {
	s.buf = encodeReply(s.buf[:0], seq, st, s.host.Core().Lead())
	s.env.Send(client, s.buf)
}

func (s *Server) maybeSnapshot(index uint64) {
	if s.snapEvery == 0 || index%s.snapEvery != 0 {
		return
	}
	data := binary.LittleEndian.AppendUint64(nil, s.state)
	if err := s.host.Compact(index, data); err != nil {
		panic("Server: snapshot refused: " + err.Error())
	}
}

// Restore takes a snapshot's state if it is newer than what was applied.
func (s *Server) Restore(snap *raft.Snapshot) error {
	if len(snap.Data) != 8 {
		return errors.New("log service snapshot: not 8 bytes")
	}
	if snap.Index > s.applied {
		s.state, s.applied = binary.LittleEndian.Uint64(snap.Data), snap.Index
	}
	return nil
}

// StateDigest is the digest of the commands applied.
func (s *Server) StateDigest() uint64 { return s.state }
