//go:build !detsimbugs

package planted

import "fmt"

// Enabled reports whether this build can switch bugs on.
const Enabled = false

// Set is empty: this build carries no bug paths.
type Set struct{}

// Has is always false here, so every bug path compiles away.
func (Set) Has(Bug) bool { return false }

// Name is the bug switched on ("" here).
func (Set) Name() string { return "" }

// Parse refuses any bug: they are compiled out of this build.
func Parse(name string) (Set, error) {
	if name == "" {
		return Set{}, nil
	}
	if _, ok := Lookup(name); !ok {
		return Set{}, fmt.Errorf("unknown planted bug %q (see 'detsim list --bugs')", name)
	}
	return Set{}, fmt.Errorf("planted bug %q needs a build with the bugs compiled in: %s", name, BuildCommand)
}
