package raft

import "github.com/detsim/detsim/planted"

// handleAppend is the follower's side of AppendEntries (§5.3).
func (r *Raft) handleAppend(m Message) {
	if m.Index < r.commit {
		// Everything up to our commit index is settled; say so.
		r.send(Message{Type: MsgAppResp, To: m.From, Index: r.commit})
		return
	}
	if !r.log.matchTerm(m.Index, m.LogTerm) {
		hint, hintTerm := r.conflictHint(m.Index)
		r.probe("append-rejected")
		r.send(Message{Type: MsgAppResp, To: m.From, Index: m.Index, Reject: true, Hint: hint, HintTerm: hintTerm})
		return
	}
	if r.cfg.Testing.Bugs.Has(planted.TruncateOnStaleAppend) && m.Index < r.log.lastIndex() && m.Index >= r.log.snapIndex {
		r.log.truncateFrom(m.Index + 1) // "delete everything after prevLogIndex", conflict or not
	}
	if r.log.mergeFrom(m.Entries) {
		r.probe("log-truncated")
	}
	lastNew := m.Index + uint64(len(m.Entries))
	// Capped at the last new entry: beyond it our log may not be the leader's.
	r.commitTo(min(m.Commit, lastNew))
	r.send(Message{Type: MsgAppResp, To: m.From, Index: lastNew})
}

// conflictHint is the fast backup of the 6.824 notes: if our log is too short,
// point the leader at its end; otherwise at the first entry of the
// conflicting term, which the leader can skip as a whole.
func (r *Raft) conflictHint(prev uint64) (hint, hintTerm uint64) {
	if prev > r.log.lastIndex() {
		return r.log.lastIndex() + 1, 0
	}
	t, _ := r.log.term(prev)
	return r.log.firstIndexOfTerm(prev), t
}

func (r *Raft) commitTo(index uint64) {
	if index > r.commit {
		r.commit = min(index, r.log.lastIndex())
	}
}

func (r *Raft) handleAppendResp(pr *progress, m Message) {
	if m.Reject {
		if pr.replicate && m.Index <= pr.match || !pr.replicate && m.Index != pr.next-1 {
			return // a stale rejection of something already resolved
		}
		next := m.Hint
		if m.HintTerm != 0 {
			if last := r.log.lastIndexOfTerm(m.HintTerm); last != 0 {
				next = last + 1
			}
		}
		pr.becomeProbe(min(next, m.Index))
		r.probe("fast-backup")
		r.sendAppend(pr, false)
		return
	}
	pr.freeTo(m.Index)
	if m.Index > pr.match {
		pr.match = m.Index
		if !pr.replicate {
			pr.becomeReplicate()
		}
		pr.next = max(pr.next, m.Index+1)
		r.maybeCommit()
	}
	// A follower that was paused (probing, or its window full) when the
	// commit index moved missed the broadcast: tell it now, not at the
	// next heartbeat.
	r.sendAppend(pr, pr.needsCommit(r.commit))
}

// sendAppend sends the entries pr lacks, as many AppendEntries as its window
// allows (one in probe state). A follower in replicate state with nothing new
// gets an empty one only when withCommit asks to carry a new commit index.
func (r *Raft) sendAppend(pr *progress, withCommit bool) {
	for r.sendOneAppend(pr, withCommit) {
		withCommit = false
	}
}

// sendOneAppend sends one AppendEntries and reports whether it pipelined
// entries (so another may follow).
func (r *Raft) sendOneAppend(pr *progress, withCommit bool) bool {
	if pr.id == r.id || pr.paused(r.cfg.MaxInflight) {
		return false
	}
	last := r.log.lastIndex()
	if pr.replicate && pr.next > last && !withCommit {
		return false
	}
	prev := pr.next - 1
	prevTerm, ok := r.log.term(prev)
	if !ok {
		// The entries it needs are compacted (prev is never beyond our log:
		// next is at most lastIndex+1).
		r.sendSnapshot(pr)
		return false
	}
	hi := min(last+1, pr.next+uint64(r.cfg.MaxBatch))
	ents := r.log.slice(pr.next, hi)
	r.send(Message{Type: MsgApp, To: pr.id, Index: prev, LogTerm: prevTerm, Entries: ents, Commit: r.commit})
	pr.sentCommit = max(pr.sentCommit, min(r.commit, hi-1))
	if !pr.replicate {
		pr.probeSent = true
		return false
	}
	if len(ents) == 0 {
		return false
	}
	pr.next = hi
	pr.inflight = append(pr.inflight, hi-1)
	return true
}

func (r *Raft) bcastAppend() {
	for i := range r.prs {
		pr := &r.prs[i]
		r.sendAppend(pr, pr.needsCommit(r.commit))
	}
}

func (r *Raft) bcastHeartbeat() {
	for i := range r.prs {
		pr := &r.prs[i]
		if pr.id != r.id {
			r.send(Message{Type: MsgHeartbeat, To: pr.id, Commit: min(pr.match, r.commit)})
		}
	}
}

// maybeCommit advances the commit index to the highest index a quorum holds,
// but only if that entry is of the current term: counting replicas of an older
// term's entry is the Figure 8 bug (§5.4.2).
func (r *Raft) maybeCommit() {
	matches := r.scratch[:0]
	for i := range r.prs {
		matches = append(matches, r.prs[i].match)
	}
	r.scratch = matches
	sortDesc(matches)
	n := matches[r.quorum()-1]
	if n <= r.commit {
		return
	}
	if t, _ := r.log.term(n); t != r.term && !r.cfg.Testing.Bugs.Has(planted.CommitOldTermByCounting) {
		return
	}
	r.commit = n
	r.pendingBcast = true
}

func sortDesc(v []uint64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] > v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
