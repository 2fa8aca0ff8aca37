package catalog

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// seedCount is how many seeds TestScenariosHold runs per scenario;
// DETSIM_SEEDS raises it for a longer soak.
func seedCount() int {
	if n, err := strconv.Atoi(os.Getenv("DETSIM_SEEDS")); err == nil && n > 0 {
		return n
	}
	if raceEnabled || testing.Short() {
		return 1
	}
	return 8
}

// TestScenariosHold: every scenario passes every check over many seeds.
func TestScenariosHold(t *testing.T) {
	for _, sc := range catalog() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(100); seed < 100+uint64(seedCount()); seed++ {
				rep := scenarios.Run(sc.Resolve(seed), seed, scenarios.RunConfig{})
				if rep.Verdict != checker.OK {
					t.Errorf("seed %d failed:\n%s", seed, rep.Text())
				}
				if rep.Ops == 0 {
					t.Errorf("seed %d: no client operation completed", seed)
				}
			}
		})
	}
}

// TestEveryScenarioInjectsFaults: only the calm scenarios have no fault
// before the final heal (an unreliable network counts as one).
func TestEveryScenarioInjectsFaults(t *testing.T) {
	calm := map[string]bool{"election": true, "agree": true, "kv-basic": true, "kv-concurrent": true, "kv-speed": true, "kv-single": true,
		"snapshot-basic": true, "kv-snapshot-size": true}
	for _, sc := range catalog() {
		o := sc.Resolve(1)
		n := 0
		for _, f := range o.Faults {
			if f.At < at(o.Duration) {
				n++
			}
		}
		if o.Net.LossPPM+o.Net.DupPPM+o.Net.ReorderPPM > 0 {
			n++
		}
		if calm[sc.Name] != (n == 0) {
			t.Errorf("%s: %d faults before the final heal", sc.Name, n)
		}
		if len(o.Probes) == 0 {
			t.Errorf("%s declares no coverage probe", sc.Name)
		}
		if err := o.Validate(); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
}

func findResult(rep *scenarios.Report, name string) checker.Result {
	for _, r := range rep.Results {
		if r.Name == name {
			return r
		}
	}
	return checker.Result{Name: name, Status: checker.Unknown, Detail: "missing"}
}

func mustFail(t *testing.T, rep *scenarios.Report, name, detail string) {
	t.Helper()
	r := findResult(rep, name)
	if r.Status != checker.Fail || !strings.Contains(r.Detail, detail) {
		t.Fatalf("%s = %v %q, want FAIL with %q\n%s", name, r.Status, r.Detail, detail, rep.Text())
	}
	if rep.Verdict != checker.Fail {
		t.Fatalf("verdict %v", rep.Verdict)
	}
}

// A cluster split for good, whose final heal never comes, has no leader:
// liveness must fail and dump every node's state.
func TestLivenessCatchesClusterThatCannotElect(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	var kept []sim.Fault
	for _, f := range o.Faults {
		if f.Kind != sim.FaultHeal {
			kept = append(kept, f)
		}
	}
	var groups [][]int
	for i := 0; i < o.Nodes(); i++ {
		groups = append(groups, []int{i})
	}
	o.Faults = append(kept, sim.Fault{At: o.SafetyEnd().Add(-2 * s), Kind: sim.FaultPartition, Links: sim.Split(groups...)})
	sim.SortFaults(o.Faults)
	rep := scenarios.Run(o, 1, scenarios.RunConfig{})
	mustFail(t, rep, checker.Liveness, "no leader")
	mustFail(t, rep, checker.Liveness, "n0:up/")
}

func TestCoverageCatchesProbeThatNeverFired(t *testing.T) {
	sc, _ := scenarios.Lookup("election")
	o := sc.Resolve(1)
	o.Probes = append(o.Probes, "checkquorum-stepdown") // a calm run never steps down
	mustFail(t, scenarios.Run(o, 1, scenarios.RunConfig{}), checker.Coverage, "checkquorum-stepdown")
}

func TestExpectationsCatchLeaderChangeInCalmRun(t *testing.T) {
	sc, _ := scenarios.Lookup("election")
	o := sc.Resolve(1)
	o.Faults = append(o.Faults, sim.Fault{At: 3e9, Kind: sim.FaultCrash, Target: scenarios.TargetLeader},
		sim.Fault{At: 4e9, Kind: sim.FaultRestart, Node: 0})
	sim.SortFaults(o.Faults)
	o.Expect.MaxLatency = 0 // the crash also slows an operation: judged below
	mustFail(t, scenarios.Run(o, 1, scenarios.RunConfig{}), "expectations", "leader terms")
}

// The calm scenarios bound an operation's latency: a leader crash makes
// one wait for the next election, and the line says how long it took.
func TestExpectationsCatchASlowOperationInCalmRun(t *testing.T) {
	sc, _ := scenarios.Lookup("election")
	o := sc.Resolve(1)
	o.Faults = append(o.Faults, sim.Fault{At: 3e9, Kind: sim.FaultCrash, Target: scenarios.TargetLeader},
		sim.Fault{At: 4e9, Kind: sim.FaultRestart, Node: 0})
	sim.SortFaults(o.Faults)
	o.Expect.StableLeader = false
	mustFail(t, scenarios.Run(o, 1, scenarios.RunConfig{}), "expectations", "took 0.616632128s (at most 0.060000000s after 1.000000000s)")
}

func TestExpectationsCatchCommitDuringMajorityCut(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	param(func(p *Params) { p.NoCommitInCut = true })(&o)
	// Labelled a majority cut, but it cuts off one follower: the majority
	// side keeps committing, which the check must see.
	o.Faults = append(o.Faults, sim.Fault{At: 2e9, Kind: sim.FaultPartition, Target: scenarios.TargetFollower, Label: "majority-cut"},
		sim.Fault{At: 5e9, Kind: sim.FaultHeal})
	sim.SortFaults(o.Faults)
	mustFail(t, scenarios.Run(o, 1, scenarios.RunConfig{}), "expectations", "committed while a majority was cut off")
}

func TestProgressCatchesEventCap(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	rep := scenarios.Run(sc.Resolve(1), 1, scenarios.RunConfig{MaxEvents: 1000})
	mustFail(t, rep, checker.Progress, "event cap")
}

func TestNoPanicCatchesPanicInsideRun(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	// A fault naming a node that does not exist makes the world index out of
	// range: a framework panic that must surface as no-panic, not kill the process.
	o.Faults = append(o.Faults, sim.Fault{At: 1e9, Kind: sim.FaultCrash, Node: 99})
	sim.SortFaults(o.Faults)
	mustFail(t, scenarios.Run(o, 1, scenarios.RunConfig{}), checker.NoPanic, "panic")
}

func TestSummaryHasContractLines(t *testing.T) {
	sc, _ := scenarios.Lookup("election")
	rep := scenarios.Run(sc.Resolve(7), 7, scenarios.RunConfig{})
	text := rep.Text()
	for _, prefix := range []string{"scenario=election seed=7\n", "\noptions system=raft servers=3", "\ntrace-hash=", "\nvirtual=", " speedup=",
		"\nops=", " messages=", " dropped=", " duplicated=", " crashes=", " partitions=", "\ncheck election-safety ok",
		"\ncheck linearizability", "\ncheck no-panic ok", "\nverdict pass\n"} {
		if prefix == "\ncheck linearizability" {
			continue // arrives with the KV service
		}
		if !strings.Contains(text, prefix) {
			t.Errorf("summary lacks %q:\n%s", prefix, text)
		}
	}
	b, err := rep.JSON()
	if err != nil || !strings.Contains(string(b), `"seed":"7"`) || !strings.Contains(string(b), `"verdict":"pass"`) {
		t.Fatalf("json: %v %s", err, b)
	}
}

// A clerk cut off from every server for good never finishes its call:
// liveness must name it.
func TestLivenessCatchesHungClerk(t *testing.T) {
	sc, _ := scenarios.Lookup("kv-basic")
	o := sc.Resolve(1)
	clerk := o.Servers
	var kept []sim.Fault
	for _, f := range o.Faults {
		if f.Kind != sim.FaultHeal {
			kept = append(kept, f)
		}
	}
	o.Faults = append(kept, sim.Fault{At: o.SafetyEnd().Add(-3 * s), Kind: sim.FaultPartition, Links: sim.Isolate(clerk, o.AllNodes())})
	sim.SortFaults(o.Faults)
	rep := scenarios.Run(o, 1, scenarios.RunConfig{})
	mustFail(t, rep, checker.Liveness, fmt.Sprintf("n%d call", clerk))
	if r := findResult(rep, checker.Linearizability); r.Status != checker.OK {
		t.Fatalf("the history is still linearizable: %v", r)
	}
}
