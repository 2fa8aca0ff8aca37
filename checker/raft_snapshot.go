package checker

import "github.com/detsim/detsim/sim"

// Snapshots, as the checker sees them. A snapshot moves a node's log view to
// start after it; an installed one must be of a committed entry, and the
// service state it restores must be the state other nodes reached by applying
// the log to the same index (state-machine-safety); a restore is the one jump
// forward apply-order allows, never back.

// SnapshotSaved is reported when a node made a snapshot durable, taken or
// installed; a Persisted with the log after it follows.
func (c *Raft) SnapshotSaved(node int, s Snapshot) {
	c.settle(node)
	if seen, ok := c.snaps[s.Index]; ok && seen != s.Digest {
		c.v.add(StateMachineSafety, "n%d saved a snapshot at %d at %s whose data differs from another node's snapshot there",
			node, s.Index, sim.AppendTime(nil, c.now()))
	} else if !ok {
		c.snaps[s.Index] = s.Digest
	}
	c.rebase(node, s.Index, s.Term)
	c.size.snapshot(s.Size)
	c.dropForgotten()
}

// rebase moves a node's log view to start after a snapshot at (index, term).
func (c *Raft) rebase(node int, index, term uint64) {
	n := &c.nodes[node]
	if want, ok := c.commits.get(index); ok && want.term != term {
		c.v.add(StateMachineSafety, "n%d holds a snapshot at %d of term %d, but entry %d of term %d was committed there",
			node, index, term, index, want.term)
	}
	if have, ok := n.entry(index); ok && index > n.base && have.term == term {
		// A snapshot of its own log (or an install matching it): keep
		// what follows. (An installed one may replace a conflicting log.)
		k := index - n.base
		n.baseChain = n.chain[k-1]
		n.log, n.chain = append([]entryID(nil), n.log[k:]...), append([]uint64(nil), n.chain[k:]...)
	} else {
		chain, known := c.chains[[2]uint64{index, term}]
		if !known {
			c.v.add(LogMatching, "n%d holds a snapshot at %d of term %d, an entry no node ever persisted", node, index, term)
		}
		n.baseChain = chain
		n.log, n.chain = nil, nil
	}
	n.base, n.baseID = index, entryID{term: term}
}

// SnapshotRestored is reported when a node's service state was replaced by
// a snapshot (at start, or installed), with the service's state digest after
// it (0: it keeps none).
func (c *Raft) SnapshotRestored(node int, s Snapshot, state uint64) {
	c.settle(node)
	n := &c.nodes[node]
	if s.Index < n.lastApplied {
		c.v.add(ApplyOrder, "n%d restored a snapshot at %d after applying %d at %s: state rolled back",
			node, s.Index, n.lastApplied, sim.AppendTime(nil, c.now()))
	}
	if s.Index > n.commit {
		// A node that installs a snapshot must know it committed: else its
		// commit lags what its service holds, as an entry applied early would.
		c.v.add(ApplyOrder, "n%d restored a snapshot at %d beyond its commit %d at %s",
			node, s.Index, n.commit, sim.AppendTime(nil, c.now()))
	}
	n.lastApplied = max(n.lastApplied, s.Index)
	c.Probe(node, "snapshot-restored")
	c.checkState(node, s.Index, state, "restored a snapshot")
}

// AppliedState is reported after Applied when the service keeps a state
// digest: the digest after applying index.
func (c *Raft) AppliedState(node int, index, state uint64) {
	c.settle(node)
	c.checkState(node, index, state, "applied")
}

// checkState compares a node's state digest at index with what the first
// node to reach that index had.
func (c *Raft) checkState(node int, index, state uint64, how string) {
	if state == 0 {
		return // the service keeps no digest
	}
	if want, known := c.states.get(index); !known {
		c.states.set(index, state)
	} else if want != state {
		c.v.add(StateMachineSafety, "n%d %s through %d at %s, and its state differs from another node's at that index",
			node, how, index, sim.AppendTime(nil, c.now()))
	}
}

// dropForgotten forgets the indexes that every node has a snapshot past: no
// node will commit, apply or persist them again.
func (c *Raft) dropForgotten() {
	low := c.nodes[0].base
	for i := range c.nodes {
		low = min(low, c.nodes[i].base)
	}
	if low < c.dropped+1024 {
		return
	}
	c.dropped = low
	c.commits.dropTo(low - 1)
	c.commitT.dropTo(low - 1)
	c.applied.dropTo(low - 1)
	c.states.dropTo(low - 1)
	c.lag.commitAt.dropTo(low - 1)
	for k := range c.chains {
		if k[0] < low {
			delete(c.chains, k) // deleting is order-independent
		}
	}
	for i := range c.snaps {
		if i < low {
			delete(c.snaps, i)
		}
	}
}
