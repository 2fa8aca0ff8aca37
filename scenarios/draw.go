package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// Drawn runs, as property-based tests draw them: every draw's zero is the
// simplest choice (no fault, the first node, the simplest shape), so a
// shrinker that moves draws towards zero removes faults one by one. The
// draws happen before the run; the run itself is an ordinary seeded run of
// the resolved Options, so a failure is also a repro file.

// Fault slot kinds, in the order a shrink prefers them (0 first).
const (
	slotNone          = iota
	slotCrash         // a server crashes; it restarts after the slot's length
	slotPartition     // a partition of a drawn shape; it heals after the length
	slotPause         // a server pauses like a frozen VM; it resumes after the length
	slotCrashSync     // a server crashes inside its next sync, before or after it
	slotCrashLeader   // whoever leads crashes; every server restarts after the length
	slotIsolateLeader // whoever leads is cut off; the partition heals after the length
	slotPauseLeader   // whoever leads pauses; it resumes after the length
	slotDisk          // synced data of the disk node damaged or lost, then a crash and restart
	slotFailSync      // the disk node's next sync fails: it stops for good
	slotKinds
)

// Partition shapes, simplest first.
const (
	shapeIsolate = iota // one server alone
	shapeHalves         // two sides, either may hold the majority
	shapeOneWay         // one side cannot reach the other, but hears it
	shapeBridge         // one server sees both sides, which cannot see each other
	shapeRing           // each server sees only its neighbours
	shapeThree          // three groups
	shapes
)

// Drawer is where a generator's numbers come from: rapid, which records
// and shrinks them (see scenarios/simtest), or a seed (NewSeedDrawer), for
// a scenario run by seed that draws the way a property test does.
type Drawer interface {
	// Draw returns a value in [lo, hi]; the simplest is the one nearest 0
	// (lo in every range here but the signed skew and drift).
	Draw(lo, hi int, label string) int
}

// seedDrawer draws from a seed: a drawn scenario run by seed (`detsim run
// --scenario=property --seed=N`, a fuzz campaign). Each value comes
// from a stream of its own, keyed by the seed, the draw's label and how
// many draws of that label came before, never by the order of the draws:
// the workload's kind, the cluster, the network and each fault slot are
// drawn independently, so removing one draw changes no other.
//
// As in swarm testing, the seed also chooses how often a draw takes its
// simplest value: never, or 1 in 8, 4 or 2. Some seeds then keep the
// network calm, the cluster small and fault slots empty, as draws near
// rapid's zeros do; others draw every value uniformly.
type seedDrawer struct {
	seed      uint64
	space     string // keys the streams: the scenario's name
	simplePPM uint32
	seen      map[string]uint64
	r         sim.Rand
}

var simpleRates = []uint32{0, 125_000, 250_000, 500_000}

// NewSeedDrawer draws from seed, in the space of streams named by space (a
// scenario's name, so that two drawn scenarios draw apart).
func NewSeedDrawer(seed uint64, space string) Drawer {
	d := &seedDrawer{seed: seed, space: space, seen: map[string]uint64{}}
	d.simplePPM = simpleRates[sim.NewRand(sim.NameKey(seed, space+"/simplest")).Pick(len(simpleRates))]
	return d
}

func (d *seedDrawer) Draw(lo, hi int, label string) int {
	n := d.seen[label]
	d.seen[label] = n + 1
	d.r.Reset(sim.Key(sim.NameKey(d.seed, d.space+"/"+label), n))
	if hi <= lo {
		return lo
	}
	if d.r.Chance(d.simplePPM) {
		return min(max(0, lo), hi)
	}
	return int(d.r.Range(int64(lo), int64(hi)))
}

// DrawSchedule draws up to maxSlots fault slots over [0, duration)
// and writes them out; a slot drawn "none" adds nothing. Each fault that a
// slot starts is undone after the slot's length, or by the final heal if
// its length is 0 or runs past the safety phase. Disk faults strike only
// the last server, so damage never reaches a majority.
func DrawSchedule(d Drawer, servers, clients int, duration sim.Duration, maxSlots int) []sim.Fault {
	var out []sim.Fault
	add := func(f sim.Fault) { out = append(out, f) }
	diskNode := servers - 1
	n := d.Draw(0, maxSlots, "fault slots")
	for i := 0; i < n; i++ {
		kind := d.Draw(slotNone, slotKinds-1, fmt.Sprintf("slot %d kind", i))
		if kind == slotNone {
			continue
		}
		at := sim.Time(sim.Duration(d.Draw(0, int(duration/ms)-1, fmt.Sprintf("slot %d at ms", i))) * ms)
		length := sim.Duration(d.Draw(0, int(duration/ms), fmt.Sprintf("slot %d length ms (0: until the final heal)", i))) * ms
		undo := func(f sim.Fault) {
			if end := at.Add(length); length > 0 && end < sim.Time(duration) {
				f.At = end
				add(f)
			}
		}
		switch kind {
		case slotCrash, slotPause, slotCrashSync:
			node := d.Draw(0, servers-1, fmt.Sprintf("slot %d node", i))
			f := sim.Fault{At: at, Kind: sim.FaultCrash, Node: node}
			back := sim.FaultRestart
			switch kind {
			case slotPause:
				f.Kind, back = sim.FaultPause, sim.FaultResume
			case slotCrashSync:
				f.Kind, f.Before = sim.FaultCrashSync, d.Draw(0, 1, fmt.Sprintf("slot %d before sync", i)) == 1
			}
			add(f)
			undo(sim.Fault{Kind: back, Node: node})
		case slotPartition:
			add(sim.Fault{At: at, Kind: sim.FaultPartition, Links: drawPartition(d, i, servers, clients)})
			undo(sim.Fault{Kind: sim.FaultHeal})
		case slotCrashLeader:
			add(sim.Fault{At: at, Kind: sim.FaultCrash, Target: TargetLeader})
			if end := at.Add(length); length > 0 && end < sim.Time(duration) {
				for sv := 0; sv < servers; sv++ { // restarting a running server does nothing
					add(sim.Fault{At: end, Kind: sim.FaultRestart, Node: sv})
				}
			}
		case slotIsolateLeader:
			add(sim.Fault{At: at, Kind: sim.FaultPartition, Target: TargetLeader})
			undo(sim.Fault{Kind: sim.FaultHeal})
		case slotPauseLeader:
			add(sim.Fault{At: at, Kind: sim.FaultPause, Target: TargetLeader})
			undo(sim.Fault{Kind: sim.FaultResume, Target: TargetPaused})
		case slotDisk:
			kind := sim.FaultDamage
			if d.Draw(0, 1, fmt.Sprintf("slot %d lose write", i)) == 1 {
				kind = sim.FaultLoseWrite
			}
			// The node finds the damage when it reads its disk again.
			at = min(at, sim.Time(duration-30*ms))
			add(sim.Fault{At: at, Kind: kind, Node: diskNode})
			add(sim.Fault{At: at.Add(10 * ms), Kind: sim.FaultCrash, Node: diskNode})
			add(sim.Fault{At: at.Add(20 * ms), Kind: sim.FaultRestart, Node: diskNode})
		case slotFailSync:
			add(sim.Fault{At: at, Kind: sim.FaultFailSync, Node: diskNode})
		}
	}
	return out
}

// drawPartition draws a partition of any shape over the servers; each
// client shares the links of a server, so partitions cut clients off too.
// Its simplest draw isolates server 0.
func drawPartition(d Drawer, slot, servers, clients int) [][2]int {
	if servers < 2 { // one server: the only cut is between it and its clients
		cs := make([]int, clients)
		for c := range cs {
			cs[c] = 1 + c
		}
		return sim.Split([]int{0}, cs)
	}
	label := func(what string) string { return fmt.Sprintf("slot %d %s", slot, what) }
	// A permutation by Fisher–Yates whose simplest draw is the identity.
	order := make([]int, servers)
	for i := range order {
		order[i] = i
	}
	for i := 0; i < servers-1; i++ {
		j := d.Draw(i, servers-1, label(fmt.Sprintf("order %d", i)))
		order[i], order[j] = order[j], order[i]
	}
	n := servers
	var links [][2]int
	switch d.Draw(0, shapes-1, label("shape (isolate, halves, one-way, bridge, ring, three)")) {
	case shapeIsolate:
		links = sim.Isolate(order[0], order)
	case shapeHalves:
		k := d.Draw(1, n-1, label("split"))
		links = sim.Split(order[:k], order[k:])
	case shapeOneWay:
		k := d.Draw(1, n-1, label("split"))
		links = sim.OneWay(order[:k], order[k:])
	case shapeBridge: // order[0] bridges
		k := d.Draw(1, n-2, label("split"))
		links = sim.Bridge(order[1:1+k], order[1+k:])
	case shapeRing:
		links = sim.Ring(order)
	case shapeThree:
		a := d.Draw(1, n-2, label("first cut"))
		b := d.Draw(a+1, n-1, label("second cut"))
		links = sim.Split(order[:a], order[a:b], order[b:])
	}
	// Client c shares the links of server (c + shift) mod servers.
	shift := d.Draw(0, servers-1, label("client placement"))
	blocked := map[[2]int]bool{}
	for _, l := range links {
		blocked[l] = true
	}
	for c := 0; c < clients; c++ {
		anchor, client := (c+shift)%servers, servers+c
		for sv := 0; sv < servers; sv++ {
			if sv == anchor {
				continue
			}
			if blocked[[2]int{anchor, sv}] {
				links = append(links, [2]int{client, sv})
			}
			if blocked[[2]int{sv, anchor}] {
				links = append(links, [2]int{sv, client})
			}
		}
	}
	return links
}
