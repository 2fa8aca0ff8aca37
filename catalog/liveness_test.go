package catalog

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
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
	w := sim.New(sim.Config{Seed: 1, Nodes: []sim.Factory{up, up, func(sim.Env) (sim.Process, error) { return nil, corrupt }}})
	c := &cluster{nodes: w, servers: []int{0, 1, 2}, chk: checker.NewRaft(3, w.Now)}
	if res := w.Start(); res.Failed() || w.Status(2) != sim.StatusStopped {
		t.Fatalf("start: %+v, n2 %v", res, w.Status(2))
	}
	c.chk.StateChanged(0, 5, checker.Leader, 0)
	c.chk.StateChanged(1, 6, checker.Follower, checker.NoNode)
	c.chk.StateChanged(2, 7, checker.Candidate, checker.NoNode)
	got := checker.LivenessResult(checker.LivenessReport{FinalHeal: 10e9, Bound: 5e9, Why: c.Why(0), State: c.State()})
	want := "not live 5.000000000s after the final heal at 10.000000000s: no leader: none in the highest term 7; only stopped servers reached it; n0 still calls itself leader of term 5;" +
		" n0:up/t5/leader/commit=0/applied=0 n1:up/t6/follower/commit=0/applied=0 n2:stopped/t7/candidate/commit=0/applied=0 (storage corrupt: log.2: frame at 3666: truncated)"
	if got.Status != checker.Fail || got.Detail != want {
		t.Fatalf("liveness\n got %v %s\nwant FAIL %s", got.Status, got.Detail, want)
	}

	// n1 reaches term 7 too: the highest term is no longer the stopped
	// server's alone; nobody leads at all.
	c.chk.StateChanged(1, 7, checker.Follower, checker.NoNode)
	c.chk.StateChanged(0, 5, checker.Follower, checker.NoNode)
	if got := c.noLeader(); got != "no leader: none in the highest term 7" {
		t.Fatalf("no leader: %s", got)
	}
	c.chk = checker.NewRaft(3, w.Now)
	if got := c.noLeader(); got != "no leader: none ever elected (every server is in term 0)" {
		t.Fatalf("no leader: %s", got)
	}
}

// A run whose cluster lost two of three servers to a failed sync and a
// damaged disk: liveness fails, and the dump says why each one stopped.
func TestLivenessNamesWhyNodesStopped(t *testing.T) {
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	o.Faults = []sim.Fault{{At: 2e9, Kind: sim.FaultFailSync, Node: 0},
		{At: 3e9, Kind: sim.FaultDamage, Node: 2}, {At: 3.01e9, Kind: sim.FaultDamage, Node: 2}, {At: 3.02e9, Kind: sim.FaultDamage, Node: 2},
		{At: 3.1e9, Kind: sim.FaultCrash, Node: 2}, {At: 3.6e9, Kind: sim.FaultRestart, Node: 2}}
	rep := scenarios.Run(o, 1, scenarios.RunConfig{})
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
	sc, _ := scenarios.Lookup("agree")
	o := sc.Resolve(1)
	var groups [][]int
	for i := 0; i < o.Nodes(); i++ {
		groups = append(groups, []int{i})
	}
	o.Faults = []sim.Fault{{At: 3e9, Kind: sim.FaultPause, Target: scenarios.TargetLeader}, {At: 7e9, Kind: sim.FaultPartition, Links: sim.Split(groups...)}}
	rep := scenarios.Run(o, 1, scenarios.RunConfig{})
	d := findResult(rep, checker.Liveness).Detail
	m := regexp.MustCompile(`: no leader: none in the highest term (\d+); n(\d) still calls itself leader of term (\d+);`).FindStringSubmatch(d)
	if m == nil || m[1] == m[3] || !strings.Contains(d, " n"+m[2]+":paused/t"+m[3]+"/leader/") {
		t.Fatalf("liveness: %s", d)
	}
}
