package catalog

import (
	"fmt"

	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/raft/logservice"
	"github.com/detsim/detsim/raft/raftcheck"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// RaftSystem is the bundled Raft, driven raw: a minimal replicated-log
// service whose clients submit commands.
var RaftSystem scenarios.System = raftSystem{bundled{kv: &no}}

var yes, no = true, false

type raftSystem struct{ bundled }

func (raftSystem) Name() string { return "raft" }

func (raftSystem) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	o, p := &h.Options, paramsOf(&h.Options)
	c := newCluster(h, p)
	servers := h.Servers()
	hostCfg := raft.DefaultHostConfig(servers)
	hostCfg.Testing.Bugs = bugSet(o.Bug)
	p.configure(&hostCfg)
	for range servers {
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) {
			return logservice.NewServer(env, hostCfg, p.SnapshotEvery, raftcheck.Observe(c.chk))
		})
	}
	rec := commandRecorder{h}
	for range o.Clients {
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) {
			return logservice.NewClient(env, servers, rec, o.SafetyEnd(), p.Think, max(p.Burst, 1)), nil
		})
	}
	return c, nil
}

// commandRecorder puts the log clients' calls and returns into the trace.
type commandRecorder struct{ h *scenarios.Harness }

func (r commandRecorder) Call(client int, seq uint64, data []byte) {
	r.h.Call(client, seq, sim.Digest(data), func() string { return fmt.Sprintf("cmd %q", data) })
}

func (r commandRecorder) Return(client int, seq uint64) {
	r.h.Return(client, seq, 0, func() string { return fmt.Sprintf("seq=%d ok", seq) })
}

// bundled is what the bundled systems say alike: their planted bugs (the
// detsimbugs build tag compiles them in), their params and how swarm and
// shrink treat them. kv says which workload the system takes (nil:
// either, as the property scenario's).
type bundled struct{ kv *bool }

// Bugs are the planted bugs a run of this system can show: a raw Raft run
// has no key/value service, so it takes none of that service's bugs.
func (b bundled) Bugs() []scenarios.Bug {
	var out []scenarios.Bug
	for _, bug := range planted.All() {
		if !bug.KV() || b.kv == nil || *b.kv {
			out = append(out, scenarios.Bug{Name: bug.Name(), Description: bug.Description()})
		}
	}
	return out
}

func (b bundled) CheckBug(name string) error {
	if _, err := planted.Parse(name); err != nil {
		return err
	}
	if bug, _ := planted.Lookup(name); bug.KV() && b.kv != nil && !*b.kv {
		return fmt.Errorf("planted bug %q is the key/value service's; the raft system runs no key/value service", name)
	}
	return nil
}

// CheckParams refuses params no bundled run can have.
func (b bundled) CheckParams(o *scenarios.Options) error {
	p, err := decodeParams(o)
	if err != nil {
		return err
	}
	return p.check(b.kv)
}

func (bundled) ParamsLine(o *scenarios.Options) string {
	p := paramsOf(o)
	return p.line()
}

// RecordsHistory: the key/value clerks record one; raw Raft clients do not.
func (bundled) RecordsHistory(o *scenarios.Options) bool { return paramsOf(o).KV != nil }

// Swarm keeps the probes any run fires and drops the bundled expectations
// promised for the scenario's own weather: nothing committed in a cut, the
// throughput, and a calm scenario's apply lag (which would time a follower
// catching up after an extra partition) and its one request per operation.
// The snapshot-size bound reads the history, and the step-down and
// commit-in-term bounds skip what a fault disturbed, so they stay.
func (bundled) Swarm(o *scenarios.Options) {
	o.Probes = probes()
	p := paramsOf(o)
	p.NoCommitInCut, p.MinOpsPerHeartbeat, p.ApplyLagWithin, p.OneRequestPerOp = false, 0, 0, false
	*o = withParams(*o, p)
}

// bugSet is the planted bug a run switches on (checked by Validate).
func bugSet(name string) planted.Set {
	set, _ := planted.Parse(name)
	return set
}
