package scenarios_test

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// sloppyEcho's client takes any echo as the answer to its current ping:
// on a network that duplicates, a late copy answers the next ping.
type sloppyEcho struct{ echoSystem }

func (sloppyEcho) Name() string { return "echo-sloppy" }

func (sloppyEcho) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	server := func(env sim.Env) (sim.Process, error) { return &echo{env: env}, nil }
	client := func(env sim.Env) (sim.Process, error) {
		env.SetTimer(100e6)
		return &pinger{env: env, h: h, stop: h.Options.SafetyEnd(), sloppy: true}, nil
	}
	return &echoRun{h: h, factories: []sim.Factory{server, client}}, nil
}

// client-reply names a client that returned with another operation's reply.
func TestClientReplyCatchesAnotherOperationsReply(t *testing.T) {
	scn := &scenarios.Scenario{
		Name: "test-echo-sloppy", Description: "a client that takes any echo, on a network that duplicates",
		System: sloppyEcho{}, Servers: [2]int{1, 1}, Clients: 1, Duration: 5e9, Bound: 2e9,
		Net: sim.NetParams{MinLatency: 1e6, MaxLatency: 150e6, DupPPM: 500_000, ReorderMax: 200e6},
	}
	if err := scenarios.Register(scn); err != nil {
		t.Fatal(err)
	}
	rep := scenarios.Run(scn.Resolve(1), 1, scenarios.RunConfig{})
	for _, r := range rep.Results {
		if r.Name == checker.ClientReply {
			if r.Status != checker.Fail || !strings.Contains(r.Detail, "client n1") {
				t.Fatalf("%v", r)
			}
			return
		}
	}
	t.Fatalf("no client-reply result:\n%s", rep.Text())
}
