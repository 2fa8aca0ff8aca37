package checker

import "github.com/detsim/detsim/sim"

// Prompt apply. A node whose entries are committed and durable should hand
// them to its service in the step that made them so: if it does not, they
// wait for whatever wakes the node next (a heartbeat, a client), and a
// follower that catches up by a long append serves stale reads for a
// heartbeat interval. The checker cannot see where a step ends, so it
// judges at the node's next event at a later virtual time: the view it had
// then is how the last step left the node. Opt-in (a system's host may
// apply asynchronously): the checker records the first late apply, and the
// system judges it.

// LateApply is a step that ended with entries committed and durable but
// not applied: Node's entries From..Through after its step at StepAt,
// still waiting at its next event at NextAt. Node -1: none seen.
type LateApply struct {
	Node           int
	From, Through  uint64
	StepAt, NextAt sim.Time
}

// FirstLateApply is the first late apply seen (Node -1: none).
func (c *Raft) FirstLateApply() LateApply { return c.late }

// checkPrompt is called at each event of node, before the event changes
// the checker's view of it.
func (c *Raft) checkPrompt(node int) {
	n := &c.nodes[node]
	now := c.now()
	if n.stepped && now > n.eventAt && c.late.Node < 0 {
		if owed := min(n.commit, n.lastIndex()); owed > n.lastApplied {
			c.late = LateApply{Node: node, From: n.lastApplied + 1, Through: owed, StepAt: n.eventAt, NextAt: now}
		}
	}
	n.stepped, n.eventAt = true, now
}

// forgetStep is called when a node stops or starts again: a step a crash
// cut short owes nothing.
func (c *Raft) forgetStep(node int) {
	c.nodes[node].stepped, c.nodes[node].backingUp = false, false
}
