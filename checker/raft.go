package checker

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/detsim/detsim/sim"
)

// Raft checks Raft's safety properties online (Figure 3 of the paper) from
// the events each node reports (raft_events.go), never reaching into one.
type Raft struct {
	now        func() sim.Time
	v          violations
	leaders    map[uint64]int // term → the node that led it
	nodes      []nodeView
	chains     map[[2]uint64]uint64 // (index, term) → chain hash of the log through it
	commits    window[entryID]      // the entry committed at each index
	commitT    window[uint64]       // the term of the node that first reported it committed
	applied    window[entryID]      // the entry first applied at each index
	states     window[uint64]       // the service's state digest after each index
	snaps      map[uint64]uint64    // snapshot index → digest of its data
	hb         map[[2]int]*beats    // (leader, follower) → recent heartbeat times
	votes      map[voteKey]uint64   // (term, candidate) → the voters that granted it, a bit each
	asked      map[voteKey]logEnd   // (term, candidate) → the log end its vote requests claimed
	spans      []LeaderSpan         // every term's leadership, in the order they began
	probes     map[string]int
	lag        lagWatch
	batch      AppendBatch        // the largest AppendEntries sent
	late       LateApply          // the first step that ended with entries owed to the service
	backups    map[[2]int]*backup // by leader and follower
	backupMiss BackupMiss

	maxLeaderTerm uint64
	dropped       uint64 // indexes at or below this are forgotten
	size          stateSize
}

type entryID struct {
	term   uint64
	digest uint64
}

// nodeView is what the checker knows of one node, from its reports alone.
type nodeView struct {
	base        uint64    // its snapshot's index (0: none)
	baseID      entryID   // its snapshot's term (the digest is unknown)
	baseChain   uint64    // the chain hash through base
	log         []entryID // persisted log after base: index i at log[i-base-1]
	chain       []uint64  // chain hash through each index
	batch       batch     // where the next Append goes
	hs          HardState // durable, as last persisted
	term        uint64
	role        Role
	lead        int
	commit      uint64
	lastApplied uint64
	ack         acked    // the most acknowledged in the current term
	led         int      // its latest term as leader: an index in Raft.spans, -1 none
	rewrite     rewrite  // a batch rewriting protected entries, being checked
	stepped     bool     // eventAt is set (false: new incarnation, or down)
	eventAt     sim.Time // its latest event's time
	backingUp   bool     // its next AppendEntries answers a rejection
}

// NewRaft returns a checker for n servers; now reads the world's virtual time.
func NewRaft(n int, now func() sim.Time) *Raft {
	c := &Raft{
		now: now, nodes: make([]nodeView, n), leaders: map[uint64]int{}, snaps: map[uint64]uint64{},
		chains: map[[2]uint64]uint64{}, hb: map[[2]int]*beats{}, probes: map[string]int{}, votes: map[voteKey]uint64{},
		asked: map[voteKey]logEnd{}, late: LateApply{Node: -1},
		backups: map[[2]int]*backup{}, backupMiss: BackupMiss{Node: -1},
	}
	for i := range c.nodes {
		c.nodes[i].hs.Vote, c.nodes[i].lead, c.nodes[i].led = NoNode, NoNode, -1 // nothing durable yet
	}
	return c
}

// entry returns what a node's log holds at index i, false if it holds
// nothing there (beyond its log, or compacted below its snapshot).
func (n *nodeView) entry(i uint64) (entryID, bool) {
	switch {
	case i == n.base && i > 0:
		return n.baseID, true
	case i <= n.base || i > n.lastIndex():
		return entryID{}, false
	}
	return n.log[i-n.base-1], true
}

func (n *nodeView) lastIndex() uint64 { return n.base + uint64(len(n.log)) }

// end is where the node's persisted log ends.
func (n *nodeView) end() logEnd {
	if len(n.log) == 0 {
		return logEnd{term: n.baseID.term, index: n.base}
	}
	return logEnd{term: n.log[len(n.log)-1].term, index: n.lastIndex()}
}

// truncate starts a persisted batch at index first: the node's log keeps
// what precedes it. A log may not skip an index, nor be rewritten inside its
// snapshot; false if first does either.
func (c *Raft) truncate(node int, first uint64) bool {
	n := &c.nodes[node]
	c.checkTruncate(node, first)
	if first > n.lastIndex()+1 || first <= n.base {
		c.v.add(LogMatching, "n%d persisted index %d after a log ending at %d (snapshot at %d)", node, first, n.lastIndex(), n.base)
		return false
	}
	n.log, n.chain = n.log[:first-n.base-1], n.chain[:first-n.base-1]
	return true
}

// appendEntry extends a node's persisted log and checks Log Matching: two
// logs with an entry of the same index and term agree on everything through
// it, which holds iff the chain hashes through that entry agree.
func (c *Raft) appendEntry(node int, e Entry) {
	n := &c.nodes[node]
	id := entryID{term: e.Term, digest: e.Digest}
	c.size.entry(e.Size)
	prev := n.baseChain
	if len(n.chain) > 0 {
		prev = n.chain[len(n.chain)-1]
	}
	c.rewritten(node, e)
	chain := sim.Key(prev, id.term, id.digest)
	n.log, n.chain = append(n.log, id), append(n.chain, chain)
	key := [2]uint64{e.Index, e.Term}
	if seen, ok := c.chains[key]; !ok {
		c.chains[key] = chain
	} else if seen != chain {
		c.v.add(LogMatching, "n%d at %s: entry %d of term %d ends a log that differs from another node's with the same entry",
			node, sim.AppendTime(nil, c.now()), e.Index, e.Term)
	}
}

// StateChanged is reported whenever a node's term, role or known leader
// (NoNode: none) changes. It checks Election Safety: at most one leader per
// term.
func (c *Raft) StateChanged(node int, term uint64, role Role, lead int) {
	c.settle(node)
	n := &c.nodes[node]
	c.termMoved(node, term)
	wasLeader := n.role == Leader && n.term == term
	if n.role == Leader && !wasLeader || n.role == Leader && role != Leader {
		c.spans[n.led].Until = c.now() // its leadership ended: another term, or another role
	}
	n.term, n.role, n.lead = term, role, lead
	if role != Leader {
		c.checkFollows(node, term, lead)
		return
	}
	if !wasLeader {
		c.checkQuorum(node, term)
		n.led = len(c.spans)
		c.spans = append(c.spans, LeaderSpan{Node: node, Term: term, From: c.now(), Until: -1, Committed: -1})
	}
	if other, ok := c.leaders[term]; ok && other != node {
		c.v.add(ElectionSafety, "two leaders in term %d: n%d and n%d at %s", term, other, node, sim.AppendTime(nil, c.now()))
	}
	if _, ok := c.leaders[term]; !ok {
		if len(c.leaders) == 0 {
			c.Probe(node, "leader-elected")
		} else {
			c.Probe(node, "leader-changed")
		}
	}
	c.leaders[term] = node
	if term > c.maxLeaderTerm {
		c.maxLeaderTerm = term
	}
	c.checkCompleteness(node, term)
}

// checkFollows: a node that names a leader for its term names the one that
// won it. A leader it learned of in an older term, or itself after losing
// its leadership, is a stale belief that misroutes clients and proposals.
func (c *Raft) checkFollows(node int, term uint64, lead int) {
	if lead == NoNode {
		return
	}
	if won, ok := c.leaders[term]; !ok || won != lead {
		c.v.add(ElectionSafety, "n%d follows n%d in term %d at %s, which n%d did not win", node, lead, term, sim.AppendTime(nil, c.now()), lead)
	}
}

// checkCompleteness: a new leader's log holds every entry committed in an
// earlier term (§5.4: "present in the logs of the leaders for all
// higher-numbered terms"). A candidate of an older term that wins late — it
// was paused with its votes in flight — owes nothing committed since.
func (c *Raft) checkCompleteness(node int, term uint64) {
	n := &c.nodes[node]
	for i := max(c.commits.base+1, n.base); i <= c.commits.last(); i++ {
		want, known := c.commits.get(i)
		if at, _ := c.commitT.get(i); !known || at >= term {
			continue
		}
		if have, ok := n.entry(i); !ok || !sameEntry(have, want, i == n.base) {
			c.v.add(LeaderCompleteness, "n%d became leader of term %d at %s without committed entry %d (term %d)",
				node, term, sim.AppendTime(nil, c.now()), i, want.term)
			return
		}
	}
}

// sameEntry compares two entries; at a snapshot point only the term is
// known.
func sameEntry(a, b entryID, termOnly bool) bool {
	if termOnly {
		return a.term == b.term
	}
	return a == b
}

// CommitAdvanced is reported whenever a node's commit index moves forward.
// A committed index must never hold a different entry on another node.
func (c *Raft) CommitAdvanced(node int, commit uint64) {
	c.settle(node)
	n := &c.nodes[node]
	c.commitMoved(node, commit)
	if commit > n.lastIndex() {
		c.v.add(StateMachineSafety, "n%d committed %d beyond its log ending at %d", node, commit, n.lastIndex())
		commit = n.lastIndex()
	}
	if e, ok := n.entry(commit); ok && n.role == Leader && e.term == n.term && n.led >= 0 && c.spans[n.led].Committed < 0 {
		c.spans[n.led].Committed = c.now()
	}
	if e, ok := n.entry(commit); ok && n.role == Leader && commit > n.commit && e.term != n.term {
		c.v.add(StateMachineSafety, "n%d, leader of term %d, committed through %d at %s, an entry of term %d: an older term's entry committed by counting replicas (Figure 8, §5.4.2)",
			node, n.term, commit, sim.AppendTime(nil, c.now()), e.term)
	}
	for i := max(n.commit+1, n.base); i <= commit; i++ {
		id, _ := n.entry(i)
		atBase := i == n.base
		if i == 0 {
			continue
		}
		if want, known := c.commits.get(i); known {
			if !sameEntry(id, want, atBase) {
				c.v.add(StateMachineSafety, "n%d committed entry %d of term %d at %s, but entry %d of term %d was committed there before",
					node, i, id.term, sim.AppendTime(nil, c.now()), i, want.term)
			}
			continue
		}
		if !atBase {
			c.commits.set(i, id)
			c.commitT.set(i, max(n.term, 1))
			c.lag.committed(i, c.now())
		}
	}
	n.commit = max(n.commit, commit)
}

// Applied is reported for each entry a node hands to its service, as it
// does. Entries must be applied in order once committed, each the entry
// every other node applied at that index.
func (c *Raft) Applied(node int, e Entry) {
	c.settle(node)
	n := &c.nodes[node]
	if e.Index != n.lastApplied+1 {
		c.v.add(ApplyOrder, "n%d applied %d after %d at %s", node, e.Index, n.lastApplied, sim.AppendTime(nil, c.now()))
	}
	if e.Index > n.commit {
		c.v.add(ApplyOrder, "n%d applied %d before committing it (commit %d)", node, e.Index, n.commit)
	}
	n.lastApplied = e.Index
	c.lag.applied(node, e.Index, c.now())
	if e.Command {
		c.probes["command-applied"]++
	}
	id := entryID{term: e.Term, digest: e.Digest}
	if want, known := c.applied.get(e.Index); !known {
		c.applied.set(e.Index, id)
	} else if want != id {
		c.v.add(StateMachineSafety, "n%d applied entry %d of term %d at %s; another node applied entry %d of term %d there",
			node, e.Index, id.term, sim.AppendTime(nil, c.now()), e.Index, want.term)
	}
}

// Probe is reported when a coverage event fires; it counts it.
func (c *Raft) Probe(node int, name string) { c.probes[name]++ }

// Probes returns every probe that fired and how often.
func (c *Raft) Probes() map[string]int { return maps.Clone(c.probes) }

// Fired reports how often a coverage probe fired.
func (c *Raft) Fired(name string) int { return c.probes[name] }

// Status renders each node's term, role, commit and applied index.
func (c *Raft) Status() string {
	s := ""
	for i, n := range c.nodes {
		s += fmt.Sprintf("n%d:t%d/%s/commit=%d/applied=%d ", i, n.term, n.role, n.commit, n.lastApplied)
	}
	return s
}

// Leader returns a node that believes it leads in the highest term any node
// knows, or NoNode.
func (c *Raft) Leader() int {
	best, lead := uint64(0), NoNode
	for i, n := range c.nodes {
		if n.term > best {
			best, lead = n.term, NoNode
		}
		if n.role == Leader && n.term == best {
			lead = i
		}
	}
	return lead
}

// Down records that a node crashed: it leads nothing until it reports again.
func (c *Raft) Down(node int) {
	if n := &c.nodes[node]; n.role == Leader {
		c.spans[n.led].Until = c.now()
	}
	c.nodes[node].role, c.nodes[node].lead = Follower, NoNode
	c.settle(node)     // its last step, if it ended before the crash, is judged
	c.forgetStep(node) // what a step the crash cut short owed, it excuses
}

// LeaderSpan is one term's leadership: who led it, from when, until when
// (-1: still), and when it first committed an entry of its own term (-1:
// never) — which it must do to commit anything at all (§5.4.2).
type LeaderSpan struct {
	Node                   int
	Term                   uint64
	From, Until, Committed sim.Time
}

// LeaderSpans returns every term's leadership, in the order they began.
func (c *Raft) LeaderSpans() []LeaderSpan { return slices.Clone(c.spans) }

// LeadEnded reports when node stopped leading term: ended is false while
// it still leads it. A node that never led term, or led a later one since,
// ended it long ago (at is 0 then).
func (c *Raft) LeadEnded(node int, term uint64) (at sim.Time, ended bool) {
	i := c.nodes[node].led
	switch {
	case i < 0 || c.spans[i].Term != term:
		return 0, true
	case c.spans[i].Until < 0:
		return 0, false
	}
	return c.spans[i].Until, true
}

// CommittedInTerm reports whether a node has committed an entry of its
// current term (a leader that has, holds a working quorum).
func (c *Raft) CommittedInTerm(node int) bool {
	n := &c.nodes[node]
	e, ok := n.entry(n.commit)
	return n.commit > 0 && ok && e.term == n.term
}

// MaxTerm is the highest term any node reports.
func (c *Raft) MaxTerm() uint64 {
	t := uint64(0)
	for _, n := range c.nodes {
		t = max(t, n.term)
	}
	return t
}

// LeaderTerms is how many terms had a leader.
func (c *Raft) LeaderTerms() int { return len(c.leaders) }

// MaxLeaderTerm is the highest term that had a leader.
func (c *Raft) MaxLeaderTerm() uint64 { return c.maxLeaderTerm }

// QuorumPersisted is the highest index that a majority could hold without
// any node outside reach receiving another entry: nodes in reach (the
// leader's side of a partition) count as holding everything.
func (c *Raft) QuorumPersisted(reach []int) uint64 {
	lens := make([]uint64, len(c.nodes))
	for i, n := range c.nodes {
		lens[i] = n.lastIndex()
	}
	for _, i := range reach {
		lens[i] = ^uint64(0)
	}
	sort.Slice(lens, func(i, j int) bool { return lens[i] > lens[j] })
	return lens[len(lens)/2]
}

// CommittedCount is the highest index known committed.
func (c *Raft) CommittedCount() int { return int(c.commits.last()) }

// Node returns a node's term, role, commit and applied index as reported.
func (c *Raft) Node(i int) (term uint64, role Role, commit, applied uint64) {
	n := &c.nodes[i]
	return n.term, n.role, n.commit, n.lastApplied
}

// Results returns the safety checks' verdicts in contract order.
func (c *Raft) Results() []Result {
	for i := range c.nodes {
		c.settle(i) // a node's last step is judged too (Down excused a crashed one's)
	}
	var rs []Result
	for _, name := range []string{ElectionSafety, LogMatching, LeaderCompleteness, StateMachineSafety, ApplyOrder} {
		rs = append(rs, c.v.result(name))
	}
	for _, name := range transitionChecks {
		rs = append(rs, c.v.result(name))
	}
	return rs
}
