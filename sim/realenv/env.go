package realenv

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/detsim/detsim/sim"
)

// env is the sim.Env of a real node. Its methods are called only by the
// process, that is only from the event loop's goroutine.
type env struct {
	n     *node
	start time.Time
	rand  *sim.Rand
}

var _ sim.Env = (*env)(nil)

func newEnv(n *node) *env {
	var seed [8]byte
	rand.Read(seed[:])
	return &env{n: n, start: time.Now(), rand: sim.NewRand(binary.LittleEndian.Uint64(seed[:]))}
}

func (e *env) ID() int { return e.n.cfg.ID }

// Now is Unix time in nanoseconds, but read from the monotonic clock since the
// node started, so it never steps backwards when the wall clock is set.
func (e *env) Now() sim.Time { return sim.Time(e.start.UnixNano() + int64(time.Since(e.start))) }

// Rand is seeded from crypto/rand: a real node has nothing to replay.
func (e *env) Rand() *sim.Rand { return e.rand }

// Send copies msg and hands it to the peer's connection, or drops it.
func (e *env) Send(to int, msg []byte) {
	n := e.n
	if to < 0 || to >= len(n.cfg.Addrs) || len(msg) > MaxMessage {
		return
	}
	buf := make([]byte, len(msg))
	copy(buf, msg)
	if to == n.cfg.ID {
		select { // to itself: straight into the inbox, or dropped when full
		case n.inbox <- inbound{from: to, msg: buf}:
		default:
		}
		return
	}
	n.peers[to].enqueue(buf)
}

func (e *env) SetTimer(after sim.Duration) sim.TimerID {
	n := e.n
	n.nextTimer++
	id := n.nextTimer
	n.timers[id] = time.AfterFunc(time.Duration(max(after, 0)), func() {
		select {
		case n.fired <- id:
		case <-n.ctx.Done():
		}
	})
	return id
}

func (e *env) CancelTimer(id sim.TimerID) {
	if t, ok := e.n.timers[id]; ok {
		t.Stop()
		delete(e.n.timers, id)
	}
}

func (e *env) FS() sim.FS { return e.n.fs }

// stopTimers stops every armed timer.
func (n *node) stopTimers() {
	for id, t := range n.timers {
		t.Stop()
		delete(n.timers, id)
	}
}
