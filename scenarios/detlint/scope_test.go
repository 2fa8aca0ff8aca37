package detlint_test

import (
	"testing"

	"github.com/detsim/detsim/scenarios/detlint"
)

// Scope is the code of this repository that runs inside a simulation, as
// DESIGN.md's determinism rules list it (sim but not sim/realenv, the
// systems under test). The run-time parts of checker and scenarios share
// their packages with code that may read the clock outside a run (the
// linearizability budget, wall time in reports), so they are not linted
// whole.
var Scope = []string{"../../sim", "../../raft", "../../raft/logservice", "../../raft/raftcheck", "../../kv", "../../catalog"}

func TestSimulatedCodeFollowsTheDeterminismRules(t *testing.T) {
	for _, dir := range Scope {
		findings, err := detlint.CheckDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			t.Errorf("%s", f)
		}
	}
}
