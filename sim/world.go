package sim

import (
	"fmt"
	"io"
)

// Config describes a world.
type Config struct {
	Seed  uint64
	Nodes []Factory // one per node, clients included; node i runs Nodes[i]
	Net   NetParams
	// Clocks optionally gives nodes skew and drift (index = node).
	Clocks []Clock
	// TornPPM is the chance that a crash keeps part of a file's unsynced tail.
	TornPPM uint32
	// MaxEvents caps a run (check progress); 0 means 50 million.
	MaxEvents uint64
	// MaxSameTime caps events without virtual time advancing (a livelock);
	// 0 means 1 million.
	MaxSameTime uint64
	// Describe renders a message for the trace text; it never affects the hash.
	Describe func(msg []byte) string
	// Trace, if set, receives the trace text.
	Trace io.Writer
	// OnFault is told of every fault as it strikes (for checkers and annotations).
	OnFault func(at Time, f Fault)
	// Resolve fills in a fault whose Target names a role; it returns false
	// when no node fits (the fault then does nothing).
	Resolve func(f *Fault) bool
	// OnStop is told when a node stops for good with the error it gave.
	OnStop func(at Time, node int, err error)
}

// Status is a node's state in the world.
type Status uint8

const (
	StatusDown    Status = iota // not running; restart brings it back
	StatusUp                    // running
	StatusPaused                // frozen: its events wait until resume
	StatusStopped               // stopped itself with an error; never runs again
)

func (s Status) String() string {
	return [...]string{"down", "up", "paused", "stopped"}[s]
}

type node struct {
	id        int
	factory   Factory
	proc      Process
	status    Status
	inc       uint32
	rand      Rand
	clock     Clock
	disk      *Disk
	nextTimer TimerID
	armed     []TimerID // timers set and neither fired nor cancelled: a few at most
	held      []event   // what came due while paused
	stopErr   error
}

// Stats counts what happened in a run.
type Stats struct {
	Sent, Delivered, Dropped, Duplicated, Reordered, Corrupted uint64
	Timers                                                     uint64
	Crashes, Restarts, Partitions, Pauses                      int
	DiskFaults, Stops                                          int
}

// World is one simulation: a single goroutine, a virtual clock and one queue
// of events totally ordered by (time, sequence).
type World struct {
	cfg       Config
	seed      uint64
	now       int64
	seq       uint64
	q         queue
	nodes     []*node
	net       network
	tr        tracer
	schedule  []Fault
	calls     []func()
	events    uint64
	sameTime  uint64
	current   int // node whose code is running, or -1
	slab      []byte
	msgs      [][]byte // messages in flight, by slot
	freeSlots []uint32

	Stats Stats
}

// New builds a world; Start brings its nodes up.
func New(cfg Config) *World {
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = 50_000_000
	}
	for _, c := range cfg.Clocks {
		if c.DriftPPM > MaxDriftPPM || c.DriftPPM < -MaxDriftPPM {
			panic(fmt.Sprintf("sim: clock drift %d ppm beyond ±%d", c.DriftPPM, MaxDriftPPM))
		}
	}
	if cfg.MaxSameTime == 0 {
		cfg.MaxSameTime = 1_000_000
	}
	if len(cfg.Nodes) > 1<<15 {
		panic("sim: too many nodes")
	}
	w := &World{cfg: cfg, seed: cfg.Seed, current: -1}
	w.net = newNetwork(len(cfg.Nodes), cfg.Net)
	w.tr = tracer{out: cfg.Trace, describe: cfg.Describe}
	for i, f := range cfg.Nodes {
		n := &node{id: i, factory: f, disk: newDisk(i)}
		if i < len(cfg.Clocks) {
			n.clock = cfg.Clocks[i]
		}
		w.nodes = append(w.nodes, n)
	}
	return w
}

// Now is the virtual time.
func (w *World) Now() Time { return Time(w.now) }

// Seed is the run's seed.
func (w *World) Seed() uint64 { return w.seed }

// Hash is the running trace hash.
func (w *World) Hash() uint64 { return w.tr.hash }

// Checkpoints are the running hash at regular steps so far.
func (w *World) Checkpoints() []Checkpoint { return w.tr.checkpoints }

// Events is how many events have run.
func (w *World) Events() uint64 { return w.events }

// Status is node i's state.
func (w *World) Status(i int) Status { return w.nodes[i].status }

// StopError is why node i stopped itself, if it did.
func (w *World) StopError(i int) error { return w.nodes[i].stopErr }

// Disk is node i's disk (for tests and fault injection).
func (w *World) Disk(i int) *Disk { return w.nodes[i].disk }

// NodeCount is the number of nodes.
func (w *World) NodeCount() int { return len(w.nodes) }

func (w *World) push(e event) {
	w.seq++
	e.seq = w.seq
	w.q.push(e)
}

// Schedule queues a fault schedule; Validate it first.
func (w *World) Schedule(faults []Fault) {
	for _, f := range faults {
		w.schedule = append(w.schedule, f)
		w.push(event{at: int64(f.At), kind: evFault, node: -1, id: uint64(len(w.schedule) - 1)})
	}
}

// At runs fn at virtual time t, from the event loop (for scenario phases).
func (w *World) At(t Time, fn func()) {
	w.calls = append(w.calls, fn)
	w.push(event{at: int64(t), kind: evCall, node: -1, id: uint64(len(w.calls) - 1)})
}

// Record adds a client or other outside event to the trace and its hash.
func (w *World) Record(node int, kind TraceKind, value, digest uint64, detail func() string) {
	w.tr.record(w.now, kind, node, -1, value, digest, detail)
}

// Start brings every node up for the first time, in order.
func (w *World) Start() Result {
	for _, n := range w.nodes {
		if res := w.guard(func() { w.startNode(n) }); res.Failed() {
			return res
		}
	}
	return Result{}
}

// Result says how a run ended.
type Result struct {
	// CapHit: the event cap was reached before the end time.
	CapHit bool
	// Stalled: virtual time stopped advancing (too many events at one instant).
	Stalled bool
	// Panic is a recovered panic inside the run. Its first line names the
	// node, the time, the place (the function and file:line of the innermost
	// frame of the system's code) and the value; the stack inside the run
	// follows, a frame a line. The trace carries it too, outside the hash.
	Panic string
}

// Failed reports whether the run broke progress or no-panic.
func (r Result) Failed() bool { return r.CapHit || r.Stalled || r.Panic != "" }

// Run executes events up to and including virtual time until.
func (w *World) Run(until Time) Result {
	end := int64(until)
	var res Result
	for !res.Failed() {
		done := false
		if r := w.guard(func() { done = w.loop(end, &res) }); r.Panic != "" {
			res.Panic = r.Panic
		}
		if done {
			break
		}
	}
	if !res.Failed() && w.now < end {
		w.now = end
	}
	return res
}

func (w *World) loop(until int64, res *Result) bool {
	for w.q.len() > 0 {
		if w.q.peek().at > until {
			return true
		}
		ev := w.q.pop()
		if ev.at > w.now {
			w.now = ev.at
			w.sameTime = 0
		}
		w.events++
		w.sameTime++
		if w.events > w.cfg.MaxEvents {
			res.CapHit = true
			return true
		}
		if w.sameTime > w.cfg.MaxSameTime {
			res.Stalled = true
			return true
		}
		w.dispatch(&ev)
	}
	return true
}

// guard runs fn, turning a crash signal into the crash of its node and any
// other panic into a failed no-panic check. Recovering once per stretch of
// events rather than per event keeps the hot loop free of defers.
func (w *World) guard(fn func()) (res Result) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if c, ok := v.(crashSignal); ok {
			w.current = -1
			w.crashNode(w.nodes[c.node], "in-step")
			return
		}
		res.Panic = panicText(w.current, w.now, v, panicFrames())
		w.current = -1
		w.tr.text(res.Panic)
	}()
	fn()
	return res
}

func (w *World) dispatch(ev *event) {
	switch ev.kind {
	case evDeliver:
		w.deliver(ev)
	case evTimer:
		w.fireTimer(ev)
	case evFault:
		w.strike(w.schedule[ev.id])
	case evCall:
		w.calls[ev.id]()
	}
}

func (w *World) deliver(ev *event) {
	n := w.nodes[ev.node]
	if n.inc != ev.inc || n.status == StatusDown || n.status == StatusStopped {
		w.releaseMessage(ev.id)
		w.Stats.Dropped++
		return
	}
	if n.status == StatusPaused {
		n.held = append(n.held, *ev)
		return
	}
	msg := w.releaseMessage(ev.id)
	if w.net.isBlocked(int(ev.from), int(ev.node)) {
		w.Stats.Dropped++
		return
	}
	w.Stats.Delivered++
	w.tr.record(w.now, TraceDeliver, int(ev.node), int(ev.from), uint64(len(msg)), Digest(msg), w.describer(int(ev.from), msg))
	w.current = n.id
	err := n.proc.Receive(int(ev.from), msg)
	w.current = -1
	if err != nil {
		w.stopNode(n, err)
	}
}

// disarm forgets an armed timer and reports whether it was armed.
func (n *node) disarm(id TimerID) bool {
	for i, a := range n.armed {
		if a == id {
			last := len(n.armed) - 1
			n.armed[i] = n.armed[last]
			n.armed = n.armed[:last]
			return true
		}
	}
	return false
}

func (w *World) describer(from int, msg []byte) func() string {
	if w.tr.out == nil {
		return nil
	}
	return func() string {
		s := fmt.Sprintf("from=n%d", from)
		if w.cfg.Describe != nil {
			s += " " + w.cfg.Describe(msg)
		}
		return s
	}
}

func (w *World) fireTimer(ev *event) {
	n := w.nodes[ev.node]
	if n.inc != ev.inc || n.status == StatusDown || n.status == StatusStopped {
		return
	}
	if n.status == StatusPaused {
		n.held = append(n.held, *ev)
		return
	}
	id := TimerID(ev.id)
	if !n.disarm(id) {
		return // cancelled
	}
	w.Stats.Timers++
	w.tr.record(w.now, TraceTimer, n.id, -1, ev.id, 0, nil)
	w.current = n.id
	err := n.proc.Timer(id)
	w.current = -1
	if err != nil {
		w.stopNode(n, err)
	}
}
