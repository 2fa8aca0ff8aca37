package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
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
