package simtest

import (
	"testing"
	"time"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/scenarios/fuzz"
)

// SeedsConfig is a campaign in a test.
type SeedsConfig struct {
	Start, Count uint64 // seeds [Start, Start+Count); Count 0: 20
	Swarm        bool   // each seed chooses its own fault mix
	Bug          string // a planted bug switched on in every run
	Workers      int    // 0: every core
	LinBudget    time.Duration
}

// Seeds runs seeds of the named scenario as `detsim fuzz` does (every core,
// failures grouped by signature, a sample run twice for nondeterminism)
// and fails t for each failure group, naming the repro file written for
// its fastest seed and the command that replays it. It returns the
// campaign's result, for a test that expects failures (a planted bug).
func Seeds(t testing.TB, scenario string, cfg SeedsConfig) *fuzz.Result {
	t.Helper()
	res := seeds(t, scenario, cfg)
	dir := failuresDir(t)
	for _, g := range res.Groups {
		path, err := writeRepro(g.Best, dir)
		if err != nil {
			path = "not written: " + err.Error()
		}
		t.Errorf("%s: %d seed(s) fail %s: %s\nrepro: %s (replay it with your binary's 'replay FILE', or simtest.Replays)",
			scenario, g.Seeds, g.Signature.Check, g.Signature.Violation, path)
	}
	for _, n := range res.Nondet {
		t.Errorf("%s seed %d is nondeterministic: trace hashes %s and %s; %s", n.Scenario, n.Seed, n.HashA, n.HashB, n.Divergence)
	}
	return res
}

// Finds runs seeds as Seeds does but expects a failure: it fails t unless
// some seed fails (a planted bug found), and returns the shortest failing
// run's repro file, written for the next step (shrink, replay).
func Finds(t testing.TB, scenario string, cfg SeedsConfig) (*scenarios.Repro, string) {
	t.Helper()
	res := seeds(t, scenario, cfg)
	if len(res.Groups) == 0 {
		t.Fatalf("%s: no seed of %d failed (bug %q)", scenario, res.Runs, cfg.Bug)
	}
	best := res.Groups[0].Best
	for _, g := range res.Groups[1:] {
		if g.Best.Events < best.Events {
			best = g.Best
		}
	}
	path, err := writeRepro(best, failuresDir(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.ReadRepro(path)
	if err != nil {
		t.Fatal(err)
	}
	return r, path
}

func seeds(t testing.TB, scenario string, cfg SeedsConfig) *fuzz.Result {
	t.Helper()
	scn, err := scenarios.Lookup(scenario)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Count == 0 {
		cfg.Count = 20
	}
	if err := scenarios.CheckBug(scn.System, cfg.Bug); err != nil {
		t.Fatal(err)
	}
	res, err := fuzz.Run(fuzz.Config{Scenarios: []*scenarios.Scenario{scn}, Start: cfg.Start, Count: cfg.Count,
		Workers: cfg.Workers, Swarm: cfg.Swarm, Bug: cfg.Bug, LinBudget: cfg.LinBudget})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
