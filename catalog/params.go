package catalog

import (
	"encoding/json"
	"fmt"

	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// Params are the bundled systems' own parameters (Options.Params): the
// workload, the servers' configuration, and the Raft and key/value
// expectations that only these systems can judge.
type Params struct {
	KV    *KVWorkload     `json:"kv,omitempty"`    // a key/value workload; nil: raw Raft commands
	Burst int             `json:"burst,omitempty"` // commands per client request (raft; default 1)
	Think [2]sim.Duration `json:"think_ns"`        // pause between a client's operations
	// SnapshotEvery (raft): snapshot every this many entries, 0 never.
	SnapshotEvery int `json:"snapshot_every,omitempty"`
	// MaxRaftState (kv): snapshot at this many bytes of durable Raft
	// state; -1 never.
	MaxRaftState int64 `json:"max_raft_state,omitempty"`
	// MaxBatch: entries per AppendEntries; 0 the default (64).
	MaxBatch int `json:"max_batch,omitempty"`
	// MaxInflight: pipelined AppendEntries per follower; 0 the default
	// (8), 1 no pipelining.
	MaxInflight int `json:"max_inflight,omitempty"`
	// NoPreVote and NoCheckQuorum switch a defence off, so that a scenario
	// tests the other alone: with both on, CheckQuorum's lease hides what
	// PreVote gets wrong and the reverse.
	NoPreVote     bool `json:"no_pre_vote,omitempty"`
	NoCheckQuorum bool `json:"no_check_quorum,omitempty"`
	// NoCommitInCut: nothing commits while a "majority-cut" partition holds
	// but what a majority already held at the cut.
	NoCommitInCut bool `json:"no_commit_in_cut,omitempty"`
	// StepDownWithin: a leader cut off by a partition aimed at it stops
	// leading that term within this long (CheckQuorum's promise).
	StepDownWithin sim.Duration `json:"step_down_within_ns,omitempty"`
	// CommitInTermWithin: a leader that keeps its term this long commits
	// an entry of the term within it, with or without client traffic.
	CommitInTermWithin sim.Duration `json:"commit_in_term_within_ns,omitempty"`
	// ApplyLagWithin: every server applies an entry within this long of
	// its first commit anywhere, unless a fault came between (the
	// protocol's own delay: a follower told of a commit late shows here).
	ApplyLagWithin sim.Duration `json:"apply_lag_within_ns,omitempty"`
	// OneRequestPerOp (kv): after a clerk's first completed operation,
	// each of its operations takes one request (a calm network).
	OneRequestPerOp bool `json:"one_request_per_op,omitempty"`
	// MinOpsPerHeartbeat: the clients' operations per heartbeat interval,
	// over the span of the workload, is at least this.
	MinOpsPerHeartbeat int `json:"min_ops_per_heartbeat,omitempty"`
	// SmallSnapshot (kv): no snapshot is larger than the store and dedup
	// table the history allows (each key's longest put plus all its
	// appends, each clerk's longest read), plus framing.
	SmallSnapshot bool `json:"small_snapshot,omitempty"`
}

// KVWorkload is a key/value workload: clerks in groups of at most
// ClerksPerKey share KeysPerGroup keys (so Porcupine never faces more than a
// few clerks on one key), with the given mix; the rest of the mix is Append.
type KVWorkload struct {
	ClerksPerKey int    `json:"clerks_per_key"`
	KeysPerGroup int    `json:"keys_per_group"`
	GetPPM       uint32 `json:"get_ppm"`
	PutPPM       uint32 `json:"put_ppm"`
	MaxOps       int    `json:"max_ops,omitempty"` // per clerk; 0: until the drain
}

// Limits on the params read from outside (a repro file).
const (
	// MaxThink bounds a client's pause between operations (think_ns): a
	// virtual minute.
	MaxThink = 60 * s
	// MaxBurst bounds the commands per client request (burst).
	MaxBurst = 1000
	// MaxKeysPerGroup bounds a key/value workload's keys per group of
	// clerks (keys_per_group).
	MaxKeysPerGroup = 1000
)

// paramsOf reads a run's params. Options made by Resolve or checked by
// CheckParams always decode; anything else is a programming error.
func paramsOf(o *scenarios.Options) Params {
	p, err := decodeParams(o)
	if err != nil {
		panic(fmt.Sprintf("catalog: %v", err))
	}
	return p
}

func decodeParams(o *scenarios.Options) (Params, error) {
	var p Params
	return p, o.DecodeParams(&p)
}

// withParams returns o with p as its params.
func withParams(o scenarios.Options, p Params) scenarios.Options {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // Params holds only numbers and booleans
	}
	o.Params = b
	return o
}

// check refuses params no run can have; kv says whether the system is the
// key/value one (nil: either, as the property scenario's).
func (p *Params) check(kv *bool) error {
	switch {
	case kv != nil && *kv && p.KV == nil:
		return fmt.Errorf("a kv run needs a kv workload")
	case kv != nil && !*kv && p.KV != nil:
		return fmt.Errorf("a raft run takes no kv workload")
	case p.Burst < 0 || p.Burst > MaxBurst:
		return fmt.Errorf("burst %d out of range (0 to %d)", p.Burst, MaxBurst)
	case p.Think[0] < 0 || p.Think[1] < p.Think[0] || p.Think[1] > MaxThink:
		return fmt.Errorf("think_ns %d out of range (0 <= low <= high <= %d, a virtual minute)", p.Think, int64(MaxThink))
	case p.SnapshotEvery < 0 || p.MaxRaftState < -1 || p.MaxBatch < 0 || p.MaxInflight < 0 || p.MinOpsPerHeartbeat < 0 || p.StepDownWithin < 0 || p.CommitInTermWithin < 0 || p.ApplyLagWithin < 0:
		return fmt.Errorf("negative snapshot_every, max_raft_state, max_batch, max_inflight, min_ops_per_heartbeat, step_down_within_ns, commit_in_term_within_ns or apply_lag_within_ns")
	}
	if p.KV != nil {
		return p.KV.validate()
	}
	return nil
}

func (k *KVWorkload) validate() error {
	switch {
	case k.ClerksPerKey < 1 || k.ClerksPerKey > 4:
		return fmt.Errorf("kv clerks_per_key %d out of range (1 to 4)", k.ClerksPerKey)
	case k.KeysPerGroup < 1 || k.KeysPerGroup > MaxKeysPerGroup:
		return fmt.Errorf("kv keys_per_group %d out of range (1 to %d)", k.KeysPerGroup, MaxKeysPerGroup)
	case uint64(k.GetPPM)+uint64(k.PutPPM) > sim.CertainPPM: // in 64 bits: two uint32s may wrap
		return fmt.Errorf("kv get_ppm %d and put_ppm %d are over %d together (a probability of one)", k.GetPPM, k.PutPPM, sim.CertainPPM)
	case k.MaxOps < 0:
		return fmt.Errorf("kv max_ops %d is negative", k.MaxOps)
	}
	return nil
}

// KeysFor returns the keys clerk i (from 0) works on.
func (k *KVWorkload) KeysFor(i int) []string {
	g := i / k.ClerksPerKey
	var keys []string
	for j := 0; j < k.KeysPerGroup; j++ {
		keys = append(keys, fmt.Sprintf("k%d", g*k.KeysPerGroup+j))
	}
	return keys
}

// line renders the params for the summary's options line.
func (p *Params) line() string {
	workload := fmt.Sprintf(" workload=commands burst=%d", max(p.Burst, 1))
	if k := p.KV; k != nil {
		workload = fmt.Sprintf(" workload=kv(clerks-per-key=%d keys-per-group=%d get=%dppm put=%dppm max-ops=%d)",
			k.ClerksPerKey, k.KeysPerGroup, k.GetPPM, k.PutPPM, k.MaxOps)
	}
	out := workload + fmt.Sprintf(" think=%v-%v", dur(p.Think[0]), dur(p.Think[1]))
	if p.SnapshotEvery > 0 {
		out += fmt.Sprintf(" snapshot-every=%d", p.SnapshotEvery)
	}
	if p.MaxRaftState > 0 {
		out += fmt.Sprintf(" maxraftstate=%d", p.MaxRaftState)
	}
	if p.MaxBatch > 0 {
		out += fmt.Sprintf(" max-batch=%d", p.MaxBatch)
	}
	if p.MaxInflight > 0 {
		out += fmt.Sprintf(" max-inflight=%d", p.MaxInflight)
	}
	if p.NoPreVote {
		out += " pre-vote=off"
	}
	if p.NoCheckQuorum {
		out += " check-quorum=off"
	}
	return out
}

// dur renders nanoseconds (a span, or an instant as the span since the run
// began) compactly ("1.5s", "200ms"): exact integer arithmetic, the same on
// every machine.
func dur[T ~int64](ns T) string { return sim.Duration(ns).String() }

// configure applies the Raft settings of p to a host's configuration.
func (p *Params) configure(c *raft.HostConfig) {
	if p.MaxBatch > 0 {
		c.MaxBatch = p.MaxBatch
	}
	if p.MaxInflight > 0 {
		c.MaxInflight = p.MaxInflight
	}
	c.PreVote, c.CheckQuorum = c.PreVote && !p.NoPreVote, c.CheckQuorum && !p.NoCheckQuorum
}
