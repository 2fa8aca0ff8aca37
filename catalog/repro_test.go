package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// brokenPromise is a scenario that fails for sure: it promises one leader
// for the whole run and then isolates the leader.
var brokenPromise = &scenarios.Scenario{System: RaftSystem, Name: "test-broken-promise", Description: "promises a stable leader, then isolates it",
	Servers: [2]int{3, 3}, Clients: 1, Duration: 4 * s, Bound: 5 * s,
	Probes: probes(), Expect: scenarios.Expectations{StableLeader: true},
	Faults: func(g *scenarios.Gen) {
		g.Targeted(at(1*s), scenarios.TargetLeader, nil, "")
		g.Add(sim.Fault{At: at(3 * s), Kind: sim.FaultHeal})
	},
	Params: Params{Think: think},
}

func init() {
	if err := scenarios.Register(brokenPromise); err != nil {
		panic(err)
	}
}

func failingRepro(t *testing.T, seed uint64) (*scenarios.Repro, *scenarios.Report) {
	t.Helper()
	rep := scenarios.Run(brokenPromise.Resolve(seed), seed, scenarios.RunConfig{})
	r, err := scenarios.NewRepro(rep)
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
	back, err := scenarios.ParseRepro(b)
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Replay(back, scenarios.RunConfig{})
	if !res.Comparable || !res.HashMatch || !res.SameFailure || res.Report.TraceHash != rep.TraceHash {
		t.Fatalf("replay: comparable=%v match=%v same=%v", res.Comparable, res.HashMatch, res.SameFailure)
	}
	if !bytes.Contains(b, []byte(`"seed": "3"`)) {
		t.Fatal("the seed is not written as a string of digits")
	}
}

// standIn makes scenarios.Replay's runs take another path from the recorded one: the
// i-th run reports hashes[i] (the last one for later runs) as its trace
// hash and at its checkpoints from the second on, as if the run had gone
// elsewhere after the first. Every run writes its real trace.
func standIn(t *testing.T, hashes ...string) *int {
	t.Helper()
	calls := new(int)
	t.Cleanup(scenarios.StandInRunner(func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		rep := scenarios.Run(o, seed, cfg)
		h := hashes[min(*calls, len(hashes)-1)]
		*calls++
		rep.TraceHash = h
		rep.Checkpoints = slices.Clone(rep.Checkpoints)
		for i := 1; i < len(rep.Checkpoints); i++ {
			rep.Checkpoints[i].Hash = h
		}
		return rep
	}))
	return calls
}

// A replay whose hash differs on the same build from an intact repro, in
// two runs that agree, names where they part from the recording.
func TestReplayNamesDivergence(t *testing.T) {
	r, _ := failingRepro(t, 4)
	if len(r.Checkpoints) < 2 {
		t.Fatalf("only %d checkpoints", len(r.Checkpoints))
	}
	calls := standIn(t, "0000000000000000")
	res := scenarios.Replay(r, scenarios.RunConfig{})
	if res.HashMatch || !res.Comparable || res.InProcess || *calls != 2 || res.SecondHash != "0000000000000000" {
		t.Fatalf("match=%v comparable=%v in-process=%v after %d runs", res.HashMatch, res.Comparable, res.InProcess, *calls)
	}
	want := []string{"first checkpoint that differs: event " + scenarios.SeedString(r.Checkpoints[1].Step),
		"after event " + scenarios.SeedString(r.Checkpoints[0].Step), "the replay's events from"}
	for _, w := range want {
		if !strings.Contains(res.Divergence, w) {
			t.Fatalf("divergence %q lacks %q", res.Divergence, w)
		}
	}
	if strings.Count(res.Divergence, "\n") < 3 {
		t.Fatalf("no replayed events shown: %q", res.Divergence)
	}
}

// Two runs in this process that disagree prove nondeterminism on their own.
func TestReplayCatchesTwoRunsInThisProcessDisagreeing(t *testing.T) {
	r, _ := failingRepro(t, 4)
	standIn(t, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
	res := scenarios.Replay(r, scenarios.RunConfig{})
	if !res.Comparable || res.HashMatch || !res.InProcess || res.SecondHash != "bbbbbbbbbbbbbbbb" ||
		!strings.Contains(res.Divergence, "two runs in this process: first checkpoint that differs: event "+scenarios.SeedString(r.Checkpoints[1].Step)+" (first aaaaaaaaaaaaaaaa, second bbbbbbbbbbbbbbbb)") {
		t.Fatalf("%+v", res)
	}
}

// A replay that matches makes no second run; an edited repro makes none
// either, whatever its hash: the file proves nothing.
func TestReplayRunsTwiceOnlyForAComparableMismatch(t *testing.T) {
	r, _ := failingRepro(t, 4)
	calls := standIn(t, r.TraceHash)
	if res := scenarios.Replay(r, scenarios.RunConfig{}); !res.HashMatch || *calls != 1 {
		t.Fatalf("match=%v after %d runs", res.HashMatch, *calls)
	}
	r.TraceHash = "0123456789abcdef"
	*calls = 0
	if res := scenarios.Replay(r, scenarios.RunConfig{}); res.Comparable || res.Integrity != scenarios.ReproEdited || *calls != 1 || res.SecondHash != "" {
		t.Fatalf("comparable=%v integrity=%v after %d runs", res.Comparable, res.Integrity, *calls)
	}
}

func TestReplayOnAnotherBuildIsNotComparable(t *testing.T) {
	r, _ := failingRepro(t, 5)
	r.Build.Binary = "another"
	r.TraceHash = "0000000000000000"
	if err := r.Seal(); err != nil { // as that other build would have written it
		t.Fatal(err)
	}
	res := scenarios.Replay(r, scenarios.RunConfig{})
	if res.Comparable || res.SameBuild || res.Integrity != scenarios.ReproIntact || !res.SameFailure {
		t.Fatalf("comparable=%v same-build=%v integrity=%v same=%v", res.Comparable, res.SameBuild, res.Integrity, res.SameFailure)
	}
}

// decodeGeneric reads JSON as maps, numbers kept exact.
func decodeGeneric(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// editRepro changes a marshalled repro as generic JSON (re-encoded with
// sorted keys, so reordered) and parses it back.
func editRepro(t *testing.T, good []byte, edit func(m map[string]any)) (*scenarios.Repro, error) {
	t.Helper()
	m := decodeGeneric(t, good)
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.ParseRepro(b)
}

func TestNewReproIsSealed(t *testing.T) {
	r, _ := failingRepro(t, 3)
	if r.Format != scenarios.ReproFormat || !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(r.Digest) || r.Integrity() != scenarios.ReproIntact {
		t.Fatalf("format %d digest %q integrity %v", r.Format, r.Digest, r.Integrity())
	}
	if r.Digest != r.ContentDigest() {
		t.Fatal("the digest is not the content digest")
	}
}

// Re-indenting the JSON or reordering its keys is not an edit.
func TestReproDigestSurvivesReformatting(t *testing.T) {
	r, _ := failingRepro(t, 3)
	good, _ := r.Marshal()
	var compact bytes.Buffer
	json.Compact(&compact, good)
	var tabs bytes.Buffer
	json.Indent(&tabs, good, "", "\t")
	sorted, _ := json.MarshalIndent(decodeGeneric(t, good), "  ", "   ")
	for name, b := range map[string][]byte{"as written": good, "compact": compact.Bytes(), "tabs": tabs.Bytes(), "keys sorted": sorted} {
		back, err := scenarios.ParseRepro(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if back.Integrity() != scenarios.ReproIntact {
			t.Errorf("%s: %v", name, back.Integrity())
		}
	}
}

// Every field that decides the run or its expected outcome is sealed.
func TestReproEditsAreDetected(t *testing.T) {
	r, _ := failingRepro(t, 3)
	good, _ := r.Marshal()
	obj := func(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }
	edits := map[string]func(m map[string]any){
		"params":         func(m map[string]any) { obj(obj(m, "options"), "params")["burst"] = 3 },
		"seed":           func(m map[string]any) { m["seed"] = "4" },
		"loss_ppm":       func(m map[string]any) { obj(obj(m, "options"), "net")["loss_ppm"] = 1000 },
		"duration":       func(m map[string]any) { obj(m, "options")["duration_ns"] = 4500000000 },
		"swarm":          func(m map[string]any) { obj(m, "options")["swarm"] = "partitions=all" },
		"a fault's time": func(m map[string]any) { obj(m, "options")["faults"].([]any)[0].(map[string]any)["at"] = 1500000000 },
		"probes":         func(m map[string]any) { obj(m, "options")["probes"] = []any{} },
		"trace_hash":     func(m map[string]any) { m["trace_hash"] = "0123456789abcdef" },
		"events":         func(m map[string]any) { m["events"] = 5 },
		"checkpoints":    func(m map[string]any) { m["checkpoints"] = []any{} },
		"failed":         func(m map[string]any) { m["failed"] = []any{"expectations", "liveness"} },
		"signature key":  func(m map[string]any) { obj(m, "signature")["key"] = "expectations: x" },
		"build":          func(m map[string]any) { obj(m, "build")["binary"] = "another" },
		"digest removed": func(m map[string]any) { delete(m, "digest") },
		"digest garbled": func(m map[string]any) { m["digest"] = "md5:1234" },
	}
	for name, edit := range edits {
		back, err := editRepro(t, good, edit)
		if err != nil {
			t.Errorf("%s: refused: %v", name, err)
			continue
		}
		if got := back.Integrity(); got != scenarios.ReproEdited {
			t.Errorf("%s: %v", name, got)
		}
	}
}

// A file of an older format is refused, naming the command that converts
// it.
func TestOlderFormatsAreRefusedNamingUpgrade(t *testing.T) {
	for _, path := range []string{"testdata/older/format1-property-late-candidate.json", "testdata/older/format2-commit-old-term-by-counting.json"} {
		_, err := scenarios.ReadRepro(path)
		if err == nil || !strings.Contains(err.Error(), "written by an older detsim") || !strings.Contains(err.Error(), "detsim upgrade FILE") {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// upgradedHash is the trace hash this build runs the older file to. It was
// the file's own until the leader learned to tell a follower that missed
// a commit broadcast at its next acknowledgement (the system changed, not
// the conversion); a change of the Raft's behaviour changes it again, as it
// changes the determinism pins.
const upgradedHash = "d60cb16dccb7e489"

// Upgrading keeps the run and the failure it recorded: the schedule, the
// workload (now the system's params), the signature; the trace hash is
// re-recorded on this build.
func TestUpgradeKeepsTheRun(t *testing.T) {
	data, err := os.ReadFile("testdata/older/format1-property-late-candidate.json")
	if err != nil {
		t.Fatal(err)
	}
	var old struct {
		TraceHash string              `json:"trace_hash"`
		Signature scenarios.Signature `json:"signature"`
	}
	if err := json.Unmarshal(data, &old); err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.UpgradeRepro(data)
	if err != nil {
		t.Fatal(err)
	}
	p := paramsOf(&r.Options)
	if r.Format != scenarios.ReproFormat || r.Options.System != "raft+kv" || p.KV == nil || p.KV.ClerksPerKey != 1 ||
		r.Signature != old.Signature || r.TraceHash != upgradedHash || r.Integrity() != scenarios.ReproIntact {
		t.Fatalf("format %d system %q params %+v signature %+v hash %s (was %s) %v", r.Format, r.Options.System, p, r.Signature, r.TraceHash, old.TraceHash, r.Integrity())
	}
	b, _ := r.Marshal()
	if _, err := scenarios.UpgradeRepro(b); !errors.Is(err, scenarios.ErrUpToDate) {
		t.Fatalf("upgrading a current file: %v", err)
	}
	if back, err := scenarios.ParseRepro(b); err != nil || back.Integrity() != scenarios.ReproIntact {
		t.Fatalf("the upgraded file reads back: %v", err)
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
		"not json":       {[]byte("seed=6\n"), "not a detsim repro file"},
		"a trace":        {[]byte("1 0.000000000s n0 start incarnation=1 #238712a0\n"), "not a detsim repro file"},
		"bad json":       {[]byte("{seed=6\n"), "malformed JSON"},
		"newer":          {edit(`"format": 3`, `"format": 4`), "newer than this detsim reads"},
		"older":          {edit(`"format": 3`, `"format": 2`), "detsim upgrade FILE"},
		"no format":      {edit(`"format": 3,`, ``), "no format field"},
		"unknown field":  {edit(`"format": 3,`, `"format": 3, "colour": "red",`), `unknown field "colour"`},
		"unknown param":  {edit(`"params": {`, `"params": {"colour": 1, `), `unknown field "colour"`},
		"unknown nested": {edit(`"servers":`, `"sevrers": 3, "servers":`), `unknown field "sevrers"`},
		"seed number":    {edit(`"seed": "6"`, `"seed": 6`), "wrong type"},
		"seed sign":      {edit(`"seed": "6"`, `"seed": "+6"`), "not a string of digits"},
		"scenario":       {edit(`"scenario": "test-broken-promise",`, `"scenario": "nope",`), "does not match"},
		"unknown kind":   {edit(`"kind": "partition"`, `"kind": "meteor"`), "fault"},
		"trailing":       {append(append([]byte(nil), good...), []byte("{}")...), "data after"},
		"no signature":   {edit(`"check": "expectations"`, `"check": ""`), "no failure signature"},
		"bad hash":       {edit(r.TraceHash, "xyz"), "bad trace_hash"},
		"unknown bug":    {edit(`"format": 3,`, `"format": 3, "bug": "x",`), "bug"},
		"seed zero pad":  {edit(`"seed": "6"`, `"seed": "06"`), "leading zeros"},
		"hash not hex":   {edit(r.TraceHash, "0123456789abcdeg"), "bad trace_hash"},
		"hash upper":     {edit(r.TraceHash, "0123456789ABCDEF"), "bad trace_hash"},
	}
	for name, c := range cases {
		_, err := scenarios.ParseRepro(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line mentioning %q", name, err, c.want)
		}
	}
}

func TestWriteFileAtomicLeavesNoTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := scenarios.WriteFileAtomic(path, []byte("x")); err != nil {
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
		sc, _ := scenarios.Lookup(name)
		if o := sc.ResolveSwarm(3); o.Expect != (scenarios.Expectations{}) {
			t.Errorf("%s: swarm keeps %+v", name, o.Expect)
		}
	}
}

func TestSwarmChoosesMixAndStaysValid(t *testing.T) {
	sc, _ := scenarios.Lookup("churn")
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

// catalog is every scenario a user can run, without the ones tests register
// for themselves (named test-*), which fail on purpose.
func catalog() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, sc := range scenarios.All() {
		if !strings.HasPrefix(sc.Name, "test-") {
			out = append(out, sc)
		}
	}
	return out
}

// Options no run can have are refused, each with its own one-line reason.
func TestOptionsValidateRefusesImpossibleValues(t *testing.T) {
	base := brokenPromise.Resolve(3)
	kvsc, err := scenarios.Lookup("kv-basic")
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
	type edit = func(o *scenarios.Options)
	fault := func(i int, f func(x *sim.Fault)) edit {
		return func(o *scenarios.Options) {
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
		{"too many servers", false, func(o *scenarios.Options) { o.Servers = 16 }, "servers"},
		{"negative clients", false, func(o *scenarios.Options) { o.Clients = -1 }, "clients"},
		{"zero duration", false, func(o *scenarios.Options) { o.Duration = 0 }, "duration_ns 0 out of range"},
		{"duration over a day", false, func(o *scenarios.Options) { o.Duration = scenarios.MaxDuration + 1 }, "duration_ns"},
		{"negative bound", false, func(o *scenarios.Options) { o.Bound = -1 }, "bound_ns -1"},
		{"bound over an hour", false, func(o *scenarios.Options) { o.Bound = scenarios.MaxBound + 1 }, "bound_ns"},
		{"burst negative", false, param(func(p *Params) { p.Burst = -1 }), "burst -1"},
		{"burst huge", false, param(func(p *Params) { p.Burst = MaxBurst + 1 }), "burst"},
		{"think reversed", false, param(func(p *Params) { p.Think = [2]sim.Duration{5, 4} }), "think_ns"},
		{"think over a minute", false, param(func(p *Params) { p.Think = [2]sim.Duration{0, MaxThink + 1} }), "think_ns"},
		{"negative snapshot_every", false, param(func(p *Params) { p.SnapshotEvery = -1 }), "snapshot_every"},
		{"negative max_batch", false, param(func(p *Params) { p.MaxBatch = -1 }), "max_batch"},
		{"max_raft_state below -1", false, param(func(p *Params) { p.MaxRaftState = -2 }), "max_raft_state"},
		{"a kv workload on the raft system", false, param(func(p *Params) { p.KV = &KVWorkload{ClerksPerKey: 1, KeysPerGroup: 1} }), "takes no kv workload"},
		{"no kv workload on the kv system", true, param(func(p *Params) { p.KV = nil }), "needs a kv workload"},
		{"an unknown param", false, func(o *scenarios.Options) { o.Params = json.RawMessage(`{"bursty":1}`) }, `unknown field "bursty"`},
		{"another system", false, func(o *scenarios.Options) { o.System = "kv" }, `system "kv", but scenario`},
		{"negative latency", false, func(o *scenarios.Options) { o.Net.MinLatency = -1 }, "latencies"},
		{"latency over a minute", false, func(o *scenarios.Options) { o.Net.MaxLatency = scenarios.MaxNetLatency + 1 }, "latencies"},
		{"reorder delay over a minute", false, func(o *scenarios.Options) { o.Net.ReorderMax = scenarios.MaxNetLatency + 1 }, "latencies"},
		{"loss over one", false, func(o *scenarios.Options) { o.Net.LossPPM = sim.CertainPPM + 1 }, "loss_ppm 1000001"},
		{"dup over one", false, func(o *scenarios.Options) { o.Net.DupPPM = 2_000_000 }, "dup_ppm"},
		{"reorder over one", false, func(o *scenarios.Options) { o.Net.ReorderPPM = 2_000_000 }, "reorder_ppm"},
		{"torn over one", false, func(o *scenarios.Options) { o.TornPPM = 2_000_000 }, "torn_ppm"},
		{"clock beyond the servers", false, func(o *scenarios.Options) { o.Clocks = make([]sim.Clock, o.Servers+1) }, "clocks for"},
		{"clock drift", false, func(o *scenarios.Options) { o.Clocks = []sim.Clock{{DriftPPM: sim.MaxDriftPPM + 1}} }, "clock 0"},
		{"clock skew", false, func(o *scenarios.Options) { o.Clocks = []sim.Clock{{SkewNs: -scenarios.MaxClockSkew - 1}} }, "clock 0"},
		{"negative expectation", false, func(o *scenarios.Options) { o.Expect.NoDisruption = -1 }, "expectations"},
		{"kv ppm wrapping uint32", true, param(func(p *Params) {
			w := *p.KV
			w.GetPPM, w.PutPPM = 4_294_967_295, 2 // their uint32 sum is 1
			p.KV = &w
		}), "get_ppm"},
		{"kv keys", true, param(func(p *Params) { w := *p.KV; w.KeysPerGroup = MaxKeysPerGroup + 1; p.KV = &w }), "keys_per_group"},
		{"kv clerks per key", true, param(func(p *Params) { w := *p.KV; w.ClerksPerKey = 5; p.KV = &w }), "clerks_per_key"},
		{"kv negative max_ops", true, param(func(p *Params) { w := *p.KV; w.MaxOps = -1; p.KV = &w }), "max_ops"},
		{"fault before 0", false, fault(heal, func(f *sim.Fault) { f.At = -1 }), "negative time"},
		{"fault after the run", false, func(o *scenarios.Options) {
			fault(heal, func(f *sim.Fault) { f.At = o.SafetyEnd().Add(o.Bound + 1) })(o)
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
	o.Duration, o.Bound, o.Net.MaxLatency, o.Net.LossPPM, o.TornPPM = scenarios.MaxDuration, scenarios.MaxBound, scenarios.MaxNetLatency, sim.CertainPPM, sim.CertainPPM
	o.Faults = slices.Clone(o.Faults)
	o.Faults[heal].At = o.SafetyEnd().Add(o.Bound)
	if err := o.Validate(); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
}

// Every scenario's options, plain and swarm, stay inside the limits.
func TestGeneratedOptionsStayWithinLimits(t *testing.T) {
	for _, sc := range catalog() {
		for seed := uint64(1); seed <= 25; seed++ {
			for _, o := range []scenarios.Options{sc.Resolve(seed), sc.ResolveSwarm(seed)} {
				if err := o.Validate(); err != nil {
					t.Fatalf("%s seed %d (swarm %q): %v", sc.Name, seed, o.Swarm, err)
				}
			}
		}
	}
}

// param edits a run's bundled params.
func param(fn func(p *Params)) func(o *scenarios.Options) {
	return func(o *scenarios.Options) {
		p := paramsOf(o)
		fn(&p)
		*o = withParams(*o, p)
	}
}
