// Package catalog is detsim's bundled catalogue: the Raft and key/value
// systems it was first built to break, and their named scenarios. Both
// systems come in through the same door a user's own does (scenarios.System,
// scenarios.Register): nothing here reaches an engine internal. Importing
// the package registers nothing: Register does, once.
package catalog

import (
	"sync"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

var once sync.Once

// Register adds every bundled scenario to the catalogue (scenarios.All);
// calling it again does nothing.
func Register() {
	once.Do(func() {
		registerRaft()
		registerKV()
		registerSnapshots1()
		registerSnapshots2()
		registerDefences()
		registerCorruption()
		registerProperty()
	})
}

const (
	ms = sim.Millisecond
	s  = sim.Second
)

// at is the instant d into the run: the scenarios place their faults by it.
func at(d sim.Duration) sim.Time { return sim.Time(d) }

// Probes every bundled scenario must hit: a leader elected and a command
// applied, so a scenario whose workload never ran fails.
var basicProbes = []string{"leader-elected", "command-applied"}

func probes(extra ...string) []string { return append(append([]string(nil), basicProbes...), extra...) }

// register adds a bundled scenario, for the system its workload names: a
// clash is a programming error.
func register(scn *scenarios.Scenario) {
	p, _ := scn.Params.(Params)
	p.Burst = max(p.Burst, 1)
	if p.KV != nil && p.MaxRaftState == 0 {
		p.MaxRaftState = -1 // the key/value servers' "never"
	}
	if scn.Draw == nil {
		scn.Params = p
	}
	if scn.System == nil {
		scn.System = RaftSystem
		if p.KV != nil {
			scn.System = KVSystem
		}
	}
	if err := scenarios.Register(scn); err != nil {
		panic(err)
	}
}
