package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// The snapshot scenarios of issue 5. Raft scenarios snapshot every few
// entries (snapEvery), so a follower cut off for a few seconds falls behind
// the leader's compacted log and can only catch up by InstallSnapshot.
const snapEvery = 10

// cutFollowers isolates a follower for a few seconds, several times, while
// clients keep the log growing.
func cutFollowers(g *scenarios.Gen, times ...sim.Time) {
	for _, t := range times {
		g.Targeted(t, scenarios.TargetFollower, nil, "")
		g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultHeal})
	}
}

func registerSnapshots1() {
	register(&scenarios.Scenario{
		Name: "snapshot-basic", Description: "commands with a snapshot every 10 entries, no faults",
		Servers: [2]int{3, 5}, Clients: 4, Duration: 10 * s, Bound: 5 * s, Probes: probes("snapshot-taken"), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{Think: [2]sim.Duration{1 * ms, 20 * ms}, SnapshotEvery: snapEvery, ApplyLagWithin: calmApplyLag},
	})
	register(&scenarios.Scenario{
		Name: "snapshot-install", Description: "a follower cut off while the log is compacted past it catches up by InstallSnapshot",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 14 * s, Bound: 5 * s,
		Probes: probes("snapshot-sent", "snapshot-installed"),
		Faults: func(g *scenarios.Gen) { cutFollowers(g, at(2*s), at(8*s)) },
		Params: Params{Think: think, SnapshotEvery: snapEvery},
	})
	register(&scenarios.Scenario{
		Name: "snapshot-install-unreliable", Description: "InstallSnapshot with loss, duplication and reordering",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 20 * s, Bound: 10 * s,
		Net: unreliable, Probes: probes("snapshot-sent", "snapshot-installed"),
		Faults: func(g *scenarios.Gen) { cutFollowers(g, at(2*s), at(8*s), at(14*s)) },
		Params: Params{Think: think, SnapshotEvery: snapEvery},
	})
	register(&scenarios.Scenario{
		Name: "snapshot-install-crash", Description: "InstallSnapshot with crashes and restarts, some inside a step",
		Servers: [2]int{5, 5}, Clients: 3, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("snapshot-installed", "restart-from-snapshot"),
		Faults: func(g *scenarios.Gen) {
			cutFollowers(g, at(2*s), at(12*s), at(22*s))
			g.Chaos(at(5*s), at(11*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
			g.Chaos(at(15*s), at(21*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
		},
		Params: Params{Think: think, SnapshotEvery: snapEvery},
	})
	register(&scenarios.Scenario{
		Name: "snapshot-all-crash", Description: "every node crashes and restarts from snapshot + log, repeatedly",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 30 * s, Bound: 5 * s,
		Probes: probes("restart-from-snapshot"),
		Faults: func(g *scenarios.Gen) {
			for t := at(3 * s); t < at(28*s); t = t.Add(5 * s) {
				g.CrashAll(t, g.Rand().Duration(200*ms, 2*s))
			}
		},
		Params: Params{Think: think, SnapshotEvery: snapEvery},
	})
}

// The key/value snapshot scenarios: servers snapshot when their durable
// Raft state reaches maxraftstate bytes.
var putHeavy = &KVWorkload{ClerksPerKey: 2, KeysPerGroup: 2, GetPPM: 300_000, PutPPM: 600_000}

func registerSnapshots2() {
	register(&scenarios.Scenario{
		Name: "kv-snapshot-size", Description: "maxraftstate=1000, many operations: Raft state and snapshot sizes stay bounded",
		Servers: [2]int{3, 3}, Clients: 4, Duration: 20 * s, Bound: 5 * s, Probes: probes("snapshot-taken"), Expect: scenarios.Expectations{StableLeader: true},
		Params: Params{KV: putHeavy, Think: [2]sim.Duration{0, 5 * ms}, MaxRaftState: 1000, SmallSnapshot: true},
	})
	register(&scenarios.Scenario{
		Name: "kv-snapshot-recover", Description: "servers restart from snapshots under load, all at once too",
		Servers: [2]int{5, 5}, Clients: 5, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("snapshot-taken", "restart-from-snapshot"),
		// A 30 s pattern, repeated for every whole 30 s of the duration (a
		// longer run, as the memory benchmark makes, keeps the same weather).
		Faults: func(g *scenarios.Gen) {
			for base := sim.Time(0); base.Add(30*s) <= g.SafetyEnd(); base = base.Add(30 * s) {
				g.Chaos(base, base.Add(12*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
				g.CrashAll(base.Add(14*s), 2*s)
				g.Chaos(base.Add(17*s), base.Add(26*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
				g.CrashAll(base.Add(27*s), 1*s)
			}
		},
		Params: Params{KV: mixed, Think: kvThink, MaxRaftState: 1000},
	})
	register(&scenarios.Scenario{
		Name: "kv-snapshot-unreliable", Description: "partitions, crashes, an unreliable network and snapshots together, many clerks",
		Servers: [2]int{5, 5}, Clients: 8, Duration: 40 * s, Bound: 15 * s,
		Net:    sim.NetParams{MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 50_000, DupPPM: 50_000, ReorderPPM: 50_000, ReorderMax: 1 * s},
		Probes: probes("snapshot-installed", "restart-from-snapshot", "dedup-from-restored-table"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{300 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal,
				sim.FaultCrash, sim.FaultCrashSync, sim.FaultRestart)
			// Everyone down at once, twice: requests in flight are retried
			// against servers that restored their dedup tables.
			g.CrashAll(at(15*s), 1*s)
			g.CrashAll(at(30*s), 1*s)
		},
		Params: Params{KV: mixed, Think: kvThink, MaxRaftState: 1000},
	})
	register(&scenarios.Scenario{
		Name: "kv-snapshot-stress", Description: "maxraftstate=1 on the busiest scenario: 7 nodes, many clerks, crashes, partitions, an unreliable network",
		Servers: [2]int{7, 7}, Clients: 10, Duration: 60 * s, Bound: 15 * s,
		Net:    sim.NetParams{MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 50_000, DupPPM: 20_000, ReorderPPM: 50_000, ReorderMax: 1 * s},
		Probes: probes("snapshot-installed", "restart-from-snapshot"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{300 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal,
				sim.FaultCrash, sim.FaultCrashSync, sim.FaultRestart)
		},
		Params: Params{KV: mixed, Think: kvThink, MaxRaftState: 1},
	})
}
