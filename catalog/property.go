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

// drawRun draws a whole run, the kind of workload too: what the property
// scenario draws from its seed and FuzzProperty from rapid. duration fixes
// the safety phase (0: drawn), as Scenario.ResolveFor asks.
func drawRun(d scenarios.Drawer, duration sim.Duration) scenarios.Options {
	kv := d.Draw(0, 1, "workload (0 raft, 1 key/value)") == 1
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
func drawOptions(d scenarios.Drawer, kv bool) scenarios.Options { return drawOptionsFor(d, kv, 0) }

// drawOptionsFor is drawOptions with a safety phase of duration, or a
// drawn one if duration is 0.
func drawOptionsFor(d scenarios.Drawer, kv bool, duration sim.Duration) scenarios.Options {
	o := scenarios.Options{
		Scenario: PropertyScenario,
		System:   drawnSystem{}.Name(),
		Servers:  []int{3, 5, 7}[d.Draw(0, 2, "servers (3, 5, 7)")],
		Duration: sim.Duration(d.Draw(int(propMinDuration/ms), int(propMaxDuration/ms), "duration ms")) * ms,
		Bound:    sim.Duration(d.Draw(int(propMinBound/ms), int(propMaxBound/ms), "bound ms")) * ms,
		Net:      sim.DefaultNet,
		Probes:   probes(),
	}
	p := Params{Burst: 1}
	if duration > 0 {
		o.Duration = duration
	}
	if kv {
		w := &KVWorkload{
			ClerksPerKey: d.Draw(1, 4, "clerks per key"),
			KeysPerGroup: d.Draw(1, 3, "keys per group"),
		}
		get := d.Draw(0, 10, "gets (tenths)")
		w.GetPPM = uint32(get) * 100_000
		w.PutPPM = uint32(d.Draw(0, 10-get, "puts (tenths)")) * 100_000
		p.KV = w
		o.Clients = d.Draw(1, propMaxKVClerks, "clerks")
		p.Think = [2]sim.Duration{0, sim.Duration(d.Draw(0, 20, "think ms")) * ms}
		p.MaxRaftState = -1
		if k := d.Draw(0, 4, "maxraftstate (KB, 0 never)"); k > 0 {
			p.MaxRaftState = int64(k) * 1000
		}
	} else {
		o.Clients = d.Draw(1, propMaxRaftClient, "clients")
		p.Burst = d.Draw(1, 5, "burst")
		lo := sim.Duration(d.Draw(0, 20, "think min ms")) * ms
		p.Think = [2]sim.Duration{lo, lo + sim.Duration(d.Draw(0, 50, "think spread ms"))*ms}
		p.SnapshotEvery = []int{0, 5, 10, 50}[d.Draw(0, 3, "snapshot every (0, 5, 10, 50)")]
		p.MaxBatch = d.Draw(0, 4, "max batch (0 default)")
	}
	o.Net.LossPPM = uint32(d.Draw(0, 15, "loss %")) * 10_000
	o.Net.DupPPM = uint32(d.Draw(0, 10, "dup %")) * 10_000
	o.Net.ReorderPPM = uint32(d.Draw(0, 15, "reorder %")) * 10_000
	if o.Net.ReorderPPM > 0 {
		o.Net.ReorderMax = sim.Duration(d.Draw(1, 20, "reorder max (100 ms)")) * 100 * ms
	}
	o.TornPPM = uint32(d.Draw(0, 10, "torn (tenths)")) * 100_000
	if d.Draw(0, 1, "clock skew") == 1 {
		for i := 0; i < o.Servers; i++ {
			o.Clocks = append(o.Clocks, sim.Clock{
				SkewNs:   sim.Duration(d.Draw(-2000, 2000, fmt.Sprintf("n%d skew ms", i))) * ms,
				DriftPPM: int32(d.Draw(-5000, 5000, fmt.Sprintf("n%d drift ppm", i))),
			})
		}
	}
	o.Faults = scenarios.DrawSchedule(d, o.Servers, o.Clients, o.Duration, propMaxFaults)
	g := scenarios.NewGen(nil, o.Servers, o.Clients, o.Duration)
	g.FinalHeal(o.Net.Unreliable())
	o.Faults = append(o.Faults, g.Faults()...)
	sim.SortFaults(o.Faults)
	return withParams(o, p)
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
	Draw: func(seed uint64, duration sim.Duration) scenarios.Options {
		return drawRun(scenarios.NewSeedDrawer(seed, "property"), duration)
	},
	System: drawnSystem{},
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
