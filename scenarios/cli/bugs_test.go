//go:build detsimbugs

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// A failed linearizability check names every failing key in --json, and
// where its visualization was written.
func TestBugRunJSONNamesEveryKeyAndTheHTML(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCLI("run", "--scenario=kv-unreliable", "--seed=2", "--bug=append-executed-twice", "--json")
	if code != exitFail {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	var v struct {
		HTML   string `json:"html"`
		Checks []struct {
			Name       string   `json:"name"`
			KeysFailed []string `json:"keys_failed"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if v.HTML != "kv-unreliable-2.html" {
		t.Errorf(`"html" is %q`, v.HTML)
	}
	if _, err := os.Stat(v.HTML); err != nil {
		t.Errorf("the visualization named is not there: %v", err)
	}
	var keys []string
	for _, c := range v.Checks {
		if c.Name == "linearizability" {
			keys = c.KeysFailed
		}
	}
	if len(keys) < 2 {
		t.Errorf("keys_failed %q: want every failing key\n%s", keys, out)
	}
}

// A planted bug's candidate costs two runs (bug on, then off): the budget
// holds all the same.
func TestBugShrinkKeepsToItsBudget(t *testing.T) {
	out := filepath.Join(t.TempDir(), "min.json")
	code, stdout, errOut := runCLI("shrink", "../../catalog/testdata/bugs/commit-old-term-by-counting.json", "--budget=3", "--out="+out)
	if code != exitPass {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	m := regexp.MustCompile(`(?m)^runs (\d+)$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no runs line:\n%s", stdout)
	}
	if n, _ := strconv.Atoi(m[1]); n > 3 {
		t.Fatalf("runs %d with --budget=3", n)
	}
}
