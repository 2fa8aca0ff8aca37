package catalog

import (
	"os/exec"
	"strings"
	"testing"
)

// The layout DESIGN.md fixes, shown by the compiler's own dependency lists:
// the engine imports no system under test (checker tests its own imports);
// the bundled catalogue comes in
// through the engine's exported API only (no internal package of detsim);
// the command line links no rapid (a go test helper).
func TestLayering(t *testing.T) {
	const mod = "github.com/detsim/detsim/"
	systems := []string{"raft", "kv", "planted", "catalog"}
	for _, c := range []struct {
		pkg    string
		banned func(dep string) bool
		why    string
	}{
		{"../sim", importsAny(mod, systems), "the engine imports no system"},
		{"../scenarios/...", importsAny(mod, systems), "the engine imports no system"},
		{".", func(dep string) bool { return strings.HasPrefix(dep, mod+"internal/") }, "the catalogue uses only what a user can import"},
		{"../cmd/detsim", func(dep string) bool { return strings.HasPrefix(dep, "pgregory.net/rapid") }, "the binary links no rapid"},
	} {
		for _, tags := range []string{"", "detsimbugs"} {
			out, err := exec.Command("go", "list", "-deps", "-tags="+tags, c.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", c.pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				if c.banned(dep) {
					t.Errorf("%s depends on %s (tags %q): %s", c.pkg, dep, tags, c.why)
				}
			}
		}
	}
}

func importsAny(mod string, pkgs []string) func(string) bool {
	return func(dep string) bool {
		for _, p := range pkgs {
			if dep == mod+p || strings.HasPrefix(dep, mod+p+"/") {
				return true
			}
		}
		return false
	}
}
