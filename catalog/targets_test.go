package catalog

import (
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// A fault aimed at a role the runner does not know fails the run loudly,
// naming it; it never strikes the leader instead.
func TestUnknownTargetFailsTheRunNeverStrikesTheLeader(t *testing.T) {
	sc, _ := scenarios.Lookup("election")
	o := sc.Resolve(1)
	o.Faults = append(o.Faults, sim.Fault{At: at(1 * s), Kind: sim.FaultCrash, Target: "leaderr"})
	sim.SortFaults(o.Faults)
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `unknown target "leaderr"`) {
		t.Fatalf("Validate: %v", err)
	}
	rep := scenarios.Run(o, 1, scenarios.RunConfig{})
	for _, r := range rep.Results {
		if r.Name == checker.NoPanic {
			if r.Status != checker.Fail || !strings.Contains(r.Detail, `unknown target "leaderr"`) {
				t.Fatalf("no-panic %v: %s", r.Status, r.Detail)
			}
			return
		}
	}
	t.Fatal("no no-panic result")
}
