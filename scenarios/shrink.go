package scenarios

import (
	"errors"
	"fmt"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// Shrinking: cut a failing run down to what it needs to fail the same way.
// Each candidate is the options with something removed or made smaller; it
// is run, and kept only if it fails with the same signature (an unknown
// never counts). The budget is a number of runs, and candidates are tried in
// a fixed order, so a shrink is as deterministic as the runs themselves.

// ShrinkConfig bounds a shrink.
type ShrinkConfig struct {
	Budget    int // runs, at most (0: 300)
	LinBudget time.Duration
	// Progress is told of every candidate kept.
	Progress func(ShrinkStep)
}

// ShrinkStep is one accepted candidate.
type ShrinkStep struct {
	Run, Budget int
	What        string
	Size        Size
}

// Size measures a failing run for people: what shrinking makes smaller.
type Size struct {
	Faults, Servers, Clients, Ops int
	Duration                      sim.Duration
	Events                        uint64
}

func (z Size) String() string {
	return fmt.Sprintf("faults=%d servers=%d clients=%d ops=%d duration=%s events=%d",
		z.Faults, z.Servers, z.Clients, z.Ops, dur(z.Duration), z.Events)
}

// ShrinkResult is the smallest failing run found.
type ShrinkResult struct {
	Repro         *Repro
	Before, After Size
	Runs          int
}

// ErrDoesNotFail: the repro given to Shrink does not fail as it says.
var ErrDoesNotFail = errors.New("the repro does not fail with its recorded signature on this build")

func sizeOf(o *Options, rep *Report) Size {
	n := 0
	for _, f := range o.Faults {
		if f.At < o.SafetyEnd() {
			n++
		}
	}
	return Size{Faults: n, Servers: o.Servers, Clients: o.Clients, Ops: rep.Ops, Duration: o.Duration, Events: rep.Events}
}

type shrinker struct {
	cfg  ShrinkConfig
	seed uint64
	key  string
	runs int
	best *Report
	opts Options
}

// ErrCoverageNotShrunk: the repro's failure is a coverage probe that never
// fired, and it has no planted bug to tell the system's fault from the
// schedule's. Removing faults only makes probes fire less, so every
// smaller schedule would "fail" the same way on a correct build too.
var ErrCoverageNotShrunk = errors.New("a coverage failure (a probe that never fired) is not shrunk: removing faults or operations would keep it failing on a correct build as well; replay it and look at why the probe's path was not taken")

// Shrink minimizes a failing repro.
func Shrink(r *Repro, cfg ShrinkConfig) (*ShrinkResult, error) {
	if r.Signature.Check == checker.Coverage && r.Options.Bug == "" {
		// With a planted bug, run checks every candidate with the bug off:
		// a schedule too small to fire the probe fails there and is refused.
		return nil, ErrCoverageNotShrunk
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 300
	}
	sh := &shrinker{cfg: cfg, seed: r.SeedValue(), key: r.Signature.SameKey(), opts: r.Options}
	first := sh.run(r.Options)
	if first == nil {
		return nil, ErrDoesNotFail
	}
	sh.best = first
	before := sizeOf(&r.Options, first)
	for sh.runs < cfg.Budget {
		if !sh.pass() {
			break // a whole pass kept nothing: a local minimum
		}
	}
	out, err := NewRepro(sh.best)
	if err != nil {
		return nil, err
	}
	return &ShrinkResult{Repro: out, Before: before, After: sizeOf(&sh.opts, sh.best), Runs: sh.runs}, nil
}

// run runs candidate options and returns the report if it fails the same way.
func (sh *shrinker) run(o Options) *Report {
	if o.Validate() != nil {
		return nil
	}
	sh.runs++
	rep := Run(o, sh.seed, RunConfig{LinBudget: sh.cfg.LinBudget})
	if sig, failed := SignatureOf(rep); !failed || sig.Key != sh.key {
		return nil
	}
	if o.Bug != "" {
		// A planted bug's repro must fail because of the bug: the same
		// schedule with it switched off has to pass.
		off := o
		off.Bug = ""
		sh.runs++
		if Run(off, sh.seed, RunConfig{LinBudget: sh.cfg.LinBudget}).Verdict != checker.OK {
			return nil
		}
	}
	return rep
}

// try runs a candidate and keeps it if it fails the same way.
func (sh *shrinker) try(o Options, what string) bool {
	cost := 1
	if o.Bug != "" {
		cost = 2 // with the bug on, then off
	}
	if sh.runs+cost > sh.cfg.Budget {
		return false
	}
	rep := sh.run(o)
	if rep == nil {
		return false
	}
	sh.opts, sh.best = o, rep
	if sh.cfg.Progress != nil {
		sh.cfg.Progress(ShrinkStep{Run: sh.runs, Budget: sh.cfg.Budget, What: what, Size: sizeOf(&o, rep)})
	}
	return true
}

// pass tries every kind of reduction once; it reports whether any was kept.
func (sh *shrinker) pass() bool {
	kept := false
	for _, step := range []func() bool{sh.shortenRun, sh.dropFaults, sh.dropClients, sh.dropServers,
		sh.systemSteps, sh.shortenFaults} {
		if step() {
			kept = true
		}
	}
	return kept
}
