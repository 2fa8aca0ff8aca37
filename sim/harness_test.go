package sim

import (
	"fmt"
	"strings"
)

// A harness is a world of probes: processes that log every input they get and
// do whatever a test scripts.

// script is what a probe does; nil functions do nothing.
type script struct {
	start func(p *probe) error // in the factory, before the process exists
	recv  func(p *probe, from int, msg []byte) error
	timer func(p *probe, id TimerID) error
}

// input is one message or timer firing a probe got.
type input struct {
	at    Time // virtual time
	local Time // the node's clock
	node  int
	inc   int // which start of the node it was
	kind  string
	from  int
	msg   string
	id    TimerID
}

func (in input) String() string {
	if in.kind == "timer" {
		return fmt.Sprintf("%dms n%d.%d timer %d", in.at/1e6, in.node, in.inc, in.id)
	}
	return fmt.Sprintf("%dms n%d.%d msg from n%d %q", in.at/1e6, in.node, in.inc, in.from, in.msg)
}

type harness struct {
	w      *World
	log    []input
	starts []int // factory calls per node
}

// probe is one incarnation of a harness node.
type probe struct {
	h    *harness
	env  Env
	node int
	inc  int
	s    script
}

// newHarness builds a world of n probes; scripts(i) says what node i does.
func newHarness(cfg Config, n int, scripts func(node int) script) *harness {
	h := &harness{starts: make([]int, n)}
	cfg.Nodes = nil
	for i := range n {
		s := scripts(i)
		cfg.Nodes = append(cfg.Nodes, func(env Env) (Process, error) {
			h.starts[i]++
			p := &probe{h: h, env: env, node: i, inc: h.starts[i], s: s}
			if s.start != nil {
				if err := s.start(p); err != nil {
					return nil, err
				}
			}
			return p, nil
		})
	}
	h.w = New(cfg)
	return h
}

func (p *probe) Receive(from int, msg []byte) error {
	p.h.log = append(p.h.log, input{at: p.h.w.Now(), local: p.env.Now(), node: p.node, inc: p.inc, kind: "msg", from: from, msg: string(msg)})
	if p.s.recv != nil {
		return p.s.recv(p, from, msg)
	}
	return nil
}

func (p *probe) Timer(id TimerID) error {
	p.h.log = append(p.h.log, input{at: p.h.w.Now(), local: p.env.Now(), node: p.node, inc: p.inc, kind: "timer", id: id})
	if p.s.timer != nil {
		return p.s.timer(p, id)
	}
	return nil
}

// run starts the world and runs it until virtual time until (that long after
// the run began); the run must not fail.
func (h *harness) run(until Duration) error {
	if res := h.w.Start(); res.Failed() {
		return fmt.Errorf("start: %+v", res)
	}
	if res := h.w.Run(Time(until)); res.Failed() {
		return fmt.Errorf("run: %+v", res)
	}
	return nil
}

// inputs returns the log entries of node whose kind is kind ("" for any).
func (h *harness) inputs(node int, kind string) []input {
	var out []input
	for _, in := range h.log {
		if in.node == node && (kind == "" || in.kind == kind) {
			out = append(out, in)
		}
	}
	return out
}

func (h *harness) dump() string {
	var b strings.Builder
	for _, in := range h.log {
		b.WriteString(in.String())
		b.WriteByte('\n')
	}
	return b.String()
}

const ms = Millisecond

// fixedNet delivers every message after exactly latency and loses nothing.
func fixedNet(latency Duration) NetParams {
	return NetParams{MinLatency: latency, MaxLatency: latency}
}

// atZero is a script that runs fn from a timer at time zero, once every node
// has started (a message sent from a factory during World.Start to a node not
// yet started is lost, since it is addressed to incarnation 0).
func atZero(fn func(p *probe)) script {
	return script{
		start: func(p *probe) error { p.env.SetTimer(0); return nil },
		timer: func(p *probe, id TimerID) error {
			if id == 1 {
				fn(p)
			}
			return nil
		},
	}
}

// silent is a script that does nothing.
func silent(int) script { return script{} }

// at is the instant d after the run began.
func at(d Duration) Time { return Time(d) }
