package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// Scenarios whose network flips bits. The checksums of Raft's and the
// key/value service's messages must turn every damaged message into a lost
// one: a frame that is decoded anyway feeds a wrong term, index or value to
// the state machine, and the safety checks see it.

// corruptNet flips a bit in one message of ten, besides losing a few.
var corruptNet = sim.NetParams{MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 20_000, CorruptPPM: 100_000, ReorderMax: 200 * ms}

func registerCorruption() {
	register(&scenarios.Scenario{
		Name: "corrupt", Description: "one message in ten has a bit flipped, partitions and crashes besides: checksums must drop them",
		Servers: [2]int{3, 5}, Clients: 2, Duration: 20 * s, Bound: 10 * s, Net: corruptNet,
		Probes: probes("bad-message-dropped"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{500 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal, sim.FaultCrash, sim.FaultRestart)
		},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "kv-corrupt", Description: "bit flips in Raft's, the servers' and the clerks' messages, snapshots sent among them",
		Servers: [2]int{5, 5}, Clients: 5, Duration: 20 * s, Bound: 10 * s, Net: corruptNet,
		Probes: probes("bad-message-dropped", "bad-request-dropped", "snapshot-installed"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{500 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal, sim.FaultCrash, sim.FaultRestart)
		},
		Params: Params{KV: mixed, Think: kvThink, MaxRaftState: 1000},
	})
}
