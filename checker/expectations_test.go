package checker

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

type fakeLeaders struct{ term, terms, leaderTerm uint64 }

func (f *fakeLeaders) MaxTerm() uint64       { return f.term }
func (f *fakeLeaders) LeaderTerms() int      { return int(f.terms) }
func (f *fakeLeaders) MaxLeaderTerm() uint64 { return f.leaderTerm }

// Each expectation catches its violation; verdicts due after the run are
// judged when it ends; a system's own violations join the check.
func TestExpectWatchCatchesViolations(t *testing.T) {
	lead := &fakeLeaders{term: 3, terms: 2, leaderTerm: 3}
	var due []func()
	e := NewExpectWatch(ExpectConfig{StableLeader: true, NewLeaderWithin: 5 * sim.Second, NoDisruption: 2 * sim.Second,
		MinorityIdle: true, Servers: 3, Nodes: 5, Leaders: lead, At: func(_ sim.Time, fn func()) { due = append(due, fn) }})
	e.Fault(sim.Time(sim.Second), sim.Fault{Kind: sim.FaultPartition, Target: "leader"}) // no new leader follows
	due[0]()                                                                             // the new-leader verdict, at its time; the rest when the run ends
	e.Fault(sim.Time(2*sim.Second), sim.Fault{Kind: sim.FaultHeal})
	lead.term = 4 // the heal disrupted
	// Client 3 is cut off with one server; client 4 keeps the majority.
	e.Fault(sim.Time(3*sim.Second), sim.Fault{Kind: sim.FaultPartition, Label: "minority-idle", Links: sim.Split([]int{0, 3}, []int{1, 2, 4})})
	e.Return(3, sim.Time(3500*sim.Millisecond), sim.Time(4*sim.Second))
	e.Fault(sim.Time(5*sim.Second), sim.Fault{Kind: sim.FaultHeal})
	r := e.Result([]string{"the system's own"})
	if r.Status != Fail || !strings.HasPrefix(r.Detail, "no new leader within 5.000000000s") || !strings.HasSuffix(r.Detail, "(+5 more)") {
		t.Fatalf("%v", r)
	}
	for _, want := range []string{"term rose from 3 to 4", "n3, cut off with the minority", "the majority's clerks completed nothing", "2 leader terms"} {
		if !strings.Contains(strings.Join(e.violations, "\n"), want) {
			t.Errorf("missing %q in %q", want, e.violations)
		}
	}
	quiet := NewExpectWatch(ExpectConfig{Servers: 3, Nodes: 3, At: func(sim.Time, func()) {}})
	if r := quiet.Result(nil); r.Status != OK {
		t.Fatalf("nothing promised: %v", r)
	}
	if r := NewExpectWatch(ExpectConfig{StableLeader: true}).Result(nil); r.Status != Fail || !strings.Contains(r.Detail, "names none") {
		t.Fatalf("no leaders named: %v", r)
	}
}

// MaxMessagesPerOp: a storm of messages for few operations fails with the
// figure; a run within the bound reports it on the ok line, with the
// system's own figures after it.
func TestMessagesPerOpCatchesAStorm(t *testing.T) {
	sent := uint64(101)
	watch := func() *ExpectWatch {
		e := NewExpectWatch(ExpectConfig{MaxMessagesPerOp: 40, Sent: func() uint64 { return sent }, Servers: 3, Nodes: 4, At: func(sim.Time, func()) {}})
		e.Call(0)
		e.Return(3, 0, sim.Time(sim.Millisecond))
		e.Call(0)
		e.Return(3, 0, sim.Time(2*sim.Millisecond))
		return e
	}
	if r := watch().Result(nil); r.Status != Fail || r.Detail != "101 messages for 2 operations: 50.50 per operation, at most 40" {
		t.Fatalf("storm: %v", r)
	}
	sent = 35
	if r := watch().Result(nil, "apply-lag=1s"); r.Status != OK || r.Detail != "messages-per-op=17.50 (at most 40) apply-lag=1s" {
		t.Fatalf("calm: %v", r)
	}
	idle := NewExpectWatch(ExpectConfig{MaxMessagesPerOp: 40, Sent: func() uint64 { return sent }, At: func(sim.Time, func()) {}})
	if r := idle.Result(nil); r.Status != Fail || !strings.Contains(r.Detail, "35 messages and no operation returned") {
		t.Fatalf("no operation: %v", r)
	}
	if r := NewExpectWatch(ExpectConfig{MaxMessagesPerOp: 40}).Result(nil); r.Status != Fail || !strings.Contains(r.Detail, "nothing counts them") {
		t.Fatalf("no counter: %v", r)
	}
}
