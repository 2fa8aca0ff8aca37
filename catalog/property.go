package catalog

import (
	"fmt"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// Property-based runs: rapid draws the scenario itself (the cluster, the
// workload, the network and the fault schedule) and shrinks a failing draw
// to a minimal one; the property scenario draws the same way from a seed. Every draw's zero is the simplest choice (no fault, no
// loss, the smallest cluster, the default batch), so shrinking towards zero
// removes faults and weather one by one. The draws happen before the run;
// the run itself is an ordinary seeded run of the resolved scenarios.Options, so a
// failure is also a detsim repro file that `detsim replay` and `detsim
// shrink` take like any other.

// PropertyScenario names the scenario of drawn runs: repro files of
// property failures carry it, so they replay with `detsim replay`.
const PropertyScenario = "property"

// Bounds of a drawn run.
const (
	propMaxFaults     = 8 // fault slots, each of which may be "none"
	propMinDuration   = 2 * s
	propMaxDuration   = 5 * s
	propMinBound      = 10 * s
	propMaxBound      = 15 * s
	propMaxRaftClient = 4
	propMaxKVClerks   = 8
)

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

// drawer is where a generator's numbers come from: rapid, which records
// and shrinks them, or a seedDrawer, for the scenario run by seed.
type drawer interface {
	// draw returns a value in [lo, hi]; the simplest is the one nearest 0
	// (lo in every range here but the signed skew and drift).
	draw(lo, hi int, label string) int
}

// seedDrawer draws from a seed: the property scenario run by seed (`detsim
// run --scenario=property --seed=N`, a fuzz campaign). Each value comes
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
	simplePPM uint32
	seen      map[string]uint64
	r         sim.Rand
}

var simpleRates = []uint32{0, 125_000, 250_000, 500_000}

func newSeedDrawer(seed uint64) *seedDrawer {
	d := &seedDrawer{seed: seed, seen: map[string]uint64{}}
	d.simplePPM = simpleRates[sim.NewRand(sim.NameKey(seed, "property/simplest")).Pick(len(simpleRates))]
	return d
}

func (d *seedDrawer) draw(lo, hi int, label string) int {
	n := d.seen[label]
	d.seen[label] = n + 1
	d.r.Reset(sim.Key(sim.NameKey(d.seed, "property/"+label), n))
	if hi <= lo {
		return lo
	}
	if d.r.Chance(d.simplePPM) {
		return min(max(0, lo), hi)
	}
	return int(d.r.Range(int64(lo), int64(hi)))
}

// drawRun draws a whole run, the kind of workload too: what the property
// scenario draws from its seed and FuzzProperty from rapid. duration fixes
// the safety phase (0: drawn), as Scenario.ResolveFor asks.
func drawRun(d drawer, duration int64) scenarios.Options {
	kv := d.draw(0, 1, "workload (0 raft, 1 key/value)") == 1
	return drawOptionsFor(d, kv, duration)
}

// drawOptions draws a whole run of the given workload (from rapid in the
// property tests, whose rapidDrawer lives with them so that no production
// binary carries rapid; from a seed in the property scenario): 3, 5 or 7
// servers; raft commands from 1-4 clients (with bursts, snapshots every
// few entries and the batch size drawn), or (kv) a key/value workload of
// 1-8 clerks, at most 4 to a key (with maxraftstate drawn); a safety phase
// of 2-5 virtual seconds and a liveness bound of 10-15; the network's
// loss, duplication and reordering, torn writes and clock skew, each 0 for
// none or the default; and up to 8 fault slots, each of which may be none.
// The schedule ends with the final heal at the end of the safety phase, as
// Scenario.Resolve writes it. The probes are the basic ones (a leader
// elected, a command applied), which any run that passes its liveness
// check fires; there are no expectations.
func drawOptions(d drawer, kv bool) scenarios.Options { return drawOptionsFor(d, kv, 0) }

// drawOptionsFor is drawOptions with a safety phase of duration ns, or a
// drawn one if duration is 0.
func drawOptionsFor(d drawer, kv bool, duration int64) scenarios.Options {
	o := scenarios.Options{
		Scenario: PropertyScenario,
		System:   drawnSystem{}.Name(),
		Servers:  []int{3, 5, 7}[d.draw(0, 2, "servers (3, 5, 7)")],
		Duration: int64(d.draw(int(propMinDuration/ms), int(propMaxDuration/ms), "duration ms")) * ms,
		Bound:    int64(d.draw(int(propMinBound/ms), int(propMaxBound/ms), "bound ms")) * ms,
		Net:      sim.DefaultNet,
		Probes:   probes(),
	}
	p := Params{Burst: 1}
	if duration > 0 {
		o.Duration = duration
	}
	if kv {
		w := &KVWorkload{
			ClerksPerKey: d.draw(1, 4, "clerks per key"),
			KeysPerGroup: d.draw(1, 3, "keys per group"),
		}
		get := d.draw(0, 10, "gets (tenths)")
		w.GetPPM = uint32(get) * 100_000
		w.PutPPM = uint32(d.draw(0, 10-get, "puts (tenths)")) * 100_000
		p.KV = w
		o.Clients = d.draw(1, propMaxKVClerks, "clerks")
		p.Think = [2]int64{0, int64(d.draw(0, 20, "think ms")) * ms}
		p.MaxRaftState = -1
		if k := d.draw(0, 4, "maxraftstate (KB, 0 never)"); k > 0 {
			p.MaxRaftState = int64(k) * 1000
		}
	} else {
		o.Clients = d.draw(1, propMaxRaftClient, "clients")
		p.Burst = d.draw(1, 5, "burst")
		lo := int64(d.draw(0, 20, "think min ms")) * ms
		p.Think = [2]int64{lo, lo + int64(d.draw(0, 50, "think spread ms"))*ms}
		p.SnapshotEvery = []int{0, 5, 10, 50}[d.draw(0, 3, "snapshot every (0, 5, 10, 50)")]
		p.MaxBatch = d.draw(0, 4, "max batch (0 default)")
	}
	o.Net.LossPPM = uint32(d.draw(0, 15, "loss %")) * 10_000
	o.Net.DupPPM = uint32(d.draw(0, 10, "dup %")) * 10_000
	o.Net.ReorderPPM = uint32(d.draw(0, 15, "reorder %")) * 10_000
	if o.Net.ReorderPPM > 0 {
		o.Net.ReorderMax = int64(d.draw(1, 20, "reorder max (100 ms)")) * 100 * ms
	}
	o.TornPPM = uint32(d.draw(0, 10, "torn (tenths)")) * 100_000
	if d.draw(0, 1, "clock skew") == 1 {
		for i := 0; i < o.Servers; i++ {
			o.Clocks = append(o.Clocks, sim.Clock{
				SkewNs:   int64(d.draw(-2000, 2000, fmt.Sprintf("n%d skew ms", i))) * ms,
				DriftPPM: int32(d.draw(-5000, 5000, fmt.Sprintf("n%d drift ppm", i))),
			})
		}
	}
	o.Faults = drawSchedule(d, o.Servers, o.Clients, o.Duration)
	g := scenarios.NewGen(nil, o.Servers, o.Clients, o.Duration)
	g.FinalHeal(o.Net.LossPPM|o.Net.DupPPM|o.Net.ReorderPPM != 0)
	o.Faults = append(o.Faults, g.Faults()...)
	sim.SortFaults(o.Faults)
	return withParams(o, p)
}

// drawSchedule draws up to propMaxFaults fault slots over [0, duration)
// and writes them out; a slot drawn "none" adds nothing. Each fault that a
// slot starts is undone after the slot's length, or by the final heal if
// its length is 0 or runs past the safety phase. Disk faults strike only
// the last server, so damage never reaches a majority.
func drawSchedule(d drawer, servers, clients int, duration int64) []sim.Fault {
	var out []sim.Fault
	add := func(f sim.Fault) { out = append(out, f) }
	diskNode := servers - 1
	n := d.draw(0, propMaxFaults, "fault slots")
	for i := 0; i < n; i++ {
		kind := d.draw(slotNone, slotKinds-1, fmt.Sprintf("slot %d kind", i))
		if kind == slotNone {
			continue
		}
		at := int64(d.draw(0, int(duration/ms)-1, fmt.Sprintf("slot %d at ms", i))) * ms
		length := int64(d.draw(0, int(duration/ms), fmt.Sprintf("slot %d length ms (0: until the final heal)", i))) * ms
		undo := func(f sim.Fault) {
			if end := at + length; length > 0 && end < duration {
				f.At = end
				add(f)
			}
		}
		switch kind {
		case slotCrash, slotPause, slotCrashSync:
			node := d.draw(0, servers-1, fmt.Sprintf("slot %d node", i))
			f := sim.Fault{At: at, Kind: sim.FaultCrash, Node: node}
			back := sim.FaultRestart
			switch kind {
			case slotPause:
				f.Kind, back = sim.FaultPause, sim.FaultResume
			case slotCrashSync:
				f.Kind, f.Before = sim.FaultCrashSync, d.draw(0, 1, fmt.Sprintf("slot %d before sync", i)) == 1
			}
			add(f)
			undo(sim.Fault{Kind: back, Node: node})
		case slotPartition:
			add(sim.Fault{At: at, Kind: sim.FaultPartition, Links: drawPartition(d, i, servers, clients)})
			undo(sim.Fault{Kind: sim.FaultHeal})
		case slotCrashLeader:
			add(sim.Fault{At: at, Kind: sim.FaultCrash, Target: scenarios.TargetLeader})
			if end := at + length; length > 0 && end < duration {
				for sv := 0; sv < servers; sv++ { // restarting a running server does nothing
					add(sim.Fault{At: end, Kind: sim.FaultRestart, Node: sv})
				}
			}
		case slotIsolateLeader:
			add(sim.Fault{At: at, Kind: sim.FaultPartition, Target: scenarios.TargetLeader})
			undo(sim.Fault{Kind: sim.FaultHeal})
		case slotPauseLeader:
			add(sim.Fault{At: at, Kind: sim.FaultPause, Target: scenarios.TargetLeader})
			undo(sim.Fault{Kind: sim.FaultResume, Target: scenarios.TargetPaused})
		case slotDisk:
			kind := sim.FaultDamage
			if d.draw(0, 1, fmt.Sprintf("slot %d lose write", i)) == 1 {
				kind = sim.FaultLoseWrite
			}
			// The node finds the damage when it reads its disk again.
			at = min(at, duration-30*ms)
			add(sim.Fault{At: at, Kind: kind, Node: diskNode})
			add(sim.Fault{At: at + 10*ms, Kind: sim.FaultCrash, Node: diskNode})
			add(sim.Fault{At: at + 20*ms, Kind: sim.FaultRestart, Node: diskNode})
		case slotFailSync:
			add(sim.Fault{At: at, Kind: sim.FaultFailSync, Node: diskNode})
		}
	}
	return out
}

// drawPartition draws a partition of any shape over the servers; each
// client shares the links of a server, so partitions cut clients off too.
// Its simplest draw isolates server 0.
func drawPartition(d drawer, slot, servers, clients int) [][2]int {
	label := func(what string) string { return fmt.Sprintf("slot %d %s", slot, what) }
	// A permutation by Fisher–Yates whose simplest draw is the identity.
	order := make([]int, servers)
	for i := range order {
		order[i] = i
	}
	for i := 0; i < servers-1; i++ {
		j := d.draw(i, servers-1, label(fmt.Sprintf("order %d", i)))
		order[i], order[j] = order[j], order[i]
	}
	n := servers
	var links [][2]int
	switch d.draw(0, shapes-1, label("shape (isolate, halves, one-way, bridge, ring, three)")) {
	case shapeIsolate:
		links = sim.Isolate(order[0], order)
	case shapeHalves:
		k := d.draw(1, n-1, label("split"))
		links = sim.Split(order[:k], order[k:])
	case shapeOneWay:
		k := d.draw(1, n-1, label("split"))
		links = sim.OneWay(order[:k], order[k:])
	case shapeBridge: // order[0] bridges
		k := d.draw(1, n-2, label("split"))
		links = sim.Bridge(order[1:1+k], order[1+k:])
	case shapeRing:
		links = sim.Ring(order)
	case shapeThree:
		a := d.draw(1, n-2, label("first cut"))
		b := d.draw(a+1, n-1, label("second cut"))
		links = sim.Split(order[:a], order[a:b], order[b:])
	}
	// Client c shares the links of server (c + shift) mod servers.
	shift := d.draw(0, servers-1, label("client placement"))
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

// propertyScenario is what `detsim list` shows and what a property repro
// names. Run by seed (`detsim run --scenario=property --seed=N`, or in a
// fuzz campaign), the seed draws the whole run through drawRun, from the
// space the property tests draw from: the workload's kind (raft or
// key/value), 3, 5 or 7 servers, the clients, the network's weather, clock
// skew and up to 8 fault slots.
var propertyScenario = &scenarios.Scenario{
	Name:        PropertyScenario,
	Description: "a whole run drawn by the property tests' generator (rapid in go test -run=Property; here the seed): raft or key/value, 3/5/7 servers, network weather, skew, up to 8 fault slots",
	Draw:        func(seed uint64, duration int64) scenarios.Options { return drawRun(newSeedDrawer(seed), duration) },
	System:      drawnSystem{},
}

// drawnSystem is the property scenario's: the draw chooses the system too,
// and the options say which (a key/value workload or none).
type drawnSystem struct{ bundled }

func (drawnSystem) Name() string { return "raft+kv" }

func (drawnSystem) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	if paramsOf(&h.Options).KV != nil {
		return KVSystem.Start(h)
	}
	return RaftSystem.Start(h)
}

func registerProperty() { register(propertyScenario) }
