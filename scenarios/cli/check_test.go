package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeHistory(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckVerdicts(t *testing.T) {
	legal := `[{"client": 3, "op": "append", "key": "k1", "value": "x", "output": "", "call": 1200, "return": 5400},
		{"client": 4, "op": "get", "key": "k1", "output": "x", "call": 6000, "return": 7000},
		{"client": 5, "op": "put", "key": "k1", "value": "y", "call": 6500, "return": null},
		{"client": 6, "op": "append", "key": "k1", "value": "z", "call": 6600}]`
	stale := `[{"client": 0, "op": "put", "key": "k", "value": "1", "call": 0, "return": 10},
		{"client": 0, "op": "put", "key": "k", "value": "2", "call": 20, "return": 30},
		{"client": 1, "op": "get", "key": "k", "output": "1", "call": 40, "return": 50}]`
	var pending []string
	for i := 0; i < 12; i++ {
		pending = append(pending, fmt.Sprintf(`{"client": %d, "op": "append", "key": "k", "value": "v%d", "call": %d}`, i, i, i))
	}
	unknown := "[" + strings.Join(pending, ",") + "]"
	for _, tc := range []struct {
		name, body, want string
		code             int
	}{
		{"legal", legal, "check linearizability ok", exitPass},
		{"stale read", stale, "check linearizability FAIL", exitFail},
		{"too many unknown appends", unknown, "check linearizability unknown", exitUnknown},
	} {
		code, out, errOut := runCLI("check", writeHistory(t, tc.body))
		if code != tc.code || !strings.Contains(out, tc.want) || errOut != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, code, out, errOut)
		}
	}
	htmlPath := filepath.Join(t.TempDir(), "v.html")
	if code, _, _ := runCLI("check", "--html="+htmlPath, writeHistory(t, stale)); code != exitFail {
		t.Fatalf("exit %d", code)
	}
	if b, err := os.ReadFile(htmlPath); err != nil || !strings.Contains(string(b), "<html") {
		t.Fatalf("html: %v", err)
	}
}

func TestCheckMalformedInputNamesOperationAndField(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`not json`, "not a JSON array"},
		{`[{"client": 1, "op": "get", "key": "k", "call": 1`, "malformed JSON"},
		{`{"client": 1}`, "not a JSON array"},
		{`[1, 2]`, "operation 0: not a JSON object"},
		{`[{"client": 1, "op": "get", "key": "k", "call": 1, "return": 2, "output": "", "colour": 1}]`, `operation 0: unknown field "colour"`},
		{`[{"op": "get", "key": "k", "call": 1}]`, `operation 0: field "client": missing`},
		{`[{"client": 1, "op": "get", "key": "k", "call": 1, "output": ""}, {"client": 1, "op": "del", "key": "k", "call": 1}]`, `operation 1: field "op"`},
		{`[{"client": 1, "op": "put", "call": 1, "value": "v"}]`, `field "key": missing`},
		{`[{"client": 1, "op": "put", "key": "k", "call": 1}]`, `field "value": missing for a put`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v"}]`, `field "call": missing`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": -5}]`, `field "call": negative`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": 9, "return": 3}]`, `field "return": 3 is before the call`},
		{`[{"client": 1, "op": "get", "key": "k", "call": 9, "return": 10}]`, `field "output": missing for a get`},
		{`[{"client": "one", "op": "get", "key": "k", "call": 9}]`, `field "client"`},
		{`[{"client": -1, "op": "get", "key": "k", "call": 9}]`, `field "client": -1 out of range`},
	} {
		code, out, errOut := runCLI("check", writeHistory(t, tc.body))
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.body, code, out, errOut, tc.want)
		}
	}
	for _, args := range [][]string{{"check"}, {"check", "a", "b"}, {"check", "/nonexistent/h.json"}, {"check", "--budget=-1s", "x"}} {
		if code, _, errOut := runCLI(args...); code != exitUsage || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestRunHistoryFeedsCheck(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "h.json")
	html := filepath.Join(dir, "v.html")
	code, out, _ := runCLI("run", "--scenario=kv-basic", "--seed=4", "--history="+hist, "--html="+html)
	if code != exitPass {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, errOut := runCLI("check", hist)
	if code != exitPass || !strings.Contains(out, "check linearizability ok") {
		t.Fatalf("check of run's own history: exit %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(html); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("run", "--scenario=election", "--seed=1", "--history="+hist); code != exitUsage || !strings.Contains(errOut, "this one records none") {
		t.Fatalf("history of a raft scenario: exit %d %q", code, errOut)
	}
}

func TestCheckRefusesWhatJSONForgives(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`null`, "not a JSON array"},
		{`[{"client": 1, "Op": "get", "key": "k", "call": 1}]`, `unknown field "Op"`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": 1, "return": 7, "return": null}]`, `field "return" given twice`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": 1, "return": 10}, {"client": 1, "op": "put", "key": "k", "value": "w", "call": 5, "return": 12}]`, `client 1 is still in operation 0`},
		{`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": 1}, {"client": 1, "op": "put", "key": "k", "value": "w", "call": 5, "return": 12}]`, `client 1 is still in operation 0`},
	} {
		code, _, errOut := runCLI("check", writeHistory(t, tc.body))
		if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", tc.body, code, errOut, tc.want)
		}
	}
}

// check --system names the system whose history it is, and refuses one the
// binary does not hold.
func TestCheckSystemFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.json")
	os.WriteFile(path, []byte(`[{"client": 1, "op": "put", "key": "k", "value": "v", "call": 1, "return": 10}]`), 0o644)
	if code, out, errOut := runCLI("check", "--system=kv", path); code != exitPass || !strings.Contains(out, "check linearizability ok") {
		t.Fatalf("--system=kv: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI("check", "--system=paxos", path); code != exitUsage || !strings.Contains(errOut, `unknown system "paxos"`) {
		t.Fatalf("--system=paxos: exit %d %q", code, errOut)
	}
}
