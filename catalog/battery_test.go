package catalog

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios"
)

// The regression battery: repro files of failures that were fixed. Each
// must replay clean on this build (a trace hash from the build that failed
// cannot be compared; the checks judge). None may be edited: a format 1
// file (no digest) is taken as it is, a later one must be intact.
func TestRegressionBattery(t *testing.T) {
	files, _ := filepath.Glob("testdata/regressions/*.json")
	if len(files) == 0 {
		t.Fatal("no regression repros")
	}
	for _, f := range files {
		r, err := scenarios.ReadRepro(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Integrity() == scenarios.ReproEdited {
			t.Errorf("%s: edited (its digest does not match)", f)
		}
		res := scenarios.Replay(r, scenarios.RunConfig{})
		if res.Report.Verdict != checker.OK {
			t.Errorf("%s: fixed failure %q is back:\n%s", f, r.Signature.Violation, res.Report.Text())
		}
	}
}

// In a normal build the planted-bug repros are refused with a clear reason:
// the bugs are compiled out.
func TestBugReprosNeedTheBuildTag(t *testing.T) {
	if planted.Enabled {
		t.Skip("bugs are compiled in")
	}
	files, _ := filepath.Glob("testdata/bugs/*.json")
	if len(files) != len(planted.All()) {
		t.Fatalf("%d planted-bug repros for %d bugs", len(files), len(planted.All()))
	}
	for _, f := range files {
		if _, err := scenarios.ReadRepro(f); err == nil || !strings.Contains(err.Error(), "-tags detsimbugs") {
			t.Errorf("%s: %v", f, err)
		}
	}
}
