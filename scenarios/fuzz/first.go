package fuzz

import (
	"time"

	"github.com/detsim/detsim/scenarios"
)

// collectFirst is collect for StopAtFirst: at the first finding it halts
// the dispatcher, lets the runs already given out finish, and reports the
// finding earliest in campaign order. Every run before that one was
// dispatched before it and has completed, so the choice, and the runs and
// unknowns counted (those up to it), are the same on every machine.
func collectFirst(cfg *Config, total int, outs <-chan outcome, dispatched <-chan uint64, halt chan struct{}, stall *staller) *Result {
	res := &Result{}
	start := time.Now()
	tick := time.NewTicker(cfg.ProgressEvery)
	defer tick.Stop()
	var done []outcome
	first := -1 // index in done of the earliest finding
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				return firstResult(cfg, res, done, first, total, start, dispatched)
			}
			done = append(done, o)
			if _, failed := scenarios.SignatureOf(o.rep); failed || o.nondet != nil {
				if first < 0 {
					close(halt)
				}
				if first < 0 || o.order < done[first].order {
					first = len(done) - 1
				}
			}
		case <-tick.C:
			if cfg.Progress != nil {
				cfg.Progress(Progress{Done: len(done), Total: total, Failures: min(first+1, 1), Elapsed: time.Since(start)})
			}
		case now := <-stall.c():
			if !stall.stuck(now) {
				continue
			}
			if first >= 0 && decided(done, done[first].order) {
				// What stalls comes after the finding: every run before it
				// finished, so it is the campaign's first all the same.
				return firstResult(cfg, res, done, first, total, start, dispatched)
			}
			return &Result{Runs: len(done), Wall: time.Since(start), Stalled: true, Interrupted: true}
		}
	}
}

func firstResult(cfg *Config, res *Result, done []outcome, first, total int, start time.Time, dispatched <-chan uint64) *Result {
	res.Wall = time.Since(start)
	if last, ok := <-dispatched; ok {
		res.CompletedThrough = last
	}
	groups := map[string]*Group{}
	for _, o := range done {
		if first >= 0 && o.order > done[first].order {
			continue
		}
		res.add(o, groups)
	}
	res.StoppedAtFirst = first >= 0
	res.Interrupted = !res.StoppedAtFirst && res.Runs < total
	res.order()
	if cfg.Progress != nil {
		cfg.Progress(Progress{Done: res.Runs, Total: total, Failures: res.Failures, Elapsed: res.Wall})
	}
	if res.StoppedAtFirst && cfg.OnNondet != nil && done[first].nondet != nil {
		cfg.OnNondet(*done[first].nondet)
	}
	if res.StoppedAtFirst && cfg.OnBetter != nil && len(res.Groups) > 0 {
		cfg.OnBetter(res.Groups[0])
	}
	return res
}

// decided reports whether every run before order in campaign order is done.
func decided(done []outcome, order int) bool {
	before := 0
	for _, o := range done {
		if o.order < order {
			before++
		}
	}
	return before == order
}
