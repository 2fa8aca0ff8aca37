// Package fuzz is detsim's parallel fuzz driver: it runs many seeds of one or
// every scenario across workers (one simulation each, sharing nothing),
// checks a sample of them for nondeterminism by running them twice, groups
// failures by signature and writes one repro file per signature.
package fuzz

import (
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
)

// Config is one fuzz campaign.
type Config struct {
	Scenarios []*scenarios.Scenario
	Start     uint64 // the first seed of the range
	Count     uint64 // seeds in the range, over all shards
	Shard     uint64 // this shard, from 0
	Shards    uint64 // how many shards share the range (0 or 1: one)
	Workers   int    // 0: every core
	Swarm     bool   // each seed chooses its own fault mix
	Bug       string // a planted bug switched on in every run
	LinBudget time.Duration
	// RecheckEvery: one passing seed in this many is run twice (0: 16).
	RecheckEvery uint64
	// Stop, when closed, ends the campaign after the seed being dispatched.
	Stop <-chan struct{}
	// StopAtFirst ends the campaign at its first finding (a failure or a
	// seed that gave two trace hashes) in campaign order — seed by seed,
	// each seed's scenarios in the order given — not in the order workers
	// happen to finish: runs before it still complete, and only it is
	// reported, so every machine reports the same one.
	StopAtFirst bool
	// Stall, if set, ends the campaign when no run has finished for this
	// long of wall time: a run that never ends (a loop inside one step,
	// which no virtual-time bound can see). Its goroutine cannot be
	// stopped, so a program should exit after such a campaign.
	Stall time.Duration
	// OnBetter is called, from the driver's own goroutine, when a failure
	// starts a group or becomes its best run, and OnNondet when a seed
	// gives two trace hashes: so that a finding can be written down at
	// once, not only when the campaign ends (which a SIGKILL may prevent).
	OnBetter func(*Group)
	OnNondet func(Nondeterminism)
	// Progress is called now and then from the driver's own goroutine.
	Progress      func(Progress)
	ProgressEvery time.Duration

	// run runs one simulation: scenarios.Run, or a test's stand-in (one
	// that is not deterministic, to show the driver catching it). A field,
	// not a package variable, so that a stand-in left blocked by a stall
	// test races with nothing.
	run func(scenarios.Options, uint64, scenarios.RunConfig) *scenarios.Report
}

// Progress is a snapshot of a campaign for a progress display.
type Progress struct {
	Done, Total, Failures int
	Elapsed               time.Duration
}

// Group is every failure with one signature.
type Group struct {
	Signature scenarios.Signature
	Seeds     int
	Best      *scenarios.Report // the shortest run (fewest events, then lowest seed)
}

// Nondeterminism is a seed that gave two trace hashes.
type Nondeterminism struct {
	Scenario   string
	Seed       uint64
	HashA      string
	HashB      string
	Divergence string
	Report     *scenarios.Report // the first run, whose hash a repro records
}

// Result is the outcome of a campaign.
type Result struct {
	Runs, Failures int
	Groups         []*Group // most seeds first
	Nondet         []Nondeterminism
	Unknown        []string // scenario/seed of runs left unknown after the recheck
	Interrupted    bool
	// StoppedAtFirst: StopAtFirst ended the campaign at a finding.
	StoppedAtFirst bool
	// Stalled: no run finished within Config.Stall.
	Stalled bool
	// Completed: every seed of the shard in [Start, CompletedThrough] ran,
	// for every scenario (meaningful when Runs > 0).
	CompletedThrough uint64
	Wall             time.Duration
}

// Exit is the campaign's exit status: the worst it saw, in the order 4, 1, 3, 0.
func (r *Result) Exit() int {
	switch {
	case r.Stalled:
		return ExitStalled
	case len(r.Nondet) > 0:
		return 4
	case r.Failures > 0:
		return 1
	case len(r.Unknown) > 0:
		return 3
	}
	return 0
}

// ExitStalled is a campaign's status when a run never finished (Stall).
const ExitStalled = 5

// RunsPerSecond is the campaign's throughput: runs (a seed of one scenario) per second.
func (r *Result) RunsPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Runs) / r.Wall.Seconds()
}

// seeds lists the shard's seeds in order.
func (c *Config) seeds() []uint64 {
	shards := max(c.Shards, 1)
	var out []uint64
	for k := c.Shard; k < c.Count; k += shards {
		out = append(out, c.Start+k)
	}
	return out
}

func (c *Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Validate reports a configuration that cannot run.
func (c *Config) Validate() error {
	switch {
	case len(c.Scenarios) == 0:
		return fmt.Errorf("fuzz: no scenario")
	case c.Count == 0:
		return fmt.Errorf("fuzz: --seeds must be at least 1")
	case c.Shards > 0 && c.Shard >= c.Shards:
		return fmt.Errorf("fuzz: shard %d of %d: the shard index counts from 0", c.Shard, c.Shards)
	case c.Start > ^uint64(0)-c.Count+1:
		return fmt.Errorf("fuzz: seed range overflows")
	case c.Workers < 0:
		return fmt.Errorf("fuzz: --workers must be positive")
	}
	return nil
}

// order sorts what the campaign found, so that its report does not depend
// on which worker finished first: groups by most seeds, then key; the rest
// by scenario and seed.
func (r *Result) order() {
	sort.SliceStable(r.Groups, func(i, j int) bool {
		a, b := r.Groups[i], r.Groups[j]
		if a.Seeds != b.Seeds {
			return a.Seeds > b.Seeds
		}
		return a.Signature.Key < b.Signature.Key
	})
	sort.SliceStable(r.Nondet, func(i, j int) bool {
		a, b := r.Nondet[i], r.Nondet[j]
		return a.Scenario < b.Scenario || a.Scenario == b.Scenario && a.Seed < b.Seed
	})
	sort.Strings(r.Unknown)
}

// better reports whether a is a better representative of a group than b.
func better(a, b *scenarios.Report) bool {
	if a.Events != b.Events {
		return a.Events < b.Events
	}
	if a.Scenario != b.Scenario {
		return a.Scenario < b.Scenario
	}
	return a.Seed < b.Seed
}

func isUnknown(rep *scenarios.Report) bool { return rep.Verdict == checker.Unknown }
