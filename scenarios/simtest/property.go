package simtest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// RapidDrawer draws from rapid, which records and shrinks the draws: a
// generator written against scenarios.Drawer (scenarios.DrawSchedule, a
// system's own) shrinks towards its simplest values.
func RapidDrawer(t *rapid.T) scenarios.Drawer { return rapidDrawer{t} }

type rapidDrawer struct{ t *rapid.T }

func (d rapidDrawer) Draw(lo, hi int, label string) int {
	return rapid.IntRange(lo, hi).Draw(d.t, label)
}

// PropertyConfig shapes Property's draws.
type PropertyConfig struct {
	// MaxSlots is the most fault slots drawn (0: 8); each may be none.
	MaxSlots int
	// Bug switches a planted bug on in every run.
	Bug string
	// LinBudget bounds Porcupine per run (0: 2 s): an unknown verdict is
	// no failure, and a property check must stay short.
	LinBudget time.Duration
}

// Property checks, with rapid, that the named scenario holds under drawn
// fault schedules: rapid draws a seed and up to MaxSlots fault slots
// (crashes, partitions of every shape, pauses, crashes inside a step, the
// leader struck, disk faults on one server, each slot undone after a drawn
// time) in place of the scenario's own schedule, then the final heal; the
// scenario's promises for its own weather are dropped (ForOtherWeather). A
// failing draw is shrunk by rapid to a minimal schedule, written as a
// repro file, and reported with its path. -rapid.checks and -rapid.seed
// work as for any rapid test.
func Property(t *testing.T, scenario string, cfg PropertyConfig) {
	t.Helper()
	scn, err := scenarios.Lookup(scenario)
	if err != nil {
		t.Fatal(err)
	}
	if err := scenarios.CheckBug(scn.System, cfg.Bug); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxSlots == 0 {
		cfg.MaxSlots = 8
	}
	runner := NewRunner(t)
	runner.LinBudget = cfg.LinBudget
	rapid.Check(t, func(rt *rapid.T) {
		o := scn.Resolve(rapid.Uint64Range(0, 1<<16).Draw(rt, "options seed"))
		o.Bug = cfg.Bug
		o.Faults = scenarios.DrawSchedule(RapidDrawer(rt), o.Servers, o.Clients, o.Duration, cfg.MaxSlots)
		g := scenarios.NewGen(nil, o.Servers, o.Clients, o.Duration)
		g.FinalHeal(o.Net.Unreliable())
		o.Faults = append(o.Faults, g.Faults()...)
		sim.SortFaults(o.Faults)
		scenarios.ForOtherWeather(&o)
		runner.Check(rt, o)
	})
}

// Runner checks runs drawn in a rapid property and writes each failure as
// a repro file into $DETSIM_FAILURES/<test> (by default detsim-failures/<test>
// in the system's temporary directory). While rapid shrinks, every failing
// candidate writes one; when the test ends only the last is kept: the
// minimal draw, which rapid replays last to report it.
type Runner struct {
	// LinBudget bounds Porcupine per run (0: 2 s).
	LinBudget time.Duration
	dir       string
	written   []string
}

// NewRunner makes the runner of test t.
func NewRunner(t testing.TB) *Runner {
	r := &Runner{dir: failuresDir(t)}
	t.Cleanup(r.KeepLast)
	return r
}

// Written lists the repro files kept so far, oldest first.
func (r *Runner) Written() []string { return r.written }

// Check draws the run's seed, runs opts, and on a failed check writes the
// repro and fails rt with its path, its signature and the schedule. The
// message is the same each time rapid replays a draw (rapid checks), so it
// holds nothing of the wall clock.
func (r *Runner) Check(rt *rapid.T, opts scenarios.Options) {
	seed := rapid.Uint64().Draw(rt, "seed")
	budget := r.LinBudget
	if budget == 0 {
		budget = 2 * time.Second
	}
	rep := scenarios.Run(opts, seed, scenarios.RunConfig{LinBudget: budget})
	sig, failed := scenarios.SignatureOf(rep)
	if !failed {
		if rep.Verdict == checker.Unknown {
			rt.Logf("inconclusive (not a failure): %s", firstUnknown(rep))
		}
		return
	}
	where, err := writeRepro(rep, r.dir)
	if err != nil {
		where = "not written: " + err.Error()
	} else {
		r.written = append(r.written, where)
	}
	failCheck(rt, sig.Check, "%s failed: %s\nsignature: %s\nrepro: %s\n  replay: detsim replay %[4]s\n  shrink: detsim shrink %[4]s\nseed=%d options %s\nschedule:\n%s",
		sig.Check, sig.Violation, sig.Key, where, seed, opts.OptionsLine(), schedule(opts.Faults))
}

// KeepLast removes every repro file written but the last.
func (r *Runner) KeepLast() {
	if len(r.written) == 0 {
		return
	}
	last := r.written[len(r.written)-1]
	for _, p := range r.written {
		if p != last {
			os.Remove(p)
		}
	}
	r.written = []string{last}
}

// failCheck fails with a call site of its own for each check: rapid keeps a
// shrunk draw only if it fails where the original did, so shrinking never
// trades, say, a linearizability failure for a liveness one.
func failCheck(t *rapid.T, check, format string, args ...any) {
	switch check {
	case checker.ElectionSafety:
		t.Fatalf(format, args...)
	case checker.LogMatching:
		t.Fatalf(format, args...)
	case checker.LeaderCompleteness:
		t.Fatalf(format, args...)
	case checker.StateMachineSafety:
		t.Fatalf(format, args...)
	case checker.ApplyOrder:
		t.Fatalf(format, args...)
	case checker.Linearizability:
		t.Fatalf(format, args...)
	case checker.Liveness:
		t.Fatalf(format, args...)
	case checker.RaftStateSize:
		t.Fatalf(format, args...)
	case checker.HeartbeatRate:
		t.Fatalf(format, args...)
	case checker.Expectations:
		t.Fatalf(format, args...)
	case checker.Coverage:
		t.Fatalf(format, args...)
	case checker.Progress:
		t.Fatalf(format, args...)
	case checker.NoPanic:
		t.Fatalf(format, args...)
	default: // a system's own checks
		t.Fatalf(format, args...)
	}
}

func firstUnknown(rep *scenarios.Report) string {
	for _, r := range rep.Results {
		if r.Status == checker.Unknown {
			return r.String()
		}
	}
	return ""
}

func schedule(faults []sim.Fault) string {
	var b strings.Builder
	for _, f := range faults {
		fmt.Fprintf(&b, "  %s %s\n", time.Duration(f.At), f)
	}
	return b.String()
}
