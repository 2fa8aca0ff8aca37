package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// editScenario fails for sure (it promises a stable leader and isolates it)
// and is short: a repro of it replays in a fraction of a second.
const editScenario = "test-cli-edit-isolated-leader"

func init() {
	sc := &scenarios.Scenario{System: catalog.RaftSystem, Name: editScenario, Description: "promises a stable leader, then isolates it (repro edit tests)",
		Servers: [2]int{3, 3}, Clients: 1, Duration: 3e9, Bound: 5e9,
		Probes: []string{"leader-elected"}, Expect: scenarios.Expectations{StableLeader: true},
		Faults: isolateLeader,
		Params: catalog.Params{Think: [2]sim.Duration{5e6, 50e6}},
	}
	if err := scenarios.Register(sc); err != nil {
		panic(err)
	}
}

// genuineRepro writes the repro of a failing run made by this very program
// and returns its bytes and path.
func genuineRepro(t *testing.T) ([]byte, string) {
	t.Helper()
	sc, err := scenarios.Lookup(editScenario)
	if err != nil {
		t.Fatal(err)
	}
	rep := scenarios.Run(sc.Resolve(3), 3, scenarios.RunConfig{})
	r, err := scenarios.NewRepro(rep)
	if err != nil {
		t.Fatalf("the run did not fail:\n%s", rep.Text())
	}
	if len(r.Checkpoints) < 1 {
		t.Fatalf("only %d checkpoints", len(r.Checkpoints))
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, writeRepro(t, b)
}

func writeRepro(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "repro.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// editJSON decodes a repro as generic JSON, lets edit change it and encodes
// it again (keys sorted, so reordered against the file detsim wrote).
func editJSON(t *testing.T, b []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.MarshalIndent(m, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

func list(m map[string]any, key string) []any { return m[key].([]any) }

// verdictExit is the exit status a replay's checks alone call for.
func verdictExit(t *testing.T, out string) int {
	t.Helper()
	switch {
	case strings.Contains(out, "\nverdict pass\n"):
		return exitPass
	case strings.Contains(out, "\nverdict fail\n"):
		return exitFail
	case strings.Contains(out, "\nverdict unknown\n"):
		return exitUnknown
	}
	t.Fatalf("no verdict line:\n%s", out)
	return -1
}

func TestReplayOfAGenuineReproMatches(t *testing.T) {
	_, path := genuineRepro(t)
	code, out, errOut := runCLI("replay", path)
	if code != exitFail || errOut != "" || !strings.Contains(out, "\ntrace-hash match\n") {
		t.Fatalf("exit %d stderr %q\n%s", code, errOut, out)
	}
}

// Reformatting is not an edit: the digest is over the parsed contents.
func TestReplayOfAReformattedReproStillMatches(t *testing.T) {
	b, _ := genuineRepro(t)
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"compact":                     compact.Bytes(),
		"keys reordered, re-indented": editJSON(t, b, func(map[string]any) {}),
	} {
		code, out, errOut := runCLI("replay", writeRepro(t, data))
		if code != exitFail || errOut != "" || !strings.Contains(out, "\ntrace-hash match\n") {
			t.Errorf("%s: exit %d stderr %q\n%s", name, code, errOut, out)
		}
	}
}

// An edited repro is judged by its checks alone: never exit 4.
func TestReplayOfAnEditedReproIsNeverNondeterminism(t *testing.T) {
	b, _ := genuineRepro(t)
	edits := map[string]func(m map[string]any){
		"loss_ppm within range": func(m map[string]any) { obj(obj(m, "options"), "net")["loss_ppm"] = 2000 },
		"duration":              func(m map[string]any) { obj(m, "options")["duration_ns"] = 3500000000 },
		"seed":                  func(m map[string]any) { m["seed"] = "4" },
		"trace_hash":            func(m map[string]any) { m["trace_hash"] = "0123456789abcdef" },
		"events":                func(m map[string]any) { m["events"] = 17 },
		"checkpoint": func(m map[string]any) {
			list(m, "checkpoints")[0].(map[string]any)["hash"] = "0000000000000000"
		},
		"failed":    func(m map[string]any) { m["failed"] = append(list(m, "failed"), "liveness") },
		"signature": func(m map[string]any) { obj(m, "signature")["violation"] = "something else" },
		"build":     func(m map[string]any) { obj(m, "build")["version"] = "9.9.9" },
		"digest removed": func(m map[string]any) {
			delete(m, "digest")
		},
		"digest garbled": func(m map[string]any) { m["digest"] = "sha256:00" },
	}
	for name, edit := range edits {
		code, out, errOut := runCLI("replay", writeRepro(t, editJSON(t, b, edit)))
		if errOut != "" {
			t.Errorf("%s: refused: %s", name, errOut)
			continue
		}
		if code == exitNondeterminism || code != verdictExit(t, out) || !strings.Contains(out, "\ntrace-hash not-comparable (edited)") {
			t.Errorf("%s: exit %d\n%s", name, code, out)
		}
	}
}

// A file of an older format is refused (exit 2, naming upgrade); upgrade
// converts it in place, and it then replays with its hash matching.
func TestUpgradeThenReplay(t *testing.T) {
	data, err := os.ReadFile("../../catalog/testdata/older/format1-property-late-candidate.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("replay", path); code != exitUsage || !strings.Contains(errOut, "convert it with 'detsim upgrade FILE'") {
		t.Fatalf("replay of an older file: exit %d %q", code, errOut)
	}
	if code, out, errOut := runCLI("upgrade", path); code != exitPass || !strings.Contains(out, "format 3, trace-hash=d60cb16dccb7e489, wrote "+path) {
		t.Fatalf("upgrade: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := runCLI("upgrade", path); code != exitPass || !strings.Contains(out, "already format 3") {
		t.Fatalf("upgrade again: exit %d %q", code, out)
	}
	// A fixed bug's regression: it passes now, and the run is the one recorded.
	code, out, errOut := runCLI("replay", path)
	if code != exitPass || !strings.Contains(out, "\ntrace-hash match") {
		t.Fatalf("replay after upgrade: exit %d %q\n%s", code, errOut, out)
	}
	if code, _, errOut := runCLI("upgrade", "--out=x.json", path, path); code != exitUsage || !strings.Contains(errOut, "exactly one") {
		t.Fatalf("--out with two files: exit %d %q", code, errOut)
	}
}

// Values no run can have are refused when the file is read: exit 2, one line.
func TestReplayRefusesImpossibleValues(t *testing.T) {
	b, _ := genuineRepro(t)
	opt := func(f func(o map[string]any)) func(m map[string]any) {
		return func(m map[string]any) { f(obj(m, "options")) }
	}
	fault := func(i int, f func(x map[string]any)) func(m map[string]any) {
		return opt(func(o map[string]any) { f(list(o, "faults")[i].(map[string]any)) })
	}
	edits := map[string]struct {
		edit func(m map[string]any)
		why  string
	}{
		"loss_ppm over a million":    {opt(func(o map[string]any) { obj(o, "net")["loss_ppm"] = 2000000 }), "net loss_ppm 2000000 is over 1000000"},
		"dup_ppm over a million":     {opt(func(o map[string]any) { obj(o, "net")["dup_ppm"] = 1000001 }), "net dup_ppm"},
		"reorder_ppm over a million": {opt(func(o map[string]any) { obj(o, "net")["reorder_ppm"] = 4000000000 }), "net reorder_ppm"},
		"torn_ppm over a million":    {opt(func(o map[string]any) { o["torn_ppm"] = 2000000 }), "torn_ppm"},
		"duration of 1e18 ns": {opt(func(o map[string]any) { o["duration_ns"] = json.Number("1000000000000000000") }),
			"duration_ns 1000000000000000000 out of range"},
		"negative duration": {opt(func(o map[string]any) { o["duration_ns"] = -1 }), "duration_ns -1 out of range"},
		"bound of a day":    {opt(func(o map[string]any) { o["bound_ns"] = json.Number("86400000000000") }), "bound_ns"},
		"latency of an hour": {opt(func(o map[string]any) {
			obj(o, "net")["max_latency_ns"] = json.Number("3600000000000")
		}), "latencies"},
		"negative think": {opt(func(o map[string]any) { o["think_ns"] = []any{-1, 5} }), "think_ns"},
		"net fault loss": {opt(func(o map[string]any) {
			o["faults"] = append(list(o, "faults"), map[string]any{"at": 0, "kind": "net",
				"net": map[string]any{"loss_ppm": 1500000, "dup_ppm": 0, "reorder_ppm": 0}})
		}), "fault net: loss_ppm 1500000 is over"},
		"fault at a negative time": {fault(0, func(f map[string]any) { f["at"] = -5 }), "negative time"},
		"fault after the run ends": {fault(0, func(f map[string]any) { f["at"] = json.Number("8000000001") }), "after the run's end"},
		"link to no node": {fault(0, func(f map[string]any) {
			delete(f, "target")
			f["links"] = []any{[]any{0, 99}}
		}), "bad link 0->99"},
		"crash of no node": {fault(0, func(f map[string]any) {
			delete(f, "target")
			f["kind"], f["node"] = "crash", 7
		}), "no node 7"},
		"unknown target":            {fault(0, func(f map[string]any) { f["target"] = "lader" }), `unknown target "lader"`},
		"seed with a leading zero":  {func(m map[string]any) { m["seed"] = "03" }, "leading zeros"},
		"events beyond the cap":     {func(m map[string]any) { m["events"] = json.Number("60000000000") }, "event cap"},
		"checkpoint hash not hex":   {func(m map[string]any) { list(m, "checkpoints")[0].(map[string]any)["hash"] = "zzzzzzzzzzzzzzzz" }, "checkpoint 0"},
		"negative expectation time": {opt(func(o map[string]any) { obj(o, "expect")["new_leader_within"] = -1 }), "expectations"},
		"negative latency bound":    {opt(func(o map[string]any) { obj(o, "expect")["max_latency_ns"] = -1 }), "expectations"},
		"negative leader terms":     {opt(func(o map[string]any) { obj(o, "expect")["max_leader_terms"] = -1 }), "expectations"},
		"messages per op too many":  {opt(func(o map[string]any) { obj(o, "expect")["max_messages_per_op"] = 2_000_000 }), "max_messages_per_op 0 to 1000000"},
	}
	for name, c := range edits {
		code, out, errOut := runCLI("replay", writeRepro(t, editJSON(t, b, c.edit)))
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "detsim: ") || !strings.Contains(errOut, c.why) {
			t.Errorf("%s: exit %d, stderr %q, want exit 2 and one line saying %q\n%.300s", name, code, errOut, c.why, out)
		}
	}
}

// standIn replaces the replay's runner with one that runs the repro and
// then reports the hash hashes[i] for its i-th run: a program that is not
// deterministic, as far as replay can tell.
func standIn(t *testing.T, hashes ...string) {
	t.Helper()
	calls := 0
	restore := scenarios.StandInRunner(func(o scenarios.Options, seed uint64, cfg scenarios.RunConfig) *scenarios.Report {
		rep := scenarios.Run(o, seed, cfg)
		rep.TraceHash = hashes[min(calls, len(hashes)-1)]
		rep.Checkpoints = append([]sim.Checkpoint(nil), rep.Checkpoints...)
		rep.Checkpoints[0].Hash = rep.TraceHash
		calls++
		return rep
	})
	t.Cleanup(restore)
}

// Two runs in this process that disagree are nondeterminism: exit 4.
func TestReplayInProcessNondeterminismExitsFour(t *testing.T) {
	_, path := genuineRepro(t)
	standIn(t, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
	code, out, _ := runCLI("replay", path)
	if code != exitNondeterminism || !strings.Contains(out, "\ntrace-hash mismatch: ") ||
		!strings.Contains(out, "a second run in this process bbbbbbbbbbbbbbbb: nondeterminism within this process") ||
		!strings.Contains(out, "two runs in this process: first checkpoint that differs") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// Replays that agree with each other but not with an intact file of the
// same build are still nondeterminism (between that process and this one).
func TestReplayMismatchWithAnIntactFileExitsFour(t *testing.T) {
	_, path := genuineRepro(t)
	standIn(t, "aaaaaaaaaaaaaaaa")
	code, out, _ := runCLI("replay", path)
	if code != exitNondeterminism || !strings.Contains(out, "(a second run in this process agrees with the replay): nondeterminism") ||
		!strings.Contains(out, "the runs part after event 0; the replay's events from 1:") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// An edited file is judged by its checks even when the program is not
// deterministic: the file's hash proves nothing, so no second run is made.
func TestReplayOfAnEditedReproMakesNoSecondRun(t *testing.T) {
	b, _ := genuineRepro(t)
	standIn(t, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
	path := writeRepro(t, editJSON(t, b, func(m map[string]any) { m["trace_hash"] = "0123456789abcdef" }))
	code, out, _ := runCLI("replay", path)
	if code != exitFail || !strings.Contains(out, "\ntrace-hash not-comparable (edited)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// nondetRepro writes the repro a fuzz campaign writes for a seed that gave
// two trace hashes (here made up: the run itself is deterministic).
func nondetRepro(t *testing.T) string {
	t.Helper()
	sc, _ := scenarios.Lookup("election")
	rep := scenarios.Run(sc.Resolve(1), 1, scenarios.RunConfig{})
	r, err := scenarios.NewNondetRepro(rep, "ffffffffffffffff", "first checkpoint that differs: event 1024")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return writeRepro(t, b)
}

// A nondeterminism repro is always run twice: runs that disagree again are
// exit 4 whatever the recording says; runs that agree say the failure did
// not recur, and the checks judge.
func TestReplayOfANondeterminismRepro(t *testing.T) {
	path := nondetRepro(t)
	code, out, _ := runCLI("replay", path)
	if code != exitPass || !strings.Contains(out, "same-failure no: two runs in this process agreed") || !strings.Contains(out, "trace-hash match") {
		t.Fatalf("deterministic replay of a nondeterminism repro: exit %d\n%s", code, out)
	}
	standIn(t, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
	code, out, _ = runCLI("replay", path)
	if code != exitNondeterminism || !strings.Contains(out, "same-failure yes: two runs in this process disagree again") ||
		!strings.Contains(out, "nondeterminism within this process") {
		t.Fatalf("nondeterministic replay: exit %d\n%s", code, out)
	}
}

// A nondeterminism repro whose replays agree with each other but not with
// the (intact, same-build) recording recurred between processes: exit 4,
// and --json says so as the text does.
func TestReplayOfANondeterminismReproAgainstItsRecording(t *testing.T) {
	path := nondetRepro(t)
	standIn(t, "aaaaaaaaaaaaaaaa")
	code, out, _ := runCLI("replay", path)
	if code != exitNondeterminism || !strings.Contains(out, "same-failure yes: the runs here agree with each other, not with the recording") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("replay", path, "--json")
	if code != exitNondeterminism || !strings.Contains(out, `"trace_hash_verdict":"mismatch"`) || !strings.Contains(out, `"same_failure":true`) {
		t.Fatalf("--json: exit %d\n%s", code, out)
	}
}

// --json's verdict is the text's: two runs in this process that disagree
// are a mismatch even for a file that is not comparable (edited).
func TestReplayJSONVerdictAgreesWithTheExitStatus(t *testing.T) {
	path := nondetRepro(t)
	b, _ := os.ReadFile(path)
	edited := writeRepro(t, editJSON(t, b, func(m map[string]any) { m["events"] = json.Number("1") }))
	standIn(t, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb")
	code, out, _ := runCLI("replay", edited, "--json")
	if code != exitNondeterminism || !strings.Contains(out, `"trace_hash_verdict":"mismatch"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestShrinkRefusesANondeterminismRepro(t *testing.T) {
	code, out, errOut := runCLI("shrink", nondetRepro(t))
	if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "records nondeterminism") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
