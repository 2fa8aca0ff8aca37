package catalog

import (
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// ShrinkSteps are the bundled workloads' reductions: fewer operations, then
// fewer keys.
func (bundled) ShrinkSteps() []scenarios.ShrinkFunc {
	return []scenarios.ShrinkFunc{fewerOps, fewerKeys}
}

// fewerOps caps or halves each clerk's operations (key/value runs), or
// slows the command clients down (raft runs).
func fewerOps(o scenarios.Options, ops int) (scenarios.Options, string, bool) {
	p := paramsOf(&o)
	if p.KV != nil {
		kvw := *p.KV
		perClerk := max(ops/max(o.Clients, 1), 1)
		if kvw.MaxOps == 0 || kvw.MaxOps > perClerk {
			kvw.MaxOps = perClerk
		}
		kvw.MaxOps /= 2
		if kvw.MaxOps < 1 {
			return o, "", false
		}
		p.KV = &kvw
	} else if p.Burst > 1 {
		p.Burst = 1
	} else {
		p.Think = [2]sim.Duration{max(p.Think[0]*2, 10*ms), max(p.Think[1]*2, 20*ms)}
		if p.Think[0] > o.Duration {
			return o, "", false
		}
	}
	return withParams(o, p), "fewer operations", true
}

// fewerKeys gives each group of clerks one key.
func fewerKeys(o scenarios.Options, _ int) (scenarios.Options, string, bool) {
	p := paramsOf(&o)
	if p.KV == nil || p.KV.KeysPerGroup == 1 {
		return o, "", false
	}
	kvw := *p.KV
	kvw.KeysPerGroup = 1
	p.KV = &kvw
	return withParams(o, p), "one key per group of clerks", true
}
