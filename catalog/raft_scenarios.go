package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// The raft scenarios of issue 3.

var (
	think      = [2]sim.Duration{5 * ms, 50 * ms}
	unreliable = sim.NetParams{
		MinLatency: 1 * ms, MaxLatency: 10 * ms, LossPPM: 100_000, DupPPM: 50_000,
		ReorderPPM: 100_000, ReorderMax: 2 * s,
	}
)

// calmLatency bounds an operation's latency where the weather is calm (the
// slowest after the first second was 23 ms over 150 seeds of each calm
// scenario: a few network hops; a retry that waits for a timeout, or a
// missed leader hint, takes hundreds).
const calmLatency = 60 * ms

// calmApplyLag bounds how long after an entry first commits a server
// applies it where the weather is calm (the slowest was 16 ms over 150
// seeds of each calm scenario: an acknowledgement and the next append; a
// follower that learns of commits only by heartbeat takes a hundred).
const calmApplyLag = 40 * ms

// calmMessagesPerOp bounds the messages sent per client operation where
// the weather is calm (at most 21 over 150 seeds of each calm scenario:
// the request, an append and its acknowledgement per follower, the reply,
// and the heartbeats between; a leader and a follower answering each
// other's empty appends forever cost hundreds).
const calmMessagesPerOp = 40

func registerRaft() {
	register(&scenarios.Scenario{
		Name: "election", Description: "3 nodes, no faults: one leader, stays leader, heartbeats at most 10/s",
		Servers: [2]int{3, 3}, Clients: 1, Duration: 10 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{Think: [2]sim.Duration{50 * ms, 200 * ms}, ApplyLagWithin: calmApplyLag},
	})
	register(&scenarios.Scenario{
		Name: "reelection", Description: "leader isolated: a new leader within 5 s; the old one rejoins without disrupting (PreVote)",
		Servers: [2]int{3, 3}, Clients: 1, Duration: 14 * s, Bound: 5 * s,
		Probes: probes("leader-changed", "checkquorum-stepdown"),
		Expect: scenarios.Expectations{MaxLeaderTerms: 4, NewLeaderWithin: 5 * s, NoDisruption: 2 * s},
		Faults: isolateLeaderTwice,
		Params: Params{Think: think, StepDownWithin: stepDownWithin},
	})
	register(&scenarios.Scenario{
		Name: "many-elections", Description: "7 nodes, random partitions of any shape for 60 virtual s",
		Servers: [2]int{7, 7}, Clients: 2, Duration: 60 * s, Bound: 10 * s,
		Probes: probes("leader-changed"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{500 * ms, 3 * s}, sim.FaultPartition, sim.FaultPartition, sim.FaultHeal)
		},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "agree", Description: "3-5 nodes, no faults: commands replicated and applied everywhere in order",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 10 * s, Bound: 5 * s,
		Probes: probes(), Expect: scenarios.Expectations{StableLeader: true, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{Think: think, ApplyLagWithin: calmApplyLag},
	})
	register(&scenarios.Scenario{
		Name: "fail-agree", Description: "a follower cut off: agreement continues, it catches up on return",
		Servers: [2]int{3, 3}, Clients: 2, Duration: 13 * s, Bound: 5 * s,
		Probes: probes("lagging-follower-reprobed"),
		Faults: func(g *scenarios.Gen) {
			for _, t := range []sim.Time{at(2 * s), at(8 * s)} {
				g.Targeted(t, scenarios.TargetFollower, nil, "")
				g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultHeal})
			}
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 2, MaxLatency: calmLatency, LatencyAfter: 1 * s, MaxMessagesPerOp: calmMessagesPerOp},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "fail-no-agree", Description: "a majority cut off: nothing commits, then progress after heal",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 9 * s, Bound: 5 * s,
		Probes: probes("checkquorum-stepdown"),
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(2*s), scenarios.TargetMinorityLeader, g.Clients(), "majority-cut")
			g.Add(sim.Fault{At: at(6 * s), Kind: sim.FaultHeal})
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 3},
		Params: Params{Think: think, NoCommitInCut: true, StepDownWithin: stepDownWithin},
	})
	register(&scenarios.Scenario{
		Name: "rejoin", Description: "a partitioned old leader with uncommitted entries rejoins and gives them up",
		Servers: [2]int{3, 3}, Clients: 3, Duration: 12 * s, Bound: 5 * s,
		Probes: probes("log-truncated", "leader-changed"),
		Faults: func(g *scenarios.Gen) {
			for _, t := range []sim.Time{at(2 * s), at(7 * s)} {
				g.Targeted(t, scenarios.TargetLeader, g.Clients(), "")
				g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultHeal})
			}
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 4},
		Params: Params{Think: [2]sim.Duration{1 * ms, 10 * ms}},
	})
	register(&scenarios.Scenario{
		Name: "backup", Description: "a lagging leader+follower with many conflicting entries catch up quickly (fast backup)",
		Servers: [2]int{5, 5}, Clients: 3, Duration: 12 * s, Bound: 3 * s,
		Probes: probes("log-truncated", "fast-backup"),
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(2*s), scenarios.TargetLeaderAndFollower, g.Clients()[:1], "")
			g.Targeted(at(5*s), scenarios.TargetLeaderAndFollower, g.Clients()[1:2], "")
			g.Add(sim.Fault{At: at(8 * s), Kind: sim.FaultHeal})
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 4},
		Params: Params{Burst: 20, Think: [2]sim.Duration{20 * ms, 50 * ms}},
	})
	register(&scenarios.Scenario{
		Name: "persist", Description: "crashes and restarts of any nodes, all at once too",
		Servers: [2]int{3, 5}, Clients: 2, Duration: 30 * s, Bound: 5 * s,
		Probes: probes("restart-recovered"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, at(10*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash)
			g.CrashAll(at(12*s), 2*s)
			g.Chaos(at(15*s), at(24*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash)
			g.CrashAll(at(26*s), 1*s)
		},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "figure8", Description: "the Figure 8 schedule: leaders crash right after appending",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("leader-crashed", "crash-in-step"), Faults: figure8Faults,
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "figure8-batch1", Description: "Figure 8 with one entry per AppendEntries: old entries and the new leader's no-op travel apart",
		Servers: [2]int{5, 5}, Clients: 3, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("leader-crashed", "crash-in-step"), Faults: figure8Faults,
		Params: Params{Think: [2]sim.Duration{1 * ms, 20 * ms}, MaxBatch: 1},
	})
	register(&scenarios.Scenario{
		Name: "figure8-unreliable", Description: "Figure 8 with loss, duplication and long reordering",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 30 * s, Bound: 10 * s, Net: unreliable,
		Probes: probes("leader-crashed", "crash-in-step"), Faults: figure8Faults,
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "churn", Description: "many crashes, restarts and partitions with concurrent commands",
		Servers: [2]int{5, 5}, Clients: 3, Duration: 30 * s, Bound: 10 * s,
		Probes: probes("restart-recovered"),
		Faults: func(g *scenarios.Gen) {
			g.Chaos(0, g.SafetyEnd(), [2]sim.Duration{200 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync,
				sim.FaultPartition, sim.FaultHeal, sim.FaultRestart)
		},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "partition-oneway", Description: "one-way links and bridges; CheckQuorum steps a cut-off leader down",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 20 * s, Bound: 5 * s,
		Probes: probes("checkquorum-stepdown", "leader-changed"),
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(2*s), scenarios.TargetLeaderInbound, nil, "")
			g.Add(sim.Fault{At: at(5 * s), Kind: sim.FaultHeal})
			g.Add(sim.Fault{At: at(7 * s), Kind: sim.FaultPartition, Links: g.WithClients(sim.Bridge([]int{0, 1}, []int{3, 4}))})
			g.Add(sim.Fault{At: at(10 * s), Kind: sim.FaultHeal})
			for t := at(11 * s); t < at(19*s); t = t.Add(g.Rand().Duration(500*ms, 2*s)) {
				k := 1 + g.Rand().Pick(len(g.Servers())-1)
				g.Add(sim.Fault{At: t, Kind: sim.FaultPartition, Links: g.WithClients(sim.OneWay(g.Servers()[:k], g.Servers()[k:]))})
			}
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 8},
		Params: Params{Think: think, StepDownWithin: stepDownWithin},
	})
	register(&scenarios.Scenario{
		Name: "pause", Description: "a leader paused past its followers' election timeout, then resumed",
		Servers: [2]int{3, 5}, Clients: 2, Duration: 12 * s, Bound: 5 * s, Skew: true,
		Probes: probes("leader-changed", "leader-deposed"), Expect: scenarios.Expectations{MaxLeaderTerms: 4, NewLeaderWithin: 5 * s},
		Faults: func(g *scenarios.Gen) {
			for _, t := range []sim.Time{at(2 * s), at(7 * s)} {
				g.Add(sim.Fault{At: t, Kind: sim.FaultPause, Target: scenarios.TargetLeader})
				g.Add(sim.Fault{At: t.Add(g.Rand().Duration(1500*ms, 3*s)), Kind: sim.FaultResume, Target: scenarios.TargetPaused})
			}
		},
		Params: Params{Think: think},
	})
	register(&scenarios.Scenario{
		Name: "disk-faults", Description: "torn writes, lost unsynced writes, crashes inside a step, synced-data damage on a minority",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 30 * s, Bound: 10 * s, TornPPM: 800_000,
		Probes: probes("torn-tail-dropped", "crash-in-step", "sync-failed-stopped"), Faults: diskFaults,
		Params: Params{Think: think},
	})
}

// figure8Faults crashes whoever leads, often inside the step right after it
// appends, and restarts nodes at random so a majority is usually up.
func figure8Faults(g *scenarios.Gen) {
	for t := at(g.Rand().Duration(200*ms, 800*ms)); t < g.SafetyEnd(); t = t.Add(g.Rand().Duration(100*ms, 900*ms)) {
		if g.Rand().Chance(500_000) {
			g.Add(sim.Fault{At: t, Kind: sim.FaultCrashSync, Target: scenarios.TargetLeader, Before: g.Rand().Chance(300_000)})
		} else {
			g.Add(sim.Fault{At: t, Kind: sim.FaultCrash, Target: scenarios.TargetLeader})
		}
		g.At(t.Add(g.Rand().Duration(50*ms, 600*ms)), sim.FaultRestart, g.Server())
		g.At(t.Add(g.Rand().Duration(50*ms, 600*ms)), sim.FaultRestart, g.Server())
	}
}

// diskFaults damages synced data on a minority only (the fault atlas), and
// crashes everyone, often mid-step, so torn tails are common.
func diskFaults(g *scenarios.Gen) {
	// At most a minority may stop for good: one node has its synced data
	// damaged, another has a sync fail.
	n := len(g.Servers())
	damaged, failing := g.Servers()[0], g.Servers()[n-1]
	// Crashes end at 20 s so that nothing restarts the node whose sync
	// is made to fail after 21 s: that failure must stop it.
	g.Chaos(0, at(20*s), [2]sim.Duration{200 * ms, 1 * s}, sim.FaultCrashSync, sim.FaultCrashSync, sim.FaultCrashSync, sim.FaultCrash)
	t := at(g.Rand().Duration(3*s, 19*s))
	for k := 0; k < 3; k++ {
		kind := sim.FaultDamage
		if g.Rand().Chance(500_000) {
			kind = sim.FaultLoseWrite
		}
		g.At(t.Add(sim.Duration(k)*10*ms), kind, damaged)
	}
	g.At(t.Add(100*ms), sim.FaultCrash, damaged)
	g.At(t.Add(600*ms), sim.FaultRestart, damaged)
	g.At(at(g.Rand().Duration(21*s, 28*s)), sim.FaultFailSync, failing)
}
