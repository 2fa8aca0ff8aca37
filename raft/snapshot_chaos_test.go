package raft

import (
	"testing"

	"github.com/detsim/detsim/sim"
)

// TestRandomizedSnapshots is TestRandomizedSafety with services that compact
// their logs every few entries: lagging, partitioned, crashed and restarted
// nodes then catch up by InstallSnapshot under loss, duplication and
// reordering, with crashes inside steps, while the harness checks on every
// step that no snapshot rolls a service back, that every snapshot holds
// exactly the committed entries, and the usual safety properties. The runs
// together must exercise every path of InstallSnapshot.
func TestRandomizedSnapshots(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 40
	}
	if *chaosSeeds > 0 {
		seeds = *chaosSeeds
	}
	probes := map[string]int{}
	restores, snapshots := 0, 0
	for seed := range seeds {
		seed += *chaosFirst
		every := 1 + sim.NewRand(sim.Key(seed, 0x5a)).Below(8)
		nw := runChaos(t, seed, 4000, every)
		for _, id := range nw.ids {
			n := nw.nodes[id]
			for name, c := range n.probes {
				probes[name] += c
			}
			restores += n.restores
			if n.snap != nil {
				snapshots++
			}
		}
	}
	for _, p := range []string{"snapshot-sent", "snapshot-accepted", "snapshot-stale-refused", "snapshot-log-matched"} {
		if probes[p] == 0 {
			t.Errorf("probe %s never fired in %d seeds", p, seeds)
		}
	}
	if restores == 0 || snapshots == 0 {
		t.Errorf("%d restores, %d durable snapshots at the end of %d seeds", restores, snapshots, seeds)
	}
	t.Logf("%d seeds: %d restores; probes %v", seeds, restores, probes)
}
