package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestListNamesEveryScenarioOnALine(t *testing.T) {
	code, out, _ := runCLI("list")
	if code != exitPass {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"agree", "backup", "churn", "disk-faults", "election", "fail-agree", "fail-no-agree", "figure8",
		"figure8-unreliable", "many-elections", "partition-oneway", "pause", "persist", "reelection", "rejoin"}
	names := map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Errorf("line %q lacks a description", l)
			continue
		}
		names[f[0]] = true
	}
	for _, w := range want {
		if !names[w] {
			t.Errorf("list lacks %s", w)
		}
	}
}

func TestRunPrintsContractSummary(t *testing.T) {
	code, out, errOut := runCLI("run", "--scenario=election", "--seed=3")
	if code != exitPass || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	prefixes := []string{"scenario=election seed=3", "options ", "trace-hash=", "virtual=", "ops="}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
	if lines[len(lines)-1] != "verdict pass" {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
}

func TestRunFlagsAfterPositionalsAndJSON(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.txt")
	code, out, _ := runCLI("run", "--seed=2", "--json", "--trace="+trace, "--scenario=reelection")
	if code != exitPass {
		t.Fatalf("exit %d: %s", code, out)
	}
	var v struct {
		Scenario  string `json:"scenario"`
		Seed      string `json:"seed"`
		Verdict   string `json:"verdict"`
		TraceHash string `json:"trace_hash"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if v.Scenario != "reelection" || v.Seed != "2" || v.Verdict != "pass" || len(v.TraceHash) != 16 {
		t.Fatalf("json summary %+v", v)
	}
	b, err := os.ReadFile(trace)
	if err != nil || !strings.Contains(string(b), " deliver from=n") || !strings.Contains(string(b), " fault partition") {
		t.Fatalf("trace file: %v\n%.300s", err, b)
	}
	// The same run twice gives the same trace, byte for byte.
	trace2 := filepath.Join(dir, "trace2.txt")
	runCLI("run", "--seed=2", "--trace="+trace2, "--scenario=reelection")
	b2, _ := os.ReadFile(trace2)
	if !bytes.Equal(b, b2) {
		t.Fatal("the same seed wrote two different traces")
	}
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run"},
		{"run", "--scenario=election"},
		{"run", "--scenario=nope", "--seed=1"},
		{"run", "--scenario=election", "--seed=abc"},
		{"run", "--scenario=election", "--seed=-1"},
		{"run", "--scenario=election", "--seed=99999999999999999999999"},
		{"run", "--scenario=election", "--seed=1", "--bogus=1"},
		{"run", "--scenario=election", "--seed=1", "extra"},
		{"run", "--scenario=election", "--seed=1", "--trace=/nonexistent-dir/x/trace.txt"},
		{"run", "--scenario=election", "--seed=1", "--json=maybe"},
		{"list", "extra"},
		{"list", "--bogus"},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if len(args) == 0 {
			continue // bare detsim prints the usage text
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "detsim: ") {
			t.Errorf("%q: stderr %q, want one line", args, errOut)
		}
		if out != "" {
			t.Errorf("%q: stdout %q, want nothing", args, out)
		}
	}
}

func TestTraceWriteFailureIsExitTwo(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	code, out, errOut := runCLI("run", "--scenario=election", "--seed=1", "--trace=/dev/full")
	if code != exitUsage || !strings.Contains(errOut, "writing trace") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "verdict pass") {
		t.Fatalf("the summary is lost with the trace:\n%s", out)
	}
	// A failing run keeps its status: the finding is printed, the trace lost.
	code, out, errOut = runCLI("run", "--scenario=test-cli-isolated-leader", "--seed=1", "--trace=/dev/full")
	if code != exitFail || !strings.Contains(errOut, "writing trace") || !strings.Contains(out, "verdict fail") {
		t.Fatalf("failing run with a lost trace: exit %d, stderr %q\n%s", code, errOut, out)
	}
}

func TestHelpFlagPrintsFlagsAndExitsZero(t *testing.T) {
	code, out, errOut := runCLI("run", "-h")
	if code != exitPass || !strings.Contains(out, "-scenario") || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
