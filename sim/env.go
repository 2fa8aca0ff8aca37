package sim

import "errors"

// Env is everything hosted code (Raft, the KV server, a clerk) sees of the world
// it runs in: its identity, the time, a seeded random stream, the network, timers
// and its disk. Nothing else. The simulation and sim/realenv both implement it.
type Env interface {
	// ID is this node's number in the cluster, from 0.
	ID() int
	// Now is this node's clock. In simulation it is virtual time, shifted by
	// the node's skew and scaled by its drift.
	Now() Time
	// Rand is this incarnation's random stream.
	Rand() *Rand
	// Send queues msg for node to. The world copies msg; the caller may reuse it.
	Send(to int, msg []byte)
	// SetTimer arranges for the process's Timer method to be called after the
	// given duration of this node's clock.
	SetTimer(after Duration) TimerID
	// CancelTimer stops a timer that has not fired yet; otherwise it does nothing.
	CancelTimer(id TimerID)
	// FS is this node's disk.
	FS() FS
}

// TimerID names a timer set by a process.
type TimerID uint64

// Process is a hosted program: one incarnation of a node. The world hands it
// messages and timer firings one at a time. A non-nil error from either method
// stops the node for good (detected corruption, a failed sync): the world never
// runs it again.
type Process interface {
	Receive(from int, msg []byte) error
	Timer(id TimerID) error
}

// Factory starts a new incarnation of a node over env; it recovers whatever it
// needs from env.FS(). An error means the node cannot start (its disk is damaged)
// and stops it for good.
type Factory func(env Env) (Process, error)

// ErrCrashed is what a disk operation reports to the code of an incarnation the
// world has already crashed (it is never seen by a live process).
var ErrCrashed = errors.New("node crashed")

// crashSignal unwinds the stack of a process that the world crashes in the middle
// of a step (at a sync). The world recovers it; hosted code must not.
type crashSignal struct{ node int }

// nodeEnv is the Env of one incarnation.
type nodeEnv struct {
	w   *World
	n   *node
	inc uint32
}

func (e *nodeEnv) live() bool {
	return e.n.inc == e.inc && e.n.status != StatusDown && e.n.status != StatusStopped
}

func (e *nodeEnv) ID() int { return e.n.id }

func (e *nodeEnv) Now() Time { return Time(e.n.clock.local(e.w.now)) }

func (e *nodeEnv) Rand() *Rand { return &e.n.rand }

func (e *nodeEnv) Send(to int, msg []byte) {
	if !e.live() {
		return
	}
	e.w.send(e.n.id, to, msg)
}

func (e *nodeEnv) SetTimer(after Duration) TimerID {
	n := e.n
	n.nextTimer++
	id := n.nextTimer
	if !e.live() {
		return id
	}
	at := e.w.now + n.clock.globalDuration(max(int64(after), 0))
	e.w.push(event{at: at, kind: evTimer, node: int32(n.id), inc: e.inc, id: uint64(id)})
	n.armed = append(n.armed, id)
	return id
}

func (e *nodeEnv) CancelTimer(id TimerID) {
	if e.live() {
		e.n.disarm(id)
	}
}

func (e *nodeEnv) FS() FS { return &diskView{d: e.n.disk, env: e} }

// IsCrashSignal reports whether a recovered panic value is the world crashing a
// node inside a step (for tests that drive a Disk outside a world).
func IsCrashSignal(v any) bool { _, ok := v.(crashSignal); return ok }
