package checker

import "github.com/detsim/detsim/sim"

// Fast backup (the 6.5840 notes' accelerated log backtracking). A follower
// that refuses an AppendEntries at prev hints where the leader should look
// next: the end of its log if prev is beyond it (hint term 0), else the
// first index of the term it holds at prev. The leader skips that term
// whole if it holds none of it, and otherwise resumes just after its own
// last entry of that term, where the two logs still agree. Neither mistake
// is unsafe (the consistency check at prev catches any wrong guess), so
// both survive every safety check: a wrong hint or a slow answer costs a
// round trip per entry or a whole log resent, which only a catch-up
// timeout would notice, far away. Opt-in (another Raft may back up its own
// way): a system reports rejections and answers, the checker records the
// first miss, and the system judges it.

// BackupMiss is the first rejection that hinted wrong, or the first answer
// to a rejection that backed up other than the hints allowed. Node is -1
// when there was none.
type BackupMiss struct {
	Node, Leader   int    // the follower and the leader
	Prev           uint64 // where the leader's append was refused
	Hint, HintTerm uint64 // what the follower hinted
	// WantHint and WantTerm (a follower's miss, First 0) are what its log
	// said; First (a leader's miss) is where the leader's answer began and
	// Want where the hint sent it (the last of its rejections, if several).
	WantHint, WantTerm uint64
	First, Want        uint64
	At                 sim.Time
}

// rejection is one refusal a follower sent its leader, in the term it was
// sent.
type rejection struct {
	term, prev, hint, hintTerm uint64
}

// backup is what the checker remembers of one follower's refusals to one
// leader: those of the latest term, each once, and the most it acknowledged
// to that leader in the term (the leader's match index is at most this: a
// restart of the follower, which the leader does not see, forgets nothing
// here).
type backup struct {
	term  uint64
	seen  []rejection
	acked uint64
}

// pair is the record of follower's refusals and acknowledgements to
// leader in term, begun afresh when the term moves on.
func (c *Raft) pair(leader, follower int, term uint64) *backup {
	b := c.backups[[2]int{leader, follower}]
	if b == nil {
		b = &backup{}
		c.backups[[2]int{leader, follower}] = b
	}
	if term > b.term {
		b.term, b.seen, b.acked = term, b.seen[:0], 0
	}
	return b
}

// backupAcked records node's acknowledgement through index to leader in
// term.
func (c *Raft) backupAcked(node, leader int, term, index uint64) {
	if leader < 0 || leader >= len(c.nodes) {
		return
	}
	if b := c.pair(leader, node, term); term == b.term {
		b.acked = max(b.acked, index)
	}
}

// AppendRejected is reported as node refuses leader's AppendEntries at
// prev in term, hinting hint and hintTerm.
func (c *Raft) AppendRejected(node, leader int, term, prev, hint, hintTerm uint64) {
	c.settle(node)
	if leader < 0 || leader >= len(c.nodes) {
		return
	}
	n := &c.nodes[node]
	want, wantTerm := n.lastIndex()+1, uint64(0)
	if prev <= n.lastIndex() {
		wantTerm = n.termAt(prev)
		want = n.firstIndexOfTerm(prev)
	}
	if (hint != want || hintTerm != wantTerm) && c.backupMiss.Node < 0 {
		c.backupMiss = BackupMiss{Node: node, Leader: leader, Prev: prev, Hint: hint, HintTerm: hintTerm,
			WantHint: want, WantTerm: wantTerm, At: c.now()}
	}
	b := c.pair(leader, node, term)
	if term != b.term {
		return // older than a term the pair has moved on to
	}
	r := rejection{term: term, prev: prev, hint: hint, hintTerm: hintTerm}
	for _, s := range b.seen {
		if s == r {
			return
		}
	}
	b.seen = append(b.seen, r)
}

// BackingUp is reported as leader answers a rejection: the next
// AppendEntries it sends is the answer (a snapshot sent instead ends it).
func (c *Raft) BackingUp(leader int) { c.nodes[leader].backingUp = true }

// SnapshotSent is reported as node sends to its snapshot.
func (c *Raft) SnapshotSent(node, to int) { c.nodes[node].backingUp = false }

// checkBackup judges leader's answer to a rejection by to, an append
// beginning at first. It must begin where one of to's rejections in the
// leader's term sends it, or later, but no later than just after what to
// acknowledged to it in the term (a leader never backs up below what it
// knows matches, and knows no more than was acknowledged).
func (c *Raft) checkBackup(leader, to int, first uint64) {
	l := &c.nodes[leader]
	l.backingUp = false
	b := c.backups[[2]int{leader, to}]
	if b == nil || b.term != l.term || len(b.seen) == 0 || c.backupMiss.Node >= 0 {
		return // its rejection predates what the checker saw, or its term
	}
	var want uint64
	for _, r := range b.seen {
		want = min(r.prev, l.resumeAt(r))
		if first == want || first > want && first <= b.acked+1 {
			return
		}
	}
	last := b.seen[len(b.seen)-1]
	c.backupMiss = BackupMiss{Node: to, Leader: leader, Prev: last.prev, Hint: last.hint, HintTerm: last.hintTerm,
		First: first, Want: want, At: c.now()}
}

// resumeAt is where a leader with n's log resumes after rejection r: just
// after its last entry of the hinted term, or at the hint if it holds
// none of that term (above its snapshot).
func (n *nodeView) resumeAt(r rejection) uint64 {
	if r.hintTerm == 0 {
		return r.hint
	}
	for i := n.lastIndex(); i > n.base; i-- {
		switch t := n.termAt(i); {
		case t == r.hintTerm:
			return i + 1
		case t < r.hintTerm:
			return r.hint
		}
	}
	return r.hint
}

// termAt is the term n holds at i (0: none).
func (n *nodeView) termAt(i uint64) uint64 {
	e, _ := n.entry(i)
	return e.term
}

// firstIndexOfTerm is the first index of the run of i's term that ends at
// i, no lower than just above n's snapshot.
func (n *nodeView) firstIndexOfTerm(i uint64) uint64 {
	t := n.termAt(i)
	for i > n.base+1 && n.termAt(i-1) == t {
		i--
	}
	return i
}

// FirstBackupMiss is the first fast-backup miss seen (Node -1: none).
func (c *Raft) FirstBackupMiss() BackupMiss { return c.backupMiss }
