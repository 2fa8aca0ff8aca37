package simtest

import (
	"path/filepath"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
)

// Want is what a battery's repro files must do when replayed.
type Want uint8

const (
	// Pass: each records a failure since fixed, which must stay fixed:
	// every check holds (the regression battery).
	Pass Want = iota
	// FailAsRecorded: each records a failure that must recur: the same
	// checks fail and, on the build that wrote the file, the trace hash
	// matches (a planted bug's battery).
	FailAsRecorded
)

// Replays replays every repro file matching glob, one subtest each, and
// fails the subtests whose replay does not do what want says. A file that
// cannot be read, or was edited by hand, fails too. It fails t if glob
// matches nothing, so a moved battery is not silently empty.
func Replays(t *testing.T, glob string, want Want) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no repro files match %s", glob)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := scenarios.ReadRepro(f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Integrity() != scenarios.ReproIntact {
				t.Fatalf("%s is not as detsim wrote it (%v)", f, r.Integrity())
			}
			res := scenarios.Replay(r, scenarios.RunConfig{})
			switch {
			case want == Pass && res.Report.Verdict != checker.OK:
				t.Errorf("fixed failure %q is back:\n%s", r.Signature.Violation, res.Report.Text())
			case want == FailAsRecorded && !res.SameFailure:
				t.Errorf("the recorded failure (%s) did not recur:\n%s", r.Signature.Key, res.Report.Text())
			case want == FailAsRecorded && res.SameBuild && !res.HashMatch:
				t.Errorf("trace hash %s, recorded %s: the run took another path", res.Report.TraceHash, r.TraceHash)
			}
		})
	}
}
