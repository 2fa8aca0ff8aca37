package simtest

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/internal/rapidenv"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// brokenPromise promises a stable leader, then isolates it: every seed
// fails expectations, a failure these helpers must find and report.
var brokenPromise = &scenarios.Scenario{
	System: catalog.RaftSystem, Name: "simtest-broken-promise", Description: "promises a stable leader, then isolates it",
	Servers: [2]int{3, 3}, Clients: 1, Duration: 4e9, Bound: 5e9,
	Params: catalog.Params{Burst: 1, Think: [2]sim.Duration{20e6, 200e6}},
	Probes: []string{"leader-elected"}, Expect: scenarios.Expectations{StableLeader: true},
	Faults: func(g *scenarios.Gen) {
		g.Targeted(1e9, scenarios.TargetLeader, nil, "")
		g.Add(sim.Fault{At: 2e9, Kind: sim.FaultHeal})
	},
}

func init() {
	catalog.Register()
	if err := scenarios.Register(brokenPromise); err != nil {
		panic(err)
	}
}

// errorsOf records what a helper reports instead of failing the test.
type errorsOf struct {
	*testing.T
	got []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.got = append(e.got, fmt.Sprintf(format, args...))
}

func TestSeedsOfAScenarioThatHolds(t *testing.T) {
	t.Setenv(FailuresDirEnv, t.TempDir())
	res := Seeds(t, "election", SeedsConfig{Count: 4, Workers: 1})
	if res.Runs != 4 || res.Failures != 0 {
		t.Fatalf("%d runs, %d failures", res.Runs, res.Failures)
	}
}

// A failing scenario fails the test, naming the check and a repro file
// that replays the failure.
func TestSeedsReportsAFailureWithItsRepro(t *testing.T) {
	t.Setenv(FailuresDirEnv, t.TempDir())
	rec := &errorsOf{T: t}
	Seeds(rec, brokenPromise.Name, SeedsConfig{Count: 3, Workers: 1})
	if len(rec.got) != 1 || !strings.Contains(rec.got[0], "3 seed(s) fail expectations") || !strings.Contains(rec.got[0], "repro: /") {
		t.Fatalf("reported %q", rec.got)
	}
	r, path := Finds(t, brokenPromise.Name, SeedsConfig{Count: 3, Workers: 1})
	if r.Signature.Check != "expectations" || !strings.HasSuffix(path, ".json") {
		t.Fatalf("found %+v at %s", r.Signature, path)
	}
	Replays(t, path, FailAsRecorded)
}

func TestReplaysOfTheRegressionBattery(t *testing.T) {
	Replays(t, "../../catalog/testdata/regressions/*.json", Pass)
}

func TestPropertyOverAScenarioThatHolds(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine)
	f := flag.Lookup("rapid.checks")
	old := f.Value.String()
	f.Value.Set("5")
	t.Cleanup(func() { f.Value.Set(old) })
	t.Setenv(FailuresDirEnv, t.TempDir())
	Property(t, "agree", PropertyConfig{MaxSlots: 3})
}
