package checker

import "github.com/detsim/detsim/sim"

// Durable promises. A message may promise only what its sender holds durable:
// a crash right after sending must not take it back. A granted vote must be
// on disk first (election-safety: after a restart the node could vote
// again), and an acknowledged entry too (leader-completeness: the leader
// counts it as replicated). The host reports both as the message leaves.

// VoteGranted is reported as node sends candidate its vote in term.
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
}

// AppendAcked is reported as node sends leader, in term, an
// acknowledgement that its log matches the leader's through index.
func (c *Raft) AppendAcked(node, leader int, term, index uint64) {
	c.settle(node)
	n := &c.nodes[node]
	if index > 0 { // through 0 promises nothing (a stale leader told the newer term)
		c.checkAck(node, leader, term, index)
	}
	if index > n.lastIndex() {
		c.v.add(LeaderCompleteness, "n%d acknowledged entries through %d at %s with only %d durable: a crash would lose what its leader counts as replicated",
			node, index, sim.AppendTime(nil, c.now()), n.lastIndex())
	}
}
