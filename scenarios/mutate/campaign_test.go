package mutate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each way a mutant's campaign can end gets its verdict; an unknown
// verdict never kills.
func TestJudgeClassifiesEveryEnding(t *testing.T) {
	repro := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(repro, []byte(`{"format":3,"scenario":"kv-basic","seed":"7","signature":{"check":"linearizability","violation":"not linearizable"},"extra":1}`), 0o644)
	m := Mutant{ID: "p:f:op:00000000"}
	for _, c := range []struct {
		name    string
		r       runResult
		verdict string
		check   string
	}{
		{"pass", runResult{exit: 0}, Survived, ""},
		{"unknown", runResult{exit: 3}, Survived, ""},
		{"failure", runResult{exit: 1, repro: repro}, Killed, "linearizability"},
		{"nondeterminism", runResult{exit: 4, repro: repro}, Killed, "nondeterminism"},
		{"panic", runResult{exit: 2, stderr: "panic: index out of range [3] with length 3\n\ngoroutine 1 [running]:\n"}, Killed, "crash"},
		{"signal", runResult{exit: -1}, Killed, "crash"},
		{"refused", runResult{exit: 2, stderr: "detsim: fuzz: unknown scenario \"x\"\n"}, Killed, "refused"},
		{"timeout", runResult{timedOut: true}, TimedOut, ""},
		{"stalled", runResult{exit: exitStalled}, TimedOut, ""},
	} {
		o := judge(m, c.r)
		if o.Verdict != c.verdict || o.Check != c.check {
			t.Errorf("%s: verdict %s check %q, want %s %q", c.name, o.Verdict, o.Check, c.verdict, c.check)
		}
		if c.name == "failure" && (o.Scenario != "kv-basic" || o.Seed != 7 || o.Detail != "not linearizable") {
			t.Errorf("failure: %+v", o)
		}
		if c.name == "panic" && o.Detail != "panic: index out of range [3] with length 3" {
			t.Errorf("panic detail %q", o.Detail)
		}
	}
}

// The tail keeps a panic's first line however long the goroutine dump.
func TestTailKeepsTheHead(t *testing.T) {
	tl := &tail{max: 100}
	tl.Write([]byte("panic: boom\n"))
	for range 1000 {
		if n, err := tl.Write([]byte(strings.Repeat("x", 50) + "\n")); n != 51 || err != nil {
			t.Fatalf("short write %d %v", n, err)
		}
	}
	if s := tl.String(); !strings.HasPrefix(s, "panic: boom\n") || len(s) > headMax+100 {
		t.Fatalf("kept %d bytes starting %.20q", len(s), s)
	}
}
