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

// Snapshots in a running cluster. Every test here also runs the observer's
// standing checks (harness_test.go): the same entry at each index on every
// node, indexes applied in order per incarnation, the same state digest after
// each index on every replica whether applied or restored, and every saved
// snapshot decoding to the state of that digest.

// snapConfig is the default configuration with MaxRaftState set.
func snapConfig(limit int64) func(peers []int) ServerConfig {
	return func(peers []int) ServerConfig {
		cfg := DefaultServerConfig(peers)
		cfg.MaxRaftState = limit
		return cfg
	}
}

// checkReplicasEqual: every running server has applied the same index and
// holds the same store, dedup table and digest (after a quiet spell).
func (c *cluster) checkReplicasEqual() {
	c.t.Helper()
	var ref *Server
	for _, id := range c.ids {
		if c.w.Status(id) != sim.StatusUp {
			c.t.Errorf("n%d is %v: %v", id, c.w.Status(id), c.w.StopError(id))
			continue
		}
		srv := c.servers[id]
		if full := rebuildDigest(srv.store, srv.dedup).sum; srv.StateDigest() != full {
			c.t.Errorf("n%d: incremental digest %#x, rebuilt %#x", id, srv.StateDigest(), full)
		}
		if ref == nil {
			ref = srv
			continue
		}
		if srv.applied != ref.applied {
			c.t.Errorf("n%d applied %d, n%d %d", id, srv.applied, ref.env.ID(), ref.applied)
			continue
		}
		if !maps.Equal(srv.store, ref.store) || !sameSessions(srv.dedup, ref.dedup) || srv.StateDigest() != ref.StateDigest() {
			c.t.Errorf("n%d and n%d applied %d but hold different states (%d/%d keys, %d/%d clients)",
				id, ref.env.ID(), ref.applied, len(srv.store), len(ref.store), len(srv.dedup), len(ref.dedup))
		}
	}
}

// indexOf is the index of the entry of (client, seq) in the applied log, and
// how many entries it has there.
func (c *cluster) indexOf(client, seq uint64) (index uint64, n int) {
	c.t.Helper()
	for _, a := range c.checkAppliedAgree() {
		if a.entry.Type != raft.EntryNormal {
			continue
		}
		if o, err := decodeEntry(a.entry.Data); err == nil && o.Client == client && o.Seq == seq {
			if n == 0 {
				index = a.entry.Index
			}
			n++
		}
	}
	return index, n
}

// TestSnapshotMaxRaftState: under a clerk workload, with MaxRaftState set
// every replica (not only the leader) snapshots from its apply path and its
// durable Raft state stays bounded; with -1 nobody ever snapshots (and the
// state grows far past where the others would have). The history is
// linearizable and the replicas end in one state either way.
func TestSnapshotMaxRaftState(t *testing.T) {
	for _, tc := range []struct {
		limit, bound int64
	}{
		{1000, 8 * 1000},
		// Every apply snapshots (unless one is still being persisted); what
		// remains is the meta record pair (192 bytes) and the entries
		// persisted but not yet applied.
		{1, 4096},
		{4000, 8 * 4000},
		{-1, 0},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			c := newCluster(t, clusterSpec{seed: 50, servers: 3, config: snapConfig(tc.limit), clerks: []Workload{
				workload(0, 5*s, "a", "b"), workload(0, 5*s, "b"), workload(0, 5*s, "c"), workload(0, 5*s, "a", "c"),
			}})
			c.run(instant(8 * s))
			c.checkHistory(true)
			c.checkLinearizable()
			c.checkReplicasEqual()
			if len(c.rec.ops) < 500 {
				t.Fatalf("only %d operations", len(c.rec.ops))
			}
			t.Logf("ops %d, most raft state %v, snapshots saved %d, restored %d; probes %s",
				len(c.rec.ops), c.obs.maxSize, len(c.obs.saved), len(c.obs.restored), c.probeSummary())
			if tc.limit < 0 {
				if n := c.obs.count(-1, "snapshot-taken"); n != 0 || len(c.obs.saved) != 0 || len(c.obs.restored) != 0 {
					t.Fatalf("maxraftstate -1: %d snapshots taken, %d saved, %d restored", n, len(c.obs.saved), len(c.obs.restored))
				}
				for _, id := range c.ids {
					if c.obs.maxSize[id] < 8*4000 {
						t.Fatalf("n%d: raft state only reached %d bytes: the workload proves nothing", id, c.obs.maxSize[id])
					}
				}
				return
			}
			for _, id := range c.ids {
				taken := c.obs.count(id, "snapshot-taken")
				saved := 0
				for _, ev := range c.obs.saved {
					if ev.node == id {
						saved++
					}
				}
				if taken == 0 || saved < taken {
					t.Errorf("n%d: %d snapshots taken, %d saved", id, taken, saved)
				}
				if c.obs.maxSize[id] >= tc.bound {
					t.Errorf("n%d: durable raft state reached %d bytes, bound %d", id, c.obs.maxSize[id], tc.bound)
				}
				if size := c.servers[id].Host().StorageSize(); size > c.obs.maxSize[id] {
					t.Errorf("n%d: raft state %d bytes at the end", id, size)
				}
				if c.servers[id].Host().Core().SnapshotIndex() == 0 {
					t.Errorf("n%d holds no snapshot", id)
				}
			}
			// A snapshot is taken only once the state reached the limit: far
			// fewer than one per entry, unless the limit is tiny.
			if tc.limit >= 1000 {
				perNode := c.obs.count(-1, "snapshot-taken") / len(c.ids)
				if applied := int(c.servers[0].applied); perNode*2 > applied {
					t.Errorf("%d snapshots per node for %d entries at maxraftstate %d", perNode, applied, tc.limit)
				}
			}
		})
	}
}

// TestSnapshotRetryAnsweredFromRestoredTable: requests execute but their
// replies are lost; every server snapshots past them, crashes and restarts
// from its snapshot; the retries (same client and seq) are answered from the
// restored dedup table, a Get with the value it read when it executed (not
// the key's value now), and nothing executes twice.
func TestSnapshotRetryAnsweredFromRestoredTable(t *testing.T) {
	c := newCluster(t, clusterSpec{seed: 60, servers: 3, testClient: true, config: snapConfig(1)})
	l := c.mustLeader()
	put := op(1, Put, "k", "v1;")
	app := op(2, Append, "k", "x;")
	get := Op{Client: testClientID + 1, Seq: 7, Kind: Get, Key: "k"}
	later := Op{Client: testClientID + 2, Seq: 8, Kind: Append, Key: "k", Value: "later;"}
	filler := Op{Client: testClientID + 3, Seq: 9, Kind: Put, Key: "other", Value: "f"}

	c.send(c.w.Now(), l, put)
	if r := c.awaitReply(1, c.w.Now().Add(time1s)); r.rep.Err != OK {
		t.Fatalf("put: %+v", r.rep)
	}
	// The servers execute the append and the get, but their replies are lost.
	now := c.w.Now()
	c.fault(sim.Fault{Kind: sim.FaultPartition, Links: sim.OneWay(c.ids, []int{c.cid})})
	c.send(now.Add(1*ms), l, app)
	c.send(now.Add(2*ms), l, get)
	c.run(now.Add(200 * ms))
	c.send(c.w.Now(), l, later) // the key moves on past what the get read
	c.run(c.w.Now().Add(200 * ms))
	c.fault(sim.Fault{Kind: sim.FaultHeal})
	// One more entry, so that every server's snapshot covers all of the above.
	c.send(c.w.Now(), l, filler)
	c.awaitReply(9, c.w.Now().Add(time1s))
	c.run(c.w.Now().Add(200 * ms))
	if got := len(c.client.repliesFor(2)) + len(c.client.repliesFor(7)) + len(c.client.repliesFor(8)); got != 0 {
		t.Fatalf("%d replies got through the partition", got)
	}
	appIndex, _ := c.indexOf(app.Client, app.Seq)
	getIndex, _ := c.indexOf(get.Client, get.Seq)
	laterIndex, _ := c.indexOf(later.Client, later.Seq)
	if appIndex == 0 || getIndex == 0 || laterIndex == 0 {
		t.Fatalf("not executed: append at %d, get at %d, later at %d", appIndex, getIndex, laterIndex)
	}
	for _, id := range c.ids {
		if si := c.servers[id].Host().Core().SnapshotIndex(); si < laterIndex {
			t.Fatalf("n%d's snapshot is at %d, before the entries at %d..%d", id, si, appIndex, laterIndex)
		}
	}

	// Every server crashes and restarts from its snapshot.
	crashAt := c.w.Now()
	for _, id := range c.ids {
		c.fault(sim.Fault{At: crashAt.Add(10 * ms), Kind: sim.FaultCrash, Node: id})
		c.fault(sim.Fault{At: crashAt.Add(100 * ms), Kind: sim.FaultRestart, Node: id})
	}
	c.run(crashAt.Add(200 * ms))
	for _, id := range c.ids {
		if c.obs.count(id, "restart-from-snapshot") != 1 {
			t.Fatalf("n%d: restart-from-snapshot fired %d times", id, c.obs.count(id, "restart-from-snapshot"))
		}
		if s := c.servers[id].dedup[get.Client]; !s.restored || s.seq != get.Seq || s.value != "v1;x;" {
			t.Fatalf("n%d restored the get's session as %+v", id, s)
		}
	}
	l = c.mustLeader()
	c.run(c.w.Now().Add(100 * ms))

	// The retries: the append to the leader and a follower, the get to the
	// leader. None may be proposed again.
	follower := c.others(l)[0]
	now = c.w.Now()
	c.send(now, l, app)
	c.send(now, follower, app)
	c.send(now, l, get)
	c.run(now.Add(200 * ms))
	apps := c.client.repliesFor(app.Seq)
	if len(apps) != 2 {
		t.Fatalf("%d replies to the append's retries, want 2: %+v", len(apps), apps)
	}
	for _, r := range apps {
		if r.rep.Err != OK || r.rep.Value != "" {
			t.Errorf("append retry answered %+v by n%d, want OK", r.rep, r.from)
		}
	}
	gets := c.client.repliesFor(get.Seq)
	if len(gets) != 1 || gets[0].rep.Err != OK || gets[0].rep.Value != "v1;x;" {
		t.Fatalf("get retry answered %+v, want OK v1;x; (what it read when it executed)", gets)
	}
	for _, id := range []int{l, follower} {
		if c.obs.count(id, "dedup-from-restored-table") == 0 {
			t.Errorf("n%d: dedup-from-restored-table never fired", id)
		}
	}
	// Executed once: one entry each in the log, and the value holds x; once.
	c.send(c.w.Now(), l, op(3, Get, "k", ""))
	if r := c.awaitReply(3, c.w.Now().Add(time1s)); r.rep.Err != OK || r.rep.Value != "v1;x;later;" {
		t.Fatalf("get after the retries: %+v, want v1;x;later;", r.rep)
	}
	c.run(c.w.Now().Add(200 * ms))
	for _, o := range []Op{app, get, later} {
		if _, n := c.indexOf(o.Client, o.Seq); n != 1 {
			t.Errorf("client %d seq %d has %d entries in the log, want 1", o.Client, o.Seq, n)
		}
	}
	c.checkReplicasEqual()
	for _, id := range c.ids {
		if v := c.servers[id].store["k"]; strings.Count(v, "x;") != 1 {
			t.Errorf("n%d: k = %q", id, v)
		}
	}
}

// TestSnapshotDuplicateEntrySkippedByRestoredSession: a request proposed
// twice (a retry before the first copy committed) has both copies in the
// log; the servers snapshot between them and restart; replaying the log
// after the snapshot, the second copy must be skipped because of the
// session the snapshot restored.
func TestSnapshotDuplicateEntrySkippedByRestoredSession(t *testing.T) {
	c := newCluster(t, clusterSpec{seed: 61, servers: 3, testClient: true, config: snapConfig(1)})
	l := c.mustLeader()
	app := op(1, Append, "k", "y;")
	now := c.w.Now()
	c.fault(sim.Fault{At: now, Kind: sim.FaultPartition, Links: sim.OneWay([]int{l}, c.others(l))})
	c.send(now.Add(1*ms), l, app)
	c.send(now.Add(2*ms), l, app)
	c.fault(sim.Fault{At: now.Add(40 * ms), Kind: sim.FaultHeal})
	c.run(now.Add(500 * ms))
	first, n := c.indexOf(app.Client, app.Seq)
	if n != 2 {
		t.Fatalf("%d entries of the request, want both copies", n)
	}
	second := first + 1
	var behind []int // servers whose snapshot lies between the two copies
	for _, id := range c.ids {
		if si := c.servers[id].Host().Core().SnapshotIndex(); si >= first && si < second {
			behind = append(behind, id)
		}
	}
	if len(behind) == 0 {
		t.Fatalf("no server's snapshot lies between the copies at %d and %d: the test needs one", first, second)
	}
	crashAt := c.w.Now()
	for _, id := range c.ids {
		c.fault(sim.Fault{At: crashAt, Kind: sim.FaultCrash, Node: id})
		c.fault(sim.Fault{At: crashAt.Add(100 * ms), Kind: sim.FaultRestart, Node: id})
	}
	c.run(crashAt.Add(200 * ms))
	c.mustLeader()
	c.run(c.w.Now().Add(300 * ms)) // the new leader's no-op commits the second copy
	for _, id := range behind {
		if c.obs.count(id, "dedup-from-restored-table") != 1 {
			t.Errorf("n%d: dedup-from-restored-table fired %d times, want 1 (probes %s)", id, c.obs.count(id, "dedup-from-restored-table"), c.probeSummary())
		}
		if v := c.servers[id].store["k"]; v != "y;" {
			t.Errorf("n%d: k = %q, want y; once", id, v)
		}
	}
	c.checkReplicasEqual()
}

// TestSnapshotInstallCatchesUpFollower: a follower is cut off while the
// others snapshot and compact their logs past it; healed, it gets the
// leader's snapshot by InstallSnapshot, ends in the leader's state, and the
// clerks, who ran throughout, saw a linearizable history.
func TestSnapshotInstallCatchesUpFollower(t *testing.T) {
	for _, seed := range []uint64{70, 71, 72} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			const stop = 7 * s
			c := newCluster(t, clusterSpec{seed: seed, servers: 3, config: snapConfig(1000), clerks: []Workload{
				workload(0, stop, "a", "b"), workload(0, stop, "b"), workload(0, stop, "a"),
			}})
			c.run(instant(1 * s))
			l := c.mustLeader()
			f := c.others(l)[0]
			c.fault(sim.Fault{Kind: sim.FaultPartition, Links: sim.Isolate(f, c.ids)})
			c.run(instant(3500 * ms))
			cut := c.servers[f].Host().Core().LastIndex()
			if c.leader() != l || c.servers[l].Host().Core().SnapshotIndex() <= cut {
				t.Fatalf("leader n%d (now n%d) did not compact past the follower's last index %d", l, c.leader(), cut)
			}
			healed := c.w.Now()
			c.fault(sim.Fault{Kind: sim.FaultHeal})
			c.run(instant(stop + 5*s))

			if c.obs.count(f, "snapshot-installed") == 0 {
				t.Fatalf("n%d never installed a snapshot (probes %s)", f, c.probeSummary())
			}
			installed := false
			for _, ev := range c.obs.restored {
				if ev.node == f && ev.index > cut && ev.at >= healed {
					installed = true
				}
			}
			if !installed {
				t.Fatalf("n%d restored no snapshot past its last index %d", f, cut)
			}
			c.checkHistory(true)
			c.checkLinearizable()
			c.checkReplicasEqual()
			after := 0
			for _, h := range c.rec.ops {
				if h.call > healed && h.done {
					after++
				}
			}
			if after < 50 {
				t.Fatalf("only %d operations after the heal", after)
			}
			t.Logf("follower n%d cut at %d; ops %d (%d after the heal); probes %s", f, cut, len(c.rec.ops), after, c.probeSummary())
		})
	}
}

// TestSnapshotChaos: the linearizability chaos schedule (partitions, crashes
// inside syncs, pauses, a lossy network) with servers that snapshot at
// maxraftstate 1000 and 1; the observer compares every replica's digest at
// every index, snapshots included.
func TestSnapshotChaos(t *testing.T) {
	for i := range uint64(*seeds) {
		for _, limit := range []int64{1000, 1} {
			seed := 81 + i
			t.Run(fmt.Sprintf("%d/%d", seed, limit), func(t *testing.T) {
				const end = 10 * s
				net := sim.DefaultNet
				net.ReorderMax = 300 * ms
				wl := func(keys ...string) Workload {
					return Workload{Keys: keys, GetPPM: 300_000, PutPPM: 150_000, Think: [2]sim.Duration{0, 30 * ms}, StopAt: instant(end)}
				}
				c := newCluster(t, clusterSpec{seed: seed, servers: 5, net: &net, config: snapConfig(limit), clerks: []Workload{
					wl("x"), wl("x"), wl("x", "y"), wl("y"), wl("y"),
				}})
				faults := chaosSchedule(sim.NewRand(seed), c.ids, c.clerks, instant(end))
				c.w.Schedule(faults)
				c.run(instant(end + 20*s))
				c.checkHistory(true)
				c.checkLinearizable()
				c.checkReplicasEqual()
				if c.obs.count(-1, "snapshot-taken") == 0 {
					t.Fatal("no snapshot taken")
				}
				bound := max(8*limit, 4096)
				for _, id := range c.ids {
					if c.obs.maxSize[id] >= bound {
						t.Errorf("n%d: durable raft state reached %d bytes, bound %d", id, c.obs.maxSize[id], bound)
					}
				}
				t.Logf("ops=%d faults=%d restored=%d probes: %s", len(c.rec.ops), len(faults), len(c.obs.restored), c.probeSummary())
			})
		}
	}
}

// TestSnapshotOnDiskRestoredAtStart: a server that finds a snapshot on its
// disk starts from it: the store and the dedup table (marked restored) are
// the snapshot's, and a retry of a request it covers is answered from it.
func TestSnapshotOnDiskRestoredAtStart(t *testing.T) {
	state := sampleStates()["many keys"]
	state.dedup[testClientID] = session{seq: 4, value: "cached"}
	c := newCluster(t, clusterSpec{seed: 62, servers: 1, testClient: true, config: snapConfig(-1), preload: map[int]*raft.Snapshot{0: {Index: 50, Term: 3, Data: encodeSnapshot(state.store, state.dedup)}}})
	srv := c.servers[0]
	if !maps.Equal(srv.store, state.store) || !sameSessions(srv.dedup, state.dedup) || srv.applied != 50 {
		t.Fatalf("started with %d keys, %d clients, applied %d", len(srv.store), len(srv.dedup), srv.applied)
	}
	if srv.StateDigest() != rebuildDigest(state.store, state.dedup).sum {
		t.Fatal("the digest after the restore is not the snapshot's")
	}
	if len(c.obs.restored) != 1 || c.obs.restored[0].digest != srv.StateDigest() || c.obs.count(0, "restart-from-snapshot") != 1 {
		t.Fatalf("restores %+v, probes %s", c.obs.restored, c.probeSummary())
	}
	c.mustLeader()
	c.send(c.w.Now(), 0, op(4, Get, "key1", ""))
	if r := c.awaitReply(4, c.w.Now().Add(time1s)); r.rep.Err != OK || r.rep.Value != "cached" {
		t.Fatalf("retry of seq 4: %+v, want the cached reply", r.rep)
	}
	if c.obs.count(0, "dedup-from-restored-table") != 1 {
		t.Fatal("dedup-from-restored-table did not fire")
	}
	c.send(c.w.Now(), 0, op(5, Get, "key1", ""))
	if r := c.awaitReply(5, c.w.Now().Add(time1s)); r.rep.Err != OK || r.rep.Value != state.store["key1"] {
		t.Fatalf("get key1: %+v, want %q", r.rep, state.store["key1"])
	}
	if srv.applied <= 50 {
		t.Fatalf("applied %d: nothing after the snapshot", srv.applied)
	}
}

// TestSnapshotUndecodableOnDiskStopsNode: a snapshot whose Raft framing is
// sound but whose service data does not decode stops the node at start with
// a clear error; it never runs on an empty state in its place.
func TestSnapshotUndecodableOnDiskStopsNode(t *testing.T) {
	good := encodeSnapshot(map[string]string{"k": "v"}, map[uint64]session{1: {seq: 1}})
	bad := slices0(good)
	bad[len(bad)-1] ^= 1 // the kv CRC no longer matches
	for name, data := range map[string][]byte{"garbage": []byte("garbage"), "bad crc": bad, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, clusterSpec{seed: 63, servers: 3, preload: map[int]*raft.Snapshot{1: {Index: 20, Term: 2, Data: data}}})
			if st := c.w.Status(1); st != sim.StatusStopped {
				t.Fatalf("n1 is %v with an undecodable snapshot", st)
			}
			if err := c.w.StopError(1); err == nil || !strings.Contains(err.Error(), "restore snapshot at 20") || !strings.Contains(err.Error(), "kv snapshot") {
				t.Fatalf("n1 stopped with %v", err)
			}
			// The node stays down, the others serve.
			c.run(instant(2 * s))
			if st := c.w.Status(1); st != sim.StatusStopped {
				t.Fatalf("n1 is %v", st)
			}
			if l := c.mustLeader(); l == 1 {
				t.Fatal("the stopped node leads")
			}
		})
	}
}

// TestSnapshotDeterministic: snapshots keep a run reproducible: the same seed
// gives the same trace hash and the same snapshot bytes, another seed another
// hash.
func TestSnapshotDeterministic(t *testing.T) {
	run := func(seed uint64) (uint64, []snapEvent) {
		c := newCluster(t, clusterSpec{seed: seed, servers: 3, config: snapConfig(1000), clerks: []Workload{
			workload(0, 2*s, "a", "b"), workload(0, 2*s, "b"), workload(0, 2*s, "a"),
		}})
		c.fault(sim.Fault{At: instant(1200 * ms), Kind: sim.FaultCrash, Node: 1})
		c.fault(sim.Fault{At: instant(1800 * ms), Kind: sim.FaultRestart, Node: 1})
		c.run(instant(4 * s))
		if len(c.obs.saved) == 0 || c.obs.count(1, "restart-from-snapshot") != 1 {
			t.Fatalf("seed %d: %d snapshots saved; probes %s", seed, len(c.obs.saved), c.probeSummary())
		}
		return c.w.Hash(), c.obs.saved
	}
	h1, s1 := run(90)
	h2, s2 := run(90)
	if h1 != h2 || !slices.Equal(s1, s2) {
		t.Fatalf("seed 90 twice: hashes %#x and %#x, %d and %d snapshots", h1, h2, len(s1), len(s2))
	}
	if h3, _ := run(91); h3 == h1 {
		t.Fatal("seeds 90 and 91 give the same hash")
	}
}
