package scenarios_test

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// echoSystem is the smallest system: one server echoes what its client
// sends; the client sends a numbered ping every 100 ms until the safety
// phase ends and records each call and return through the harness.
type echoSystem struct{}

func (echoSystem) Name() string          { return "echo" }
func (echoSystem) Bugs() []scenarios.Bug { return nil }

func (echoSystem) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	server := func(env sim.Env) (sim.Process, error) { return &echo{env: env}, nil }
	client := func(env sim.Env) (sim.Process, error) {
		c := &pinger{env: env, h: h, stop: h.Options.SafetyEnd()}
		env.SetTimer(100e6)
		return c, nil
	}
	return &echoRun{h: h, factories: []sim.Factory{server, client}}, nil
}

type echoRun struct {
	h         *scenarios.Harness
	factories []sim.Factory
}

func (r *echoRun) Factories() []sim.Factory  { return r.factories }
func (r *echoRun) Live() bool                { return r.h.Status(0) == sim.StatusUp }
func (r *echoRun) Results() []checker.Result { return nil }

type echo struct{ env sim.Env }

func (e *echo) Receive(from int, msg []byte) error { e.env.Send(from, msg); return nil }
func (e *echo) Timer(sim.TimerID) error            { return nil }

type pinger struct {
	env    sim.Env
	h      *scenarios.Harness
	seq    uint64
	wait   bool
	stop   sim.Time
	sloppy bool // takes any echo for the answer, and says which it was
}

func (p *pinger) Receive(_ int, msg []byte) error {
	if p.sloppy {
		p.wait = false
		p.h.Return(1, uint64(msg[0]), 0, func() string { return "pong" })
		return nil
	}
	if p.wait && msg[0] == byte(p.seq) {
		p.wait = false
		p.h.Return(1, p.seq, 0, func() string { return "pong" })
	}
	return nil
}

func (p *pinger) Timer(sim.TimerID) error {
	if !p.wait && p.env.Now() < p.stop {
		p.seq++
		p.wait = true
		p.h.Call(1, p.seq, 0, func() string { return "ping" })
	}
	if p.wait {
		p.env.Send(0, []byte{byte(p.seq)}) // again, until the echo comes back
	}
	p.env.SetTimer(100e6)
	return nil
}

// A system of one's own, hosted by the engine: registered with a scenario
// that partitions the client from the server for a second, it runs,
// retries through the cut, drains and is judged like the bundled ones.
func Example() {
	scn := &scenarios.Scenario{
		Name: "echo-cut", Description: "an echo server, its client cut off for a second",
		System: echoSystem{}, Servers: [2]int{1, 1}, Clients: 1, Duration: 3e9, Bound: 2e9,
		Faults: func(g *scenarios.Gen) {
			g.Add(sim.Fault{At: 1e9, Kind: sim.FaultPartition, Links: sim.Split([]int{0}, []int{1})})
			g.Add(sim.Fault{At: 2e9, Kind: sim.FaultHeal})
		},
	}
	if err := scenarios.Register(scn); err != nil {
		panic(err)
	}
	rep := scenarios.Run(scn.Resolve(1), 1, scenarios.RunConfig{})
	fmt.Println("ops:", rep.Ops, "partitions:", rep.Stats.Partitions)
	for _, r := range rep.Results {
		fmt.Println(r)
	}
	fmt.Println("verdict", rep.VerdictWord())
	// Output:
	// ops: 19 partitions: 1
	// check client-reply ok
	// check liveness ok
	// check expectations ok
	// check coverage ok
	// check progress ok
	// check no-panic ok
	// verdict pass
}
