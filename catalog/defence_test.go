package catalog

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/scenarios"
)

// Each defence-alone scenario fails when its defence is switched off too:
// what it checks is the defence, not the weather.
func TestDefenceAloneScenariosNeedTheirDefence(t *testing.T) {
	for _, c := range []struct {
		scenario string
		off      func(*Params)
		want     string
	}{
		{"prevote-alone", func(p *Params) { p.NoPreVote = true }, "term rose from"},
		{"checkquorum-alone", func(p *Params) { p.NoCheckQuorum = true }, "still led it"},
		{"reelection", func(p *Params) { p.NoCheckQuorum = true }, "still led it"},
	} {
		sc, _ := scenarios.Lookup(c.scenario)
		failed := 0
		for seed := uint64(1); seed <= 5; seed++ {
			o := sc.Resolve(seed)
			p := paramsOf(&o)
			c.off(&p)
			rep := scenarios.Run(withParams(o, p), seed, scenarios.RunConfig{NoHistory: true})
			for _, r := range rep.Results {
				if r.Name == "expectations" && strings.Contains(r.Detail, c.want) {
					failed++
				}
			}
		}
		if failed == 0 {
			t.Errorf("%s with its defence off: no seed of 5 failed with %q", c.scenario, c.want)
		}
	}
}

// commit_in_term_within_ns names a leader that has not committed in its
// term in time; a bound no leader can meet shows the check firing on the
// real run (the mutant that drops the leader's no-op fails it at 1 s).
func TestCommitInTermCatchesALeaderThatDoesNotCommit(t *testing.T) {
	sc, _ := scenarios.Lookup("idle-reelection")
	o := sc.Resolve(1)
	p := paramsOf(&o)
	p.CommitInTermWithin = 1 // a nanosecond
	rep := scenarios.Run(withParams(o, p), 1, scenarios.RunConfig{NoHistory: true})
	for _, r := range rep.Results {
		if r.Name == "expectations" {
			if !strings.Contains(r.Detail, "without committing an entry of its term within 0.000000001s") {
				t.Fatalf("%v", r)
			}
			return
		}
	}
	t.Fatal("no expectations result")
}

// max_leader_terms counts elections: reelection needs three leader terms
// (the first, and one per isolation); a bound of two fails with the figure.
func TestMaxLeaderTermsCatchesExtraElections(t *testing.T) {
	sc, _ := scenarios.Lookup("reelection")
	o := sc.Resolve(1)
	o.Expect.MaxLeaderTerms = 2
	rep := scenarios.Run(o, 1, scenarios.RunConfig{NoHistory: true})
	for _, r := range rep.Results {
		if r.Name == "expectations" {
			if !strings.Contains(r.Detail, "3 leader terms, at most 2: more elections than the faults call for") {
				t.Fatalf("%v", r)
			}
			return
		}
	}
	t.Fatal("no expectations result")
}
