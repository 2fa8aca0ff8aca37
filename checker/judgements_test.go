package checker

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// Liveness fails naming why, every pending call and the state; a run that
// stopped early is not judged, and the check that stopped it is named.
func TestLivenessResult(t *testing.T) {
	if got := LivenessResult(LivenessReport{Live: true}); got.Status != OK {
		t.Fatalf("live: %v", got)
	}
	got := LivenessResult(LivenessReport{FinalHeal: 10e9, Bound: 5e9, Why: "clients still waiting",
		Pending: []PendingCall{{Client: 3, Seq: 7, Since: 9e9}}, State: " n0:up"})
	want := "not live 5.000000000s after the final heal at 10.000000000s: clients still waiting; n3 call 7 pending since 9.000000000s; n0:up"
	if got.Status != Fail || got.Detail != want {
		t.Fatalf("got %v %q\nwant FAIL %q", got.Status, got.Detail, want)
	}
	got = LivenessResult(LivenessReport{StoppedBy: StoppedBy(sim.Result{Panic: "panic on n0 at 1s: x"}), Now: 1e9})
	if got.Status != Unknown || got.Detail != "not judged: the run stopped at 1.000000000s, before its drain ended (no-panic failed)" {
		t.Fatalf("stopped early: %v", got)
	}
	if StoppedBy(sim.Result{CapHit: true}) != Progress || StoppedBy(sim.Result{}) != "" {
		t.Fatal("StoppedBy names the wrong check")
	}
}

// Coverage fails naming every probe that never fired, and counts them when
// all did.
func TestCoverageResult(t *testing.T) {
	got := CoverageResult([]string{"a", "b", "c"}, map[string]int{"b": 2})
	if got.Status != Fail || got.Detail != "never fired: [a c]" {
		t.Fatalf("missing: %v", got)
	}
	got = CoverageResult([]string{"a", "b"}, map[string]int{"a": 1, "b": 2, "x": 9})
	if got.Status != OK || got.Detail != "a=1 b=2" {
		t.Fatalf("all fired: %v", got)
	}
}

func TestProgressAndNoPanicResults(t *testing.T) {
	if got := ProgressResult(sim.Result{CapHit: true}, 2e9); got.Status != Fail || !strings.Contains(got.Detail, "event cap hit at 2.") {
		t.Fatalf("cap: %v", got)
	}
	if got := ProgressResult(sim.Result{Stalled: true}, 2e9); got.Status != Fail || !strings.Contains(got.Detail, "virtual time stuck") {
		t.Fatalf("stalled: %v", got)
	}
	if got := ProgressResult(sim.Result{}, 2e9); got.Status != OK {
		t.Fatalf("fine: %v", got)
	}
	if got := NoPanicResult(sim.Result{Panic: "panic on n1: boom\nstack…"}); got.Status != Fail || got.Detail != "panic on n1: boom" {
		t.Fatalf("panic: %v", got)
	}
	if got := NoPanicResult(sim.Result{}); got.Status != OK {
		t.Fatalf("no panic: %v", got)
	}
}

func TestClientRepliesCatchesAReplyToAnotherCall(t *testing.T) {
	var c ClientReplies
	if _, ok := c.Result(); ok {
		t.Fatal("a result with no return recorded")
	}
	c.Returned(4, 7, 7, true, 1e9)
	if r, ok := c.Result(); !ok || r.Status != OK {
		t.Fatalf("%v %v", r, ok)
	}
	c.Returned(4, 7, 8, true, 2e9)
	c.Returned(5, 3, 0, false, 3e9)
	r, _ := c.Result()
	if r.Status != Fail || !strings.Contains(r.Detail, "client n4's operation 8 returned at 2.000000000s with the reply to its operation 7 (+1 more)") {
		t.Fatalf("%v", r)
	}
}
