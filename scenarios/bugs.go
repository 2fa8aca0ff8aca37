package scenarios

import (
	"fmt"
	"slices"
)

// CheckBug refuses a planted bug sys cannot switch on: one it does not
// list, or one its BugChecker refuses (compiled out of this build, say).
// "" (no bug) is always fine.
func CheckBug(sys System, name string) error {
	if name == "" {
		return nil
	}
	if sys == nil {
		return fmt.Errorf("unknown planted bug %q: the scenario names no system", name)
	}
	if c, ok := sys.(BugChecker); ok {
		return c.CheckBug(name)
	}
	if !slices.ContainsFunc(sys.Bugs(), func(b Bug) bool { return b.Name == name }) {
		return fmt.Errorf("unknown planted bug %q for system %s (see 'detsim list --bugs')", name, sys.Name())
	}
	return nil
}
