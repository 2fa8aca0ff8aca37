package catalog

import (
	"errors"
	"testing"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// noisyPromise fails for one reason (the leader is isolated, so a calm run's
// promise of one leader breaks) under a lot of irrelevant weather.
var noisyPromise = &scenarios.Scenario{System: RaftSystem, Name: "test-noisy-promise", Description: "a broken promise under many irrelevant faults",
	Servers: [2]int{5, 5}, Clients: 4, Duration: 20 * s, Bound: 5 * s,
	Probes: probes(), Expect: scenarios.Expectations{StableLeader: true},
	Faults: func(g *scenarios.Gen) {
		for t := at(500 * ms); t < at(19*s); t = t.Add(400 * ms) {
			if t > at(11*s) && t < at(16*s) {
				continue // a heal would end the isolation below
			}
			n := g.Server()
			g.At(t, sim.FaultRestart, n) // harmless: the node is running
			g.Add(sim.Fault{At: t.Add(100 * ms), Kind: sim.FaultPartition, Links: [][2]int{{g.Clients()[0], n}}})
			g.Add(sim.Fault{At: t.Add(200 * ms), Kind: sim.FaultHeal})
		}
		g.Targeted(at(12*s), scenarios.TargetLeader, nil, "")
		g.Add(sim.Fault{At: at(15 * s), Kind: sim.FaultHeal})
	},
	Params: Params{Think: think},
}

func init() {
	if err := scenarios.Register(noisyPromise); err != nil {
		panic(err)
	}
}

func TestShrinkCutsToTheFaultThatMatters(t *testing.T) {
	rep := scenarios.Run(noisyPromise.Resolve(1), 1, scenarios.RunConfig{})
	r, err := scenarios.NewRepro(rep)
	if err != nil {
		t.Fatalf("did not fail:\n%s", rep.Text())
	}
	var steps int
	res, err := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: 200, Progress: func(scenarios.ShrinkStep) { steps++ }})
	if err != nil {
		t.Fatal(err)
	}
	b, a := res.Before, res.After
	if a.Faults*10 > b.Faults || a.Ops*10 > b.Ops || a.Clients != 1 || a.Servers > 3 || a.Duration >= b.Duration || res.Runs > 200 {
		t.Fatalf("before %s\nafter %s (%d runs)", b, a, res.Runs)
	}
	if steps == 0 || res.Repro.Signature.Key != r.Signature.Key {
		t.Fatalf("steps %d, signature %q", steps, res.Repro.Signature.Key)
	}
	// The shrunk repro replays to the same failure, and shrinking is itself
	// deterministic.
	if rr := scenarios.Replay(res.Repro, scenarios.RunConfig{}); !rr.SameFailure || !rr.HashMatch {
		t.Fatal("the shrunk repro does not replay")
	}
	again, _ := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: 200})
	if again.Repro.TraceHash != res.Repro.TraceHash || again.Runs != res.Runs {
		t.Fatal("two shrinks of one repro differ")
	}
}

func TestShrinkRefusesAPassingRepro(t *testing.T) {
	r, _ := failingRepro(t, 7)
	r.Options.Expect.StableLeader = false // the run now passes
	if _, err := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: 10}); !errors.Is(err, scenarios.ErrDoesNotFail) {
		t.Fatalf("err %v", err)
	}
}

// quietCoverage promises a probe its faults never make fire: a coverage
// failure with no bug in it.
var quietCoverage = &scenarios.Scenario{System: RaftSystem, Name: "test-quiet-coverage", Description: "promises an InstallSnapshot that no fault causes",
	Servers: [2]int{3, 3}, Clients: 1, Duration: 2 * s, Bound: 5 * s,
	Probes: []string{"snapshot-installed"},
	Faults: func(g *scenarios.Gen) { g.Targeted(at(500*ms), scenarios.TargetLeader, nil, "") },
	Params: Params{Think: think},
}

func init() {
	if err := scenarios.Register(quietCoverage); err != nil {
		panic(err)
	}
}

// A coverage failure without a planted bug is not shrunk: every smaller
// schedule fires the probe less, so "the same failure" would hold on a
// correct build.
func TestShrinkRefusesACoverageFailure(t *testing.T) {
	rep := scenarios.Run(quietCoverage.Resolve(1), 1, scenarios.RunConfig{})
	r, err := scenarios.NewRepro(rep)
	if err != nil || r.Signature.Check != "coverage" {
		t.Fatalf("not a coverage failure (%v):\n%s", err, rep.Text())
	}
	if _, err := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: 10}); !errors.Is(err, scenarios.ErrCoverageNotShrunk) {
		t.Fatalf("err %v", err)
	}
}
