package fuzz

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/detsim/detsim/scenarios"
)

type job struct {
	sc    *scenarios.Scenario
	seed  uint64
	index uint64 // the seed's position in the shard, for recheck sampling
	order int    // the job's position in the campaign, for StopAtFirst
}

type outcome struct {
	job
	rep    *scenarios.Report
	nondet *Nondeterminism
}

// Run runs a campaign. Seeds are dispatched in order, every scenario of a
// seed before the next seed, so that when Stop closes, the seeds completed
// are exactly a prefix of the range.
func Run(cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RecheckEvery == 0 {
		cfg.RecheckEvery = 16
	}
	if cfg.ProgressEvery == 0 {
		cfg.ProgressEvery = 200 * time.Millisecond
	}
	seeds := cfg.seeds()
	jobs, outs := make(chan job), make(chan outcome)
	stall := newStaller(cfg.Stall, cfg.workers())
	defer stall.stop()
	var wg sync.WaitGroup
	for w := range cfg.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				outs <- runJob(&cfg, j, &stall.sims[w])
			}
		}()
	}
	dispatched := make(chan uint64, 1) // the last seed dispatched whole
	halt := make(chan struct{})        // closed at a finding, with StopAtFirst
	go func() {
		dispatch(&cfg, seeds, jobs, dispatched, halt)
		close(jobs)
		wg.Wait()
		close(outs)
	}()
	total := len(seeds) * len(cfg.Scenarios)
	if cfg.StopAtFirst {
		return collectFirst(&cfg, total, outs, dispatched, halt, stall), nil
	}
	return collect(&cfg, total, outs, dispatched, stall), nil
}

func dispatch(cfg *Config, seeds []uint64, jobs chan<- job, dispatched chan<- uint64, halt <-chan struct{}) {
	last, any := uint64(0), false
	defer func() {
		if any {
			dispatched <- last
		}
		close(dispatched)
	}()
	for i, seed := range seeds {
		if cfg.Stop != nil {
			select {
			case <-cfg.Stop:
				return
			default:
			}
		}
		for k, sc := range cfg.Scenarios {
			select {
			case jobs <- job{sc: sc, seed: seed, index: uint64(i), order: i*len(cfg.Scenarios) + k}:
			case <-halt:
				return
			}
		}
		last, any = seed, true
	}
}

func collect(cfg *Config, total int, outs <-chan outcome, dispatched <-chan uint64, stall *staller) *Result {
	res := &Result{}
	start := time.Now()
	groups := map[string]*Group{}
	tick := time.NewTicker(cfg.ProgressEvery)
	defer tick.Stop()
	report := func() {
		if cfg.Progress != nil {
			cfg.Progress(Progress{Done: res.Runs, Total: total, Failures: res.Failures, Elapsed: time.Since(start)})
		}
	}
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				res.Wall = time.Since(start)
				if last, ok := <-dispatched; ok {
					res.CompletedThrough = last
				}
				res.Interrupted = res.Runs < total
				res.order()
				report()
				return res
			}
			if g := res.add(o, groups); g != nil && cfg.OnBetter != nil {
				cfg.OnBetter(g)
			}
			if o.nondet != nil && cfg.OnNondet != nil {
				cfg.OnNondet(*o.nondet)
			}
		case <-tick.C:
			report()
		case now := <-stall.c():
			if stall.stuck(now) {
				res.Wall, res.Stalled, res.Interrupted = time.Since(start), true, true
				res.order()
				return res
			}
		}
	}
}

// add folds one run into the result; it returns the run's group if the run
// became that group's best.
func (res *Result) add(o outcome, groups map[string]*Group) *Group {
	res.Runs++
	if o.nondet != nil {
		// Reported as nondeterminism, and still a failure if it failed:
		// both are findings.
		res.Nondet = append(res.Nondet, *o.nondet)
	}
	if isUnknown(o.rep) {
		res.Unknown = append(res.Unknown, o.rep.Scenario+"/"+scenarios.SeedString(o.rep.Seed))
	}
	sig, failed := scenarios.SignatureOf(o.rep)
	if !failed {
		return nil
	}
	res.Failures++
	g := groups[sig.Key]
	if g == nil {
		g = &Group{Signature: sig}
		groups[sig.Key] = g
		res.Groups = append(res.Groups, g)
	}
	g.Seeds++
	if g.Best == nil || better(o.rep, g.Best) {
		g.Best = o.rep
		g.Signature = sig // the kept seed's own words
		return g
	}
	return nil
}

// runJob runs one seed, rechecks an unknown verdict with ten times the
// budget, and runs a failing seed (and one passing seed in RecheckEvery)
// again to compare trace hashes.
// inSim is when the worker's simulation started, kept for the stall watch.
func runJob(cfg *Config, j job, inSim *atomic.Int64) outcome {
	opts := j.sc.Resolve(j.seed)
	if cfg.Swarm {
		opts = j.sc.ResolveSwarm(j.seed)
	}
	opts.Bug = cfg.Bug
	run := func(budget time.Duration) *scenarios.Report {
		inSim.Store(time.Now().UnixNano())
		defer inSim.Store(0)
		run := cfg.run
		if run == nil {
			run = scenarios.Run
		}
		return run(opts, j.seed, scenarios.RunConfig{LinBudget: budget, OnSimEnd: func() { inSim.Store(0) }})
	}
	budget := cfg.LinBudget
	if budget == 0 {
		budget = 10 * time.Second
	}
	rep := run(budget)
	if isUnknown(rep) {
		rep.Recheck(10 * budget)
	}
	_, failed := scenarios.SignatureOf(rep)
	out := outcome{job: j, rep: rep}
	if failed || j.index%cfg.RecheckEvery == 0 {
		if again := run(budget); again.TraceHash != rep.TraceHash {
			out.nondet = &Nondeterminism{Scenario: rep.Scenario, Seed: j.seed, HashA: rep.TraceHash, HashB: again.TraceHash,
				Divergence: scenarios.FirstCheckpointDiff(rep.Checkpoints, again.Checkpoints), Report: rep}
		}
	}
	rep.History, rep.Lin, rep.Model = nil, nil, nil // the group keeps what a repro needs, not the history
	return out
}
