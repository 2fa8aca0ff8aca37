package scenarios

import (
	"fmt"
	"slices"

	"github.com/detsim/detsim/sim"
)

// The reductions Shrink tries, each a function of the current options.

// shortenRun halves the run length while the failure holds, then trims by
// smaller steps: faults after the new end go, the final heal moves with it.
func (sh *shrinker) shortenRun() bool {
	kept := false
	for _, frac := range []sim.Duration{2, 4, 8} {
		for sh.opts.Duration > 500*ms {
			o := withDuration(sh.opts, sh.opts.Duration-sh.opts.Duration/frac)
			if !sh.try(o, fmt.Sprintf("run shortened to %s", dur(o.Duration))) {
				break
			}
			kept = true
		}
	}
	return kept
}

func withDuration(o Options, d sim.Duration) Options {
	old := o.SafetyEnd()
	o.Duration = d
	end := o.SafetyEnd()
	var fs []sim.Fault
	for _, f := range o.Faults {
		switch {
		case f.At == old && f.At >= end:
			f.At = end // the final heal
		case f.At >= end:
			continue
		}
		fs = append(fs, f)
	}
	o.Faults = fs
	return o
}

// dropFaults removes faults in chunks, halving the chunk size down to one
// (delta debugging). The final heal is never removed.
func (sh *shrinker) dropFaults() bool {
	kept := false
	for chunk := max(len(sh.opts.Faults)/2, 1); chunk >= 1; chunk /= 2 {
		for i := 0; i < len(sh.opts.Faults); {
			o := sh.opts
			idx := removable(o, i, chunk)
			if len(idx) == 0 {
				i += chunk
				continue
			}
			o.Faults = without(o.Faults, idx)
			if sh.try(o, fmt.Sprintf("dropped %d fault(s) from %s", len(idx), dur(sh.opts.Faults[idx[0]].At))) {
				kept = true
				continue // the same position now holds later faults
			}
			i += chunk
		}
		if chunk == 1 {
			break
		}
	}
	return kept
}

// removable lists the indexes in [i, i+n) of faults before the final heal.
func removable(o Options, i, n int) []int {
	var idx []int
	for k := i; k < min(i+n, len(o.Faults)); k++ {
		if o.Faults[k].At < o.SafetyEnd() {
			idx = append(idx, k)
		}
	}
	return idx
}

func without(fs []sim.Fault, idx []int) []sim.Fault {
	out := make([]sim.Fault, 0, len(fs))
	for k, f := range fs {
		if !slices.Contains(idx, k) {
			out = append(out, f)
		}
	}
	return out
}

// dropClients removes the last client while the failure holds.
func (sh *shrinker) dropClients() bool {
	kept := false
	for sh.opts.Clients > 1 {
		o := removeNode(sh.opts, sh.opts.Servers+sh.opts.Clients-1)
		o.Clients--
		if !sh.try(o, fmt.Sprintf("clients reduced to %d", o.Clients)) {
			break
		}
		kept = true
	}
	return kept
}

// dropServers removes two servers (the cluster stays odd) while the failure
// holds; clients' node ids move down with them.
func (sh *shrinker) dropServers() bool {
	kept := false
	for sh.opts.Servers >= 3 {
		o := sh.opts
		for k := 0; k < 2; k++ {
			o = removeNode(o, o.Servers-1)
			o.Servers--
		}
		if len(o.Clocks) > o.Servers {
			o.Clocks = o.Clocks[:o.Servers]
		}
		if !sh.try(o, fmt.Sprintf("servers reduced to %d", o.Servers)) {
			break
		}
		kept = true
	}
	return kept
}

// removeNode takes node n out of the schedule: its faults go, its links go,
// and higher node ids move down by one.
func removeNode(o Options, n int) Options {
	shift := func(x int) int {
		if x > n {
			return x - 1
		}
		return x
	}
	var fs []sim.Fault
	for _, f := range o.Faults {
		if f.Kind.HasNode() && f.Node == n {
			continue
		}
		f.Node = shift(f.Node)
		var links [][2]int
		for _, l := range f.Links {
			if l[0] != n && l[1] != n {
				links = append(links, [2]int{shift(l[0]), shift(l[1])})
			}
		}
		f.Links = links
		var with []int
		for _, w := range f.With {
			if w != n {
				with = append(with, shift(w))
			}
		}
		f.With = with
		fs = append(fs, f)
	}
	o.Faults = fs
	return o
}

// systemSteps runs the system's own reductions, each until its candidate
// no longer fails the same way (at most 8 times).
func (sh *shrinker) systemSteps() bool {
	scn, err := Lookup(sh.opts.Scenario)
	if err != nil {
		return false
	}
	s, ok := scn.System.(Shrinker)
	if !ok {
		return false
	}
	kept := false
	for _, step := range s.ShrinkSteps() {
		for k := 0; k < 8; k++ {
			o, what, ok := step(sh.opts, sh.best.Ops)
			if !ok || !sh.try(o, what) {
				break
			}
			kept = true
		}
	}
	return kept
}

// shortenFaults makes partitions smaller (half of their cut links) and
// undoes crashes, pauses and partitions sooner by moving each recovery
// halfway towards its fault.
func (sh *shrinker) shortenFaults() bool {
	kept := false
	for i := 0; i < len(sh.opts.Faults); i++ {
		f := sh.opts.Faults[i]
		if f.Kind == sim.FaultPartition && len(f.Links) > 1 {
			o := sh.opts
			o.Faults = slices.Clone(o.Faults)
			o.Faults[i].Links = f.Links[:len(f.Links)/2]
			if sh.try(o, fmt.Sprintf("partition at %s cuts fewer links", dur(f.At))) {
				kept = true
				i--
				continue
			}
		}
		if j := recoveryOf(sh.opts, i); j > 0 && sh.opts.Faults[j].At < sh.opts.SafetyEnd() {
			o := sh.opts
			o.Faults = slices.Clone(o.Faults)
			o.Faults[j].At = f.At + (o.Faults[j].At-f.At)/2
			sim.SortFaults(o.Faults)
			if o.Faults[j].At > f.At && sh.try(o, fmt.Sprintf("%s at %s undone sooner", f.Kind, dur(f.At))) {
				kept = true
			}
		}
	}
	return kept
}

// recoveryOf finds the fault that undoes fault i (a heal after a partition,
// a restart after a crash, a resume after a pause), or -1.
func recoveryOf(o Options, i int) int {
	f := o.Faults[i]
	var undo sim.FaultKind
	switch f.Kind {
	case sim.FaultPartition:
		undo = sim.FaultHeal
	case sim.FaultCrash, sim.FaultCrashSync:
		undo = sim.FaultRestart
	case sim.FaultPause:
		undo = sim.FaultResume
	default:
		return -1
	}
	for j := i + 1; j < len(o.Faults); j++ {
		g := o.Faults[j]
		if g.Kind == undo && (undo == sim.FaultHeal || g.Node == f.Node && f.Target == "") {
			return j
		}
	}
	return -1
}
