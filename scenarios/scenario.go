// Package scenarios is detsim's engine for any system under test: what a
// system is to detsim (System, its run's Instance, the Harness the engine
// offers it), the scenario recipe and its fault generator (Gen), resolved
// options (pure data: the whole run), the generic runner and its Report,
// repro files, replay, shrinking and swarm. It imports no system: the
// bundled Raft and key/value systems register through it like any other
// (package catalog).
package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/detsim/detsim/sim"
)

// Scenario is a recipe; Resolve turns it and a seed into Options, which are
// pure data: everything a run needs and a repro file stores.
type Scenario struct {
	Name        string
	Description string
	// System is the system under test the scenario runs.
	System   System
	Servers  [2]int        // cluster size, drawn from [lo, hi]
	Clients  int           // client nodes
	Duration sim.Duration  // the safety phase, under faults
	Bound    sim.Duration  // the liveness bound after the final heal
	Net      sim.NetParams // the network; zero: sim.DefaultNet
	TornPPM  uint32
	Skew     bool // give servers clock skew and drift
	// Params are the system's own parameters (its workload, its
	// configuration), any value encoding/json can write: Resolve writes
	// them into Options.Params, where the system reads them back.
	Params any
	Probes []string
	Expect Expectations
	// Faults fills the schedule for [0, Duration); the final heal is added
	// by Resolve.
	Faults func(g *Gen)
	// Draw, if set, resolves the whole run from the seed itself, and the
	// fields above but Name, Description and System go unused: a scenario
	// whose seed draws its cluster, workload and network too. duration is
	// ResolveFor's; from Resolve it is the Duration field, and 0 lets the
	// draw choose.
	Draw func(seed uint64, duration sim.Duration) Options
}

// Expectations are what a scenario promises of any system that names its
// leaders (Leadership) beyond the generic checks; they are judged by the
// `expectations` check, with a system's own (Expecter).
type Expectations struct {
	StableLeader    bool         `json:"stable_leader,omitempty"`     // one leader for the whole run
	NewLeaderWithin sim.Duration `json:"new_leader_within,omitempty"` // after a fault on the leader, a new one within this
	NoDisruption    sim.Duration `json:"no_disruption,omitempty"`     // for this long after a heal, the term does not rise
	// MinorityIdle: while a "minority-idle" partition holds, clients cut off
	// with the minority complete nothing they started after the cut, while
	// the majority's clients do complete operations.
	MinorityIdle bool `json:"minority_idle,omitempty"`
	// MaxLatency: every client operation called at or after LatencyAfter
	// (a warm-up: the first election, say) returns within this long. For
	// runs whose weather keeps operations quick: a slow path (a missed
	// leader hint, a retry that waits for its timeout, a waiter answered
	// late) shows as a number, not as a pass.
	MaxLatency   sim.Duration `json:"max_latency_ns,omitempty"`
	LatencyAfter sim.Duration `json:"latency_after_ns,omitempty"`
	// MaxLeaderTerms: at most this many terms have a leader in the run —
	// the elections the faults call for, and no storm of extra ones.
	MaxLeaderTerms int `json:"max_leader_terms,omitempty"`
	// MaxMessagesPerOp: the messages the nodes sent over the run, divided
	// by the client operations that returned, are at most this — the cost
	// of an operation, where a storm (two nodes answering each other's
	// empty messages forever, a retry loop) costs hundreds.
	MaxMessagesPerOp int `json:"max_messages_per_op,omitempty"`
}

// Options is a resolved scenario: the whole run as data.
type Options struct {
	Scenario string        `json:"scenario"`
	System   string        `json:"system"`          // the system under test (System.Name)
	Bug      string        `json:"bug,omitempty"`   // a planted bug switched on for this run
	Swarm    string        `json:"swarm,omitempty"` // the fault mix a swarm seed chose
	Servers  int           `json:"servers"`
	Clients  int           `json:"clients"`
	Duration sim.Duration  `json:"duration_ns"`
	Bound    sim.Duration  `json:"bound_ns"`
	Net      sim.NetParams `json:"net"`
	TornPPM  uint32        `json:"torn_ppm,omitempty"`
	Clocks   []sim.Clock   `json:"clocks,omitempty"`
	// Params are the system's own parameters as JSON, validated by it
	// (ParamChecker) when read from outside.
	Params json.RawMessage `json:"params,omitempty"`
	Faults []sim.Fault     `json:"faults"`
	Probes []string        `json:"probes"`
	Expect Expectations    `json:"expect"`
}

var registry = map[string]*Scenario{}

// register adds a built-in scenario; a clash is a programming error.
func register(s *Scenario) {
	if err := Register(s); err != nil {
		panic(err)
	}
}

// Lookup finds a scenario by name.
func Lookup(name string) (*Scenario, error) {
	s, ok := registry[name]
	if !ok {
		names := make([]string, 0, len(registry))
		for _, s := range All() {
			names = append(names, s.Name)
		}
		return nil, unknownName("scenario", name, "", names)
	}
	return s, nil
}

// All returns every scenario, sorted by name.
func All() []*Scenario {
	var out []*Scenario
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve draws everything the seed decides — cluster size, clocks, the
// fault schedule — from streams keyed by name, and writes it out.
func (s *Scenario) Resolve(seed uint64) Options { return s.ResolveFor(seed, s.Duration) }

// ResolveFor is Resolve with a safety phase of duration instead of the
// scenario's own: the fault generator fills that span (how a scenario's
// faults scale with it is up to its Faults func) and the final heal comes
// at its end.
func (s *Scenario) ResolveFor(seed uint64, duration sim.Duration) Options {
	if s.Draw != nil {
		return s.Draw(seed, duration)
	}
	r := sim.NewRand(sim.NameKey(seed, "options"))
	o := Options{
		Scenario: s.Name, System: s.System.Name(), Servers: int(r.Range(int64(s.Servers[0]), int64(s.Servers[1]))),
		Clients: s.Clients, Duration: duration, Bound: s.Bound,
		Net: s.Net, TornPPM: s.TornPPM, Probes: s.Probes, Expect: s.Expect, Params: s.params(),
	}
	if o.Net.MaxLatency == 0 {
		o.Net = sim.DefaultNet
	}
	if s.Skew {
		cr := sim.NewRand(sim.NameKey(seed, "clocks"))
		for i := 0; i < o.Servers; i++ {
			o.Clocks = append(o.Clocks, sim.Clock{SkewNs: cr.Duration(-2*sim.Second, 2*sim.Second), DriftPPM: int32(cr.Range(-5000, 5000))})
		}
	}
	g := NewGen(sim.NewRand(sim.NameKey(seed, "faults")), o.Servers, o.Clients, o.Duration)
	if s.Faults != nil {
		s.Faults(g)
	}
	g.FinalHeal(s.Net.Unreliable())
	o.Faults = g.faults
	sim.SortFaults(o.Faults)
	return o
}

// params encodes the recipe's parameters; a value JSON cannot write is a
// programming error in the scenario.
func (s *Scenario) params() json.RawMessage {
	if s.Params == nil {
		return nil
	}
	b, err := json.Marshal(s.Params)
	if err != nil {
		panic(fmt.Sprintf("scenario %s: its params: %v", s.Name, err))
	}
	return b
}

// Nodes is the number of world nodes: servers, then clients.
func (o *Options) Nodes() int { return o.Servers + o.Clients }

// SafetyEnd is when the safety phase ends and the final heal strikes.
func (o *Options) SafetyEnd() sim.Time { return sim.Time(o.Duration) }

// AllNodes lists every node: servers, then clients.
func (o *Options) AllNodes() []int {
	all := make([]int, o.Nodes())
	for i := range all {
		all[i] = i
	}
	return all
}

// Limits on options read from outside (a repro file, a program that builds
// its own): beyond them a run would overflow virtual time, never end, or
// mean nothing. Every built-in scenario, swarm seed and property draw stays
// far inside them (a test sweeps them). A probability is at most
// sim.CertainPPM.
const (
	// MaxDuration bounds the safety phase (duration_ns): a virtual day.
	MaxDuration = 24 * 3600 * s
	// MaxBound bounds the liveness bound (bound_ns): a virtual hour. A run
	// ends at duration_ns + bound_ns at the latest.
	MaxBound = 3600 * s
	// MaxNetLatency bounds a message's latency and a reordered message's
	// extra delay (min_latency_ns, max_latency_ns, reorder_max_ns): a
	// virtual minute.
	MaxNetLatency = 60 * s
	// MaxClockSkew bounds a server clock's offset either way (skew_ns): a
	// virtual hour.
	MaxClockSkew = 3600 * s
	// MaxServers and MaxClients bound the cluster.
	MaxServers = 15
	MaxClients = 64
	// MaxMessagesPerOp bounds the expectation of that name
	// (max_messages_per_op): a million.
	MaxMessagesPerOp = 1_000_000
)

// Validate reports the first problem with options read from outside, in one
// line: an unknown scenario or bug, a value outside the limits above, a
// negative count or time, a probability over sim.CertainPPM, a fault
// outside the run (before 0 or after duration_ns + bound_ns, when the drain
// has ended at the latest), on a node or link that does not exist, or aimed
// at an unknown role.
func (o *Options) Validate() error {
	scn, err := Lookup(o.Scenario)
	if err != nil {
		return err
	}
	if o.System != scn.System.Name() {
		return fmt.Errorf("options: system %q, but scenario %s runs system %q", o.System, o.Scenario, scn.System.Name())
	}
	if err := CheckBug(scn.System, o.Bug); err != nil {
		return err
	}
	if pc, ok := scn.System.(ParamChecker); ok {
		if err := pc.CheckParams(o); err != nil {
			return fmt.Errorf("options: params: %w", err)
		}
	} else if len(o.Params) > 0 && string(o.Params) != "null" {
		return fmt.Errorf("options: params given, but system %s takes none", o.System)
	}
	if o.Servers < 1 || o.Servers > MaxServers || o.Clients < 0 || o.Clients > MaxClients {
		return fmt.Errorf("options: %d servers and %d clients out of range (1 to %d servers, 0 to %d clients)",
			o.Servers, o.Clients, MaxServers, MaxClients)
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		return fmt.Errorf("options: duration_ns %d out of range (1 to %d, a virtual day)", o.Duration, int64(MaxDuration))
	}
	if o.Bound <= 0 || o.Bound > MaxBound {
		return fmt.Errorf("options: bound_ns %d out of range (1 to %d, a virtual hour)", o.Bound, int64(MaxBound))
	}
	if err := validateNet(o.Net); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	if o.TornPPM > sim.CertainPPM {
		return fmt.Errorf("options: torn_ppm %d is over %d (a probability of one)", o.TornPPM, sim.CertainPPM)
	}
	if len(o.Clocks) > o.Servers {
		return fmt.Errorf("options: %d clocks for %d servers", len(o.Clocks), o.Servers)
	}
	for i, c := range o.Clocks {
		if c.DriftPPM > sim.MaxDriftPPM || c.DriftPPM < -sim.MaxDriftPPM || c.SkewNs > MaxClockSkew || c.SkewNs < -MaxClockSkew {
			return fmt.Errorf("options: clock %d out of range (drift within ±%d ppm, skew within ±%d ns)", i, sim.MaxDriftPPM, int64(MaxClockSkew))
		}
	}
	if e := o.Expect; !within(e.NewLeaderWithin, MaxDuration) || !within(e.NoDisruption, MaxDuration) ||
		!within(e.MaxLatency, MaxDuration) || !within(e.LatencyAfter, MaxDuration) ||
		e.MaxLeaderTerms < 0 || e.MaxMessagesPerOp < 0 || e.MaxMessagesPerOp > MaxMessagesPerOp {
		return fmt.Errorf("options: expectations out of range (times 0 to %d ns, max_leader_terms at least 0, max_messages_per_op 0 to %d)",
			int64(MaxDuration), MaxMessagesPerOp)
	}
	end := o.Duration + o.Bound // the drain's deadline: the run's last instant
	for i, f := range o.Faults {
		if err := f.Validate(o.Nodes()); err != nil {
			return fmt.Errorf("options: fault %d: %w", i, err)
		}
		if f.At > sim.Time(end) {
			return fmt.Errorf("options: fault %d (%s) at %d ns is after the run's end (duration_ns + bound_ns = %d)", i, f.Kind, f.At, end)
		}
		if f.Target != "" && (!slices.Contains(targets, f.Target) || partitionOnlyTarget(f.Target) && f.Kind != sim.FaultPartition) {
			return fmt.Errorf("options: fault %d (%s): unknown target %q (one of %s; the last three for partitions only)",
				i, f.Kind, f.Target, targetList())
		}
	}
	return nil
}

func validateNet(n sim.NetParams) error {
	if n.MinLatency < 0 || n.MaxLatency < n.MinLatency || n.MaxLatency > MaxNetLatency || n.ReorderMax < 0 || n.ReorderMax > MaxNetLatency {
		return fmt.Errorf("bad network latencies (0 <= min_latency_ns <= max_latency_ns <= %d, a virtual minute; reorder_max_ns 0 to the same)", int64(MaxNetLatency))
	}
	for _, p := range []struct {
		name string
		ppm  uint32
	}{{"loss_ppm", n.LossPPM}, {"dup_ppm", n.DupPPM}, {"reorder_ppm", n.ReorderPPM}, {"corrupt_ppm", n.CorruptPPM}} {
		if p.ppm > sim.CertainPPM {
			return fmt.Errorf("net %s %d is over %d (a probability of one)", p.name, p.ppm, sim.CertainPPM)
		}
	}
	return nil
}

// DecodeParams reads the options' params into v (a pointer to the
// system's params type) strictly: an unknown field, a wrong type or data
// after the object is an error; no params leave v as it is.
func (o *Options) DecodeParams(v any) error {
	if len(o.Params) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(o.Params))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("params: %s", jsonProblem(err))
	}
	if d.More() {
		return errors.New("params: data after the object")
	}
	return nil
}

// within reports whether 0 <= d <= most.
func within(d, most sim.Duration) bool { return d >= 0 && d <= most }
