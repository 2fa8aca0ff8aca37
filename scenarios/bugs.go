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
		var names []string
		for _, b := range sys.Bugs() {
			names = append(names, b.Name)
		}
		return unknownName("planted bug", name, " for system "+sys.Name(), names)
	}
	return nil
}
