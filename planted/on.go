//go:build detsimbugs

package planted

import "fmt"

// Enabled reports whether this build can switch bugs on.
const Enabled = true

// Set is the bug switched on for one run (at most one).
type Set struct{ bug Bug }

// Has reports whether bug b is switched on.
func (s Set) Has(b Bug) bool { return s.bug == b && b != none }

// Name is the bug switched on, or "".
func (s Set) Name() string { return s.bug.Name() }

// Parse switches on the bug with this name ("" for none).
func Parse(name string) (Set, error) {
	if name == "" {
		return Set{}, nil
	}
	b, ok := Lookup(name)
	if !ok {
		return Set{}, fmt.Errorf("unknown planted bug %q (see 'detsim list --bugs')", name)
	}
	return Set{bug: b}, nil
}
