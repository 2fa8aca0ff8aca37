//go:build detsimbugs

package main

import (
	"encoding/json"
	"os"
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
