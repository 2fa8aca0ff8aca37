package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// Defences alone. Raft's defences cover for one another: with CheckQuorum's
// lease on, a mistake in PreVote never shows (the lease ignores the votes
// PreVote should have refused), and pipelining and batching hide a slow or
// wrong single-entry path. These scenarios switch one off so that the
// others are tested on their own.
// stepDownWithin bounds how long a leader cut off from a majority keeps
// leading: CheckQuorum checks every election timeout (300–600 ms here), so
// two of them and a margin.
const stepDownWithin = 1500 * ms

func registerDefences() {
	register(&scenarios.Scenario{
		Name: "prevote-alone", Description: "nothing reaches one server for 3 s, twice, with CheckQuorum off: PreVote alone keeps its campaigns from raising the term",
		Servers: [2]int{3, 3}, Clients: 2, Duration: 13 * s, Bound: 5 * s,
		Probes: probes(),
		Faults: func(g *scenarios.Gen) {
			// The last server hears nobody, so it campaigns; its pre-votes
			// reach the others, whose logs are ahead of its own.
			deaf := g.Servers()[len(g.Servers())-1:]
			others := append(append([]int(nil), g.Servers()[:len(g.Servers())-1]...), g.Clients()...)
			for _, t := range []sim.Time{at(2 * s), at(8 * s)} {
				g.Add(sim.Fault{At: t, Kind: sim.FaultPartition, Links: sim.OneWay(others, deaf)})
				g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultHeal})
			}
		},
		Expect: scenarios.Expectations{MaxLeaderTerms: 2, NoDisruption: 2 * s},
		Params: Params{Think: think, NoCheckQuorum: true},
	})
	register(&scenarios.Scenario{
		Name: "reelection-no-checkquorum", Description: "leader isolated with CheckQuorum off: the majority elects a new leader; the old one learns on rejoin",
		Servers: [2]int{3, 3}, Clients: 1, Duration: 14 * s, Bound: 5 * s,
		Probes: probes("leader-changed"),
		Expect: scenarios.Expectations{MaxLeaderTerms: 4, NewLeaderWithin: 5 * s, NoDisruption: 2 * s},
		Faults: isolateLeaderTwice,
		Params: Params{Think: think, NoCheckQuorum: true},
	})
	register(&scenarios.Scenario{
		Name: "checkquorum-alone", Description: "leader isolated with PreVote off: CheckQuorum steps it down; a new leader within 5 s",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 14 * s, Bound: 5 * s,
		Probes: probes("leader-changed", "checkquorum-stepdown"),
		Expect: scenarios.Expectations{MaxLeaderTerms: 8, NewLeaderWithin: 5 * s},
		Faults: isolateLeaderTwice,
		Params: Params{Think: think, NoPreVote: true, StepDownWithin: stepDownWithin},
	})
	register(&scenarios.Scenario{
		Name: "agree-one-by-one", Description: "no pipelining and one entry per AppendEntries, a follower cut off: the single-entry path alone",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 13 * s, Bound: 5 * s,
		Probes: probes("lagging-follower-reprobed"),
		Faults: func(g *scenarios.Gen) {
			g.Targeted(at(4*s), scenarios.TargetFollower, nil, "")
			g.Add(sim.Fault{At: at(7 * s), Kind: sim.FaultHeal})
		},
		Params: Params{Think: think, MaxBatch: 1, MaxInflight: 1},
	})
	register(&scenarios.Scenario{
		Name: "snapshot-frequent", Description: "a snapshot every 3 entries under crashes and a cut-off follower: compaction on every path",
		Servers: [2]int{3, 5}, Clients: 3, Duration: 20 * s, Bound: 10 * s,
		Probes: probes("snapshot-installed", "restart-from-snapshot"),
		Faults: func(g *scenarios.Gen) {
			cutFollowers(g, at(2*s), at(9*s))
			g.Chaos(at(10*s), at(17*s), [2]sim.Duration{300 * ms, 2 * s}, sim.FaultCrash, sim.FaultCrashSync)
		},
		Params: Params{Think: think, SnapshotEvery: 3},
	})
	register(&scenarios.Scenario{
		Name: "election-restriction", Description: "an old leader, cut off with the clients and CheckQuorum off, grows a long log of its term; as it rejoins, the new leader crashes: the voters must refuse its shorter-termed log (§5.4.1)",
		Servers: [2]int{5, 5}, Clients: 2, Duration: 16 * s, Bound: 5 * s,
		// The old leader campaigns first in about half the runs (the
		// others' timers started at the crash, its own as it learnt of the
		// newer term): prevote-refused cannot be asked of every run.
		Probes: probes("leader-changed", "leader-crashed"),
		Expect: scenarios.Expectations{NewLeaderWithin: 5 * s},
		Faults: func(g *scenarios.Gen) {
			// Without CheckQuorum the cut-off leader takes every command
			// its clients send; the majority commits little more than its
			// new leader's no-op. Crashing that leader as the old one
			// rejoins leaves the old one's longer log of an older term
			// facing voters whose logs end in the newer one.
			for _, t := range []sim.Time{at(2 * s), at(9 * s)} {
				g.Targeted(t, scenarios.TargetLeader, g.Clients(), "")
				g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultCrash, Target: scenarios.TargetLeader})
				g.Add(sim.Fault{At: t.Add(3*s + 1*ms), Kind: sim.FaultHeal})
			}
		},
		Params: Params{Think: [2]sim.Duration{1 * ms, 10 * ms}, NoCheckQuorum: true},
	})
	register(&scenarios.Scenario{
		Name: "idle-reelection", Description: "two leaders crash while clients are idle: each new leader commits an entry of its term within 1 s anyway (its no-op)",
		Servers: [2]int{5, 5}, Clients: 1, Duration: 12 * s, Bound: 5 * s,
		Probes: probes("leader-changed", "leader-crashed"),
		Expect: scenarios.Expectations{MaxLeaderTerms: 4, NewLeaderWithin: 5 * s},
		Faults: func(g *scenarios.Gen) {
			for _, t := range []sim.Time{at(3 * s), at(8 * s)} {
				g.Add(sim.Fault{At: t, Kind: sim.FaultCrash, Target: scenarios.TargetLeader})
			}
		},
		Params: Params{Think: [2]sim.Duration{4 * s, 8 * s}, CommitInTermWithin: 1 * s},
	})
}

// isolateLeaderTwice cuts the leader off for 3 s at 2 s and again at 8 s.
func isolateLeaderTwice(g *scenarios.Gen) {
	for _, t := range []sim.Time{at(2 * s), at(8 * s)} {
		g.Targeted(t, scenarios.TargetLeader, nil, "")
		g.Add(sim.Fault{At: t.Add(3 * s), Kind: sim.FaultHeal})
	}
}
