package checker

import (
	"os/exec"
	"strings"
	"testing"
)

// The checker is engine: it judges any system from neutral events and
// imports none (DESIGN.md, "Layout"). An adapter on the system's side
// (raft/raftcheck) speaks to it.
func TestCheckerImportsNoSystem(t *testing.T) {
	// go test puts its own GOROOT/bin first on PATH.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command: ", err)
	}
	for _, tags := range []string{"", "detsimbugs"} {
		out, err := exec.Command(goCmd, "list", "-deps", "-tags="+tags, ".").Output()
		if err != nil {
			t.Fatalf("go list -deps -tags=%s: %v", tags, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, system := range []string{"raft", "kv", "planted"} {
				if dep == "github.com/detsim/detsim/"+system || strings.HasPrefix(dep, "github.com/detsim/detsim/"+system+"/") {
					t.Errorf("checker depends on %s (tags %q)", dep, tags)
				}
			}
		}
	}
}
