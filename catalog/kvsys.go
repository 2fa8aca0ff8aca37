package catalog

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/kv"
	"github.com/detsim/detsim/raft/raftcheck"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// KVSystem is the bundled key/value service over Raft, with its clerks; its
// clients' history goes to the linearizability check.
var KVSystem scenarios.System = kvSystem{bundled{kv: &yes}}

type kvSystem struct{ bundled }

func (kvSystem) Name() string { return "kv" }

func (kvSystem) Start(h *scenarios.Harness) (scenarios.Instance, error) {
	o, p := &h.Options, paramsOf(&h.Options)
	if p.KV == nil {
		return nil, fmt.Errorf("a kv run needs a kv workload")
	}
	inst := &kvInstance{cluster: newCluster(h, p), rec: &kvRecorder{h: h, open: map[int]int{}, calls: map[int]int{}, requests: map[int]*requestCount{}, noHistory: h.NoHistory}}
	c := inst.cluster
	servers := h.Servers()
	cfg := kv.DefaultServerConfig(servers)
	cfg.MaxRaftState = p.MaxRaftState
	cfg.Testing.Bugs, cfg.Raft.Testing.Bugs = bugSet(o.Bug), bugSet(o.Bug)
	p.configure(&cfg.Raft)
	if cfg.MaxRaftState > 0 {
		c.chk.SetStateLimit(cfg.MaxRaftState, cfg.Raft.MaxBatch)
	}
	for range servers {
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) { return kv.NewServer(env, cfg, raftcheck.Observe(c.chk)) })
	}
	w := p.KV
	for i := range o.Clients {
		wl := kv.Workload{Keys: w.KeysFor(i), GetPPM: w.GetPPM, PutPPM: w.PutPPM, Think: p.Think,
			StopAt: o.SafetyEnd(), MaxOps: w.MaxOps, Testing: kv.TestingKnobs{Bugs: bugSet(o.Bug)}}
		c.factories = append(c.factories, func(env sim.Env) (sim.Process, error) {
			return kv.NewClerk(inst.rec.countRequests(env.ID(), env), servers, inst.rec, wl), nil
		})
	}
	c.extra = func() []string {
		return append(append(inst.snapshotSize(), inst.opsWithinMax(w.MaxOps)...), inst.oneRequestPerOp()...)
	}
	return inst, nil
}

// kvInstance is one key/value run: the Raft cluster and its clerks' history.
type kvInstance struct {
	*cluster
	rec *kvRecorder
}

func (k *kvInstance) History() ([]checker.HistoryOp, bool) { return k.rec.history, !k.rec.noHistory }

// snapshotSize judges Expectations.SmallSnapshot: no snapshot is larger
// than the store and dedup table the history allows (no history, no bound).
func (k *kvInstance) snapshotSize() []string {
	if !k.params.SmallSnapshot || k.rec.noHistory {
		return nil
	}
	bound := snapshotBound(k.rec.history)
	if got := k.chk.LargestSnapshot(); got > bound {
		return []string{fmt.Sprintf("a snapshot of %d bytes, more than the %d bytes the history's store and dedup table can fill", got, bound)}
	}
	return nil
}

// opsWithinMax: a clerk whose workload stops at max operations (max_ops)
// calls no more than that.
func (k *kvInstance) opsWithinMax(most int) []string {
	if most <= 0 {
		return nil
	}
	var out []string
	for n := k.h.Options.Servers; n < k.h.Options.Nodes(); n++ { // in node order, not the map's
		if got := k.rec.calls[n]; got > most {
			out = append(out, fmt.Sprintf("clerk n%d called %d operations; its workload stops at %d (max_ops)", n, got, most))
		}
	}
	return out
}

// kvRecorder records every clerk call and return, with virtual timestamps,
// into the history the linearizability checker reads, and into the trace.
type kvRecorder struct {
	h       *scenarios.Harness
	history []checker.HistoryOp
	open    map[int]int // clerk node → index of its operation in flight (-1: not kept)
	calls   map[int]int // clerk node → operations it called
	// requests counts each clerk's requests (Params.OneRequestPerOp);
	// extra is the first operation that needed more than one.
	requests map[int]*requestCount
	extra    extraRequest
	// noHistory (RunConfig.NoHistory): history stays empty; calls and
	// returns still reach the trace and the expectations.
	noHistory bool
}

func (k *kvRecorder) Call(node int, op *kv.Op) {
	k.calls[node]++
	k.called(node)
	k.open[node] = -1
	if !k.noHistory {
		k.open[node] = len(k.history)
		k.history = append(k.history, checker.HistoryOp{Client: node, Op: op.Kind.String(), Key: op.Key, Value: op.Value, Call: int64(k.h.Now())})
	}
	k.h.Call(node, op.Seq, sim.Key(uint64(op.Kind), sim.Digest([]byte(op.Key)), sim.Digest([]byte(op.Value))),
		func() string { return fmt.Sprintf("%s(%q, %q) seq=%d", op.Kind, op.Key, op.Value, op.Seq) })
}

func (k *kvRecorder) Return(node int, op *kv.Op, answered uint64, value string) {
	i, ok := k.open[node]
	delete(k.open, node)
	k.returned(node, op.Seq)
	if ok && i >= 0 { // (a return with nothing open still reaches the harness, whose client-reply check fails it)
		h := &k.history[i]
		now := int64(k.h.Now()) // the history keeps plain nanoseconds
		h.Return = &now
		if op.Kind == kv.Get {
			h.Output = value
		}
	}
	k.h.Return(node, answered, sim.Digest([]byte(value)), func() string {
		if op.Kind == kv.Get {
			return fmt.Sprintf("seq=%d -> %q", op.Seq, value)
		}
		return fmt.Sprintf("seq=%d ok", op.Seq)
	})
}
