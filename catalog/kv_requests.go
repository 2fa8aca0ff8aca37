package catalog

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// One request per operation. On a calm network with a stable leader, a
// clerk that has completed an operation knows the leader, and the leader
// answers each later request itself: an operation that took a second
// request was refused or left unanswered by the server that held its
// entry (a waiter answered "wrong leader" for its own slot, a reply lost
// to the dedup cache's retry), which the retry hides from every safety
// check and costs a round trip no latency bound sees.

// countingEnv is a clerk's environment that counts the requests it sends.
type countingEnv struct {
	sim.Env
	sent *int
}

func (e countingEnv) Send(to int, msg []byte) {
	*e.sent++
	e.Env.Send(to, msg)
}

// requestCount is one clerk's requests: all it sent, and how many it had
// sent when its operation in flight was called.
type requestCount struct {
	sent, atCall int
	callAt       sim.Time
	answered     bool // it has completed an operation: it knows the leader
}

// extraRequest is the first operation that took more than one request
// after its clerk's first completed operation (clerk 0: none, since node 0
// is always a server).
type extraRequest struct {
	clerk    int
	seq      uint64
	call     sim.Time
	requests int
}

// countRequests wraps a clerk's env for the recorder's counts.
func (k *kvRecorder) countRequests(node int, env sim.Env) sim.Env {
	rc := &requestCount{}
	k.requests[node] = rc
	return countingEnv{Env: env, sent: &rc.sent}
}

// called and returned are the recorder's hooks at a clerk's call and return.
func (k *kvRecorder) called(node int) {
	if rc := k.requests[node]; rc != nil {
		rc.atCall, rc.callAt = rc.sent, k.h.Now()
	}
}

func (k *kvRecorder) returned(node int, seq uint64) {
	rc := k.requests[node]
	if rc == nil {
		return
	}
	if n := rc.sent - rc.atCall; rc.answered && n > 1 && k.extra.clerk == 0 {
		k.extra = extraRequest{clerk: node, seq: seq, call: rc.callAt, requests: n}
	}
	rc.answered = true
}

// oneRequestPerOp judges Params.OneRequestPerOp.
func (k *kvInstance) oneRequestPerOp() []string {
	x := k.rec.extra
	if !k.params.OneRequestPerOp || x.clerk == 0 {
		return nil
	}
	return []string{fmt.Sprintf("clerk n%d's operation seq=%d, called at %s, took %d requests; on a calm network each after a clerk's first is answered by the leader it knows",
		x.clerk, x.seq, sim.AppendTime(nil, x.call), x.requests)}
}
