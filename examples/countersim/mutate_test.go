package countersim

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// detsim mutate works on a user's own system through its own binary: a
// sample of the counter's mutants is judged, and a kill replays from its
// repro file on a rebuild of its mutant.
func TestMutationTestingTheCounter(t *testing.T) {
	bin, out := filepath.Join(t.TempDir(), "counter"), t.TempDir()
	if b, err := exec.Command("go", "build", "-o", bin, "../cmd/counter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	mutate := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"mutate", "--pkg=./counter", "--build=./cmd/counter"}, args...)...)
		cmd.Dir = ".." // the module root, where --pkg and --build are resolved
		return cmd
	}
	data, err := mutate("--scenario=all", "--seeds=5", "--sample=6", "--out="+out, "--json").Output()
	if err != nil {
		t.Fatalf("mutate: %v\n%s", err, data)
	}
	var res struct {
		Mutants  int
		Killed   int
		Verdicts []struct{ ID, Verdict, Check, Repro string }
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Mutants < 100 || len(res.Verdicts) != 6 || res.Killed == 0 {
		t.Fatalf("%d mutants, %d judged, %d killed", res.Mutants, len(res.Verdicts), res.Killed)
	}
	for _, v := range res.Verdicts {
		if v.Verdict != "killed" || v.Repro == "" {
			continue
		}
		replay, _ := mutate("--exec="+v.ID, "replay", v.Repro).Output()
		if !strings.Contains(string(replay), "same-failure yes") || !strings.Contains(string(replay), "trace-hash match") {
			t.Fatalf("the kill of %s (%s) does not replay on its mutant:\n%s", v.ID, v.Check, replay)
		}
		plain, _ := exec.Command(bin, "replay", v.Repro).Output()
		if !strings.Contains(string(plain), "made by mutant "+v.ID) {
			t.Fatalf("a replay on the unmutated build does not name the mutant:\n%s", plain)
		}
		show, err := mutate("--show=" + v.ID).Output()
		if err != nil || !strings.Contains(string(show), "+++ counter/") || !strings.Contains(string(show), "--exec="+v.ID+" replay") {
			t.Fatalf("show %s: %v\n%s", v.ID, err, show)
		}
		return
	}
	t.Fatalf("no kill by a check among the sample: %+v", res.Verdicts)
}
