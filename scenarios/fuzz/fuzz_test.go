package fuzz

import (
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// isolatedLeader fails for sure: it promises one leader and isolates it.
var isolatedLeader = &scenarios.Scenario{System: catalog.RaftSystem, Name: "test-fuzz-isolated-leader", Description: "promises a stable leader, then isolates it",
	Servers: [2]int{3, 3}, Clients: 1, Duration: 3e9, Bound: 5e9,
	Probes: []string{"leader-elected"}, Expect: scenarios.Expectations{StableLeader: true},
	Faults: nil,
	Params: catalog.Params{Think: [2]sim.Duration{5e6, 50e6}},
}

func init() {
	sc := *isolatedLeader
	sc.Faults = isolateLeader
	*isolatedLeader = sc
	if err := scenarios.Register(isolatedLeader); err != nil {
		panic(err)
	}
}

func TestShardsCoverTheRangeExactlyOnce(t *testing.T) {
	seen := map[uint64]int{}
	for i := uint64(0); i < 3; i++ {
		c := Config{Start: 10, Count: 20, Shard: i, Shards: 3}
		for _, s := range c.seeds() {
			seen[s]++
			if (s-10)%3 != i {
				t.Fatalf("shard %d has seed %d", i, s)
			}
		}
	}
	for s := uint64(10); s < 30; s++ {
		if seen[s] != 1 {
			t.Fatalf("seed %d run %d times", s, seen[s])
		}
	}
	if len(seen) != 20 {
		t.Fatalf("%d seeds covered", len(seen))
	}
}

func TestCampaignGroupsFailuresAndWritesRepros(t *testing.T) {
	res, err := Run(Config{Scenarios: []*scenarios.Scenario{isolatedLeader}, Start: 1, Count: 12, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs != 12 || res.Failures != 12 || len(res.Groups) != 1 || res.Exit() != 1 || res.Interrupted {
		t.Fatalf("runs=%d failures=%d groups=%d exit=%d", res.Runs, res.Failures, len(res.Groups), res.Exit())
	}
	g := res.Groups[0]
	if g.Seeds != 12 || g.Signature.Check != "expectations" {
		t.Fatalf("group %+v", g.Signature)
	}
	// The representative is the shortest run, whatever order workers finished in.
	for seed := uint64(1); seed <= 12; seed++ {
		rep := scenarios.Run(isolatedLeader.Resolve(seed), seed, scenarios.RunConfig{})
		if rep.Events < g.Best.Events || rep.Events == g.Best.Events && seed < g.Best.Seed {
			t.Fatalf("seed %d (%d events) is shorter than the kept seed %d (%d)", seed, rep.Events, g.Best.Seed, g.Best.Events)
		}
	}
	dir := t.TempDir()
	path, err := WriteRepro(g, dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "test-fuzz-isolated-leader-"+scenarios.SeedString(g.Best.Seed)+".json" {
		t.Fatalf("repro named %s", path)
	}
	r, err := scenarios.ReadRepro(path)
	if err != nil {
		t.Fatal(err)
	}
	if res := scenarios.Replay(r, scenarios.RunConfig{}); !res.SameFailure || !res.HashMatch {
		t.Fatalf("the written repro does not replay: same=%v match=%v", res.SameFailure, res.HashMatch)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files written", len(entries))
	}
}

func TestCampaignSameResultOnAnyNumberOfWorkers(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	var best []uint64
	for _, w := range []int{1, 2, 4} {
		res, err := Run(Config{Scenarios: []*scenarios.Scenario{sc, isolatedLeader}, Start: 100, Count: 6, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs != 12 || res.Failures != 6 {
			t.Fatalf("%d workers: runs=%d failures=%d", w, res.Runs, res.Failures)
		}
		best = append(best, res.Groups[0].Best.Seed)
	}
	if best[0] != best[1] || best[1] != best[2] {
		t.Fatalf("the kept seed depends on the workers: %v", best)
	}
}

func TestStopCompletesAPrefix(t *testing.T) {
	stop := make(chan struct{})
	var n atomic.Int32
	stand := func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		if n.Add(1) == 5 {
			close(stop)
		}
		return scenarios.Run(o, seed, cfg)
	}
	sc, _ := scenarios.Lookup("agree")
	res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 100, Workers: 1, Stop: stop, RecheckEvery: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Runs >= 100 || uint64(res.Runs) != res.CompletedThrough {
		t.Fatalf("interrupted=%v runs=%d completed through %d", res.Interrupted, res.Runs, res.CompletedThrough)
	}
}

func TestNondeterminismIsCaught(t *testing.T) {
	var calls atomic.Int64
	stand := func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		rep := scenarios.Run(o, seed, cfg)
		if calls.Add(1)%2 == 0 { // every second run takes another path
			rep.TraceHash = "ffffffffffffffff"
			rep.Checkpoints = append([]sim.Checkpoint(nil), rep.Checkpoints...)
			rep.Checkpoints[0].Hash = "ffffffffffffffff"
		}
		return rep
	}
	sc, _ := scenarios.Lookup("agree")
	res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 32, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Seeds at positions 0 and 16 are run twice.
	if len(res.Nondet) != 2 || res.Exit() != 4 {
		t.Fatalf("nondet=%+v exit=%d", res.Nondet, res.Exit())
	}
	seeds := []uint64{res.Nondet[0].Seed, res.Nondet[1].Seed}
	if !slices.Equal(seeds, []uint64{1, 17}) {
		t.Fatalf("rechecked seeds %v, want 1 and 17", seeds)
	}
	// Each gets a repro file of its own, which reads back.
	dir := t.TempDir()
	path, err := WriteNondetRepro(res.Nondet[0], dir)
	if err != nil || filepath.Base(path) != "agree-1-nondeterminism.json" {
		t.Fatalf("WriteNondetRepro: %q, %v", path, err)
	}
	r, err := scenarios.ReadRepro(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Signature.Check != scenarios.NondeterminismCheck || r.TraceHash != res.Nondet[0].HashA || r.Seed != "1" {
		t.Fatalf("nondeterminism repro %+v", r)
	}
}

func TestConfigRefusesBadInput(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	bad := []Config{
		{Count: 1},
		{Scenarios: []*scenarios.Scenario{sc}},
		{Scenarios: []*scenarios.Scenario{sc}, Count: 1, Shard: 3, Shards: 3},
		{Scenarios: []*scenarios.Scenario{sc}, Count: 10, Start: ^uint64(0) - 5},
	}
	for i, c := range bad {
		if _, err := Run(c); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}

// A failing seed that is also nondeterministic is both findings: it counts
// as a failure, in its signature's group, as well as nondeterminism.
func TestFailingNondeterministicSeedIsBothFindings(t *testing.T) {
	var calls atomic.Int64
	stand := func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		rep := scenarios.Run(o, seed, cfg)
		if calls.Add(1)%2 == 0 {
			rep.TraceHash = "ffffffffffffffff"
		}
		return rep
	}
	res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{isolatedLeader}, Start: 1, Count: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nondet) != 1 || res.Failures != 1 || len(res.Groups) != 1 || res.Exit() != 4 {
		t.Fatalf("nondet=%d failures=%d groups=%d exit=%d", len(res.Nondet), res.Failures, len(res.Groups), res.Exit())
	}
}

// isolateLeader cuts the leader off at 1 s and heals at 2 s.
func isolateLeader(g *scenarios.Gen) {
	g.Targeted(1e9, scenarios.TargetLeader, nil, "")
	g.Add(sim.Fault{At: 2e9, Kind: sim.FaultHeal})
}
