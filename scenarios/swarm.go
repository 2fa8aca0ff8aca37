package scenarios

import (
	"strings"

	"github.com/detsim/detsim/sim"
)

// Swarm testing, as TigerBeetle's VOPR does it: the seed chooses its own
// weather. Starting from the scenario's schedule, each class of fault is
// kept at a rate the seed picks (none, a quarter, half or all of them), the
// seed may add a chaos of its own over the whole run, and the network's
// loss, duplication and reordering are scaled. Recovery faults (heal,
// restart, resume) always stay, so the drain still heals everything.
// Because the mix differs from the scenario's, its coverage probes and
// expectations are dropped, and the system (Swarmer) puts back what holds in
// any weather.

var swarmClasses = []struct {
	name  string
	kinds []sim.FaultKind
}{
	{"partitions", []sim.FaultKind{sim.FaultPartition}},
	{"crashes", []sim.FaultKind{sim.FaultCrash, sim.FaultCrashSync}},
	{"pauses", []sim.FaultKind{sim.FaultPause}},
	{"disk", []sim.FaultKind{sim.FaultDamage, sim.FaultLoseWrite, sim.FaultFailSync}},
}

var swarmRates = []uint32{0, 250_000, 500_000, 1_000_000}

// netScales multiply the network's loss, duplication and reordering rates.
var netScales = []struct {
	num, den uint32
	name     string
}{{0, 1, "0"}, {1, 2, "0.5"}, {1, 1, "1"}, {2, 1, "2"}}

// ResolveSwarm resolves the scenario for seed, then lets the seed choose the
// fault mix. The choice is written into the options (Swarm) and the
// schedule, so a repro replays it without this function.
func (scn *Scenario) ResolveSwarm(seed uint64) Options {
	o := scn.Resolve(seed)
	r := sim.NewRand(sim.NameKey(seed, "swarm"))
	var desc []string
	rate := map[sim.FaultKind]uint32{}
	for _, c := range swarmClasses {
		p := swarmRates[r.Pick(len(swarmRates))]
		for _, k := range c.kinds {
			rate[k] = p
		}
		desc = append(desc, c.name+"="+ppm(p))
	}
	var kept []sim.Fault
	for _, f := range o.Faults {
		if p, ok := rate[f.Kind]; !ok || r.Chance(p) {
			kept = append(kept, f)
		}
	}
	o.Faults = kept
	if r.Chance(500_000) {
		desc = append(desc, "extra-chaos")
		g := NewGen(r, o.Servers, o.Clients, o.Duration)
		g.Chaos(0, sim.Time(o.Duration), [2]sim.Duration{300 * ms, 3 * s}, sim.FaultPartition, sim.FaultHeal, sim.FaultCrash, sim.FaultRestart, sim.FaultPause, sim.FaultResume)
		o.Faults = append(o.Faults, g.faults...) // the final heal recovers them too
	}
	k := r.Pick(len(netScales))
	sc := netScales[k]
	o.Net.LossPPM = min(o.Net.LossPPM*sc.num/sc.den, 300_000)
	o.Net.DupPPM = min(o.Net.DupPPM*sc.num/sc.den, 300_000)
	o.Net.ReorderPPM = min(o.Net.ReorderPPM*sc.num/sc.den, 300_000)
	o.Net.CorruptPPM = min(o.Net.CorruptPPM*sc.num/sc.den, 300_000)
	desc = append(desc, "net×"+sc.name)
	sim.SortFaults(o.Faults)
	o.Swarm = strings.Join(desc, ",")
	ForOtherWeather(&o)
	return o
}

// ForOtherWeather adjusts options whose fault schedule is no longer their
// scenario's (a swarm seed's mix, a schedule a property test drew): the
// scenario's promises (one leader, a new leader within 5 s of a fault, no
// disruption after a heal, a minority that stays idle) and its coverage
// probes hold for its own weather, not for one that may also pause or
// crash the majority. They are dropped, and the system (Swarmer) puts back
// what holds in any weather.
func ForOtherWeather(o *Options) {
	o.Probes, o.Expect = nil, Expectations{}
	if scn, err := Lookup(o.Scenario); err == nil {
		if sw, ok := scn.System.(Swarmer); ok {
			sw.Swarm(o)
		}
	}
}

func ppm(p uint32) string {
	switch p {
	case 0:
		return "0"
	case 1_000_000:
		return "all"
	}
	return map[uint32]string{250_000: "1/4", 500_000: "1/2"}[p]
}
