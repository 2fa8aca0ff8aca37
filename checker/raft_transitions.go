package checker

import (
	"math/bits"

	"github.com/detsim/detsim/sim"
)

// Transitions. Figure 3's five properties say what must never be seen
// across the cluster; these checks say what a single node must never do
// from one event to the next, so that a wrong transition is named where it
// happens instead of surfacing, if at all, as a liveness timeout later:
//
//   - term-monotonic: a node's term never goes back, in memory within an
//     incarnation or on disk across persists and restarts.
//   - election-quorum: a node becomes leader of a term only with the votes
//     of a majority of the cluster (its own durable vote among them), as
//     the VoteGranted events of that term show. It assumes a fixed
//     membership of the servers the checker was made for.
//   - append-from-leader: a node acknowledges an append only in its own
//     current term and only to the node that leads that term: entries from
//     a deposed leader, whose term is below its own, are refused.
//   - acked-entries-kept: what a node acknowledged to its leader stays in
//     its durable log for as long as its term stays the same: that leader
//     counts those entries as replicated, and may have committed them.
//   - leader-append-only: a leader never overwrites or deletes an entry of
//     its own log while it leads (Figure 3).
//   - commit-monotonic: a node's commit index never goes back within an
//     incarnation.
//   - durability: a restarted node reads back every entry it had made
//     durable and knew committed (the disk may lose what was never synced,
//     never what was).

// Names of the transition checks.
const (
	TermMonotonic    = "term-monotonic"
	ElectionQuorum   = "election-quorum"
	AppendFromLeader = "append-from-leader"
	AckedEntriesKept = "acked-entries-kept"
	LeaderAppendOnly = "leader-append-only"
	CommitMonotonic  = "commit-monotonic"
	Durability       = "durability"
)

// transitionChecks lists them in the order reports show them.
var transitionChecks = []string{TermMonotonic, ElectionQuorum, AppendFromLeader, AckedEntriesKept, LeaderAppendOnly, CommitMonotonic, Durability}

// acked is the most a node acknowledged in one term.
type acked struct {
	term, index uint64
}

// votes are the voters (a bit each) that granted a candidate a term.
type voteKey struct {
	term      uint64
	candidate int
}

// termMoved checks a node's new in-memory term against its last one.
func (c *Raft) termMoved(node int, term uint64) {
	n := &c.nodes[node]
	if term < n.term {
		c.v.add(TermMonotonic, "n%d went from term %d back to term %d at %s", node, n.term, term, sim.AppendTime(nil, c.now()))
	}
	if term != n.ack.term {
		n.ack = acked{} // a new term: the old leader's count is moot
	}
}

// durableTermMoved checks a hard state made durable (or read back) against
// the last one this node made durable.
func (c *Raft) durableTermMoved(node int, hs HardState, how string) {
	n := &c.nodes[node]
	if hs.Term < n.hs.Term {
		c.v.add(TermMonotonic, "n%d %s term %d at %s after term %d was durable", node, how, hs.Term, sim.AppendTime(nil, c.now()), n.hs.Term)
	}
	if hs.Term == n.hs.Term && n.hs.Vote != NoNode && hs.Vote != n.hs.Vote {
		c.v.add(ElectionSafety, "n%d %s a vote for n%d in term %d at %s, having voted for n%d in it", node, how, hs.Vote, hs.Term,
			sim.AppendTime(nil, c.now()), n.hs.Vote)
	}
}

// checkQuorum: a new leader holds a majority of its term's votes.
func (c *Raft) checkQuorum(node int, term uint64) {
	if len(c.nodes) > 64 {
		return // votes are kept a bit per voter
	}
	got := c.votes[voteKey{term, node}]
	if n := &c.nodes[node]; n.hs.Term == term && n.hs.Vote == node {
		got |= 1 << uint(node)
	}
	if have, need := bits.OnesCount64(got), len(c.nodes)/2+1; have < need {
		c.v.add(ElectionQuorum, "n%d became leader of term %d at %s with %d of the %d votes it needs (of %d servers)",
			node, term, sim.AppendTime(nil, c.now()), have, need, len(c.nodes))
	}
}

// checkAck: an acknowledgement goes to the leader of the acknowledger's
// own term, and is remembered for acked-entries-kept.
func (c *Raft) checkAck(node, leader int, term, index uint64) {
	n := &c.nodes[node]
	if term != n.term {
		c.v.add(AppendFromLeader, "n%d in term %d acknowledged an append of term %d at %s", node, n.term, term, sim.AppendTime(nil, c.now()))
	}
	if lead, ok := c.leaders[term]; !ok || lead != leader {
		c.v.add(AppendFromLeader, "n%d acknowledged entries through %d to n%d in term %d at %s, but n%d does not lead that term",
			node, index, leader, term, sim.AppendTime(nil, c.now()), leader)
	}
	if term == n.term && index > n.ack.index {
		n.ack = acked{term: term, index: index}
	}
}

// rewrite is a persisted batch that started inside a node's log: what
// the log held there that must come back unchanged (a leader's whole log,
// a follower's acknowledged prefix), checked as the batch's entries arrive
// and settled at the node's next event of another kind.
type rewrite struct {
	active  bool
	from    uint64    // the batch's first index
	old     []entryID // what the log held from there through the last protected index
	leader  uint64    // protected through here because the node leads (0: not)
	acked   uint64    // protected through here because it was acknowledged (0: none)
	durable uint64    // protected through here across a restart: durable and committed (0: none)
	checked uint64    // the batch has shown entries through here
}

// checkTruncate is called when a persisted batch starts at first inside
// the log: rewriting entries as they were is allowed (a snapshot persist
// writes the whole log after it), changing or dropping them is not.
func (c *Raft) checkTruncate(node int, first uint64) {
	n := &c.nodes[node]
	c.settle(node)
	if first > n.lastIndex() {
		return // an append, not a rewrite
	}
	// The batch's hard state is durable already (Persisted came first): a
	// node that learned of a newer term in this very step is no longer
	// bound by what it did in the old one, though its role changes later.
	rw := &n.rewrite // reused, so that a rewrite allocates nothing once warm
	rw.from, rw.checked, rw.leader, rw.acked, rw.durable, rw.old = first, first-1, 0, 0, 0, rw.old[:0]
	if n.role == Leader && n.hs.Term == n.term {
		rw.leader = n.lastIndex()
	}
	if n.ack.term == n.hs.Term && n.ack.index >= first {
		rw.acked = min(n.ack.index, n.lastIndex())
	}
	if last := max(rw.leader, rw.acked); last >= first {
		for i := first; i <= last; i++ {
			id, _ := n.entry(i)
			rw.old = append(rw.old, id)
		}
		rw.active = true
	}
}

// rewritten checks one entry of a batch against what it replaced.
func (c *Raft) rewritten(node int, e Entry) {
	rw := &c.nodes[node].rewrite
	if !rw.active || e.Index < rw.from || e.Index > rw.from+uint64(len(rw.old))-1 {
		return
	}
	if was := rw.old[e.Index-rw.from]; was != (entryID{term: e.Term, digest: e.Digest}) {
		c.rewriteViolation(node, rw, e.Index, "changed")
		rw.active = false
		return
	}
	rw.checked = e.Index
}

// settle ends a rewrite at the node's next event: a protected entry the
// batch did not write again is gone.
func (c *Raft) settle(node int) {
	c.checkPrompt(node)
	if rw := &c.nodes[node].rewrite; rw.active {
		rw.active = false
		if last := rw.from + uint64(len(rw.old)) - 1; rw.checked < last {
			c.rewriteViolation(node, rw, rw.checked+1, "dropped")
		}
	}
}

func (c *Raft) rewriteViolation(node int, rw *rewrite, index uint64, how string) {
	n := &c.nodes[node]
	if index <= rw.leader {
		c.v.add(LeaderAppendOnly, "n%d, leader of term %d, %s entry %d of its own log at %s",
			node, n.term, how, index, sim.AppendTime(nil, c.now()))
	}
	if index <= rw.durable {
		c.v.add(Durability, "n%d restarted without entry %d, which it had made durable and knew committed (%s on reading back, at %s)",
			node, index, how, sim.AppendTime(nil, c.now()))
	}
	if index <= rw.acked {
		c.v.add(AckedEntriesKept, "n%d acknowledged entries through %d in term %d, then %s entry %d in the same term at %s",
			node, rw.acked, n.term, how, index, sim.AppendTime(nil, c.now()))
	}
}

// commitMoved checks a reported commit index against the last one.
func (c *Raft) commitMoved(node int, commit uint64) {
	if n := &c.nodes[node]; commit < n.commit {
		c.v.add(CommitMonotonic, "n%d's commit went back from %d to %d at %s", node, n.commit, commit, sim.AppendTime(nil, c.now()))
	}
}

// expectRecovery is called as a node restarts, before its view is reset:
// what it holds durable and committed, after its snapshot, must come back.
func (c *Raft) expectRecovery(node int) {
	n := &c.nodes[node]
	upTo := min(n.commit, n.lastIndex())
	rw := &n.rewrite
	rw.active = false
	if upTo <= n.base {
		return
	}
	rw.from, rw.checked, rw.leader, rw.acked, rw.durable, rw.old = n.base+1, n.base, 0, 0, upTo, rw.old[:0]
	for i := n.base + 1; i <= upTo; i++ {
		id, _ := n.entry(i)
		rw.old = append(rw.old, id)
	}
	rw.active = true
}

// recoveredSnapshot: entries a restarted node's snapshot covers came back.
func (c *Raft) recoveredSnapshot(node int, index uint64) {
	if rw := &c.nodes[node].rewrite; rw.active {
		rw.checked = max(rw.checked, index)
	}
}
