// Package scenarios holds detsim's named, seeded scenarios: a cluster, a
// workload, a fault schedule written out in full before the run, the checks
// and the coverage probes each must hit. Run executes one and judges it.
package scenarios

import (
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
	Servers  [2]int      // cluster size, drawn from [lo, hi]
	Clients  int         // client nodes submitting commands
	KV       *KVWorkload // a key/value workload; nil: raw Raft commands
	Burst    int         // commands per client request (default 1)
	Think    [2]int64    // pause between a client's commands, ns
	Duration int64       // the safety phase, under faults, ns
	Bound    int64       // the liveness bound after the final heal, ns
	Net      sim.NetParams
	TornPPM  uint32
	Skew     bool // give servers clock skew and drift
	// SnapshotEvery: raft scenarios' servers snapshot every this many
	// entries (0: never).
	SnapshotEvery int
	// MaxRaftState: key/value servers snapshot when their durable Raft
	// state reaches this many bytes (0: never).
	MaxRaftState int64
	// MaxBatch: entries per AppendEntries (0: the default, 64).
	MaxBatch int
	Probes   []string
	Expect   Expectations
	// Faults fills the schedule for [0, Duration); the final heal is added
	// by Resolve.
	Faults func(g *Gen)
	// Draw, if set, resolves the whole run from the seed itself, and the
	// fields above but Name and Description go unused: a scenario whose
	// seed draws its cluster, workload and network too. duration is
	// ResolveFor's; from Resolve it is the Duration field, and 0 lets the
	// draw choose.
	Draw func(seed uint64, duration int64) Options
}

// Expectations are what a scenario promises beyond the generic checks; they
// are judged by the `expectations` check.
type Expectations struct {
	StableLeader    bool  `json:"stable_leader,omitempty"`     // one leader for the whole run
	NewLeaderWithin int64 `json:"new_leader_within,omitempty"` // after a fault on the leader, a new one within this
	NoDisruption    int64 `json:"no_disruption,omitempty"`     // for this long after a heal, the term does not rise
	NoCommitInCut   bool  `json:"no_commit_in_cut,omitempty"`  // nothing commits while a "majority-cut" partition holds
	// MinorityIdle: while a "minority-idle" partition holds, clerks cut off
	// with the minority complete nothing they started after the cut, while
	// the majority's clerks do complete operations.
	MinorityIdle bool `json:"minority_idle,omitempty"`
	// MinOpsPerHeartbeat: the clerks' operations per heartbeat interval, over
	// the span of the workload, is at least this.
	MinOpsPerHeartbeat int `json:"min_ops_per_heartbeat,omitempty"`
	// SmallSnapshot: no snapshot is larger than the store and dedup table
	// the history allows (each key's longest put plus all its appends, each
	// clerk's longest read), plus framing.
	SmallSnapshot bool `json:"small_snapshot,omitempty"`
}

// KVWorkload is a key/value workload: clerks in groups of at most
// ClerksPerKey share KeysPerGroup keys (so Porcupine never faces more than a
// few clerks on one key), with the given mix; the rest of the mix is Append.
type KVWorkload struct {
	ClerksPerKey int    `json:"clerks_per_key"`
	KeysPerGroup int    `json:"keys_per_group"`
	GetPPM       uint32 `json:"get_ppm"`
	PutPPM       uint32 `json:"put_ppm"`
	MaxOps       int    `json:"max_ops,omitempty"` // per clerk; 0: until the drain
}

func (k *KVWorkload) validate() error {
	switch {
	case k.ClerksPerKey < 1 || k.ClerksPerKey > 4:
		return fmt.Errorf("kv clerks_per_key %d out of range (1 to 4)", k.ClerksPerKey)
	case k.KeysPerGroup < 1 || k.KeysPerGroup > MaxKeysPerGroup:
		return fmt.Errorf("kv keys_per_group %d out of range (1 to %d)", k.KeysPerGroup, MaxKeysPerGroup)
	case uint64(k.GetPPM)+uint64(k.PutPPM) > sim.CertainPPM: // in 64 bits: two uint32s may wrap
		return fmt.Errorf("kv get_ppm %d and put_ppm %d are over %d together (a probability of one)", k.GetPPM, k.PutPPM, sim.CertainPPM)
	case k.MaxOps < 0:
		return fmt.Errorf("kv max_ops %d is negative", k.MaxOps)
	}
	return nil
}

// KeysFor returns the keys clerk i (from 0) works on.
func (k *KVWorkload) KeysFor(i int) []string {
	g := i / k.ClerksPerKey
	var keys []string
	for j := 0; j < k.KeysPerGroup; j++ {
		keys = append(keys, fmt.Sprintf("k%d", g*k.KeysPerGroup+j))
	}
	return keys
}

// Options is a resolved scenario: the whole run as data.
type Options struct {
	Scenario string        `json:"scenario"`
	Bug      string        `json:"bug,omitempty"`   // a planted bug switched on for this run
	Swarm    string        `json:"swarm,omitempty"` // the fault mix a swarm seed chose
	Servers  int           `json:"servers"`
	Clients  int           `json:"clients"`
	KV       *KVWorkload   `json:"kv,omitempty"`
	Burst    int           `json:"burst"`
	Think    [2]int64      `json:"think_ns"`
	Duration int64         `json:"duration_ns"`
	Bound    int64         `json:"bound_ns"`
	Net      sim.NetParams `json:"net"`
	TornPPM  uint32        `json:"torn_ppm,omitempty"`
	Clocks   []sim.Clock   `json:"clocks,omitempty"`
	// SnapshotEvery (raft scenarios): snapshot every this many entries, 0 never.
	SnapshotEvery int `json:"snapshot_every,omitempty"`
	// MaxRaftState (key/value scenarios): snapshot at this many bytes of
	// durable Raft state; -1 never.
	MaxRaftState int64 `json:"max_raft_state,omitempty"`
	// MaxBatch: entries per AppendEntries; 0 the default.
	MaxBatch int          `json:"max_batch,omitempty"`
	Faults   []sim.Fault  `json:"faults"`
	Probes   []string     `json:"probes"`
	Expect   Expectations `json:"expect"`
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
		return nil, fmt.Errorf("unknown scenario %q (see 'detsim list')", name)
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

// ResolveFor is Resolve with a safety phase of duration ns instead of the
// scenario's own: the fault generator fills that span (how a scenario's
// faults scale with it is up to its Faults func) and the final heal comes
// at its end.
func (s *Scenario) ResolveFor(seed uint64, duration int64) Options {
	if s.Draw != nil {
		return s.Draw(seed, duration)
	}
	r := sim.NewRand(sim.NameKey(seed, "options"))
	o := Options{
		Scenario: s.Name, Servers: int(r.Range(int64(s.Servers[0]), int64(s.Servers[1]))),
		Clients: s.Clients, KV: s.KV, Burst: max(s.Burst, 1), Think: s.Think, Duration: duration, Bound: s.Bound,
		Net: s.Net, TornPPM: s.TornPPM, Probes: s.Probes, Expect: s.Expect,
		SnapshotEvery: s.SnapshotEvery, MaxRaftState: s.MaxRaftState, MaxBatch: s.MaxBatch,
	}
	if o.KV != nil && o.MaxRaftState == 0 {
		o.MaxRaftState = -1
	}
	if o.Net.MaxLatency == 0 {
		o.Net = sim.DefaultNet
	}
	if s.Skew {
		cr := sim.NewRand(sim.NameKey(seed, "clocks"))
		for i := 0; i < o.Servers; i++ {
			o.Clocks = append(o.Clocks, sim.Clock{SkewNs: cr.Range(-2e9, 2e9), DriftPPM: int32(cr.Range(-5000, 5000))})
		}
	}
	g := NewGen(sim.NewRand(sim.NameKey(seed, "faults")), o.Servers, o.Clients, o.Duration)
	if s.Faults != nil {
		s.Faults(g)
	}
	g.FinalHeal(s.Net != sim.NetParams{} && (s.Net.LossPPM|s.Net.DupPPM|s.Net.ReorderPPM) != 0)
	o.Faults = g.faults
	sim.SortFaults(o.Faults)
	return o
}

// Nodes is the number of world nodes: servers, then clients.
func (o *Options) Nodes() int { return o.Servers + o.Clients }

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
	// MaxThink bounds a client's pause between commands (think_ns): a
	// virtual minute.
	MaxThink = 60 * s
	// MaxClockSkew bounds a server clock's offset either way (skew_ns): a
	// virtual hour.
	MaxClockSkew = 3600 * s
	// MaxBurst bounds the commands per client request (burst).
	MaxBurst = 1000
	// MaxKeysPerGroup bounds a key/value workload's keys per group of
	// clerks (keys_per_group).
	MaxKeysPerGroup = 1000
	// MaxServers and MaxClients bound the cluster.
	MaxServers = 15
	MaxClients = 64
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
	if err := CheckBug(scn.System, o.Bug); err != nil {
		return err
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
	if o.Burst < 1 || o.Burst > MaxBurst {
		return fmt.Errorf("options: burst %d out of range (1 to %d)", o.Burst, MaxBurst)
	}
	if o.Think[0] < 0 || o.Think[1] < o.Think[0] || o.Think[1] > MaxThink {
		return fmt.Errorf("options: think_ns %v out of range (0 <= low <= high <= %d, a virtual minute)", o.Think, int64(MaxThink))
	}
	if o.SnapshotEvery < 0 || o.MaxRaftState < -1 || o.MaxBatch < 0 {
		return fmt.Errorf("options: negative snapshot_every, max_raft_state or max_batch")
	}
	if err := validateNet(o.Net); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	if o.TornPPM > sim.CertainPPM {
		return fmt.Errorf("options: torn_ppm %d is over %d (a probability of one)", o.TornPPM, sim.CertainPPM)
	}
	if o.KV != nil {
		if err := o.KV.validate(); err != nil {
			return fmt.Errorf("options: %w", err)
		}
	}
	if len(o.Clocks) > o.Servers {
		return fmt.Errorf("options: %d clocks for %d servers", len(o.Clocks), o.Servers)
	}
	for i, c := range o.Clocks {
		if c.DriftPPM > sim.MaxDriftPPM || c.DriftPPM < -sim.MaxDriftPPM || c.SkewNs > MaxClockSkew || c.SkewNs < -MaxClockSkew {
			return fmt.Errorf("options: clock %d out of range (drift within ±%d ppm, skew within ±%d ns)", i, sim.MaxDriftPPM, int64(MaxClockSkew))
		}
	}
	if e := o.Expect; e.NewLeaderWithin < 0 || e.NewLeaderWithin > MaxDuration || e.NoDisruption < 0 || e.NoDisruption > MaxDuration || e.MinOpsPerHeartbeat < 0 {
		return fmt.Errorf("options: expectations out of range (times 0 to %d ns, counts not negative)", int64(MaxDuration))
	}
	end := o.Duration + o.Bound // the drain's deadline: the run's last instant
	for i, f := range o.Faults {
		if err := f.Validate(o.Nodes()); err != nil {
			return fmt.Errorf("options: fault %d: %w", i, err)
		}
		if f.At > end {
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
	}{{"loss_ppm", n.LossPPM}, {"dup_ppm", n.DupPPM}, {"reorder_ppm", n.ReorderPPM}} {
		if p.ppm > sim.CertainPPM {
			return fmt.Errorf("net %s %d is over %d (a probability of one)", p.name, p.ppm, sim.CertainPPM)
		}
	}
	return nil
}
