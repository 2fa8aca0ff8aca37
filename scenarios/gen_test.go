package scenarios

import (
	"testing"

	"github.com/detsim/detsim/sim"
)

// A system of one server still gets partitions: between it and its clients.
func TestPartitionsOfOneServer(t *testing.T) {
	g := NewGen(sim.NewRand(1), 1, 2, sim.Duration(10*sim.Second))
	for i := 0; i < 20; i++ {
		if links := g.RandomPartition(); len(links) != 4 {
			t.Fatalf("links %v, want the server cut from both clients", links)
		}
	}
	for seed := uint64(0); seed < 200; seed++ {
		fs := DrawSchedule(NewSeedDrawer(seed, "test"), 1, 2, sim.Duration(3*sim.Second), 8)
		for _, f := range fs {
			if err := f.Validate(3); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
	}
}
