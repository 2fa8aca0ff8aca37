package kv

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// execution is where an operation first took effect in the applied log, and
// what it saw.
type execution struct {
	pos   int    // position among the log's executed operations
	value string // the key's value after it (a Get's answer)
}

// replay re-executes the applied log as the servers' state machine should:
// an entry executes when its seq is above its client's latest executed one;
// any other is a retry (or a late network duplicate) and changes nothing.
func (c *cluster) replay(log []appliedEntry) map[[2]uint64]execution {
	c.t.Helper()
	store := map[string]string{}
	latest := map[uint64]uint64{}
	seen := map[[2]uint64]execution{}
	pos := 0
	for _, a := range log {
		if a.entry.Type != raft.EntryNormal {
			continue
		}
		op, err := decodeEntry(a.entry.Data)
		if err != nil {
			c.t.Fatalf("entry %d: %v", a.entry.Index, err)
		}
		if last, ok := latest[op.Client]; ok && op.Seq <= last {
			continue
		}
		switch op.Kind {
		case Put:
			store[op.Key] = op.Value
		case Append:
			store[op.Key] += op.Value
		}
		latest[op.Client] = op.Seq
		seen[[2]uint64{op.Client, op.Seq}] = execution{pos: pos, value: store[op.Key]}
		pos++
	}
	return seen
}

// checkLinearizable checks the recorded history against the applied log:
// every completed operation executed exactly where the log says, each Get
// returned the value of its key at that point, the log order respects real
// time (an operation that returned before another was called precedes it),
// and every value a Get saw is a Put's value followed by Appends' values.
func (c *cluster) checkLinearizable() {
	c.t.Helper()
	exec := c.replay(c.checkAppliedAgree())
	written := map[string]Kind{}
	for _, h := range c.rec.ops {
		if h.op.Kind != Get {
			written[h.op.Value] = h.op.Kind
		}
	}
	type done struct {
		h histOp
		e execution
	}
	var ops []done
	for _, h := range c.rec.ops {
		if !h.done {
			continue
		}
		e, ok := exec[[2]uint64{h.op.Client, h.op.Seq}]
		if !ok {
			c.t.Errorf("n%d seq %d %v %q returned but never executed", h.node, h.op.Seq, h.op.Kind, h.op.Value)
			continue
		}
		if h.op.Kind == Get {
			if h.value != e.value {
				c.t.Errorf("n%d seq %d get(%q) = %q, but the log gives %q at its place", h.node, h.op.Seq, h.op.Key, h.value, e.value)
			}
			c.checkConcatenation(h.value, written)
		}
		ops = append(ops, done{h, e})
	}
	for _, a := range ops {
		for _, b := range ops {
			if a.h.ret < b.h.call && a.e.pos >= b.e.pos {
				c.t.Errorf("n%d seq %d returned at %s before n%d seq %d was called at %s, yet follows it in the log",
					a.h.node, a.h.op.Seq, fmtTime(a.h.ret), b.h.node, b.h.op.Seq, fmtTime(b.h.call))
				return
			}
		}
	}
}

// checkConcatenation: v is empty, or a run of written values of which only
// the first may be a Put's.
func (c *cluster) checkConcatenation(v string, written map[string]Kind) {
	c.t.Helper()
	for i, tok := range strings.SplitAfter(v, ";") {
		if tok == "" {
			continue
		}
		kind, ok := written[tok]
		switch {
		case !ok:
			c.t.Errorf("get returned %q: %q was never written", v, tok)
			return
		case kind == Put && i > 0:
			c.t.Errorf("get returned %q: put value %q after other values", v, tok)
			return
		}
	}
}

// TestLinearizableSharedKeyUnderPartitions: four clerks on one key (and a
// second key for two of them), a lossy network, partitions of several
// shapes, a follower crash, then heal and drain. Every clerk finishes, and
// the history agrees with the applied log.
func TestLinearizableSharedKeyUnderPartitions(t *testing.T) {
	for i := range uint64(*seeds) {
		seed := 31 + i
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runSharedKey(t, seed) })
	}
}

// seeds is how many seeds the randomized tests run (more to hunt bugs:
// go test ./kv -run Linearizable -kv.seeds=500).
var seeds = flag.Int("kv.seeds", 4, "seeds per randomized kv test")

func runSharedKey(t *testing.T, seed uint64) {
	net := sim.DefaultNet
	net.LossPPM, net.DupPPM, net.ReorderPPM = 20_000, 20_000, 20_000
	wl := func(keys ...string) Workload {
		return Workload{Keys: keys, GetPPM: 350_000, PutPPM: 100_000, Think: [2]sim.Duration{0, 20 * ms}, StopAt: instant(8 * s)}
	}
	c := newCluster(t, clusterSpec{seed: seed, servers: 3, net: &net, clerks: []Workload{
		wl("x"), wl("x"), wl("x", "y"), wl("x", "y"),
	}})
	k := c.clerks
	// Each phase looks up the leader when it starts, so the faults bite.
	phases := []func(l int){
		func(l int) { // the leader with two clerks against the rest
			c.fault(sim.Fault{Kind: sim.FaultPartition, Links: sim.Split([]int{l, k[0], k[1]}, append(c.others(l), k[2], k[3]))})
		},
		func(int) { c.fault(sim.Fault{Kind: sim.FaultHeal}) },
		func(l int) { // the leader cannot send to the others
			c.fault(sim.Fault{Kind: sim.FaultPartition, Links: sim.OneWay([]int{l}, c.others(l))})
		},
		func(l int) { // a follower crashes and comes back
			c.fault(sim.Fault{Kind: sim.FaultHeal})
			f := c.others(l)[0]
			c.fault(sim.Fault{Kind: sim.FaultCrash, Node: f})
			c.fault(sim.Fault{At: c.w.Now().Add(700 * ms), Kind: sim.FaultRestart, Node: f})
		},
		func(l int) { // the leader alone, clerks everywhere
			c.fault(sim.Fault{Kind: sim.FaultPartition, Links: sim.Isolate(l, c.ids)})
		},
		func(l int) { // a ring of servers, each clerk with one server
			o := c.others(l)
			c.fault(sim.Fault{Kind: sim.FaultPartition, Links: append(sim.Split([]int{o[0]}, []int{o[1]}),
				sim.Split([]int{k[0], k[1]}, []int{o[0]})...)})
		},
		func(int) { c.fault(sim.Fault{Kind: sim.FaultHeal}) },
	}
	t0 := instant(1 * s)
	for _, p := range phases {
		c.run(t0)
		p(c.leader())
		t0 = t0.Add(1 * s)
	}
	c.run(instant(8 * s))
	c.fault(sim.Fault{Kind: sim.FaultHeal})
	c.run(instant(18 * s)) // the drain: every clerk finishes
	c.checkHistory(true)
	c.checkLinearizable()
	gets := 0
	for _, h := range c.rec.ops {
		if h.op.Kind == Get && h.done && h.value != "" {
			gets++
		}
	}
	if len(c.rec.ops) < 100 || gets < 30 {
		t.Errorf("only %d operations, %d non-empty gets", len(c.rec.ops), gets)
	}
	t.Logf("seed %d: ops=%d gets=%d probes: %s", seed, len(c.rec.ops), gets, c.probeSummary())
}

// TestLinearizableChaos: five servers, clerks on two keys, and a schedule
// drawn from the seed: partitions of random shapes (clerks included),
// crashes (inside a sync too), pauses, and a network whose loss changes.
func TestLinearizableChaos(t *testing.T) {
	for i := range uint64(*seeds) {
		seed := 41 + i
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runChaos(t, seed) })
	}
}

func runChaos(t *testing.T, seed uint64) {
	const servers, end = 5, 10 * s
	net := sim.DefaultNet
	net.ReorderMax = 300 * ms
	wl := func(keys ...string) Workload {
		return Workload{Keys: keys, GetPPM: 300_000, PutPPM: 150_000, Think: [2]sim.Duration{0, 30 * ms}, StopAt: instant(end)}
	}
	c := newCluster(t, clusterSpec{seed: seed, servers: servers, net: &net, clerks: []Workload{
		wl("x"), wl("x"), wl("x", "y"), wl("y"), wl("y"),
	}})
	faults := chaosSchedule(sim.NewRand(seed), c.ids, c.clerks, instant(end))
	for _, f := range faults {
		if err := f.Validate(c.w.NodeCount()); err != nil {
			t.Fatal(err)
		}
	}
	c.w.Schedule(faults)
	c.run(instant(end + 20*s)) // the drain: every clerk finishes
	for _, id := range c.ids {
		if st := c.w.Status(id); st != sim.StatusUp {
			t.Fatalf("n%d is %v after the drain: %v", id, st, c.w.StopError(id))
		}
	}
	c.checkHistory(true)
	c.checkLinearizable()
	t.Logf("seed %d: ops=%d faults=%d probes: %s", seed, len(c.rec.ops), len(faults), c.probeSummary())
}

// chaosSchedule draws a fault schedule until end, everything healed, resumed
// and restarted at end: random splits of servers and clerks (some one way),
// crashes (inside a sync too) and pauses of at most two servers at a time,
// and changes of the network's loss, duplication and reordering.
func chaosSchedule(r *sim.Rand, servers, clerks []int, end sim.Time) []sim.Fault {
	all := append(append([]int(nil), servers...), clerks...)
	var faults []sim.Fault
	down := map[int]sim.Time{} // server → when it comes back
	for at := instant(r.Duration(200*ms, 800*ms)); at < end; at = at.Add(r.Duration(100*ms, 900*ms)) {
		switch r.Pick(6) {
		case 0, 1:
			groups := make([][]int, 2+r.Pick(2))
			for _, n := range all {
				g := r.Pick(len(groups))
				groups[g] = append(groups[g], n)
			}
			links := sim.Split(groups...)
			if r.Chance(300_000) {
				links = links[:len(links)/2] // only one way
			}
			faults = append(faults, sim.Fault{At: at, Kind: sim.FaultPartition, Links: links})
		case 2:
			faults = append(faults, sim.Fault{At: at, Kind: sim.FaultHeal})
		case 3, 4:
			n := servers[r.Pick(len(servers))]
			busy := 0
			for _, back := range down {
				if back > at {
					busy++
				}
			}
			if down[n] > at || busy >= 2 {
				continue
			}
			back := at.Add(r.Duration(100*ms, 1500*ms))
			down[n] = back
			switch r.Pick(3) {
			case 0:
				faults = append(faults, sim.Fault{At: at, Kind: sim.FaultCrash, Node: n}, sim.Fault{At: back, Kind: sim.FaultRestart, Node: n})
			case 1:
				faults = append(faults, sim.Fault{At: at, Kind: sim.FaultCrashSync, Node: n, Before: r.Chance(500_000)},
					sim.Fault{At: back, Kind: sim.FaultRestart, Node: n})
			default:
				faults = append(faults, sim.Fault{At: at, Kind: sim.FaultPause, Node: n}, sim.Fault{At: back, Kind: sim.FaultResume, Node: n})
			}
		case 5:
			nf := &sim.NetFault{LossPPM: uint32(r.Below(100_000)), DupPPM: uint32(r.Below(100_000)), ReorderPPM: uint32(r.Below(100_000))}
			faults = append(faults, sim.Fault{At: at, Kind: sim.FaultNet, Net: nf})
		}
	}
	faults = append(faults, sim.Fault{At: end, Kind: sim.FaultHeal}, sim.Fault{At: end, Kind: sim.FaultNet, Net: &sim.NetFault{}})
	for _, n := range servers {
		faults = append(faults, sim.Fault{At: end, Kind: sim.FaultRestart, Node: n}, sim.Fault{At: end, Kind: sim.FaultResume, Node: n})
	}
	sim.SortFaults(faults)
	return faults
}

// TestCheckLinearizableCatchesViolations: the replay check is a checker, so
// it must be shown catching what it claims to catch.
func TestCheckLinearizableCatchesViolations(t *testing.T) {
	entry := func(index uint64, client, seq uint64, kind Kind, v string) appliedEntry {
		o := Op{Client: client, Seq: seq, Kind: kind, Key: "x", Value: v}
		return appliedEntry{entry: raft.Entry{Term: 1, Index: index, Data: appendEntry(nil, &o)}}
	}
	log := []appliedEntry{
		entry(1, 5, 1, Append, "a;"),
		entry(2, 6, 1, Append, "b;"),
		entry(3, 5, 2, Get, ""),
	}
	for _, tc := range []struct {
		name string
		ops  []histOp
		bad  bool
	}{
		{"agrees", []histOp{
			{node: 5, op: Op{5, 1, Append, "x", "a;"}, call: 1, ret: 2, done: true},
			{node: 6, op: Op{6, 1, Append, "x", "b;"}, call: 1, ret: 4, done: true},
			{node: 5, op: Op{5, 2, Get, "x", ""}, call: 3, ret: 5, done: true, value: "a;b;"},
		}, false},
		{"stale get", []histOp{
			{node: 5, op: Op{5, 1, Append, "x", "a;"}, call: 1, ret: 2, done: true},
			{node: 5, op: Op{5, 2, Get, "x", ""}, call: 3, ret: 5, done: true, value: "a;"},
		}, true},
		{"real-time order", []histOp{
			{node: 6, op: Op{6, 1, Append, "x", "b;"}, call: 1, ret: 2, done: true},
			{node: 5, op: Op{5, 1, Append, "x", "a;"}, call: 3, ret: 4, done: true},
		}, true},
		{"never executed", []histOp{
			{node: 7, op: Op{7, 1, Append, "x", "c;"}, call: 1, ret: 2, done: true},
		}, true},
	} {
		ft := &fakeT{}
		c := &cluster{t: ft, obs: newObserver(), rec: &recorder{ops: tc.ops}, ids: []int{0}}
		c.obs.applied[0] = log
		c.checkLinearizable()
		if ft.failed != tc.bad {
			t.Errorf("%s: failed=%v, want %v (%s)", tc.name, ft.failed, tc.bad, ft.msg)
		}
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msg += fmt.Sprintf(format, args...) + "; "
}

func (f *fakeT) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
