package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

func init() {
	sc := &scenarios.Scenario{System: catalog.RaftSystem, Name: "test-cli-isolated-leader", Description: "promises a stable leader, then isolates it",
		Servers: [2]int{3, 3}, Clients: 1, Duration: 3e9, Bound: 5e9,
		Probes: []string{"leader-elected"}, Expect: scenarios.Expectations{StableLeader: true},
		Faults: isolateLeader,
		Params: catalog.Params{Think: [2]sim.Duration{5e6, 50e6}},
	}
	if err := scenarios.Register(sc); err != nil {
		panic(err)
	}
}

var replayLine = regexp.MustCompile(`replay: detsim replay (\S+)`)

// fuzzOnce runs a small failing campaign and returns the repro it wrote.
func fuzzOnce(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	code, out, _ := runCLI("fuzz", "--scenario=test-cli-isolated-leader", "--seeds=4", "--workers=2", "--out="+dir)
	if code != exitFail {
		t.Fatalf("fuzz exit %d\n%s", code, out)
	}
	m := replayLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "summary runs=4 failures=4 signatures=1") {
		t.Fatalf("fuzz output:\n%s", out)
	}
	if filepath.Dir(m[1]) != dir {
		t.Fatalf("repro %s not in %s", m[1], dir)
	}
	return m[1]
}

func TestFuzzWritesReproThatReplays(t *testing.T) {
	path := fuzzOnce(t)
	code, out, errOut := runCLI("replay", path)
	if code != exitFail || errOut != "" {
		t.Fatalf("replay exit %d stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{"same-failure yes", "trace-hash match", "verdict fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q:\n%s", want, out)
		}
	}
}

// A fuzz repro whose recorded hash or build was edited is judged by its
// checks, never reported as nondeterminism (see replay_edit_test.go for
// the exit 4 a real one gives).
func TestReplayOfAnEditedFuzzReproIsNotNondeterminism(t *testing.T) {
	path := fuzzOnce(t)
	b, _ := os.ReadFile(path)
	r, err := scenarios.ParseRepro(b)
	if err != nil {
		t.Fatal(err)
	}
	r.TraceHash = "0123456789abcdef"
	b, _ = r.Marshal()
	os.WriteFile(path, b, 0o644)
	code, out, _ := runCLI("replay", path)
	if code != exitFail || !strings.Contains(out, "trace-hash not-comparable (edited)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	r.Build.Binary = "some-other-build"
	b, _ = r.Marshal()
	os.WriteFile(path, b, 0o644)
	code, out, _ = runCLI("replay", path)
	if code != exitFail || !strings.Contains(out, "trace-hash not-comparable (edited)") {
		t.Fatalf("another build: exit %d\n%s", code, out)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if code, _, _ := runCLI("run", "--scenario=election", "--seed=1", "--trace="+a); code != exitPass {
		t.Fatal("run a")
	}
	if code, _, _ := runCLI("run", "--scenario=election", "--seed=2", "--trace="+b); code != exitPass {
		t.Fatal("run b")
	}
	if code, out, _ := runCLI("diff", a, a); code != exitPass || !strings.Contains(out, "same") {
		t.Fatalf("same traces: exit %d %s", code, out)
	}
	code, out, _ := runCLI("diff", a, b, "--context=2")
	if code != exitFail || !strings.Contains(out, "first difference at line") || !strings.Contains(out, "> ") {
		t.Fatalf("different traces: exit %d\n%s", code, out)
	}
}

func TestFuzzReplayDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"format": 1, "scenario": "agree"`), 0o644)
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"format": 99}`), 0o644)
	for _, args := range [][]string{
		{"fuzz"},
		{"fuzz", "--scenario=agree"},
		{"fuzz", "--scenario=nope", "--seeds=3"},
		{"fuzz", "--scenario=agree", "--seeds=0"},
		{"fuzz", "--scenario=agree", "--seeds=x"},
		{"fuzz", "--scenario=agree", "--seeds=3", "--shard=3/3"},
		{"fuzz", "--scenario=agree", "--seeds=3", "--shard=1"},
		{"fuzz", "--scenario=agree", "--seeds=3", "--start=-1"},
		{"fuzz", "--scenario=agree", "--seeds=3", "--workers=-2"},
		{"fuzz", "--scenario=agree", "--seeds=3", "--bug=no-such-bug"},
		{"fuzz", "--scenario=agree", "--seeds=3", "extra"},
		{"replay"},
		{"replay", filepath.Join(dir, "missing.json")},
		{"replay", junk},
		{"replay", newer},
		{"replay", junk, junk},
		{"diff", junk},
		{"diff", junk, filepath.Join(dir, "missing")},
		{"diff", junk, junk, "--context=-1"},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "detsim: ") || out != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 and one line", args, code, errOut, out)
		}
	}
}

func TestShrinkCommand(t *testing.T) {
	path := fuzzOnce(t)
	out := filepath.Join(t.TempDir(), "small.json")
	code, stdout, stderr := runCLI("shrink", path, "--budget=40", "--out="+out)
	if code != exitPass || !strings.Contains(stdout, "before faults=") || !strings.Contains(stdout, "after  faults=") ||
		!strings.Contains(stdout, "replay: detsim replay "+out) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "shrink run ") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	if code, replay, _ := runCLI("replay", out); code != exitFail || !strings.Contains(replay, "same-failure yes") {
		t.Fatalf("the shrunk repro: exit %d\n%s", code, replay)
	}
	// By default the output goes next to the input.
	if code, _, _ := runCLI("shrink", path, "--budget=5"); code != exitPass {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(strings.TrimSuffix(path, ".json") + ".min.json"); err != nil {
		t.Fatal(err)
	}
}

func TestShrinkBadInput(t *testing.T) {
	path := fuzzOnce(t)
	b, _ := os.ReadFile(path)
	r, _ := scenarios.ParseRepro(b)
	r.Options.Expect.StableLeader = false // now the run passes
	passing := filepath.Join(t.TempDir(), "passing.json")
	b, _ = r.Marshal()
	os.WriteFile(passing, b, 0o644)
	for _, args := range [][]string{
		{"shrink"},
		{"shrink", path, path},
		{"shrink", filepath.Join(t.TempDir(), "missing.json")},
		{"shrink", path, "--budget=0"},
		{"shrink", path, "--bogus"},
		{"shrink", passing},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "detsim: ") {
			t.Errorf("%q: exit %d stdout %q stderr %q", args, code, out, errOut)
		}
	}
}

// isolateLeader cuts the leader off at 1 s and heals at 2 s.
func isolateLeader(g *scenarios.Gen) {
	g.Targeted(1e9, scenarios.TargetLeader, nil, "")
	g.Add(sim.Fault{At: 2e9, Kind: sim.FaultHeal})
}

// A campaign that finds nothing leaves no empty directory of repro files
// behind, but keeps one that was there before it.
func TestFuzzWithoutFailuresLeavesNoEmptyOutDir(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "a", "b")
	code, stdout, _ := runCLI("fuzz", "--scenario=agree", "--seeds=2", "--out="+out)
	if code != exitPass {
		t.Fatalf("fuzz exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(root, "a")); !os.IsNotExist(err) {
		t.Fatalf("fuzz left %s behind (stat: %v)", filepath.Join(root, "a"), err)
	}
	if code, stdout, _ := runCLI("fuzz", "--scenario=agree", "--seeds=2", "--out="+root); code != exitPass {
		t.Fatalf("fuzz exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("fuzz removed the directory it was given: %v", err)
	}
}

// --stop-at-first ends at the first failure in campaign order: seed 1 of
// the scenarios as listed, the passing one first.
func TestFuzzStopAtFirstOverAListOfScenarios(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("fuzz", "--scenario=agree,test-cli-isolated-leader", "--seeds=5", "--stop-at-first", "--out="+dir)
	if code != exitFail {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"shortest=test-cli-isolated-leader/1 ", "stopped at the first finding, after 2 runs in campaign order", "summary runs=2 failures=1 signatures=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "test-cli-isolated-leader-1.json" {
		t.Errorf("repro files: %v", entries)
	}
	if code, _, errOut := runCLI("fuzz", "--scenario=agree,agree", "--seeds=1"); code != exitUsage || !strings.Contains(errOut, "names agree twice") {
		t.Errorf("a scenario named twice: exit %d %s", code, errOut)
	}
}
