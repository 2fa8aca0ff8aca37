package detlint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detsim/detsim/scenarios/detlint"
)

// The lint catches each rule where it is broken, and nothing where the
// code is fine or a line is exempted with its reason. The bad code is kept
// as text (testdata/bad.go.txt), so no tool takes it for code of detsim's,
// and linted as bad.go in a directory of its own.
func TestDetlintCatchesEachRule(t *testing.T) {
	src, err := os.ReadFile("testdata/bad.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	findings, err := detlint.CheckDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%d:%s", f.Pos.Line, f.Rule))
	}
	want := []string{"4:global-rand", "19:goroutine", "20:channel", "21:channel", "24:wall-clock", "25:wall-clock",
		"26:global-rand", "29:os", "31:map-range", "34:map-range", "38:map-range"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("findings\n  %s\nwant\n  %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

func TestDetlintRefusesAnEmptyDirectory(t *testing.T) {
	if _, err := detlint.CheckDir(t.TempDir()); err == nil {
		t.Fatal("no error for a directory without Go files")
	}
}
