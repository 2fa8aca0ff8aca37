package raft

import "github.com/detsim/detsim/planted"

// Step feeds one message from a peer into the core.
func (r *Raft) Step(m Message) {
	if !r.stepTerm(m) {
		return
	}
	switch m.Type {
	case MsgVote, MsgPreVote:
		r.handleVote(m)
		return
	}
	switch r.role {
	case Leader:
		r.stepLeader(m)
	case Candidate, PreCandidate:
		r.stepCandidate(m)
	default:
		r.stepFollower(m)
	}
}

// stepTerm applies the term rules every message passes first. It reports
// whether the message should be handled further.
func (r *Raft) stepTerm(m Message) bool {
	switch {
	case m.Term > r.term:
		if (m.Type == MsgVote || m.Type == MsgPreVote) && r.inLease() {
			// We heard from a live leader within the minimum election timeout:
			// a node that merely lost touch must not depose it (§9.6 with CheckQuorum).
			r.probe("vote-ignored-in-lease")
			return false
		}
		if r.role == Leader && m.Type != MsgPreVote {
			r.probe("leader-deposed")
		}
		switch {
		case m.Type == MsgPreVote:
			// A pre-vote never changes our term.
		case m.Type == MsgPreVoteResp && !m.Reject:
			// Granted for the term we would campaign in; not ours yet.
		case m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgSnap:
			r.becomeFollower(m.Term, m.From)
		default:
			r.becomeFollower(m.Term, None)
		}
	case m.Term < r.term:
		switch m.Type {
		case MsgApp, MsgHeartbeat, MsgSnap:
			// A stale leader: tell it our term so it steps down. Without this a
			// leader cut off and restored under PreVote/CheckQuorum would never learn.
			r.send(Message{Type: MsgAppResp, To: m.From})
		case MsgPreVote:
			r.probe("prevote-refused")
			r.send(Message{Type: MsgPreVoteResp, To: m.From, Reject: true})
		}
		return false
	}
	return true
}

func (r *Raft) inLease() bool {
	return r.cfg.CheckQuorum && r.lead != None && r.electionElapsed < r.cfg.ElectionTicks
}

func (r *Raft) handleVote(m Message) {
	resp := MsgVoteResp
	if m.Type == MsgPreVote {
		resp = MsgPreVoteResp
	}
	canVote := r.vote == m.From ||
		(r.vote == None && r.lead == None) ||
		(m.Type == MsgPreVote && m.Term > r.term)
	if canVote && (r.log.isUpToDate(m.Index, m.LogTerm) || r.cfg.Testing.Bugs.Has(planted.VoteWithoutLogCheck)) {
		r.send(Message{Type: resp, To: m.From, Term: m.Term})
		if m.Type == MsgVote {
			r.electionElapsed = 0
			r.vote = m.From
		}
		return
	}
	if m.Type == MsgPreVote {
		r.probe("prevote-refused")
	}
	r.send(Message{Type: resp, To: m.From, Reject: true})
}

func (r *Raft) stepCandidate(m Message) {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap:
		// A leader of our term exists (we lost, or this was a pre-vote).
		r.becomeFollower(m.Term, m.From)
		r.stepFollower(m)
	case MsgVoteResp, MsgPreVoteResp:
		want := MsgVoteResp
		if r.role == PreCandidate {
			want = MsgPreVoteResp
		}
		if m.Type != want {
			return
		}
		r.votes[m.From] = !m.Reject
		switch {
		case r.tallyWon():
			r.wonVote(m.Type)
		case r.tallyLost():
			r.becomeFollower(r.term, None)
		}
	}
}

func (r *Raft) tallyWon() bool {
	n := 0
	//detsim:allow map-range a count: order cannot show
	for _, granted := range r.votes {
		if granted {
			n++
		}
	}
	return n >= r.quorum()
}

func (r *Raft) tallyLost() bool {
	n := 0
	//detsim:allow map-range a count: order cannot show
	for _, granted := range r.votes {
		if !granted {
			n++
		}
	}
	return n >= r.quorum()
}

func (r *Raft) wonVote(t MsgType) {
	if t == MsgPreVote || t == MsgPreVoteResp {
		r.becomeCandidate()
		return
	}
	r.becomeLeader()
}

func (r *Raft) stepFollower(m Message) {
	switch m.Type {
	case MsgApp:
		r.electionElapsed = 0
		r.lead = m.From
		r.handleAppend(m)
	case MsgHeartbeat:
		r.electionElapsed = 0
		r.lead = m.From
		r.commitTo(m.Commit)
		r.send(Message{Type: MsgHeartbeatResp, To: m.From, Index: r.log.lastIndex()})
	case MsgSnap:
		r.electionElapsed = 0
		r.lead = m.From
		r.handleSnapshot(m)
	}
}

func (r *Raft) stepLeader(m Message) {
	pr := r.peer(m.From)
	if pr == nil {
		return
	}
	pr.active = true
	switch m.Type {
	case MsgAppResp:
		r.handleAppendResp(pr, m)
	case MsgHeartbeatResp:
		// The follower's log is shorter than what we have sent it, or its
		// match has not moved for a whole heartbeat interval: appends or their
		// acknowledgements were lost. Probe again from its match.
		stuck := pr.match < r.log.lastIndex() && pr.match == pr.matchAtHeartbeat
		if pr.replicate && (m.Index+1 < pr.next || stuck) {
			r.probe("lagging-follower-reprobed")
			pr.becomeProbe(pr.match + 1)
		}
		pr.matchAtHeartbeat = pr.match
		pr.probeSent = false
		if pr.match < r.log.lastIndex() {
			r.sendAppend(pr, false)
		}
	}
}
