package checker

import "github.com/detsim/detsim/sim"

// AppendBatch is the largest AppendEntries the checker saw sent: how many
// entries, by which node to which.
type AppendBatch struct {
	Node, To, Entries int
}

// Resent counts what leaders shipped in vain: entries an AppendEntries
// carried that its receiver already had when it left (the same index and
// term durable in its log, or covered by its snapshot). Pipelining sends
// each entry once; a lost message or a probe that crossed an
// acknowledgement resends a few; a leader that backs up past where the
// logs agree resends the whole matching stretch, every time it catches a
// follower up.
type Resent struct {
	Entries int // entries sent that the receiver already had
	Sent    int // entries sent in all
	Worst   ResentAppend
}

// ResentAppend is one AppendEntries that carried entries its receiver had.
type ResentAppend struct {
	Node, To int
	First    uint64 // the index of its first entry
	Entries  int    // how many of its entries the receiver had
	At       sim.Time
}

// AppendSent is reported as node sends to an AppendEntries carrying
// entries entries, the first at index first.
func (c *Raft) AppendSent(node, to int, first uint64, entries int) {
	c.settle(node)
	if entries > c.batch.Entries {
		c.batch = AppendBatch{Node: node, To: to, Entries: entries}
	}
	if to < 0 || to >= len(c.nodes) || entries <= 0 {
		return
	}
	had := c.alreadyHad(&c.nodes[node], &c.nodes[to], first, entries)
	c.resent.Entries += had
	c.resent.Sent += entries
	if had > c.resent.Worst.Entries {
		c.resent.Worst = ResentAppend{Node: node, To: to, First: first, Entries: had, At: c.now()}
	}
}

// alreadyHad counts the entries first.. of leader's log that follower
// holds already.
func (c *Raft) alreadyHad(leader, follower *nodeView, first uint64, entries int) int {
	had := 0
	for i := first; i < first+uint64(entries); i++ {
		if i <= follower.base {
			had++ // compacted there: of no use to it whatever it is
			continue
		}
		want, ok := leader.entry(i)
		if got, held := follower.entry(i); ok && held && got.term == want.term {
			had++
		}
	}
	return had
}

// LargestAppend is the largest AppendEntries sent so far (Entries 0: none
// carried any). A system judges it against its configured batch size:
// a batch limit the Raft library silently replaced shows here.
func (c *Raft) LargestAppend() AppendBatch { return c.batch }

// ResentEntries is what leaders have resent so far.
func (c *Raft) ResentEntries() Resent { return c.resent }
