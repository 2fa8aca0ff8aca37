package kv

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// The harness builds small worlds: servers 0..n-1, then an optional scripted
// test client, then clerks. It watches them only from outside: a raft.Observer
// stub, a Recorder, and the replies the test client receives.

const (
	ms = sim.Millisecond
	s  = sim.Second
)

// probeEvent is one coverage probe as it fired.
type probeEvent struct {
	at   sim.Time
	node int
	name string
}

// appliedEntry is a copy of an entry a server applied, with when it did.
type appliedEntry struct {
	at    sim.Time
	entry raft.Entry
}

// observer is the raft.Observer stub: it records probes and every applied
// entry (per node, restarted from scratch with each incarnation), and checks
// as it goes what must hold of every run, snapshots included: all nodes apply
// the same entry at an index, each incarnation applies indexes in order from
// 1 or from the snapshot it restored, every replica reports the same state
// digest after an index (after applying it or restoring a snapshot through
// it), and every snapshot persisted decodes to a state of that digest, in the
// same bytes as any other replica's snapshot at that index.
type observer struct {
	raft.NopObserver
	w       *sim.World
	probes  []probeEvent
	applied map[int][]appliedEntry

	log      map[uint64]appliedEntry // every index, as first applied
	digests  map[uint64]uint64       // the state digest after each index
	snapData map[uint64]uint64       // sim.Digest of the snapshot bytes at each index
	next     map[int]uint64          // the index each node must apply next
	saved    []snapEvent             // snapshots made durable
	restored []snapEvent             // snapshots handed to the service
	maxSize  map[int]int64           // the most durable Raft state seen per node
	// violations are breaches of the above, reported by cluster.run.
	violations []string
}

// snapEvent is a snapshot saved or restored on a node.
type snapEvent struct {
	at     sim.Time
	node   int
	index  uint64
	bytes  int    // len(Data)
	digest uint64 // the state it holds (saved) or the service reported (restored)
}

func newObserver() *observer {
	return &observer{applied: map[int][]appliedEntry{}, log: map[uint64]appliedEntry{}, digests: map[uint64]uint64{},
		snapData: map[uint64]uint64{}, next: map[int]uint64{}, maxSize: map[int]int64{}}
}

func (o *observer) violate(format string, args ...any) {
	o.violations = append(o.violations, fmt.Sprintf(format, args...))
}

// Recovered starts a node's record again: a new incarnation applies the log
// from its start (or from the snapshot it restores next).
func (o *observer) Recovered(node int, _ *raft.Recovered) {
	o.applied[node] = nil
	o.next[node] = 1
}

func (o *observer) Applied(node int, e *raft.Entry) {
	c := *e
	c.Data = slices.Clone(e.Data) // the entry aliases the log
	a := appliedEntry{at: o.w.Now(), entry: c}
	o.applied[node] = append(o.applied[node], a)
	if want := o.next[node]; e.Index != want {
		o.violate("n%d applied index %d, want %d", node, e.Index, want)
	}
	o.next[node] = e.Index + 1
	if l, ok := o.log[e.Index]; !ok {
		o.log[e.Index] = a
	} else if !sameEntry(l.entry, c) {
		o.violate("n%d applied %d/t%d, another node %d/t%d at the same index", node, e.Index, e.Term, l.entry.Index, l.entry.Term)
	}
}

func sameEntry(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && string(a.Data) == string(b.Data)
}

// digestAt checks a node's state digest after index against the others'.
func (o *observer) digestAt(node int, index, d uint64, how string) {
	if prev, ok := o.digests[index]; !ok {
		o.digests[index] = d
	} else if prev != d {
		o.violate("n%d: state digest %#x after index %d (%s), another replica had %#x", node, d, index, how, prev)
	}
}

func (o *observer) AppliedState(node int, index, state uint64) {
	o.digestAt(node, index, state, "applied")
}

func (o *observer) SnapshotSaved(node int, snap *raft.Snapshot) {
	ev := snapEvent{at: o.w.Now(), node: node, index: snap.Index, bytes: len(snap.Data)}
	// Replicas in the same state write the same bytes, whoever took it.
	if d, ok := o.snapData[snap.Index]; !ok {
		o.snapData[snap.Index] = sim.Digest(snap.Data)
	} else if d != sim.Digest(snap.Data) {
		o.violate("n%d saved a snapshot at %d with other bytes than another replica's", node, snap.Index)
	}
	store, dedup, err := decodeSnapshot(snap.Data)
	if err != nil {
		o.violate("n%d saved a snapshot at %d that does not decode: %v", node, snap.Index, err)
	} else {
		ev.digest = rebuildDigest(store, dedup).sum
		o.digestAt(node, snap.Index, ev.digest, "snapshot saved")
	}
	o.saved = append(o.saved, ev)
}

func (o *observer) SnapshotRestored(node int, snap *raft.Snapshot, state uint64) {
	o.restored = append(o.restored, snapEvent{at: o.w.Now(), node: node, index: snap.Index, bytes: len(snap.Data), digest: state})
	o.digestAt(node, snap.Index, state, "snapshot restored")
	o.next[node] = snap.Index + 1
}

func (o *observer) StateSize(node int, bytes int64) { o.maxSize[node] = max(o.maxSize[node], bytes) }

func (o *observer) Probe(node int, name string) {
	o.probes = append(o.probes, probeEvent{at: o.w.Now(), node: node, name: name})
}

// count is how often a probe fired on node (any node when node < 0).
func (o *observer) count(node int, name string) int {
	n := 0
	for _, p := range o.probes {
		if p.name == name && (node < 0 || p.node == node) {
			n++
		}
	}
	return n
}

// appliedOps decodes the normal entries node applied, in order.
func (o *observer) appliedOps(t testing.TB, node int) []Op {
	t.Helper()
	var ops []Op
	for _, a := range o.applied[node] {
		if a.entry.Type != raft.EntryNormal {
			continue
		}
		op, err := decodeEntry(a.entry.Data)
		if err != nil {
			t.Fatalf("n%d applied undecodable entry %d: %v", node, a.entry.Index, err)
		}
		ops = append(ops, op)
	}
	return ops
}

// histOp is one clerk operation as the recorder saw it.
type histOp struct {
	node      int
	op        Op
	call, ret sim.Time
	done      bool
	value     string
}

// recorder is the test's kv.Recorder: it keeps the history and notes every
// breach of the clerk's contract (a call while one is open, a return without
// a call, a return of another operation).
type recorder struct {
	w      *sim.World
	ops    []histOp
	open   map[int]int // clerk node → index in ops
	breach []string
}

func newRecorder() *recorder { return &recorder{open: map[int]int{}} }

func (r *recorder) Call(node int, op *Op) {
	if i, ok := r.open[node]; ok {
		r.breach = append(r.breach, fmt.Sprintf("n%d called seq %d while seq %d in flight", node, op.Seq, r.ops[i].op.Seq))
	}
	r.open[node] = len(r.ops)
	r.ops = append(r.ops, histOp{node: node, op: *op, call: r.w.Now()})
}

func (r *recorder) Return(node int, op *Op, _ uint64, value string) {
	i, ok := r.open[node]
	if !ok {
		r.breach = append(r.breach, fmt.Sprintf("n%d returned seq %d with nothing in flight", node, op.Seq))
		return
	}
	h := &r.ops[i]
	if h.op != *op {
		r.breach = append(r.breach, fmt.Sprintf("n%d returned %+v for call %+v", node, *op, h.op))
	}
	delete(r.open, node)
	h.ret, h.done, h.value = r.w.Now(), true, value
}

func (r *recorder) completed(node int) int {
	n := 0
	for _, h := range r.ops {
		if h.done && (node < 0 || h.node == node) {
			n++
		}
	}
	return n
}

// gotReply is one reply the test client received.
type gotReply struct {
	at   sim.Time
	from int
	rep  Reply
}

// testClient is a node the test scripts: it sends hand-encoded requests (from
// World.At callbacks) and keeps every reply.
type testClient struct {
	env     sim.Env
	replies []gotReply
	garbage int
}

func (c *testClient) Receive(from int, msg []byte) error {
	rep, err := DecodeReply(msg)
	if err != nil {
		c.garbage++
		return nil
	}
	c.replies = append(c.replies, gotReply{at: c.env.Now(), from: from, rep: rep})
	return nil
}

func (c *testClient) Timer(sim.TimerID) error { return nil }

// repliesFor is every reply for seq, in arrival order.
func (c *testClient) repliesFor(seq uint64) []gotReply {
	var out []gotReply
	for _, r := range c.replies {
		if r.rep.Seq == seq {
			out = append(out, r)
		}
	}
	return out
}

// cluster is a world of kv servers, an optional test client and clerks.
type cluster struct {
	t       testing.TB
	w       *sim.World
	obs     *observer
	rec     *recorder
	servers []*Server // the latest incarnation of each
	ids     []int     // server node ids
	client  *testClient
	cid     int   // the test client's node, or -1
	clerks  []int // clerk node ids
}

type clusterSpec struct {
	seed       uint64
	servers    int
	config     func(peers []int) ServerConfig // nil: DefaultServerConfig
	testClient bool
	clerks     []Workload
	net        *sim.NetParams
	// preload puts a snapshot on a server's disk before it first starts.
	preload map[int]*raft.Snapshot
}

func newCluster(t *testing.T, spec clusterSpec) *cluster {
	t.Helper()
	c := &cluster{t: t, obs: newObserver(), rec: newRecorder(), cid: -1}
	for i := range spec.servers {
		c.ids = append(c.ids, i)
	}
	cfg := DefaultServerConfig(c.ids)
	if spec.config != nil {
		cfg = spec.config(c.ids)
	}
	c.servers = make([]*Server, spec.servers)
	var nodes []sim.Factory
	for i := range spec.servers {
		preload := spec.preload[i]
		nodes = append(nodes, func(env sim.Env) (sim.Process, error) {
			if preload != nil {
				st, _, err := raft.OpenStorage(env.FS())
				if err == nil {
					err = st.SaveSnapshot(raft.HardState{Term: preload.Term, Vote: raft.None}, preload, nil)
				}
				if err != nil {
					t.Fatalf("n%d: preload snapshot: %v", i, err)
				}
				preload = nil
			}
			srv, err := NewServer(env, cfg, c.obs)
			c.servers[i] = srv
			return srv, err
		})
	}
	if spec.testClient {
		c.cid = len(nodes)
		c.client = &testClient{}
		nodes = append(nodes, func(env sim.Env) (sim.Process, error) {
			c.client.env = env
			return c.client, nil
		})
	}
	for _, wl := range spec.clerks {
		c.clerks = append(c.clerks, len(nodes))
		nodes = append(nodes, func(env sim.Env) (sim.Process, error) {
			return NewClerk(env, c.ids, c.rec, wl), nil
		})
	}
	net := sim.DefaultNet
	if spec.net != nil {
		net = *spec.net
	}
	c.w = sim.New(sim.Config{Seed: spec.seed, Nodes: nodes, Net: net})
	c.obs.w, c.rec.w = c.w, c.w
	if res := c.w.Start(); res.Failed() {
		t.Fatalf("start: %+v", res)
	}
	return c
}

// run advances the world to virtual time until; a broken run fails the test.
func (c *cluster) run(until sim.Time) {
	c.t.Helper()
	if res := c.w.Run(until); res.Failed() {
		c.t.Fatalf("run to %s: %+v", fmtTime(until), res)
	}
	for _, b := range c.rec.breach {
		c.t.Errorf("recorder: %s", b)
	}
	c.rec.breach = nil
	for _, v := range c.obs.violations {
		c.t.Errorf("observer: %s", v)
	}
	c.obs.violations = nil
}

// leader is the server that leads in the highest term, or -1.
func (c *cluster) leader() int {
	best, term := -1, uint64(0)
	for _, id := range c.ids {
		if c.w.Status(id) != sim.StatusUp || c.servers[id] == nil {
			continue
		}
		core := c.servers[id].Host().Core()
		if core.Role() == raft.Leader && core.Term() >= term {
			best, term = id, core.Term()
		}
	}
	return best
}

// mustLeader runs until a leader exists (at most 5 s more) and returns it.
func (c *cluster) mustLeader() int {
	c.t.Helper()
	for end := c.w.Now().Add(5 * s); c.w.Now() < end; {
		if l := c.leader(); l >= 0 {
			return l
		}
		c.run(c.w.Now().Add(50 * ms))
	}
	c.t.Fatalf("no leader by %s", fmtTime(c.w.Now()))
	return -1
}

// others is every server but id.
func (c *cluster) others(id int) []int {
	var out []int
	for _, x := range c.ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// fault schedules one fault now (or at the given time, if later).
func (c *cluster) fault(f sim.Fault) {
	c.t.Helper()
	if f.At < c.w.Now() {
		f.At = c.w.Now()
	}
	if err := f.Validate(c.w.NodeCount()); err != nil {
		c.t.Fatal(err)
	}
	c.w.Schedule([]sim.Fault{f})
}

// send has the test client send op to server to at virtual time at.
func (c *cluster) send(at sim.Time, to int, op Op) {
	c.sendRaw(at, to, AppendRequest(nil, &op))
}

func (c *cluster) sendRaw(at sim.Time, to int, msg []byte) {
	c.w.At(at, func() { c.client.env.Send(to, msg) })
}

// awaitReply runs in small steps until the test client has a reply for seq
// or the deadline passes; it returns the first reply or fails.
func (c *cluster) awaitReply(seq uint64, deadline sim.Time) gotReply {
	c.t.Helper()
	for {
		if r := c.client.repliesFor(seq); len(r) > 0 {
			return r[0]
		}
		if c.w.Now() >= deadline {
			c.t.Fatalf("no reply for seq %d by %s", seq, fmtTime(deadline))
		}
		c.run(min(c.w.Now().Add(5*ms), deadline))
	}
}

// checkAppliedAgree checks state-machine safety over what the observer saw
// (every node applied the same entry at each index, across incarnations and
// snapshots) and returns the whole applied log from index 1: an index that
// only a compacted snapshot holds by now was still applied by some
// incarnation, and the observer kept it.
func (c *cluster) checkAppliedAgree() []appliedEntry {
	c.t.Helper()
	all := maps.Clone(c.obs.log)
	for _, id := range c.ids {
		for _, a := range c.obs.applied[id] {
			l, ok := all[a.entry.Index]
			if ok && !sameEntry(l.entry, a.entry) {
				c.t.Fatalf("n%d applied %d/t%d, another node %d/t%d at the same index", id, a.entry.Index, a.entry.Term, l.entry.Index, l.entry.Term)
			}
			if !ok {
				all[a.entry.Index] = a
			}
		}
	}
	log := make([]appliedEntry, 0, len(all))
	for i := uint64(1); i <= uint64(len(all)); i++ {
		a, ok := all[i]
		if !ok {
			c.t.Fatalf("no node was seen applying index %d of %d", i, len(all))
		}
		log = append(log, a)
	}
	return log
}

func fmtTime[T ~int64](t T) string { return string(sim.AppendTime(nil, t)) }

func (c *cluster) probeSummary() string {
	counts := map[string]int{}
	for _, p := range c.obs.probes {
		counts[p.name]++
	}
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%d ", n, counts[n])
	}
	return b.String()
}

// instant is the instant d after the run began.
func instant(d sim.Duration) sim.Time { return sim.Time(d) }
