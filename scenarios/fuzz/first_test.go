package fuzz

import (
	"sync"
	"testing"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
)

// StopAtFirst reports the finding earliest in campaign order, even when
// a later one finishes first, and counts only the runs up to it.
func TestStopAtFirstReportsTheEarliestInCampaignOrder(t *testing.T) {
	later := make(chan struct{})
	var once sync.Once
	stand := func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		if seed == 4 {
			<-later // seed 8 fails and returns first
		}
		rep := scenarios.Run(o, seed, cfg)
		if seed == 4 || seed == 8 {
			rep.Results = append(rep.Results, checker.Result{Name: "planted", Status: checker.Fail, Detail: "seed " + scenarios.SeedString(seed)})
			rep.Verdict = checker.Fail
		}
		if seed == 8 {
			once.Do(func() { close(later) })
		}
		return rep
	}
	sc, _ := scenarios.Lookup("agree")
	res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 40, Workers: 4, StopAtFirst: true, RecheckEvery: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedAtFirst || res.Interrupted || len(res.Groups) != 1 || res.Exit() != 1 {
		t.Fatalf("stopped=%v interrupted=%v groups=%d exit=%d", res.StoppedAtFirst, res.Interrupted, len(res.Groups), res.Exit())
	}
	if g := res.Groups[0]; g.Best.Seed != 4 || g.Seeds != 1 || res.Runs != 4 || res.Failures != 1 {
		t.Fatalf("first finding seed %d (group of %d), runs=%d failures=%d; want seed 4 alone after 4 runs", g.Best.Seed, g.Seeds, res.Runs, res.Failures)
	}
}

// A campaign that finds nothing with StopAtFirst runs every seed.
func TestStopAtFirstWithoutFindingsRunsEverything(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	res, err := Run(Config{Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 3, Workers: 2, StopAtFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.StoppedAtFirst || res.Interrupted || res.Runs != 3 || res.Exit() != 0 {
		t.Fatalf("stopped=%v interrupted=%v runs=%d exit=%d", res.StoppedAtFirst, res.Interrupted, res.Runs, res.Exit())
	}
}

// A run that never finishes stalls the campaign: it ends with Stalled and
// exit status 5 instead of waiting forever. (The stall is wall-clock by
// nature; the other runs here are canned and take microseconds, so a
// second is a margin no scheduler hiccup reaches.)
func TestStallEndsACampaignWithARunThatNeverEnds(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	stand := cannedRunner(sc, 3, 0)
	for _, first := range []bool{false, true} {
		res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 5, Workers: 1, StopAtFirst: first,
			Stall: time.Second, RecheckEvery: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Stalled || res.Exit() != ExitStalled || res.Runs != 2 {
			t.Fatalf("stop-at-first=%v: stalled=%v exit=%d runs=%d", first, res.Stalled, res.Exit(), res.Runs)
		}
	}
}

// A finding decided before a later run stalls is still the finding: the
// verdict does not depend on how many workers there were.
func TestStopAtFirstKeepsAFindingWhenALaterRunStalls(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	stand := cannedRunner(sc, 3, 2)
	res, err := Run(Config{run: stand, Scenarios: []*scenarios.Scenario{sc}, Start: 1, Count: 5, Workers: 2, StopAtFirst: true,
		Stall: time.Second, RecheckEvery: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stalled || !res.StoppedAtFirst || len(res.Groups) != 1 || res.Groups[0].Best.Seed != 2 {
		t.Fatalf("stalled=%v stopped=%v groups=%d", res.Stalled, res.StoppedAtFirst, len(res.Groups))
	}
}

// cannedRunner stands in for scenarios.Run with one real run's report,
// returned at once: seed stuck never returns (its goroutine is left
// behind), seed failing (if not 0) fails a planted check.
func cannedRunner(sc *scenarios.Scenario, stuck, failing uint64) func(scenarios.Options, uint64, scenarios.RunConfig) *scenarios.Report {
	never := make(chan struct{}) // never closed
	canned := scenarios.Run(sc.Resolve(1), 1, scenarios.RunConfig{})
	return func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		if seed == stuck {
			<-never
		}
		rep := *canned
		rep.Seed = seed
		if seed == failing {
			rep.Results = append(append([]checker.Result(nil), rep.Results...), checker.Result{Name: "planted", Status: checker.Fail, Detail: "x"})
			rep.Verdict = checker.Fail
		}
		return &rep
	}
}
