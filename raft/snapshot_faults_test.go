package raft

import (
	"fmt"
	"testing"

	"github.com/detsim/detsim/sim"
)

// InstallSnapshot under faults: a crash of the follower at every sync point
// of its catch-up, a crash of the leader as it persists its snapshot, and
// many seeds of a lossy, duplicating, reordering network with crashes. The
// harness checks safety on every step; each test ends with the follower
// caught up.

// crashHit reports whether crashOnce struck, and whether the Ready it
// struck persisted a snapshot.
type crashHit struct{ crashed, snap bool }

// crashOnce sets nw to crash id at its k-th synced Ready, at point.
func crashOnce(nw *network, id, k int, point crashPoint) *crashHit {
	hit := &crashHit{}
	syncs, snap := 0, false
	nw.ready = func(rid int, rd Ready) {
		if rid == id {
			snap = rd.Snapshot != nil
		}
	}
	nw.crashAt = func(rid int) crashPoint {
		if rid != id || hit.crashed {
			return noCrash
		}
		if syncs++; syncs < k {
			return noCrash
		}
		hit.crashed, hit.snap = true, snap
		return point
	}
	return hit
}

// The follower crashes at each sync of its catch-up in turn, before or after
// it: before the snapshot is durable it restarts from its old state, after
// it from the snapshot; either way it ends up caught up.
func TestInstallSnapshotCrashAtEveryPoint(t *testing.T) {
	for _, point := range []crashPoint{crashBeforeSync, crashAfterSync} {
		snapCrashes, k := 0, 1
		for ; ; k++ {
			nw := lagBehindSnapshot(t, 20)
			snapIndex := nw.nodes[0].snapIndex()
			hit := crashOnce(nw, 2, k, point)
			nw.heal()
			nw.heartbeat(0)
			nw.propose(0, "after")
			nw.stabilize()
			if !hit.crashed {
				break
			}
			if hit.snap {
				snapCrashes++
				want := map[crashPoint]uint64{crashBeforeSync: 0, crashAfterSync: snapIndex}[point]
				if got := nw.nodes[2].snapIndex(); got != want {
					t.Fatalf("crash %v at the snapshot's sync: durable snapshot at %d, want %d", point, got, want)
				}
			}
			nw.crashAt, nw.ready = nil, nil
			lead := converge(nw, fmt.Sprintf("converged%d", k))
			checkCaughtUp(t, nw, lead, 2)
		}
		if snapCrashes != 1 || k < 3 {
			t.Fatalf("%v: %d of %d crash points struck the snapshot's sync, want 1 of several", point, snapCrashes, k-1)
		}
		t.Logf("%v: %d crash points", point, k-1)
	}
}

// The leader crashes as it persists its own snapshot: before the sync it
// restarts with its whole log (and may feed the follower appends), after it
// from the snapshot; the lagging follower catches up either way.
func TestCompactCrashAtSync(t *testing.T) {
	for _, point := range []crashPoint{crashBeforeSync, crashAfterSync} {
		nw := newNetwork(t, 3, 21, nil)
		nw.elect(0)
		nw.isolate(2)
		for i := range 10 {
			nw.propose(0, fmt.Sprintf("missed%d", i))
			nw.stabilize()
		}
		applied := uint64(len(nw.nodes[0].applied))
		hit := crashOnce(nw, 0, 1, point)
		nw.compact(0)
		want := map[crashPoint]uint64{crashBeforeSync: 0, crashAfterSync: applied}[point]
		if !hit.crashed || !hit.snap || nw.nodes[0].snapIndex() != want {
			t.Fatalf("%v: crash %+v, durable snapshot at %d, want %d", point, *hit, nw.nodes[0].snapIndex(), want)
		}
		nw.crashAt, nw.ready = nil, nil
		nw.compact(1)
		lead := converge(nw, "converged")
		checkCaughtUp(t, nw, lead, 2)
		if point == crashAfterSync && nw.nodes[2].snap == nil {
			t.Fatalf("%v: n2 caught up without a snapshot, though both others compacted past it", point)
		}
	}
}

// Many seeds of bad weather while a follower catches up by snapshot:
// messages lost, duplicated (one copy arriving late, so stale and duplicate
// MsgSnaps reach it) and held back, and the follower crashing inside steps.
func TestInstallSnapshotLossyNetwork(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 25
	}
	stale := 0
	for seed := range seeds {
		nw := lagBehindSnapshot(t, seed)
		nw.t = &namedTB{TB: t, name: fmt.Sprintf("seed %d", seed)}
		rng := sim.NewRand(sim.Key(seed, 0x1055))
		stormyInstall(nw, rng)
		lead := converge(nw, "settled")
		checkCaughtUp(t, nw, lead, 2)
		if nw.nodes[2].snap == nil {
			t.Fatalf("seed %d: n2 caught up without a snapshot, though it lagged behind one", seed)
		}
		stale += nw.probeCount("snapshot-stale-refused")
	}
	if stale == 0 {
		t.Fatalf("no stale or duplicate snapshot reached a follower in %d seeds", seeds)
	}
}

// stormyInstall heals the network and runs 300 random steps of bad weather,
// then delivers every message it held back, in random order.
func stormyInstall(nw *network, rng *sim.Rand) {
	nw.mangle = func(m Message) (Message, bool) {
		switch {
		case rng.Chance(150_000):
			return m, false
		case rng.Chance(150_000):
			nw.held = append(nw.held, m) // a duplicate, delivered late
		}
		return m, true
	}
	nw.hold = func(Message) bool { return rng.Chance(100_000) }
	nw.crashAt = func(id int) crashPoint {
		if id == 2 && rng.Chance(50_000) {
			return crashPoint(1 + rng.Below(2))
		}
		return noCrash
	}
	nw.heal()
	for i := range 300 {
		switch rng.Below(5) {
		case 0:
			nw.tick(0)
		case 1:
			releaseHeld(nw, rng)
		case 2:
			if nw.down(2) {
				nw.restart(2)
			}
		default:
			nw.deliverOne()
		}
		if rng.Chance(50_000) && nw.core(0).Role() == Leader {
			nw.propose(0, fmt.Sprintf("storm%d", i))
		}
	}
	nw.mangle, nw.hold, nw.crashAt = nil, nil, nil
	for len(nw.held) > 0 {
		releaseHeld(nw, rng)
	}
}

// releaseHeld delivers one held-back message, chosen at random.
func releaseHeld(nw *network, rng *sim.Rand) {
	if len(nw.held) == 0 {
		return
	}
	i := rng.Pick(len(nw.held))
	m := nw.held[i]
	nw.held = append(nw.held[:i], nw.held[i+1:]...)
	if nw.lost(m) {
		nw.dropped++
		return
	}
	nw.deliver(m)
}
