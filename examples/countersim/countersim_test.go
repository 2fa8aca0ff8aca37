package countersim

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detsim/detsim/examples/counter"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/scenarios/detlint"
	"github.com/detsim/detsim/scenarios/simtest"
)

func init() { Register() }

// Every scenario holds on the correct counter.
func TestScenariosHold(t *testing.T) {
	t.Setenv(simtest.FailuresDirEnv, t.TempDir())
	for _, scn := range Scenarios {
		simtest.Seeds(t, scn.Name, simtest.SeedsConfig{Count: 20})
	}
}

// The planted bug is found within 100 seeds, shrunk, and the shrunk repro
// replays with the same failure and trace hash.
func TestPlantedBugIsFoundShrunkAndReplayed(t *testing.T) {
	t.Setenv(simtest.FailuresDirEnv, t.TempDir())
	r, path := simtest.Finds(t, "counter-partitions", simtest.SeedsConfig{Count: 100, Bug: counter.BugEarlyAnswer})
	t.Logf("found: seed %s, %s: %s", r.Seed, r.Signature.Check, r.Signature.Violation)
	res, err := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: 60})
	if err != nil {
		t.Fatal(err)
	}
	if res.After.Faults > res.Before.Faults {
		t.Fatalf("shrink grew the schedule: %s -> %s", res.Before, res.After)
	}
	t.Logf("shrunk: %s -> %s in %d runs", res.Before, res.After, res.Runs)
	data, _ := res.Repro.Marshal()
	min := strings.TrimSuffix(path, ".json") + ".min.json"
	if err := os.WriteFile(min, data, 0o644); err != nil {
		t.Fatal(err)
	}
	simtest.Replays(t, min, simtest.FailAsRecorded)
}

// The regression battery: the seed that found a lost acknowledged add (a
// new primary answered a retry from a starting state that it alone held)
// must pass now.
func TestRegressions(t *testing.T) {
	simtest.Replays(t, "testdata/regressions/*.json", simtest.Pass)
}

// The counter follows detsim's determinism rules.
func TestDeterminismLint(t *testing.T) {
	for _, dir := range []string{"../counter", "."} {
		findings, err := detlint.CheckDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			t.Error(f)
		}
	}
}

// The counter's own binary carries the whole command line.
func TestItsOwnBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "counter")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/counter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "list").Output()
	if err != nil || !strings.Contains(string(out), "counter-partitions") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "run", "--scenario=counter-calm", "--seed=1").Output()
	if err != nil || !strings.Contains(string(out), "check linearizability ok") || !strings.Contains(string(out), "verdict pass") {
		t.Fatalf("run: %v\n%s", err, out)
	}
}

// A failed check of the counter's own model names the operation no order
// places, draws the history and writes it down.
func TestItsOwnModelsPictureAndHistory(t *testing.T) {
	bin, dir := filepath.Join(t.TempDir(), "counter"), t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/counter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	html, hist := filepath.Join(dir, "h.html"), filepath.Join(dir, "h.jsonl")
	out, _ := exec.Command(bin, "run", "--scenario=counter-partitions", "--seed=15", "--bug="+counter.BugEarlyAnswer,
		"--html="+html, "--history="+hist).Output()
	if !strings.Contains(string(out), "check linearizability FAIL") || !strings.Contains(string(out), "no order places client") {
		t.Fatalf("run:\n%s", out)
	}
	picture, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(picture), `"Description":"add `) {
		t.Fatalf("html: %v (%d bytes)", err, len(picture))
	}
	lines, err := os.ReadFile(hist)
	if err != nil || !strings.Contains(string(lines), `"op":"add `) || !strings.Contains(string(lines), `"call_ns":`) {
		t.Fatalf("history: %v\n%.300s", err, lines)
	}
}
