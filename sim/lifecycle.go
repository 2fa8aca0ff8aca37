package sim

import (
	"errors"
	"fmt"
)

// startNode begins a new incarnation of n from its disk. Its random stream is
// keyed by (node, incarnation), so a restart does not replay the old one.
func (w *World) startNode(n *node) {
	n.inc++
	n.status = StatusUp
	n.rand.Reset(Key(w.seed, tagNode, uint64(n.id), uint64(n.inc)))
	n.armed = n.armed[:0]
	n.held = nil
	w.tr.record(w.now, TraceStart, n.id, -1, uint64(n.inc), 0, func() string { return fmt.Sprintf("incarnation=%d", n.inc) })
	env := &nodeEnv{w: w, n: n, inc: n.inc}
	w.current = n.id
	proc, err := n.factory(env)
	w.current = -1
	if err != nil {
		w.stopNode(n, err)
		return
	}
	n.proc = proc
}

// crashNode throws the incarnation away with its timers, its held events and
// its unsynced writes. Messages in flight to it are lost: they were addressed
// to this incarnation.
func (w *World) crashNode(n *node, how string) {
	if n.status == StatusDown || n.status == StatusStopped {
		return
	}
	w.Stats.Crashes++
	n.status = StatusDown
	n.proc = nil
	n.armed = n.armed[:0]
	w.releaseHeld(n.held)
	n.held = nil
	var r Rand
	r.Reset(Key(w.seed, tagDisk, uint64(n.id), uint64(n.inc)))
	n.disk.crash(&r, w.cfg.TornPPM)
	w.tr.record(w.now, TraceFault, n.id, -1, 0, 0, func() string { return "crashed " + how })
	if how != "" && w.cfg.OnFault != nil {
		w.cfg.OnFault(Time(w.now), Fault{At: Time(w.now), Kind: FaultCrash, Node: n.id, Label: how})
	}
}

// stopNode stops n for good: it reported an error it cannot survive.
func (w *World) stopNode(n *node, err error) {
	if n.status == StatusStopped {
		return
	}
	w.Stats.Stops++
	n.status = StatusStopped
	n.proc = nil
	n.stopErr = err
	w.releaseHeld(n.held)
	n.held = nil
	w.tr.record(w.now, TraceStop, n.id, -1, 0, 0, func() string { return "error: " + err.Error() })
	if w.cfg.OnStop != nil {
		w.cfg.OnStop(Time(w.now), n.id, err)
	}
}

func (w *World) pauseNode(n *node) {
	if n.status == StatusUp {
		n.status = StatusPaused
		w.Stats.Pauses++
	}
}

// resumeNode thaws n: everything that came due while it was frozen, timers and
// messages alike, runs now, in the order it came due.
func (w *World) resumeNode(n *node) {
	if n.status != StatusPaused {
		return
	}
	n.status = StatusUp
	held := n.held
	n.held = nil
	for _, ev := range held {
		ev.at = w.now
		w.push(ev)
	}
}

// strike applies one fault of the schedule.
func (w *World) strike(f Fault) {
	if f.Target != "" {
		if w.cfg.Resolve == nil || !w.cfg.Resolve(&f) {
			w.tr.record(w.now, TraceFault, -1, -1, faultCode(f), 1, func() string { return f.String() + " (no such node: skipped)" })
			return
		}
	}
	w.tr.record(w.now, TraceFault, faultNode(f), -1, faultCode(f), 0, f.String)
	if w.cfg.OnFault != nil {
		w.cfg.OnFault(Time(w.now), f)
	}
	var n *node
	if f.Node >= 0 && f.Node < len(w.nodes) {
		n = w.nodes[f.Node]
	}
	switch f.Kind {
	case FaultPartition:
		w.net.setPartition(f.Links)
		w.Stats.Partitions++
	case FaultHeal:
		w.net.setPartition(nil)
	case FaultNet:
		p := &w.net.params
		p.LossPPM, p.DupPPM, p.ReorderPPM, p.CorruptPPM = f.Net.LossPPM, f.Net.DupPPM, f.Net.ReorderPPM, f.Net.CorruptPPM
	case FaultCrash:
		w.crashNode(n, "")
	case FaultCrashSync:
		if n.status == StatusUp || n.status == StatusPaused {
			n.disk.crashAt = CrashAfterSync
			if f.Before {
				n.disk.crashAt = CrashBeforeSync
			}
		}
	case FaultRestart:
		// On a running node a restart ends the fault window instead: a crash
		// or sync failure armed for its next sync is called off.
		n.disk.crashAt, n.disk.failSync = CrashNone, false
		if n.status == StatusDown {
			w.Stats.Restarts++
			w.startNode(n)
		}
	case FaultPause:
		w.pauseNode(n)
	case FaultResume:
		w.resumeNode(n)
	case FaultDamage, FaultLoseWrite:
		kind := DamageFlip
		if f.Kind == FaultLoseWrite {
			kind = DamageLost
		}
		var r Rand
		r.Reset(Key(w.seed, tagFault, uint64(f.Node), uint64(f.At)))
		if n.disk.damage(&r, kind) {
			w.Stats.DiskFaults++
		}
	case FaultFailSync:
		n.disk.failSync = true
	}
}

// faultNode is the node a fault line belongs to, -1 for the whole network.
func faultNode(f Fault) int {
	switch f.Kind {
	case FaultPartition, FaultHeal, FaultNet, FaultCheckpoint:
		return -1
	}
	return f.Node
}

func faultCode(f Fault) uint64 {
	var h uint64
	for i := 0; i < len(f.Kind); i++ {
		h = h*31 + uint64(f.Kind[i])
	}
	h = h*31 + uint64(len(f.Links))
	for _, l := range f.Links {
		h = h*31 + uint64(l[0])<<8 + uint64(l[1])
	}
	if f.Before {
		h++
	}
	if f.Net != nil {
		h = h*31 + uint64(f.Net.LossPPM)
		h = h*31 + uint64(f.Net.DupPPM)
		h = h*31 + uint64(f.Net.ReorderPPM)
		if f.Net.CorruptPPM != 0 { // only then, so that older schedules hash as they did
			h = h*31 + uint64(f.Net.CorruptPPM)
		}
	}
	return h
}

// IsCrash reports whether err is the error a crashed incarnation's disk returns.
func IsCrash(err error) bool { return errors.Is(err, ErrCrashed) }
