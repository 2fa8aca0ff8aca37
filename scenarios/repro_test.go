package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"detsim/sim"
)

// brokenPromise is a scenario that fails for sure: it promises one leader
// for the whole run and then isolates the leader.
var brokenPromise = &Scenario{
	Name: "test-broken-promise", Description: "promises a stable leader, then isolates it",
	Servers: [2]int{3, 3}, Clients: 1, Think: think, Duration: 4 * s, Bound: 5 * s,
	Probes: probes(), Expect: Expectations{StableLeader: true},
	Faults: func(g *gen) {
		g.targeted(1*s, "leader", nil, "")
		g.add(sim.Fault{At: 3 * s, Kind: sim.FaultHeal})
	},
}

func init() {
	if err := Register(brokenPromise); err != nil {
		panic(err)
	}
}

func failingRepro(t *testing.T, seed uint64) (*Repro, *Report) {
	t.Helper()
	rep := Run(brokenPromise.Resolve(seed), seed, RunConfig{})
	r, err := NewRepro(rep)
	if err != nil {
		t.Fatalf("seed %d did not fail: %s", seed, rep.Text())
	}
	return r, rep
}

func TestReproRoundTripAndReplayMatches(t *testing.T) {
	r, rep := failingRepro(t, 3)
	if r.Signature.Check != "expectations" || !strings.Contains(r.Signature.Key, "N leader terms") {
		t.Fatalf("signature %+v", r.Signature)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRepro(b)
	if err != nil {
		t.Fatal(err)
	}
	res := Replay(back, RunConfig{})
	if !res.Comparable || !res.HashMatch || !res.SameFailure || res.Report.TraceHash != rep.TraceHash {
		t.Fatalf("replay: comparable=%v match=%v same=%v", res.Comparable, res.HashMatch, res.SameFailure)
	}
	if !bytes.Contains(b, []byte(`"seed": "3"`)) {
		t.Fatal("the seed is not written as a string of digits")
	}
}

// A replay whose hash differs on the same build names where the runs part.
func TestReplayNamesDivergence(t *testing.T) {
	r, _ := failingRepro(t, 4)
	if len(r.Checkpoints) < 2 {
		t.Fatalf("only %d checkpoints", len(r.Checkpoints))
	}
	r.Checkpoints[1].Hash = "0000000000000000" // as if the recorded run went elsewhere there
	r.TraceHash = "0000000000000000"
	res := Replay(r, RunConfig{})
	if res.HashMatch || !res.Comparable {
		t.Fatal("a different hash was not noticed")
	}
	want := []string{"first checkpoint that differs: event " + SeedString(r.Checkpoints[1].Step),
		"after event " + SeedString(r.Checkpoints[0].Step), "the replay's events from"}
	for _, w := range want {
		if !strings.Contains(res.Divergence, w) {
			t.Fatalf("divergence %q lacks %q", res.Divergence, w)
		}
	}
	if strings.Count(res.Divergence, "\n") < 3 {
		t.Fatalf("no replayed events shown: %q", res.Divergence)
	}
}

func TestReplayOnAnotherBuildIsNotComparable(t *testing.T) {
	r, _ := failingRepro(t, 5)
	r.Build.Binary = "another"
	r.TraceHash = "0000000000000000"
	if res := Replay(r, RunConfig{}); res.Comparable || !res.SameFailure {
		t.Fatalf("comparable=%v same=%v", res.Comparable, res.SameFailure)
	}
}

func TestParseReproRefusesBadInput(t *testing.T) {
	r, _ := failingRepro(t, 6)
	good, _ := r.Marshal()
	edit := func(old, new string) []byte { return bytes.Replace(good, []byte(old), []byte(new), 1) }
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "truncated"},
		"truncated":      {good[:len(good)/2], "truncated"},
		"not json":       {[]byte("seed=6\n"), "malformed JSON"},
		"newer":          {edit(`"format": 1`, `"format": 2`), "newer than this detsim reads"},
		"no format":      {edit(`"format": 1,`, ``), "no format field"},
		"unknown field":  {edit(`"format": 1,`, `"format": 1, "colour": "red",`), `unknown field "colour"`},
		"unknown nested": {edit(`"servers":`, `"sevrers": 3, "servers":`), `unknown field "sevrers"`},
		"seed number":    {edit(`"seed": "6"`, `"seed": 6`), "wrong type"},
		"seed sign":      {edit(`"seed": "6"`, `"seed": "+6"`), "not a string of digits"},
		"scenario":       {edit(`"scenario": "test-broken-promise",`, `"scenario": "nope",`), "does not match"},
		"unknown kind":   {edit(`"kind": "partition"`, `"kind": "meteor"`), "fault"},
		"trailing":       {append(append([]byte(nil), good...), []byte("{}")...), "data after"},
		"no signature":   {edit(`"check": "expectations"`, `"check": ""`), "no failure signature"},
		"bad hash":       {edit(r.TraceHash, "xyz"), "bad trace_hash"},
		"unknown bug":    {edit(`"format": 1,`, `"format": 1, "bug": "x",`), "bug"},
		"seed zero pad":  {edit(`"seed": "6"`, `"seed": "06"`), "leading zeros"},
		"hash not hex":   {edit(r.TraceHash, "0123456789abcdeg"), "bad trace_hash"},
		"hash upper":     {edit(r.TraceHash, "0123456789ABCDEF"), "bad trace_hash"},
	}
	for name, c := range cases {
		_, err := ParseRepro(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line mentioning %q", name, err, c.want)
		}
	}
}

func TestWriteFileAtomicLeavesNoTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := WriteFileAtomic(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "a.json" {
		t.Fatalf("dir holds %v", entries)
	}
}

// A swarm run drops the scenario's promises: a swarm of pauses may leave no
// majority to elect "a new leader within 5 s".
func TestSwarmDropsTheScenariosPromises(t *testing.T) {
	for _, name := range []string{"pause", "reelection", "kv-one-partition", "fail-no-agree"} {
		sc, _ := Lookup(name)
		if o := sc.ResolveSwarm(3); o.Expect != (Expectations{}) {
			t.Errorf("%s: swarm keeps %+v", name, o.Expect)
		}
	}
}

func TestSwarmChoosesMixAndStaysValid(t *testing.T) {
	sc, _ := Lookup("churn")
	mixes := map[string]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		o := sc.ResolveSwarm(seed)
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		if o.Swarm == "" {
			t.Fatal("swarm options do not say what they chose")
		}
		mixes[o.Swarm] = true
		if again := sc.ResolveSwarm(seed); again.Swarm != o.Swarm || len(again.Faults) != len(o.Faults) {
			t.Fatalf("seed %d: swarm is not a function of the seed", seed)
		}
	}
	if len(mixes) < 10 {
		t.Fatalf("40 seeds chose only %d fault mixes", len(mixes))
	}
}

func TestDiffTraces(t *testing.T) {
	a := "1 a #1\n2 b #2\n3 c #3\n4 d #4\n"
	b := "1 a #1\n2 b #2\n3 x #9\n4 d #5\n"
	d, err := DiffTraces(strings.NewReader(a), strings.NewReader(b), 1)
	if err != nil || d.Same || d.Line != 3 || d.A != "3 c #3" || d.B != "3 x #9" || len(d.Context) != 1 || d.Context[0] != "2 b #2" {
		t.Fatalf("%+v %v", d, err)
	}
	if d, _ := DiffTraces(strings.NewReader(a), strings.NewReader(a), 3); !d.Same {
		t.Fatal("a trace differs from itself")
	}
	if d, _ := DiffTraces(strings.NewReader(a), strings.NewReader(a[:14]), 3); d.Same || d.Line != 3 || d.B != "" {
		t.Fatalf("a shorter trace: %+v", d)
	}
}

// catalog is every scenario a user can run, without the ones tests register
// for themselves (named test-*), which fail on purpose.
func catalog() []*Scenario {
	var out []*Scenario
	for _, sc := range All() {
		if !strings.HasPrefix(sc.Name, "test-") {
			out = append(out, sc)
		}
	}
	return out
}

// Options no run can have are refused, each with its own one-line reason.
func TestOptionsValidateRefusesImpossibleValues(t *testing.T) {
	base := brokenPromise.Resolve(3)
	kvsc, err := Lookup("kv-basic")
	if err != nil {
		t.Fatal(err)
	}
	kvBase := kvsc.Resolve(3)
	partition := slices.IndexFunc(base.Faults, func(f sim.Fault) bool { return f.Kind == sim.FaultPartition })
	heal := slices.IndexFunc(base.Faults, func(f sim.Fault) bool { return f.Kind == sim.FaultHeal })
	restart := slices.IndexFunc(base.Faults, func(f sim.Fault) bool { return f.Kind == sim.FaultRestart })
	if partition < 0 || heal < 0 || restart < 0 {
		t.Fatalf("schedule %v", base.Faults)
	}
	type edit = func(o *Options)
	fault := func(i int, f func(x *sim.Fault)) edit {
		return func(o *Options) {
			o.Faults = slices.Clone(o.Faults)
			f(&o.Faults[i])
		}
	}
	cases := []struct {
		name string
		kv   bool
		edit edit
		want string
	}{
		{"too many servers", false, func(o *Options) { o.Servers = 16 }, "servers"},
		{"negative clients", false, func(o *Options) { o.Clients = -1 }, "clients"},
		{"zero duration", false, func(o *Options) { o.Duration = 0 }, "duration_ns 0 out of range"},
		{"duration over a day", false, func(o *Options) { o.Duration = MaxDuration + 1 }, "duration_ns"},
		{"negative bound", false, func(o *Options) { o.Bound = -1 }, "bound_ns -1"},
		{"bound over an hour", false, func(o *Options) { o.Bound = MaxBound + 1 }, "bound_ns"},
		{"burst zero", false, func(o *Options) { o.Burst = 0 }, "burst 0"},
		{"burst huge", false, func(o *Options) { o.Burst = MaxBurst + 1 }, "burst"},
		{"think reversed", false, func(o *Options) { o.Think = [2]int64{5, 4} }, "think_ns"},
		{"think over a minute", false, func(o *Options) { o.Think = [2]int64{0, MaxThink + 1} }, "think_ns"},
		{"negative snapshot_every", false, func(o *Options) { o.SnapshotEvery = -1 }, "snapshot_every"},
		{"negative max_batch", false, func(o *Options) { o.MaxBatch = -1 }, "max_batch"},
		{"max_raft_state below -1", false, func(o *Options) { o.MaxRaftState = -2 }, "max_raft_state"},
		{"negative latency", false, func(o *Options) { o.Net.MinLatency = -1 }, "latencies"},
		{"latency over a minute", false, func(o *Options) { o.Net.MaxLatency = MaxNetLatency + 1 }, "latencies"},
		{"reorder delay over a minute", false, func(o *Options) { o.Net.ReorderMax = MaxNetLatency + 1 }, "latencies"},
		{"loss over one", false, func(o *Options) { o.Net.LossPPM = sim.CertainPPM + 1 }, "loss_ppm 1000001"},
		{"dup over one", false, func(o *Options) { o.Net.DupPPM = 2_000_000 }, "dup_ppm"},
		{"reorder over one", false, func(o *Options) { o.Net.ReorderPPM = 2_000_000 }, "reorder_ppm"},
		{"torn over one", false, func(o *Options) { o.TornPPM = 2_000_000 }, "torn_ppm"},
		{"clock beyond the servers", false, func(o *Options) { o.Clocks = make([]sim.Clock, o.Servers+1) }, "clocks for"},
		{"clock drift", false, func(o *Options) { o.Clocks = []sim.Clock{{DriftPPM: sim.MaxDriftPPM + 1}} }, "clock 0"},
		{"clock skew", false, func(o *Options) { o.Clocks = []sim.Clock{{SkewNs: -MaxClockSkew - 1}} }, "clock 0"},
		{"negative expectation", false, func(o *Options) { o.Expect.NoDisruption = -1 }, "expectations"},
		{"kv ppm wrapping uint32", true, func(o *Options) {
			w := *o.KV
			w.GetPPM, w.PutPPM = 4_294_967_295, 2 // their uint32 sum is 1
			o.KV = &w
		}, "get_ppm"},
		{"kv keys", true, func(o *Options) { w := *o.KV; w.KeysPerGroup = MaxKeysPerGroup + 1; o.KV = &w }, "keys_per_group"},
		{"kv clerks per key", true, func(o *Options) { w := *o.KV; w.ClerksPerKey = 5; o.KV = &w }, "clerks_per_key"},
		{"kv negative max_ops", true, func(o *Options) { w := *o.KV; w.MaxOps = -1; o.KV = &w }, "max_ops"},
		{"fault before 0", false, fault(heal, func(f *sim.Fault) { f.At = -1 }), "negative time"},
		{"fault after the run", false, func(o *Options) {
			fault(heal, func(f *sim.Fault) { f.At = o.Duration + o.Bound + 1 })(o)
		}, "after the run's end"},
		{"unknown kind", false, fault(heal, func(f *sim.Fault) { f.Kind = "meteor" }), `unknown fault kind "meteor"`},
		{"unknown target", false, fault(partition, func(f *sim.Fault) { f.Target = "leaderr" }), `unknown target "leaderr"`},
		{"partition target on a crash", false, fault(restart, func(f *sim.Fault) { f.Target = "leader+1" }), `unknown target "leader+1"`},
		{"target on a heal", false, fault(heal, func(f *sim.Fault) { f.Target = "leader" }), "strikes no node"},
		{"node on a heal", false, fault(heal, func(f *sim.Fault) { f.Node = 2 }), "strikes none"},
		{"restart of no node", false, fault(restart, func(f *sim.Fault) { f.Node = 4 }), "no node 4"},
		{"link to no node", false, fault(partition, func(f *sim.Fault) { f.Target, f.Links = "", [][2]int{{0, 4}} }), "bad link 0->4"},
		{"link to itself", false, fault(partition, func(f *sim.Fault) { f.Target, f.Links = "", [][2]int{{1, 1}} }), "bad link 1->1"},
		{"links on a crash", false, fault(restart, func(f *sim.Fault) { f.Links = [][2]int{{0, 1}} }), "links given"},
		{"links and a target", false, fault(partition, func(f *sim.Fault) { f.Links = [][2]int{{0, 1}} }), "links given"},
		{"with beyond the nodes", false, fault(partition, func(f *sim.Fault) { f.With = []int{9} }), "no node 9"},
		{"with without a target", false, fault(heal, func(f *sim.Fault) { f.With = []int{1} }), "with given"},
		{"net on a crash", false, fault(restart, func(f *sim.Fault) { f.Net = &sim.NetFault{} }), "net given"},
		{"before on a crash", false, fault(restart, func(f *sim.Fault) { f.Before = true }), "before given"},
		{"net fault without net", false, fault(heal, func(f *sim.Fault) { f.Kind = sim.FaultNet }), "no probabilities"},
		{"net fault over one", false, fault(heal, func(f *sim.Fault) {
			f.Kind, f.Net = sim.FaultNet, &sim.NetFault{ReorderPPM: 1_000_001}
		}), "reorder_ppm 1000001"},
	}
	for _, c := range cases {
		o := base
		if c.kv {
			o = kvBase
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("%s: the base options are refused: %v", c.name, err)
		}
		c.edit(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line mentioning %q", c.name, err, c.want)
		}
	}
	// At the limits, options are still accepted.
	o := base
	o.Duration, o.Bound, o.Net.MaxLatency, o.Net.LossPPM, o.TornPPM = MaxDuration, MaxBound, MaxNetLatency, sim.CertainPPM, sim.CertainPPM
	o.Faults = slices.Clone(o.Faults)
	o.Faults[heal].At = o.Duration + o.Bound
	if err := o.Validate(); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
}

// Every scenario's options, plain and swarm, stay inside the limits.
func TestGeneratedOptionsStayWithinLimits(t *testing.T) {
	for _, sc := range catalog() {
		for seed := uint64(1); seed <= 25; seed++ {
			for _, o := range []Options{sc.Resolve(seed), sc.ResolveSwarm(seed)} {
				if err := o.Validate(); err != nil {
					t.Fatalf("%s seed %d (swarm %q): %v", sc.Name, seed, o.Swarm, err)
				}
			}
		}
	}
}
