package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// The key/value scenarios of issue 4. Clerks share keys in groups of at most
// four, so Porcupine's search stays bounded; values are unique per write.
var (
	mixed      = &KVWorkload{ClerksPerKey: 4, KeysPerGroup: 2, GetPPM: 340_000, PutPPM: 330_000}
	appendsHot = &KVWorkload{ClerksPerKey: 4, KeysPerGroup: 1, GetPPM: 200_000, PutPPM: 100_000}
	kvThink    = [2]sim.Duration{0, 20 * ms}
)

func registerKV() {
	register(&scenarios.Scenario{
		Name: "kv-basic", Description: "5 nodes, 1 clerk, no faults",
		Servers: [2]int{5, 5}, Clients: 1, Duration: 10 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{KV: mixed, Think: kvThink, ApplyLagWithin: calmApplyLag, OneRequestPerOp: true},
	})
	register(&scenarios.Scenario{
		Name: "kv-concurrent", Description: "5 nodes, many clerks sharing keys, appends racing",
		Servers: [2]int{5, 5}, Clients: 10, Duration: 10 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{KV: appendsHot, Think: kvThink, ApplyLagWithin: calmApplyLag, OneRequestPerOp: true},
	})
	register(&scenarios.Scenario{
		Name: "kv-single", Description: "a cluster of one server, 3 clerks, no faults: it commits on its own sync, with no acknowledgement to wait for",
		Servers: [2]int{1, 1}, Clients: 3, Duration: 10 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{KV: mixed, Think: kvThink, ApplyLagWithin: calmApplyLag, OneRequestPerOp: true},
	})
	register(&scenarios.Scenario{
		Name: "kv-unreliable", Description: "loss, duplication and reordering for everyone, clerks included",
		Servers: [2]int{5, 5}, Clients: 5, Duration: 20 * s, Bound: 10 * s,
		Net:    sim.NetParams{MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 100_000, DupPPM: 50_000, ReorderPPM: 100_000, ReorderMax: 1 * s},
		Probes: probes("duplicate-answered-from-cache"),
		Params: Params{KV: mixed, Think: kvThink},
	})
	register(&scenarios.Scenario{
		Name: "kv-one-partition", Description: "a majority keeps serving; the minority completes nothing until heal",
		Servers: [2]int{5, 5}, Clients: 6, Duration: 12 * s, Bound: 5 * s,
		Probes: probes("deposed-leader-answered"), Expect: scenarios.Expectations{MinorityIdle: true},
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(3*s), scenarios.TargetLeaderAndFollower, g.Clients()[:2], "minority-idle")
			g.Add(sim.Fault{At: at(8 * s), Kind: sim.FaultHeal})
		},
		Params: Params{KV: mixed, Think: kvThink},
	})
	register(&scenarios.Scenario{
		Name: "kv-minority-leader", Description: "a leader cut off with two clerks and CheckQuorum off keeps leading; their requests must time out at it (the server's op timeout), and the minority completes nothing until heal",
		Servers: [2]int{5, 5}, Clients: 6, Duration: 12 * s, Bound: 5 * s,
		Probes: probes("request-timed-out"), Expect: scenarios.Expectations{MinorityIdle: true},
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(3*s), scenarios.TargetLeader, g.Clients()[:2], "minority-idle")
			g.Add(sim.Fault{At: at(8 * s), Kind: sim.FaultHeal})
		},
		Params: Params{KV: mixed, Think: kvThink, NoCheckQuorum: true},
	})
	register(&scenarios.Scenario{
		Name: "kv-many-partitions", Description: "random partitions of any shape, many clerks",
		Servers: [2]int{5, 5}, Clients: 10, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("lagging-follower-reprobed"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{500 * ms, 3 * s}, sim.FaultPartition, sim.FaultPartition, sim.FaultHeal)
		},
		Params: Params{KV: mixed, Think: kvThink},
	})
	register(&scenarios.Scenario{
		Name: "kv-persist", Description: "crashes and restarts of servers under load, all at once too",
		Servers: [2]int{5, 5}, Clients: 5, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("restart-recovered"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, at(12*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
			g.CrashAll(at(14*s), 2*s)
			g.Chaos(at(17*s), at(26*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
			g.CrashAll(at(27*s), 1*s)
		},
		Params: Params{KV: mixed, Think: kvThink},
	})
	register(&scenarios.Scenario{
		Name: "kv-persist-partition-unreliable", Description: "everything together: 7 nodes, many clerks, crashes, partitions, an unreliable network",
		Servers: [2]int{7, 7}, Clients: 10, Duration: 60 * s, Bound: 15 * s,
		Net:    sim.NetParams{MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 50_000, DupPPM: 20_000, ReorderPPM: 50_000, ReorderMax: 1 * s},
		Probes: probes("restart-recovered", "leader-changed"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{300 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal,
				sim.FaultCrash, sim.FaultCrashSync, sim.FaultRestart)
			// The chaos may never hit a leader (seed 66 did not): crash
			// whoever leads at 30 s, and bring everyone back at 32 s.
			g.Add(sim.Fault{At: at(30 * s), Kind: sim.FaultCrash, Target: scenarios.TargetLeader})
			for _, n := range g.Servers() {
				g.At(at(32*s), sim.FaultRestart, n)
			}
		},
		Params: Params{KV: mixed, Think: kvThink},
	})
	register(&scenarios.Scenario{
		Name: "kv-speed", Description: "1000 operations by one clerk, no faults: at least 3 operations per heartbeat interval",
		Servers: [2]int{5, 5}, Clients: 1, Duration: 30 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{KV: &KVWorkload{ClerksPerKey: 1, KeysPerGroup: 1, GetPPM: 340_000, PutPPM: 330_000, MaxOps: 1000}, Think: [2]sim.Duration{0, 0}, MinOpsPerHeartbeat: 3, ApplyLagWithin: calmApplyLag, OneRequestPerOp: true},
	})
}
