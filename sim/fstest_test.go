package sim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
	"github.com/detsim/detsim/sim/fstest"
)

// TestDiskConformance runs the FS conformance checks against the simulated
// disk, with crashes that never, sometimes and always tear the unsynced tail.
func TestDiskConformance(t *testing.T) {
	for _, torn := range []uint32{0, 500_000, 1_000_000} {
		t.Run(fmt.Sprintf("torn=%dppm", torn), func(t *testing.T) {
			crashes := uint64(0)
			open := func() (fstest.Subject, error) {
				d := sim.NewDisk()
				crash := func() (sim.FS, error) {
					crashes++
					d.Crash(sim.NewRand(sim.Key(7, crashes)), torn)
					return d.FS(), nil
				}
				return fstest.Subject{FS: d.FS(), Crash: crash}, nil
			}
			if err := fstest.Check(open); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// brokenFS is a simulated disk with one bug, to show that Check catches it.
type brokenFS struct {
	sim.FS
	bug string
}

func (b brokenFS) List() ([]string, error) {
	names, err := b.FS.List()
	if b.bug == "unsorted" && len(names) > 1 {
		names[0], names[1] = names[1], names[0]
	}
	return names, err
}

func (b brokenFS) ReadFile(name string) ([]byte, error) {
	p, err := b.FS.ReadFile(name)
	if b.bug == "missing-error" && err != nil {
		return nil, errors.New("no such file")
	}
	return p, err
}

func (b brokenFS) Sync(name string) error {
	if b.bug == "no-sync" {
		return nil
	}
	return b.FS.Sync(name)
}

// TestCheckCatchesBugs shows the checker failing an FS with a planted bug,
// and naming the check that caught it.
func TestCheckCatchesBugs(t *testing.T) {
	for bug, check := range map[string]string{
		"unsorted":      "list-sorted:",
		"missing-error": "not-exist:",
		"no-sync":       "crash-keeps-synced:",
	} {
		t.Run(bug, func(t *testing.T) {
			open := func() (fstest.Subject, error) {
				d := sim.NewDisk()
				crash := func() (sim.FS, error) {
					d.Crash(sim.NewRand(1), 0)
					return brokenFS{d.FS(), bug}, nil
				}
				return fstest.Subject{FS: brokenFS{d.FS(), bug}, Crash: crash}, nil
			}
			err := fstest.Check(open)
			if err == nil {
				t.Fatalf("Check passed an FS with bug %q", bug)
			}
			if !strings.Contains(err.Error(), check) {
				t.Errorf("Check did not report %q for bug %q:\n%v", check, bug, err)
			}
		})
	}
}
