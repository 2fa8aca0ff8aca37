// Package countersim hosts the example counter (package counter) in detsim:
// the glue a user writes for a system of their own — its System, its run
// Instance with online invariants, and its scenarios.
package countersim

import (
	"fmt"

	"github.com/detsim/detsim/examples/counter"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// Params are the counter's own parameters in a scenario and a repro file.
type Params struct {
	Think   [2]sim.Duration `json:"think_ns"` // a client's pause before each operation
	ReadPPM uint32          `json:"read_ppm"` // share of reads
}

// System is the counter as detsim sees it.
var System scenarios.System = system{}

type system struct{}

func (system) Name() string { return "counter" }

func (system) Bugs() []scenarios.Bug {
	return []scenarios.Bug{{Name: counter.BugEarlyAnswer, Description: "the primary answers an add before its backups stored it"}}
}

func (system) CheckParams(o *scenarios.Options) error {
	p, err := params(o)
	if err == nil && (p.Think[0] < 0 || p.Think[1] < p.Think[0] || p.ReadPPM > sim.CertainPPM) {
		err = fmt.Errorf("think_ns %d or read_ppm %d out of range", p.Think, p.ReadPPM)
	}
	return err
}

func params(o *scenarios.Options) (p Params, err error) { return p, o.DecodeParams(&p) }

func (system) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	o := &h.Options
	p, err := params(o)
	if err != nil {
		return nil, err
	}
	in := newInstance(h)
	cfg := counter.Config{Servers: o.Servers, Observer: in, Testing: counter.Testing{Bug: o.Bug}}
	for range o.Servers {
		in.factories = append(in.factories, func(env sim.Env) (sim.Process, error) { return counter.NewServer(env, cfg) })
	}
	ccfg := counter.ClientConfig{Servers: o.Servers, StopAt: o.SafetyEnd(), Think: p.Think, ReadPPM: p.ReadPPM}
	for range o.Clients {
		in.factories = append(in.factories, func(env sim.Env) (sim.Process, error) { return counter.NewClient(env, ccfg, in), nil })
	}
	return in, nil
}
