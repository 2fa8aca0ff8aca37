package countersim

import (
	"sync"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

const ms, s = sim.Millisecond, sim.Second

var calm = Params{Think: [2]sim.Duration{10 * ms, 50 * ms}, ReadPPM: 300_000}

// Scenarios are the counter's: calm weather, random partitions of every
// shape, crashes and pauses, and its primary cut off again and again.
var Scenarios = []*scenarios.Scenario{
	{Name: "counter-calm", Description: "3 counter servers, 2 clients, no faults",
		Servers: [2]int{3, 3}, Clients: 2, Duration: 5 * s, Bound: 5 * s, Params: calm,
		Probes: []string{"primary-serving"}, Expect: scenarios.Expectations{StableLeader: true}},
	{Name: "counter-partitions", Description: "random partitions of any shape over 3-5 counter servers",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 20 * s, Bound: 10 * s, Params: calm,
		Probes: []string{"primary-serving", "view-changed"},
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultPartition, sim.FaultPartition, sim.FaultHeal)
		}},
	{Name: "counter-crashes", Description: "crashes, crashes inside a sync, pauses and restarts",
		Servers: [2]int{3, 3}, Clients: 2, Duration: 20 * s, Bound: 10 * s, Params: calm,
		Probes: []string{"primary-serving", "view-changed"},
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync, sim.FaultPause)
		}},
	{Name: "counter-primary-cut", Description: "the primary cut off with a client, then healed, four times",
		Servers: [2]int{3, 3}, Clients: 2, Duration: 16 * s, Bound: 10 * s, Params: calm,
		Probes: []string{"primary-serving", "view-changed"}, Expect: scenarios.Expectations{NewLeaderWithin: 3 * s},
		Faults: func(g *scenarios.Gen) {
			for t := sim.Time(2 * s); t < g.SafetyEnd(); t = t.Add(4 * s) {
				g.Targeted(t, scenarios.TargetLeader, g.Clients()[:1], "")
				g.Add(sim.Fault{At: t.Add(2 * s), Kind: sim.FaultHeal})
			}
		}},
}

var once sync.Once

// Register adds the counter's scenarios (once).
func Register() {
	once.Do(func() {
		for _, scn := range Scenarios {
			scn.System = System
			if err := scenarios.Register(scn); err != nil {
				panic(err)
			}
		}
	})
}
