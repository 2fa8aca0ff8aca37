package catalog

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/detsim/detsim/scenarios"
)

var update = flag.Bool("update", false, "rewrite testdata/hashes.txt from this build")

// The seeds whose trace hashes testdata/hashes.txt pins. Under -race only the
// first is run (it is slower), against the same hashes.
var determinismSeeds = []uint64{1, 2, 3}

func seedsForThisBuild() []uint64 {
	if raceEnabled {
		return determinismSeeds[:1]
	}
	return determinismSeeds
}

// hashes runs every scenario over seeds and returns "name seed hash" lines.
func hashes(t testing.TB, seeds []uint64) []string {
	var lines []string
	for _, sc := range catalog() {
		for _, seed := range seeds {
			rep := scenarios.Run(sc.Resolve(seed), seed, scenarios.RunConfig{})
			lines = append(lines, fmt.Sprintf("%s %d %s", sc.Name, seed, rep.TraceHash))
		}
	}
	return lines
}

// TestDeterminism: the same seed gives the same trace hash twice in one
// process, in child processes with GOMAXPROCS=1 and 2, under -race, and as
// pinned in testdata/hashes.txt (so a change of behaviour is a visible diff);
// different seeds give different hashes.
func TestDeterminism(t *testing.T) {
	if os.Getenv("DETSIM_HASH_CHILD") != "" {
		t.Skip("child process")
	}
	seeds := seedsForThisBuild()
	first := hashes(t, seeds)
	second := hashes(t, seeds)
	compareLines(t, "second run in process", first, second)

	for _, procs := range []string{"1", "2"} {
		compareLines(t, "GOMAXPROCS="+procs, first, childHashes(t, procs))
	}

	golden := "testdata/hashes.txt"
	if *update {
		if err := os.WriteFile(golden, []byte(strings.Join(first, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pinned := readGolden(t, golden)
	for _, line := range first {
		f := strings.Fields(line)
		want, ok := pinned[f[0]+" "+f[1]]
		if !ok {
			t.Errorf("%s seed %s: no pinned hash (run go test ./catalog -run=TestDeterminism -update)", f[0], f[1])
		} else if want != f[2] {
			t.Errorf("%s seed %s: hash %s, pinned %s: behaviour changed; if intended, rerun with -update", f[0], f[1], f[2], want)
		}
	}

	seen := map[string]string{}
	for _, line := range first {
		f := strings.Fields(line)
		if other, dup := seen[f[2]]; dup {
			t.Errorf("%s and %s share hash %s", other, f[0]+" "+f[1], f[2])
		}
		seen[f[2]] = f[0] + " " + f[1]
	}
}

// TestDeterminismChild prints hashes for the parent test to compare.
func TestDeterminismChild(t *testing.T) {
	if os.Getenv("DETSIM_HASH_CHILD") == "" {
		t.Skip("only run as a child of TestDeterminism")
	}
	for _, line := range hashes(t, seedsForThisBuild()) {
		fmt.Println("HASH", line)
	}
}

func childHashes(t *testing.T, procs string) []string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DETSIM_HASH_CHILD=1", "GOMAXPROCS="+procs)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child GOMAXPROCS=%s: %v\n%s", procs, err, out)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "HASH "); ok {
			lines = append(lines, rest)
		}
	}
	return lines
}

func compareLines(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d hashes, want %d", what, len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("%s: %q, first run %q", what, got[i], want[i])
		}
	}
}

func readGolden(t *testing.T, path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./catalog -run=TestDeterminism -update)", err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			m[f[0]+" "+f[1]] = f[2]
		}
	}
	return m
}
