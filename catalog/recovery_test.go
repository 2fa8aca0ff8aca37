package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// corruptOpenError is the error the bundled storage really returns for a log
// that does not end where its meta record says (what a writer that loses
// track of its own log leaves behind).
func corruptOpenError(t *testing.T) error {
	t.Helper()
	d := sim.NewDisk()
	s, _, err := raft.OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(raft.HardState{Term: 1, Vote: 0}, []raft.Entry{{Index: 1, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	fs := d.FS()
	names, _ := fs.List()
	for _, name := range names {
		if strings.HasPrefix(name, "log.") {
			if err := fs.Create(name); err != nil { // the log is lost, the meta still vouches for it
				t.Fatal(err)
			}
			if err := fs.Sync(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, _, err = raft.OpenStorage(fs)
	if !errors.Is(err, raft.ErrCorrupt) {
		t.Fatalf("reopening a store without its log: %v, want ErrCorrupt", err)
	}
	return fmt.Errorf("n1 recovery: %w", err)
}

func TestRecoveryCheck(t *testing.T) {
	corrupt := corruptOpenError(t)
	syncFailed := fmt.Errorf("n2 save: %w", sim.ErrSyncFailed)
	cases := []struct {
		name   string
		faults []sim.Fault
		node   int
		err    error
		want   checker.Status
		detail string
	}{
		{"corrupt disk nobody damaged", nil, 1, corrupt, checker.Fail, "no fault damaged"},
		{"corrupt after a crash only", []sim.Fault{{Kind: sim.FaultCrash, Node: 1}, {Kind: sim.FaultCrashSync, Node: 1}}, 1, corrupt, checker.Fail, "no fault damaged"},
		{"another server's disk damaged", []sim.Fault{{Kind: sim.FaultDamage, Node: 0}}, 1, corrupt, checker.Fail, "n1 stopped"},
		{"damaged disk", []sim.Fault{{Kind: sim.FaultDamage, Node: 1}}, 1, corrupt, checker.OK, ""},
		{"lost write", []sim.Fault{{Kind: sim.FaultLoseWrite, Node: 1}}, 1, corrupt, checker.OK, ""},
		{"failed sync", []sim.Fault{{Kind: sim.FaultFailSync, Node: 2}}, 2, syncFailed, checker.OK, ""},
		{"failed sync without the fault", []sim.Fault{{Kind: sim.FaultDamage, Node: 2}}, 2, syncFailed, checker.Fail, "no fault failed one"},
		{"any other error", []sim.Fault{{Kind: sim.FaultDamage, Node: 0}, {Kind: sim.FaultFailSync, Node: 0}}, 0, errors.New("raft: bad\nconfig"), checker.Fail, "neither a failed sync nor damaged data: raft: bad config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w stopWatch
			for _, f := range c.faults {
				w.fault(f)
			}
			w.stopped(sim.Time(2_500_000_000), c.node, c.err)
			res := w.result()
			if res.Name != RecoveryCheck || res.Status != c.want || !strings.Contains(res.Detail, c.detail) {
				t.Fatalf("got %v, want %v with %q", res, c.want, c.detail)
			}
		})
	}
}

func TestRecoveryCheckCountsEveryStop(t *testing.T) {
	var w stopWatch
	w.stopped(sim.Time(1_000_000_000), 0, errors.New("first"))
	w.stopped(sim.Time(2_000_000_000), 1, errors.New("second"))
	res := w.result()
	if res.Status != checker.Fail || !strings.HasPrefix(res.Detail, "n0 stopped at 1.000000000s") || !strings.HasSuffix(res.Detail, "first (+1 more)") {
		t.Fatalf("got %v", res)
	}
}
