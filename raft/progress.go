package raft

// progress is the leader's view of one follower. In probe state it sends one
// AppendEntries at a time and waits; in replicate state it pipelines up to
// MaxInflight of them, advancing next optimistically.
type progress struct {
	id        int
	match     uint64
	next      uint64
	replicate bool
	probeSent bool
	inflight  []uint64 // last index of each AppendEntries in flight, ascending
	active    bool     // heard from since the last CheckQuorum round
	// sentCommit is the highest commit index an AppendEntries has told
	// it of (capped, as the follower caps it, at the append's last entry).
	sentCommit uint64

	matchAtHeartbeat uint64 // match when the last heartbeat response came
}

func (p *progress) paused(maxInflight int) bool {
	if p.replicate {
		return len(p.inflight) >= maxInflight
	}
	return p.probeSent
}

func (p *progress) becomeProbe(next uint64) {
	p.replicate = false
	p.probeSent = false
	p.inflight = p.inflight[:0]
	p.next = max(next, p.match+1)
}

func (p *progress) becomeReplicate() {
	p.replicate = true
	p.probeSent = false
	p.inflight = p.inflight[:0]
	p.next = p.match + 1
}

// needsCommit reports whether the follower has entries, sent to it, that
// commit covers and no AppendEntries has yet told it are committed.
func (p *progress) needsCommit(commit uint64) bool {
	return min(commit, p.next-1) > p.sentCommit
}

// freeTo forgets in-flight messages whose entries are all acknowledged.
func (p *progress) freeTo(index uint64) {
	n := 0
	for n < len(p.inflight) && p.inflight[n] <= index {
		n++
	}
	p.inflight = append(p.inflight[:0], p.inflight[n:]...)
}
