package checker

import "github.com/detsim/detsim/sim"

// Durable promises. A message may promise only what its sender holds durable:
// a crash right after sending must not take it back. A granted vote must be
// on disk first (election-safety: after a restart the node could vote
// again), and an acknowledged entry too (leader-completeness: the leader
// counts it as replicated). The host reports both as the message leaves.

// logEnd is the last entry of a log, as Raft compares logs (§5.4.1).
type logEnd struct{ term, index uint64 }

// behind reports whether a log ending at e is less up to date than one
// ending at o: an older last term, or the same one and a shorter log.
func (e logEnd) behind(o logEnd) bool {
	return e.term < o.term || e.term == o.term && e.index < o.index
}

// VoteRequested is reported as candidate sends a vote request of term
// (not a pre-vote), claiming its log ends at lastIndex of lastTerm.
func (c *Raft) VoteRequested(candidate int, term, lastIndex, lastTerm uint64) {
	c.asked[voteKey{term, candidate}] = logEnd{term: lastTerm, index: lastIndex}
}

// VoteGranted is reported as node sends candidate its vote in term. The
// vote needs the candidate's log at least as up to date as the voter's
// (the election restriction, which leader completeness rests on): judged
// against the log end the candidate's request claimed, a node's log being
// what it holds durable when its reply leaves.
func (c *Raft) VoteGranted(node, candidate int, term uint64) {
	c.settle(node)
	n := &c.nodes[node]
	if node < 64 {
		c.votes[voteKey{term, candidate}] |= 1 << uint(node)
	}
	if n.hs.Term != term || n.hs.Vote != candidate {
		c.v.add(ElectionSafety, "n%d granted its vote in term %d to n%d at %s before it was durable (disk: term %d vote %d): after a restart it could vote again",
			node, term, candidate, sim.AppendTime(nil, c.now()), n.hs.Term, n.hs.Vote)
	}
	if claim, ok := c.asked[voteKey{term, candidate}]; ok && claim.behind(n.end()) {
		own := n.end()
		c.v.add(LeaderCompleteness, "n%d granted its vote in term %d to n%d at %s, whose log ends at %d of term %d, behind its own at %d of term %d (the election restriction, §5.4.1)",
			node, term, candidate, sim.AppendTime(nil, c.now()), claim.index, claim.term, own.index, own.term)
	}
}

// AppendAcked is reported as node sends leader, in term, an
// acknowledgement that its log matches the leader's through index.
func (c *Raft) AppendAcked(node, leader int, term, index uint64) {
	c.settle(node)
	n := &c.nodes[node]
	if index > 0 { // through 0 promises nothing (a stale leader told the newer term)
		c.checkAck(node, leader, term, index)
		c.backupAcked(node, leader, term, index)
	}
	if index > n.lastIndex() {
		c.v.add(LeaderCompleteness, "n%d acknowledged entries through %d at %s with only %d durable: a crash would lose what its leader counts as replicated",
			node, index, sim.AppendTime(nil, c.now()), n.lastIndex())
	}
}
