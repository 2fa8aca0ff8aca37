package scenarios

import (
	"fmt"
	"sort"
)

// Register adds a scenario to the catalog at run time (a program embedding
// detsim, or a test that needs a scenario of its own). Names are unique: a
// second registration of a name is an error, so register from init or
// behind a sync.Once (as catalog.Register does), not from each test.
func Register(s *Scenario) error {
	if s.Name == "" || s.Description == "" {
		return fmt.Errorf("scenarios: a scenario needs a name and a description")
	}
	if s.System == nil {
		return fmt.Errorf("scenarios: scenario %q names no system", s.Name)
	}
	if _, dup := registry[s.Name]; dup {
		return fmt.Errorf("scenarios: %q is already registered", s.Name)
	}
	registry[s.Name] = s
	return nil
}

// Systems lists every system the registered scenarios run, sorted by name,
// each once.
func Systems() []System {
	byName := map[string]System{}
	var names []string
	for _, scn := range All() {
		if _, ok := byName[scn.System.Name()]; !ok {
			byName[scn.System.Name()] = scn.System
			names = append(names, scn.System.Name())
		}
	}
	sort.Strings(names)
	out := make([]System, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}
