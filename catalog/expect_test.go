package catalog

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// apply_lag_within_ns names the slowest calm apply; a bound no follower
// can meet shows the check firing on a real run (the mutant whose
// followers learn of commits only by heartbeat fails agree's 40 ms at
// 100 ms), and the ok line reports the figure.
func TestApplyLagCatchesASlowApply(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	rep := scenarios.Run(o, 1, scenarios.RunConfig{NoHistory: true})
	if d := expectationsDetail(t, rep); !strings.Contains(d, "apply-lag=") || !strings.Contains(d, "(at most 0.040000000s,") {
		t.Fatalf("ok line without the apply-lag figure: %q", d)
	}
	p := paramsOf(&o)
	p.ApplyLagWithin = 1 // a nanosecond
	rep = scenarios.Run(withParams(o, p), 1, scenarios.RunConfig{NoHistory: true})
	if d := expectationsDetail(t, rep); !strings.Contains(d, "after it first committed at") || !strings.Contains(d, "with no fault between (at most 0.000000001s)") {
		t.Fatalf("a nanosecond's bound: %q", d)
	}
}

// A swarm seed changes the weather: the calm bounds are dropped.
func TestSwarmDropsTheApplyLagBound(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.ResolveSwarm(1)
	if p := paramsOf(&o); p.ApplyLagWithin != 0 {
		t.Fatalf("swarm kept apply_lag_within_ns=%d", p.ApplyLagWithin)
	}
	sc, _ = scenarios.Lookup("kv-basic")
	o = sc.ResolveSwarm(1)
	if p := paramsOf(&o); p.OneRequestPerOp {
		t.Fatal("swarm kept one_request_per_op")
	}
}

func expectationsDetail(t *testing.T, rep *scenarios.Report) string {
	t.Helper()
	for _, r := range rep.Results {
		if r.Name == "expectations" {
			return r.Detail
		}
	}
	t.Fatal("no expectations result")
	return ""
}

// max_ops: a clerk that calls more operations than its workload allows
// is named (the mutant whose clerk never counts what it finished runs
// kv-speed's one clerk to 2,556 of 1,000).
func TestOpsWithinMaxCatchesAClerkThatDoesNotStop(t *testing.T) {
	h := &scenarios.Harness{Options: scenarios.Options{Servers: 3, Clients: 2}}
	k := &kvInstance{cluster: &cluster{h: h}, rec: &kvRecorder{calls: map[int]int{3: 10, 4: 11}}}
	got := k.opsWithinMax(10)
	if len(got) != 1 || got[0] != "clerk n4 called 11 operations; its workload stops at 10 (max_ops)" {
		t.Fatalf("%q", got)
	}
	if got := k.opsWithinMax(0); got != nil {
		t.Fatalf("no max_ops, but %q", got)
	}
}

// The batch size: an append larger than max_batch is named (the mutant
// whose core swaps a configured 1 for its default 64 fails
// agree-one-by-one in 5 of 5 seeds), and the default bounds a run that
// sets none.
func TestBatchLimitCatchesAnOversizedAppend(t *testing.T) {
	c := &cluster{chk: checker.NewRaft(3, func() sim.Time { return 0 }), params: Params{MaxBatch: 2}}
	c.chk.AppendSent(0, 1, 1, 2)
	if got := c.batchLimit(); got != nil {
		t.Fatalf("two entries of two: %q", got)
	}
	c.chk.AppendSent(0, 2, 1, 3)
	if got := c.batchLimit(); len(got) != 1 || got[0] != "n0 sent n2 an AppendEntries of 3 entries; the batch size is 2" {
		t.Fatalf("%q", got)
	}
	c.params.MaxBatch = 0
	if got := c.batchLimit(); got != nil {
		t.Fatalf("three of the default 64: %q", got)
	}
}

// Prompt apply: a follower that leaves a committed, durable entry for its
// next wake-up is named (the mutant whose HasReady forgets entries owed to
// the service fails backup at its first seed).
func TestLateApplyCatchesAnEntryLeftForTheNextHeartbeat(t *testing.T) {
	now := sim.Time(0)
	c := &cluster{chk: checker.NewRaft(3, func() sim.Time { return now })}
	e := checker.Entry{Term: 1, Index: 1, Command: true}
	c.chk.Persisted(1, checker.HardState{Term: 1})
	c.chk.Append(1, e)
	c.chk.CommitAdvanced(1, 1)
	if got := c.lateApply(); got != nil {
		t.Fatalf("within its step: %q", got)
	}
	now = sim.Time(50 * sim.Millisecond)
	c.chk.HeartbeatSent(1, 0)
	want := "n1 ended its step at 0.000000000s with entries 1..1 committed and durable but not applied; they were still waiting at its next event at 0.050000000s"
	if got := c.lateApply(); len(got) != 1 || got[0] != want {
		t.Fatalf("%q", got)
	}
}

// Fast backup: a follower whose hint points anywhere but where its log
// ends is named (the mutants that drop the short-log case or shift its
// hint fail figure8 at their first seeds), and so is a leader that
// answers a hint elsewhere than it sends (the mutant that reads every
// hint as a term it holds none of fails backup at its first seed).
func TestBackupMissNamesTheWrongHintAndTheWrongAnswer(t *testing.T) {
	c := &cluster{chk: checker.NewRaft(3, func() sim.Time { return 0 })}
	c.chk.Persisted(1, checker.HardState{Term: 1})
	c.chk.Append(1, checker.Entry{Term: 1, Index: 1, Command: true})
	c.chk.AppendRejected(1, 0, 1, 4, 2, 0)
	if got := c.backupMiss(); got != nil {
		t.Fatalf("the end of a short log: %q", got)
	}
	c.chk.AppendRejected(1, 0, 1, 4, 1, 1)
	want := "n1 refused n0's append at 4 hinting 1 (term 1) at 0.000000000s, where its log said 2 (term 0): the end of a short log, or the first entry of the conflicting term"
	if got := c.backupMiss(); len(got) != 1 || got[0] != want {
		t.Fatalf("%q", got)
	}

	c = &cluster{chk: checker.NewRaft(3, func() sim.Time { return 0 })}
	c.chk.Persisted(0, checker.HardState{Term: 1})
	c.chk.Append(0, checker.Entry{Term: 1, Index: 1, Command: true})
	c.chk.StateChanged(0, 1, checker.Leader, 0)
	c.chk.AppendRejected(1, 0, 1, 4, 1, 0)
	c.chk.BackingUp(0)
	c.chk.AppendSent(0, 1, 2, 0)
	want = "n0 answered n1's refusal at 4 (hint 1, term 0) with an append from 2 at 0.000000000s, where the hint sends it to 1"
	if got := c.backupMiss(); len(got) != 1 || got[0] != want {
		t.Fatalf("%q", got)
	}
}

// One request per operation: a run whose clerks must retry (a partition
// cuts the leader off) breaks it, and the calm kv-basic keeps it (the
// mutants whose leader answers its own waiter "wrong leader", and so a
// retry reaches the dedup cache, fail kv-single at every seed).
func TestOneRequestPerOpCatchesARetry(t *testing.T) {
	sc, _ := scenarios.Lookup("kv-basic")
	o := sc.Resolve(1)
	if !paramsOf(&o).OneRequestPerOp {
		t.Fatal("kv-basic does not promise one request per operation")
	}
	rep := scenarios.Run(o, 1, scenarios.RunConfig{NoHistory: true})
	if d := expectationsDetail(t, rep); strings.Contains(d, "requests;") {
		t.Fatalf("calm kv-basic: %q", d)
	}
	sc, _ = scenarios.Lookup("kv-one-partition")
	o = sc.Resolve(1)
	p := paramsOf(&o)
	p.OneRequestPerOp = true
	rep = scenarios.Run(withParams(o, p), 1, scenarios.RunConfig{NoHistory: true})
	if d := expectationsDetail(t, rep); !strings.Contains(d, "requests; on a calm network each after a clerk's first is answered by the leader it knows") {
		t.Fatalf("a partitioned run kept one request per operation: %q", d)
	}
}
