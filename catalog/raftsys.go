package catalog

import (
	"fmt"

	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/raft/logservice"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// RaftSystem is the bundled Raft, driven raw: a minimal replicated-log
// service whose clients submit commands.
var RaftSystem scenarios.System = raftSystem{}

type raftSystem struct{ bundled }

func (raftSystem) Name() string { return "raft" }

func (raftSystem) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	o := &h.Options
	c := newCluster(h)
	servers := h.Servers()
	hostCfg := raft.DefaultHostConfig(servers)
	hostCfg.Testing.Bugs = bugSet(o.Bug)
	if o.MaxBatch > 0 {
		hostCfg.MaxBatch = o.MaxBatch
	}
	for range servers {
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) {
			return logservice.NewServer(env, hostCfg, o.SnapshotEvery, c.chk)
		})
	}
	rec := commandRecorder{h}
	for range o.Clients {
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) {
			return logservice.NewClient(env, servers, rec, o.Duration, o.Think, o.Burst), nil
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

// bundled is what both bundled systems say alike: their planted bugs (the
// detsimbugs build tag compiles them in) and their basic probes.
type bundled struct{}

func (bundled) Bugs() []scenarios.Bug {
	var out []scenarios.Bug
	for _, b := range planted.All() {
		out = append(out, scenarios.Bug{Name: b.Name(), Description: b.Description()})
	}
	return out
}

func (bundled) CheckBug(name string) error {
	_, err := planted.Parse(name)
	return err
}

func (bundled) BasicProbes() []string { return probes() }

// bugSet is the planted bug a run switches on (checked by Validate).
func bugSet(name string) planted.Set {
	set, _ := planted.Parse(name)
	return set
}
