package scenarios

import (
	"github.com/detsim/detsim/sim"
)

// Harness is what the engine offers a system for one run: the resolved
// options, the world's clock and node states, coverage probes, and the
// recording of client calls and returns (the trace, the pending calls the
// drain waits for, the operation count, the expectations about clients).
type Harness struct {
	Options Options
	Seed    uint64
	// NoHistory (RunConfig.NoHistory): keep no client history; the run and
	// its trace are unchanged.
	NoHistory bool
	r         *runner
}

// Now is the world's virtual time (not a node's skewed clock).
func (h *Harness) Now() sim.Time { return h.r.w.Now() }

// Status is a node's state: up, down, paused or stopped.
func (h *Harness) Status(node int) sim.Status { return h.r.w.Status(node) }

// StopError is what a stopped node stopped with, or nil.
func (h *Harness) StopError(node int) error { return h.r.w.StopError(node) }

// Servers lists the server nodes, 0 to Options.Servers-1.
func (h *Harness) Servers() []int { return h.r.servers() }

// Probe counts one firing of a coverage probe.
func (h *Harness) Probe(name string) { h.r.probes[name]++ }

// Pending is how many clients have a call in flight.
func (h *Harness) Pending() int { return len(h.r.pending) }

// Call records that client (its node id, env.ID()) started operation seq:
// into the trace (digest is the operation's, for the trace hash; text
// renders it only when the trace is wanted) and as pending until its
// Return. Clients should start nothing at or after Options.SafetyEnd(): the
// drain waits for every pending call to return.
func (h *Harness) Call(client int, seq, digest uint64, text func() string) {
	r := h.r
	r.pending[client] = pendingCall{seq: seq, at: r.w.Now()}
	r.exp.Call(r.w.Now())
	r.w.Record(client, sim.TraceCall, seq, digest, text)
}

// CallTime is when client's pending call started (0 if none is pending).
func (h *Harness) CallTime(client int) sim.Time { return h.r.pending[client].at }

// Return records that client's pending operation returned, by the reply to
// operation seq — the number the reply itself carries, so that a client
// that took another operation's reply fails the client-reply check — with
// digest its result's: into the trace, and no longer pending.
func (h *Harness) Return(client int, seq, digest uint64, text func() string) {
	r := h.r
	p, pending := r.pending[client]
	r.replies.Returned(client, seq, p.seq, pending, r.w.Now())
	r.exp.Return(client, r.pending[client].at, r.w.Now())
	delete(r.pending, client)
	r.ops++
	r.w.Record(client, sim.TraceReturn, seq, digest, text)
}

// ClientOps is the workload's span and throughput as the harness saw it:
// the first call, the last return, and how many returned.
func (h *Harness) ClientOps() (firstCall, lastReturn sim.Time, returns int) {
	return h.r.exp.ClientOps()
}
