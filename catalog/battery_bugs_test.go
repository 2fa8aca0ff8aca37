//go:build detsimbugs

package catalog

import (
	"os"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios"
)

// The planted-bug battery: for every planted bug a shrunk repro is kept
// under testdata/bugs. With its bug on it must fail the way it did, on the
// very path it recorded (the file is intact and its trace hash matches, on
// any build of this source); the same schedule with the bug off must pass,
// so the failure is the bug's alone. When a change of behaviour moves the
// hashes, -update re-records each file from this build's run of the same
// schedule (through scenarios.NewRepro, so with a fresh digest).
func TestPlantedBugBattery(t *testing.T) {
	for _, b := range planted.All() {
		t.Run(b.Name(), func(t *testing.T) {
			path := "testdata/bugs/" + b.Name() + ".json"
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("no shrunk repro for %s: %v", b.Name(), err)
			}
			r, err := scenarios.ReadRepro(path)
			if err != nil {
				t.Fatal(err)
			}
			if r.Bug != b.Name() {
				t.Fatalf("%s switches on %q", path, r.Bug)
			}
			res := scenarios.Replay(r, scenarios.RunConfig{})
			if !res.SameFailure {
				t.Fatalf("with the bug on: %v, want %s: %s\n%s", scenarios.FailedChecks(res.Report), r.Signature.Check, r.Signature.Violation, res.Report.Text())
			}
			if *update {
				rerecord(t, path, res.Report)
			} else if r.Integrity() != scenarios.ReproIntact || res.Report.TraceHash != r.TraceHash {
				t.Fatalf("%s: %v, trace hash %s, recorded %s (after a change of behaviour: -update)",
					path, r.Integrity(), res.Report.TraceHash, r.TraceHash)
			}
			off := r.Options
			off.Bug = ""
			if rep := scenarios.Run(off, r.SeedValue(), scenarios.RunConfig{}); rep.Verdict != checker.OK {
				t.Fatalf("with the bug off the schedule fails too:\n%s", rep.Text())
			}
		})
	}
}

// rerecord writes the repro of rep over path.
func rerecord(t *testing.T, path string, rep *scenarios.Report) {
	t.Helper()
	r, err := scenarios.NewRepro(rep)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := scenarios.WriteFileAtomic(path, b); err != nil {
		t.Fatal(err)
	}
}
