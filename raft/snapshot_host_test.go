package raft

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// Snapshots through the Host over simulated disks: a service that compacts
// from Apply, a restart that restores the service from the durable snapshot
// and applies only what follows it, and an install from the leader that is
// persisted before it is acknowledged and restored before anything after it.

// hostLeader ticks the cluster until it has a leader.
func (c *hostCluster) hostLeader() int {
	c.t.Helper()
	for i := 0; c.leader() == None; i++ {
		if i > 200 {
			c.t.Fatal("no leader")
		}
		c.tickAll()
	}
	return c.leader()
}

// proposeAll proposes n commands on the leader at once and lets every node
// learn they are committed. Followers get the entries before the commit
// index, so a service that compacts as it applies them leaves entries after
// its snapshot.
func (c *hostCluster) proposeAll(prefix string, n int) {
	c.t.Helper()
	lead := c.hostLeader()
	for i := range n {
		if _, _, err := c.hosts[lead].Propose([]byte(fmt.Sprintf("%s%d", prefix, i))); err != nil {
			c.t.Fatal(err)
		}
	}
	c.deliverAll()
	for range 15 { // heartbeats carry the last commit index
		c.tickAll()
	}
}

// crash throws node id away with its unsynced writes and the messages in
// flight to it, then starts it again from its disk.
func (c *hostCluster) crash(id int) {
	kept := c.out[:0]
	for _, m := range c.out {
		if m.to != id {
			kept = append(kept, m)
		}
	}
	c.out = kept
	c.disks[id].Crash(sim.NewRand(uint64(id)), 1_000_000)
	c.start(id)
}

func (c *hostCluster) checkSameState(a, b int) {
	c.t.Helper()
	sa, sb := c.apps[a].state, c.apps[b].state
	if encodeStateString(sa) != encodeStateString(sb) {
		c.t.Fatalf("n%d state (%d entries) differs from n%d's (%d)", a, len(sa), b, len(sb))
	}
}

// A host whose service compacts, crashed and restarted, hands the service
// its durable snapshot once, before anything else, and then applies only
// the entries after it.
func TestHostRestartFromSnapshot(t *testing.T) {
	c := newHostCluster(t)
	c.setCompaction(4)
	lead := c.hostLeader()
	c.proposeAll("cmd", 10)
	id := (lead + 1) % 3
	snap := c.hosts[id].Core().SnapshotIndex()
	if snap == 0 || len(c.obs[id].saved) == 0 || c.obs[id].saved[len(c.obs[id].saved)-1] != snap {
		t.Fatalf("setup: n%d snapshot at %d, saved %v", id, snap, c.obs[id].saved)
	}
	last := c.hosts[id].Core().LastIndex()
	if last <= snap {
		t.Fatalf("setup: n%d holds no entry after its snapshot at %d", id, snap)
	}
	c.crash(id)
	app, obs, core := c.apps[id], c.obs[id], c.hosts[id].Core()
	if core.LastIndex() != last {
		t.Fatalf("restart: log ends at %d, was %d before the crash", core.LastIndex(), last)
	}
	if len(app.restored) != 1 || app.restored[0].Index != snap || uint64(len(app.state)) != snap {
		t.Fatalf("restart: restored %d snapshots (first %+v), state of %d entries; want one at %d", len(app.restored), app.restored, len(app.state), snap)
	}
	if len(obs.restored) != 1 || obs.restored[0] != snap || obs.probes["restart-from-snapshot"] != 1 {
		t.Fatalf("restart: observer saw restores %v, probes %v", obs.restored, obs.probes)
	}
	if core.Commit() != snap || core.Applied() != snap || len(app.applied) != 0 {
		t.Fatalf("restart: commit %d applied %d, %d entries applied", core.Commit(), core.Applied(), len(app.applied))
	}
	c.proposeAll("more", 3)
	if len(app.applied) == 0 || app.applied[0].Index != snap+1 || len(app.restored) != 1 {
		t.Fatalf("after restart: applied from %v, %d restores", app.applied[:min(1, len(app.applied))], len(app.restored))
	}
	c.checkSameState(id, c.hostLeader())
}

// A follower cut off while the others compact gets the leader's snapshot:
// the host persists it (SnapshotSaved) before acknowledging it (checked at
// every send), restores the service, then applies what follows.
func TestHostInstallSnapshot(t *testing.T) {
	c := newHostCluster(t)
	c.setCompaction(3)
	lead := c.hostLeader()
	f := (lead + 1) % 3
	c.cut = map[int]bool{f: true}
	c.proposeAll("missed", 10)
	if last, snap := c.hosts[f].Core().LastIndex(), c.hosts[lead].Core().SnapshotIndex(); snap <= last {
		t.Fatalf("setup: leader's snapshot at %d, n%d's log ends at %d", snap, f, last)
	}
	c.cut = nil
	c.proposeAll("after", 2)
	app, obs := c.apps[f], c.obs[f]
	if len(app.restored) != 1 || obs.probes["snapshot-accepted"] != 1 || obs.probes["snapshot-installed"] != 1 {
		t.Fatalf("n%d: %d restores, probes %v", f, len(app.restored), obs.probes)
	}
	installed := app.restored[0].Index
	if len(obs.saved) == 0 || obs.saved[0] != installed || obs.restored[0] != installed {
		t.Fatalf("n%d: saved %v restored %v, installed %d", f, obs.saved, obs.restored, installed)
	}
	c.checkSameState(f, c.hostLeader())
	checkInstallOrder(t, c.log, f, installed)
	// Its disk holds the snapshot (or a later one it took): a restart
	// restores from it.
	c.crash(f)
	if r := c.apps[f].restored; len(r) != 1 || r[0].Index < installed {
		t.Fatalf("after a restart n%d restored %v, want one at %d or later", f, r, installed)
	}
	c.proposeAll("last", 1)
	c.checkSameState(f, c.hostLeader())
}

// checkInstallOrder finds in the shared trace of syncs, sends and restores
// the install of the snapshot at index on node f. Nodes act one at a time,
// so its step is one run of lines: the snapshot file and the meta record
// synced, then the acknowledgement sent, then the service restored.
func checkInstallOrder(t *testing.T, trace []string, f int, index uint64) {
	t.Helper()
	at := slices.Index(trace, fmt.Sprintf("restore %d", index))
	ack := fmt.Sprintf("send n%d AppResp %d->", f, f)
	if at < 2 || !strings.HasPrefix(trace[at-1], ack) || !strings.HasSuffix(trace[at-1], fmt.Sprintf("index=%d", index)) {
		t.Fatalf("restore at %d on n%d does not follow its acknowledgement: %q", index, f, trace[max(at-3, 0):max(at+1, 0)])
	}
	step := at - 2 // back to the first line of the step
	for step > 0 && strings.HasPrefix(trace[step-1], "sync ") {
		step--
	}
	syncs := trace[step : at-1]
	if !strings.HasPrefix(syncs[len(syncs)-1], "sync meta.") || !slices.ContainsFunc(syncs, func(l string) bool {
		return strings.HasPrefix(l, "sync snap.")
	}) {
		t.Fatalf("the acknowledgement of the snapshot at %d on n%d follows syncs %q", index, f, syncs)
	}
}
