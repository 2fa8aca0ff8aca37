package catalog

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

func retAt(t int64) *int64 { return &t }

// staleReads is a key/value history whose keys k0…k(n-1) each hold a stale
// read, plus a key that holds.
func staleReads(n int) []checker.HistoryOp {
	var ops []checker.HistoryOp
	for i := range n {
		k := fmt.Sprintf("k%d", i)
		ops = append(ops,
			checker.HistoryOp{Client: 2 * i, Op: "put", Key: k, Value: k + "=1;", Call: 0, Return: retAt(10)},
			checker.HistoryOp{Client: 2 * i, Op: "put", Key: k, Value: k + "=2;", Call: 20, Return: retAt(30)},
			checker.HistoryOp{Client: 2*i + 1, Op: "get", Key: k, Output: k + "=1;", Call: 40, Return: retAt(50)})
	}
	return append(ops, checker.HistoryOp{Client: 99, Op: "put", Key: "fine", Value: "v;", Call: 0, Return: retAt(10)})
}

func linReport(ops []checker.HistoryOp) *scenarios.Report {
	lin := checker.CheckLinearizable(ops, checker.LinConfig{Budget: 10 * time.Second})
	rep := &scenarios.Report{Scenario: "kv-test", Seed: 5, TraceHash: "0123456789abcdef", History: ops, Lin: lin,
		Results: []checker.Result{{Name: checker.ElectionSafety, Status: checker.OK}, lin.Result}}
	rep.Verdict = checker.Verdict(rep.Results)
	return rep
}

// Two runs of one bug that broke different numbers of keys are one failure.
func TestLinearizabilitySignatureIgnoresHowManyKeys(t *testing.T) {
	one, six := linReport(staleReads(1)), linReport(staleReads(6))
	a, okA := scenarios.SignatureOf(one)
	b, okB := scenarios.SignatureOf(six)
	if !okA || !okB || a.Check != checker.Linearizability {
		t.Fatalf("signatures %+v %+v", a, b)
	}
	if a.Key != b.Key {
		t.Fatalf("one bug, two signatures:\n %s\n %s", a.Key, b.Key)
	}
	if !strings.Contains(six.Text(), `check linearizability FAIL key "k0": 3 operations admit no linearization; (+5 more keys: "k1" "k2" "k3" "k4" "k5")`+"\n") {
		t.Fatalf("summary:\n%s", six.Text())
	}
}

// --json carries every failing key, and the picture's path once it is written.
func TestJSONCarriesFailingKeysAndHTML(t *testing.T) {
	rep := linReport(staleReads(3))
	var out struct {
		HTML   *string `json:"html"`
		Checks []struct {
			Name       string   `json:"name"`
			Status     string   `json:"status"`
			KeysFailed []string `json:"keys_failed"`
		} `json:"checks"`
	}
	decode := func() {
		t.Helper()
		b, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		out.HTML, out.Checks = nil, nil
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	decode()
	if out.HTML != nil {
		t.Fatalf("html before any was written: %q", *out.HTML)
	}
	if strings.Contains(rep.Text(), "html=") {
		t.Fatalf("html= before any was written:\n%s", rep.Text())
	}
	var lin []string
	for _, c := range out.Checks {
		switch {
		case c.Name == checker.Linearizability:
			lin = c.KeysFailed
		case c.KeysFailed != nil:
			t.Fatalf("%s carries keys_failed", c.Name)
		}
	}
	if !reflect.DeepEqual(lin, []string{"k0", "k1", "k2"}) {
		t.Fatalf("keys_failed %q", lin)
	}

	rep.HTMLPath = "kv-test-5.html"
	decode()
	if out.HTML == nil || *out.HTML != "kv-test-5.html" {
		t.Fatalf("html %v", out.HTML)
	}
	if text := rep.Text(); !strings.HasSuffix(text, "verdict fail\nhtml=kv-test-5.html\n") {
		t.Fatalf("summary:\n%s", text)
	}
}

// A panic's check line names where it happened, on one line; its stack goes
// to the trace and not into the hash.
func TestNoPanicNamesThePlace(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	// A crash of a node that does not exist: the checker told of it indexes
	// out of range.
	o.Faults = append(o.Faults, sim.Fault{At: 1e9, Kind: sim.FaultCrash, Node: 99})
	sim.SortFaults(o.Faults)
	var trace strings.Builder
	rep := scenarios.Run(o, 1, scenarios.RunConfig{Trace: &trace})
	r := findResult(rep, checker.NoPanic)
	if r.Status != checker.Fail || !strings.HasPrefix(r.Detail, "panic on n-1 at 1.000000000s in checker.(*Raft).Down (checker/raft.go:") ||
		!strings.HasSuffix(r.Detail, "): runtime error: index out of range [99] with length 3") {
		t.Fatalf("no-panic: %v", r)
	}
	if !strings.Contains(trace.String(), "\n"+r.Detail+"\n\tchecker.(*Raft).Down (checker/raft.go:") {
		t.Fatalf("the trace lacks the stack:\n%s", trace.String()[max(0, trace.Len()-2000):])
	}
	if sig, _ := scenarios.SignatureOf(rep); sig.Check != checker.NoPanic {
		t.Fatalf("signature %+v, want no-panic's", sig)
	}
	if l := findResult(rep, checker.Liveness); l.Status != checker.Unknown || !strings.HasPrefix(l.Detail, "not judged: the run stopped at 1.000000000s") {
		t.Fatalf("liveness of a run that stopped early: %v", l)
	}
	if again := scenarios.Run(o, 1, scenarios.RunConfig{}); again.TraceHash != rep.TraceHash || findResult(again, checker.NoPanic) != r {
		t.Fatalf("untraced: %s %v, traced: %s %v", again.TraceHash, findResult(again, checker.NoPanic), rep.TraceHash, r)
	}
}
