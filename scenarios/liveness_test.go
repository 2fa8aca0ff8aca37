package scenarios

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

type idle struct{}

func (idle) Receive(int, []byte) error { return nil }
func (idle) Timer(sim.TimerID) error   { return nil }

// The liveness dump driven with constructed state: n2 stopped with a
// damaged disk in the highest term, n0 still leads an older one.
func TestLivenessDumpSaysWhy(t *testing.T) {
	corrupt := errors.New("storage corrupt: log.2: frame at 3666:\ntruncated")
	up := func(sim.Env) (sim.Process, error) { return idle{}, nil }
	r := &runner{opts: Options{Servers: 3, Duration: 10e9, Bound: 5e9}, pending: map[int]pendingCall{}}
	r.w = sim.New(sim.Config{Seed: 1, Nodes: []sim.Factory{up, up, func(sim.Env) (sim.Process, error) { return nil, corrupt }}})
	r.chk = checker.NewRaft(3, r.w.Now)
	if res := r.w.Start(); res.Failed() || r.w.Status(2) != sim.StatusStopped {
		t.Fatalf("start: %+v, n2 %v", res, r.w.Status(2))
	}
	r.chk.StateChanged(0, 5, checker.Leader, 0)
	r.chk.StateChanged(1, 6, checker.Follower, checker.NoNode)
	r.chk.StateChanged(2, 7, checker.Candidate, checker.NoNode)
	got := r.livenessResult(false, sim.Result{})
	want := "not live 5.000000000s after the final heal at 10.000000000s: no leader: none in the highest term 7; only stopped servers reached it; n0 still calls itself leader of term 5;" +
		" n0:up/t5/leader/commit=0/applied=0 n1:up/t6/follower/commit=0/applied=0 n2:stopped/t7/candidate/commit=0/applied=0 (storage corrupt: log.2: frame at 3666: truncated)"
	if got.Status != checker.Fail || got.Detail != want {
		t.Fatalf("liveness\n got %v %s\nwant FAIL %s", got.Status, got.Detail, want)
	}

	// n1 reaches term 7 too: the highest term is no longer the stopped
	// server's alone; nobody leads at all.
	r.chk.StateChanged(1, 7, checker.Follower, checker.NoNode)
	r.chk.StateChanged(0, 5, checker.Follower, checker.NoNode)
	if got := r.noLeader(); got != "no leader: none in the highest term 7" {
		t.Fatalf("no leader: %s", got)
	}
	r.chk = checker.NewRaft(3, r.w.Now)
	if got := r.noLeader(); got != "no leader: none ever elected (every server is in term 0)" {
		t.Fatalf("no leader: %s", got)
	}

	// A run that stopped early is not judged: the check that stopped it
	// says why (and is the failure's signature).
	if got := r.livenessResult(false, sim.Result{Panic: "panic on n0 at 1s: x"}); got.Status != checker.Unknown ||
		got.Detail != "not judged: the run stopped at 0.000000000s, before its drain ended (no-panic failed)" {
		t.Fatalf("%v", got)
	}
}

// A run whose cluster lost two of three servers to a failed sync and a
// damaged disk: liveness fails, and the dump says why each one stopped.
func TestLivenessNamesWhyNodesStopped(t *testing.T) {
	sc, _ := Lookup("agree")
	o := sc.Resolve(1)
	o.Faults = []sim.Fault{{At: 2e9, Kind: sim.FaultFailSync, Node: 0},
		{At: 3e9, Kind: sim.FaultDamage, Node: 2}, {At: 3.01e9, Kind: sim.FaultDamage, Node: 2}, {At: 3.02e9, Kind: sim.FaultDamage, Node: 2},
		{At: 3.1e9, Kind: sim.FaultCrash, Node: 2}, {At: 3.6e9, Kind: sim.FaultRestart, Node: 2}}
	rep := Run(o, 1, RunConfig{})
	mustFail(t, rep, checker.Liveness, "no leader: none in the highest term ")
	d := findResult(rep, checker.Liveness).Detail
	for _, re := range []string{` n0:stopped/t\d+/\w+/commit=\d+/applied=\d+ \([^)]*sync failed\)`, ` n2:stopped/t\d+/\w+/commit=\d+/applied=\d+ \([^)]*storage corrupt: `} {
		if !regexp.MustCompile(re).MatchString(d) {
			t.Errorf("the dump lacks %s:\n%s", re, d)
		}
	}
}

// The leader paused for good while the others elect a new one and are then
// cut apart: no leader, and the paused one is named as a stale leader.
func TestLivenessNamesStaleLeader(t *testing.T) {
	sc, _ := Lookup("agree")
	o := sc.Resolve(1)
	var groups [][]int
	for i := 0; i < o.Nodes(); i++ {
		groups = append(groups, []int{i})
	}
	o.Faults = []sim.Fault{{At: 3e9, Kind: sim.FaultPause, Target: TargetLeader}, {At: 7e9, Kind: sim.FaultPartition, Links: sim.Split(groups...)}}
	rep := Run(o, 1, RunConfig{})
	d := findResult(rep, checker.Liveness).Detail
	m := regexp.MustCompile(`: no leader: none in the highest term (\d+); n(\d) still calls itself leader of term (\d+);`).FindStringSubmatch(d)
	if m == nil || m[1] == m[3] || !strings.Contains(d, " n"+m[2]+":paused/t"+m[3]+"/leader/") {
		t.Fatalf("liveness: %s", d)
	}
}
