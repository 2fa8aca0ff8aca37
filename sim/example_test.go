package sim_test

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// pinger sends "ping" to node 1 when it starts; ponger answers each ping.
type pinger struct {
	env   sim.Env
	heard *[]string
}

func (p *pinger) Receive(from int, msg []byte) error {
	*p.heard = append(*p.heard, fmt.Sprintf("n%d got %q from n%d at %dms", p.env.ID(), msg, from, p.env.Now()/1e6))
	return nil
}

func (p *pinger) Timer(sim.TimerID) error {
	p.env.Send(1, []byte("ping"))
	return nil
}

type ponger struct{ env sim.Env }

func (p *ponger) Receive(from int, msg []byte) error {
	p.env.Send(from, []byte("pong"))
	return nil
}

func (p *ponger) Timer(sim.TimerID) error { return nil }

// Two nodes on a network with 5 ms of latency: the seed fixes every
// message's fate, so the run, its trace and its hash are the same each time.
func ExampleWorld() {
	var heard []string
	w := sim.New(sim.Config{
		Seed: 1,
		Net:  sim.NetParams{MinLatency: 5e6, MaxLatency: 5e6},
		Nodes: []sim.Factory{
			func(env sim.Env) (sim.Process, error) {
				env.SetTimer(0)
				return &pinger{env: env, heard: &heard}, nil
			},
			func(env sim.Env) (sim.Process, error) { return &ponger{env: env}, nil },
		},
	})
	w.Start()
	res := w.Run(1e9) // one virtual second
	for _, h := range heard {
		fmt.Println(h)
	}
	fmt.Printf("failed: %v events: %d hash: %016x\n", res.Failed(), w.Events(), w.Hash())
	// Output:
	// n0 got "pong" from n1 at 10ms
	// failed: false events: 3 hash: e9054da0c45a839b
}
