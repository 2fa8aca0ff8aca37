package checker

// AppendBatch is the largest AppendEntries the checker saw sent: how many
// entries, by which node to which.
type AppendBatch struct {
	Node, To, Entries int
}

// AppendSent is reported as node sends to an AppendEntries carrying
// entries entries, the first at index first.
func (c *Raft) AppendSent(node, to int, first uint64, entries int) {
	c.settle(node)
	if entries > c.batch.Entries {
		c.batch = AppendBatch{Node: node, To: to, Entries: entries}
	}
	if to < 0 || to >= len(c.nodes) {
		return
	}
	if c.nodes[node].backingUp {
		c.checkBackup(node, to, first)
	}
}

// LargestAppend is the largest AppendEntries sent so far (Entries 0: none
// carried any). A system judges it against its configured batch size:
// a batch limit the Raft library silently replaced shows here.
func (c *Raft) LargestAppend() AppendBatch { return c.batch }
