package raft

import (
	"fmt"
	"slices"
	"testing"
)

// These tests follow the Raft paper (Ongaro and Ousterhout, "In Search of an
// Understandable Consensus Algorithm", extended version) section by section,
// as etcd-io/raft's raft_paper_test.go does. Each names the section it covers.

// makeLeader drives a lone core to leadership by handing it forged votes.
func makeLeader(t *testing.T, r *Raft) {
	t.Helper()
	for i := 0; r.Role() != Candidate; i++ {
		if i > 2*r.cfg.ElectionTicks {
			t.Fatalf("n%d never campaigns", r.id)
		}
		r.Tick()
	}
	drain(r)
	for _, p := range r.cfg.Peers {
		if p != r.id && r.Role() == Candidate {
			r.Step(Message{Type: MsgVoteResp, From: p, To: r.id, Term: r.Term()})
		}
	}
	if r.Role() != Leader {
		t.Fatalf("n%d is %v after a quorum of votes", r.id, r.Role())
	}
}

// §5.1: "If one server's current term is smaller than the other's, then it
// updates its current term to the larger value. If a candidate or leader
// discovers that its term is out of date, it immediately reverts to follower."
func TestUpdateTermFromMessage(t *testing.T) {
	for _, role := range []Role{Follower, Candidate, Leader} {
		t.Run(role.String(), func(t *testing.T) {
			r := newCore(0, 3, HardState{Term: 1, Vote: None}, nil, nil)
			switch role {
			case Candidate:
				for r.Role() != Candidate {
					r.Tick()
				}
			case Leader:
				makeLeader(t, r)
			}
			drain(r)
			r.Step(Message{Type: MsgApp, From: 2, To: 0, Term: 5})
			if r.Term() != 5 || r.Role() != Follower || r.Lead() != 2 {
				t.Fatalf("after a term-5 append: term %d role %v lead %d, want 5 follower 2", r.Term(), r.Role(), r.Lead())
			}
			if hs := r.HardState(); hs.Vote != None {
				t.Fatalf("vote %d carried into a new term", hs.Vote)
			}
		})
	}
}

// §5.1: "If a server receives a request with a stale term number, it rejects
// the request." The reply carries the newer term, which deposes the sender.
func TestRejectStaleTermMessage(t *testing.T) {
	r := newCore(0, 3, HardState{Term: 3, Vote: None}, ents(1, 2), nil)
	drain(r)
	r.Step(Message{Type: MsgApp, From: 1, To: 0, Term: 2, Index: 2, LogTerm: 2, Entries: entsFrom(3, 2), Commit: 3})
	if r.LastIndex() != 2 || r.Commit() != 0 || r.Term() != 3 {
		t.Fatalf("stale append changed state: last %d commit %d term %d", r.LastIndex(), r.Commit(), r.Term())
	}
	ms := drain(r)
	if len(ms) != 1 || ms[0].Type != MsgAppResp || ms[0].Term != 3 || ms[0].To != 1 {
		t.Fatalf("reply to a stale append = %v, want one AppResp carrying term 3", ms)
	}

	// In a cluster: a deposed leader that comes back learns of the new term
	// from the first follower it writes to, and what it wrote alone is lost.
	nw := newNetwork(t, 3, 1, nil)
	nw.elect(0)
	nw.isolate(0)
	nw.elect(1)
	nw.heal()
	old := nw.core(0)
	if old.Role() != Leader || old.Term() >= nw.core(1).Term() {
		t.Fatalf("setup: n0 %v t%d, n1 t%d", old.Role(), old.Term(), nw.core(1).Term())
	}
	nw.propose(0, "stale")
	nw.stabilize()
	if old.Role() != Follower || old.Term() != nw.core(1).Term() {
		t.Fatalf("stale leader is %v in term %d after hearing term %d", old.Role(), old.Term(), nw.core(1).Term())
	}
	nw.propose(1, "fresh")
	nw.stabilize()
	// n1's probe to n0 was lost while n0 was cut off; the heartbeat path
	// resumes it.
	for range nw.core(1).cfg.HeartbeatTicks {
		nw.tick(1)
	}
	nw.stabilize()
	nw.checkLogsEqual(1)
	for _, e := range nw.nodes[0].applied {
		if string(e.Data) == "stale" {
			t.Fatalf("the stale leader's entry was applied at %d", e.Index)
		}
	}
}

// §5.2: "When servers start up, they begin as followers."
func TestStartAsFollower(t *testing.T) {
	r := newCore(0, 3, HardState{Term: 4, Vote: 2}, ents(1, 4), nil)
	if r.Role() != Follower || r.Term() != 4 || r.Lead() != None || r.HardState().Vote != 2 {
		t.Fatalf("restarted core: %v t%d lead %d %+v", r.Role(), r.Term(), r.Lead(), r.HardState())
	}
	if r.HasReady() {
		t.Fatalf("a restarted core has work before any input: %+v", r.Ready())
	}
}

// §5.2: "Leaders send periodic heartbeats ... to all followers in order to
// maintain their authority." They go out every HeartbeatTicks, never more
// often, and an idle leader sends nothing else.
func TestLeaderBcastHeartbeat(t *testing.T) {
	for _, hb := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprintf("every%d", hb), func(t *testing.T) {
			nw := newNetwork(t, 3, 1, func(c *Config) { c.HeartbeatTicks = hb })
			nw.elect(0)
			for tick := 1; tick <= 40; tick++ {
				mark := len(nw.nodes[0].sent)
				nw.tick(0)
				sent := nw.sentSince(0, mark)
				want := 0
				if tick%hb == 0 {
					want = 2
				}
				if len(sent) != want {
					t.Fatalf("tick %d: leader sent %v, want %d heartbeats", tick, sent, want)
				}
				for _, m := range sent {
					if m.Type != MsgHeartbeat {
						t.Fatalf("tick %d: idle leader sent %v", tick, m)
					}
				}
				mark = len(nw.nodes[0].sent)
				nw.stabilize()
				if extra := nw.sentSince(0, mark); len(extra) > 0 {
					t.Fatalf("tick %d: heartbeat responses made the leader send %v", tick, extra)
				}
			}
		})
	}
}

// §5.2: "If a follower receives no communication over a period of time called
// the election timeout, then it ... begins an election": it increments its
// term, votes for itself and asks every other server for its vote, with its
// last log position. The timeout is drawn from [ElectionTicks, 2·ElectionTicks).
func TestFollowerStartsElection(t *testing.T) {
	seen := map[int]bool{}
	for seed := uint64(0); seed < 64; seed++ {
		cfg := testConfig(0, ids(5), seed)
		r := New(cfg, HardState{Term: 2, Vote: None}, ents(1, 2))
		ticks := 0
		for r.Role() == Follower {
			r.Tick()
			ticks++
			if ticks > 2*cfg.ElectionTicks {
				t.Fatalf("seed %d: no election after %d ticks", seed, ticks)
			}
		}
		if ticks < cfg.ElectionTicks || ticks >= 2*cfg.ElectionTicks {
			t.Fatalf("seed %d: election after %d ticks, outside [%d, %d)", seed, ticks, cfg.ElectionTicks, 2*cfg.ElectionTicks)
		}
		seen[ticks] = true
		if r.Role() != Candidate || r.Term() != 3 {
			t.Fatalf("seed %d: %v in term %d, want candidate in term 3", seed, r.Role(), r.Term())
		}
		rd := r.Ready()
		if !rd.MustSync || rd.HardState != (HardState{Term: 3, Vote: 0}) {
			t.Fatalf("seed %d: Ready hard state %+v sync %v, want {3 0} synced", seed, rd.HardState, rd.MustSync)
		}
		var to []int
		for _, m := range rd.Messages {
			if m.Type != MsgVote || m.Term != 3 || m.Index != 2 || m.LogTerm != 2 {
				t.Fatalf("seed %d: campaign message %v", seed, m)
			}
			to = append(to, m.To)
		}
		if !slices.Equal(to, []int{1, 2, 3, 4}) {
			t.Fatalf("seed %d: vote requests to %v", seed, to)
		}
	}
	if len(seen) < 4 {
		t.Fatalf("election timeouts are not randomized: only %v seen", seen)
	}
}

// §5.2: "If many followers become candidates at the same time, votes could be
// split ... each candidate will time out and start a new election by
// incrementing its term."
func TestCandidateStartsNewElection(t *testing.T) {
	r := newCore(0, 3, HardState{Term: 1, Vote: None}, nil, nil)
	for r.Role() != Candidate {
		r.Tick()
	}
	drain(r)
	ticks := 0
	for r.Term() == 2 {
		r.Tick()
		ticks++
		if ticks > 2*r.cfg.ElectionTicks {
			t.Fatal("candidate never retries")
		}
	}
	if ticks < r.cfg.ElectionTicks || r.Term() != 3 || r.Role() != Candidate {
		t.Fatalf("retried after %d ticks as %v in term %d", ticks, r.Role(), r.Term())
	}
	if n := len(filter(drain(r), MsgVote)); n != 2 {
		t.Fatalf("new election sent %d vote requests", n)
	}
}

// §5.2: "A candidate wins an election if it receives votes from a majority of
// the servers in the full cluster for the same term", and gives up once a
// majority refused.
func TestLeaderElectionInOneRound(t *testing.T) {
	tests := []struct {
		size  int
		votes map[int]bool
		want  Role
	}{
		{1, nil, Leader},
		{3, map[int]bool{1: true, 2: true}, Leader},
		{3, map[int]bool{1: true}, Leader},
		{5, map[int]bool{1: true, 2: true, 3: true, 4: true}, Leader},
		{5, map[int]bool{1: true, 2: true, 3: true}, Leader},
		{5, map[int]bool{1: true, 2: true}, Leader},
		{3, nil, Candidate},
		{5, map[int]bool{1: true}, Candidate},
		{5, map[int]bool{1: false, 2: false}, Candidate},
		{5, map[int]bool{1: true, 2: false, 3: false}, Candidate},
		{3, map[int]bool{1: false, 2: false}, Follower},
		{5, map[int]bool{1: false, 2: false, 3: false}, Follower},
		{5, map[int]bool{1: true, 2: false, 3: false, 4: false}, Follower},
	}
	for i, tt := range tests {
		r := newCore(0, tt.size, HardState{Term: 1, Vote: None}, nil, nil)
		for r.Role() == Follower {
			r.Tick()
		}
		drain(r)
		for _, id := range ids(tt.size) {
			if granted, ok := tt.votes[id]; ok {
				r.Step(Message{Type: MsgVoteResp, From: id, To: 0, Term: r.Term(), Reject: !granted})
			}
		}
		if r.Role() != tt.want || r.Term() != 2 {
			t.Errorf("#%d: %v in term %d, want %v in term 2", i, r.Role(), r.Term(), tt.want)
		}
	}
}

// §5.2: "Each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis", and (Figure 2) persists its vote "before
// responding to RPCs": the grant and the hard state recording it travel in the
// same Ready, which must be synced.
func TestFollowerVote(t *testing.T) {
	tests := []struct {
		vote, from int
		reject     bool
	}{
		{None, 1, false},
		{None, 2, false},
		{1, 1, false},
		{2, 2, false},
		{1, 2, true},
		{2, 1, true},
	}
	for i, tt := range tests {
		r := newCore(0, 3, HardState{Term: 1, Vote: tt.vote}, nil, nil)
		r.Step(Message{Type: MsgVote, From: tt.from, To: 0, Term: 1})
		rd := r.Ready()
		if len(rd.Messages) != 1 || rd.Messages[0].Type != MsgVoteResp || rd.Messages[0].Reject != tt.reject || rd.Messages[0].To != tt.from {
			t.Errorf("#%d: replies %v, want reject=%v to %d", i, rd.Messages, tt.reject, tt.from)
			continue
		}
		wantVote := tt.vote
		if !tt.reject {
			wantVote = tt.from
		}
		if rd.HardState != (HardState{Term: 1, Vote: wantVote}) {
			t.Errorf("#%d: Ready hard state %+v, want vote %d", i, rd.HardState, wantVote)
		}
		if changed := wantVote != tt.vote; rd.MustSync != changed {
			t.Errorf("#%d: MustSync %v, want %v", i, rd.MustSync, changed)
		}
	}
}

// §5.2: a vote, once cast and persisted, holds for the rest of the term, also
// across a restart; in a new term the server may vote again.
func TestVoteOncePerTerm(t *testing.T) {
	nw := newNetwork(t, 3, 1, nil)
	r := nw.core(0)
	nw.deliver(Message{Type: MsgVote, From: 1, To: 0, Term: 5})
	nw.deliver(Message{Type: MsgVote, From: 2, To: 0, Term: 5})
	grants := func() (out []int) {
		for _, m := range nw.sentSince(0, 0, MsgVoteResp) {
			if !m.Reject {
				out = append(out, m.To*100+int(m.Term))
			}
		}
		return out
	}
	if g := grants(); !slices.Equal(g, []int{105}) {
		t.Fatalf("grants (to*100+term) = %v, want [105]", g)
	}
	nw.restart(0)
	r = nw.core(0)
	if r.HardState() != (HardState{Term: 5, Vote: 1}) {
		t.Fatalf("restarted with %+v", r.HardState())
	}
	nw.deliver(Message{Type: MsgVote, From: 2, To: 0, Term: 5})
	nw.deliver(Message{Type: MsgVote, From: 1, To: 0, Term: 5}) // a retransmission
	nw.deliver(Message{Type: MsgVote, From: 2, To: 0, Term: 6})
	if g := grants(); !slices.Equal(g, []int{105, 105, 206}) {
		t.Fatalf("grants (to*100+term) = %v, want [105 105 206]", g)
	}
}

// §5.2: "If the leader's term ... is at least as large as the candidate's
// current term, then the candidate recognizes the leader as legitimate and
// returns to follower state."
func TestCandidateFallback(t *testing.T) {
	for _, term := range []uint64{2, 3} {
		r := newCore(0, 3, HardState{Term: 1, Vote: None}, nil, nil)
		for r.Role() != Candidate {
			r.Tick()
		}
		drain(r)
		r.Step(Message{Type: MsgApp, From: 1, To: 0, Term: term})
		if r.Role() != Follower || r.Term() != term || r.Lead() != 1 {
			t.Errorf("append of term %d: %v term %d lead %d", term, r.Role(), r.Term(), r.Lead())
		}
	}
}

// §5.2: "Election Safety: at most one leader can be elected in a given term"
// (checked on every step by the harness), and randomized timeouts let one
// candidate win without endless split votes.
func TestElectionSingleLeader(t *testing.T) {
	for _, size := range []int{1, 3, 5} {
		for seed := uint64(0); seed < 50; seed++ {
			nw := newNetwork(t, size, seed, nil)
			ticks := 0
			for ; ; ticks++ {
				if ticks > 20*nw.core(0).cfg.ElectionTicks {
					t.Fatalf("size %d seed %d: no stable leader after %d ticks", size, seed, ticks)
				}
				nw.tickAll()
				nw.stabilize()
				if settled(nw) {
					break
				}
			}
		}
	}
}

// settled reports whether one leader is followed by every node in its term.
func settled(nw *network) bool {
	lead := None
	for _, id := range nw.ids {
		if nw.core(id).Role() == Leader {
			lead = id
		}
	}
	if lead == None {
		return false
	}
	for _, id := range nw.ids {
		if r := nw.core(id); r.Term() != nw.core(lead).Term() || r.Lead() != lead {
			return false
		}
	}
	return true
}

// §5.3: "The leader appends the command to its log as a new entry, then issues
// AppendEntries RPCs in parallel to each of the other servers."
func TestLeaderStartReplication(t *testing.T) {
	nw := newNetwork(t, 3, 1, nil)
	nw.elect(0)
	r := nw.core(0)
	li, term := r.LastIndex(), r.Term()
	mark := len(nw.nodes[0].sent)
	nw.propose(0, "some data")
	sent := nw.sentSince(0, mark)
	if len(sent) != 2 {
		t.Fatalf("sent %v, want one append to each follower", sent)
	}
	for i, m := range sent {
		want := Message{Type: MsgApp, From: 0, To: i + 1, Term: term, Index: li, LogTerm: term, Commit: li,
			Entries: []Entry{{Index: li + 1, Term: term, Data: []byte("some data")}}}
		if !sameMessage(m, want) {
			t.Fatalf("sent %v, want %v", m, want)
		}
	}
}

// §5.3: "When the entry has been safely replicated, the leader applies the
// entry to its state machine ... followers apply it once they learn it is
// committed." The new leader's no-op is applied first.
func TestLeaderCommitEntry(t *testing.T) {
	nw := newNetwork(t, 3, 1, nil)
	nw.elect(0)
	index := nw.propose(0, "x")
	nw.stabilize()
	for _, id := range nw.ids {
		r, app := nw.core(id), nw.nodes[id].applied
		if r.Commit() != index || len(app) != int(index) {
			t.Fatalf("n%d: commit %d, applied %d, want %d", id, r.Commit(), len(app), index)
		}
		if app[0].Type != EntryNoop || string(app[1].Data) != "x" {
			t.Fatalf("n%d applied %v", id, app)
		}
	}
}

// §5.3: "A log entry is committed once the leader that created the entry has
// replicated it on a majority of the servers."
func TestLeaderAcknowledgeCommit(t *testing.T) {
	tests := []struct {
		size    int
		acks    []int
		wcommit bool
	}{
		{1, nil, true},
		{3, nil, false},
		{3, []int{1}, true},
		{3, []int{1, 2}, true},
		{5, nil, false},
		{5, []int{1}, false},
		{5, []int{1, 2}, true},
		{5, []int{1, 2, 3, 4}, true},
	}
	for i, tt := range tests {
		nw := newNetwork(t, tt.size, 1, nil)
		nw.elect(0)
		nw.drop = func(m Message) bool { return m.Type == MsgAppResp && !slices.Contains(tt.acks, m.From) }
		index := nw.propose(0, "x")
		nw.stabilize()
		if got := nw.core(0).Commit() >= index; got != tt.wcommit {
			t.Errorf("#%d: size %d acks %v: committed %v, want %v", i, tt.size, tt.acks, got, tt.wcommit)
		}
	}
}

// §5.3: "This also commits all preceding entries in the leader's log,
// including entries created by previous leaders."
func TestLeaderCommitPrecedingEntries(t *testing.T) {
	for i, log := range [][]Entry{nil, ents(2), ents(1, 1), ents(1, 2, 2)} {
		nw := newNetwork(t, 3, 1, nil)
		for _, id := range nw.ids {
			nw.setState(id, HardState{Term: 2, Vote: None}, log)
		}
		nw.elect(0)
		index := nw.propose(0, "x")
		nw.stabilize()
		app := nw.nodes[0].applied
		if len(app) != int(index) || !sameEntries(app[:len(log)], log) {
			t.Errorf("#%d: applied %d entries (terms %v), want %d starting with %v", i, len(app), terms(app), index, terms(log))
		}
	}
}

// §5.3: "Once a follower learns that a log entry is committed, it applies the
// entry to its local state machine (in log order)", and never before the
// entry is durable.
func TestFollowerCommitEntry(t *testing.T) {
	r := newCore(1, 3, HardState{Term: 1, Vote: None}, nil, nil)
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 1, Entries: entsFrom(1, 1, 1, 1), Commit: 2})
	if r.Commit() != 2 {
		t.Fatalf("commit %d, want 2", r.Commit())
	}
	rd := r.Ready()
	if len(rd.Entries) != 3 || len(rd.Committed) != 0 {
		t.Fatalf("first Ready: %d entries to persist, %d to apply; want 3 and 0 (not yet durable)", len(rd.Entries), len(rd.Committed))
	}
	r.Advance(rd)
	rd = r.Ready()
	if !sameEntries(rd.Committed, entsFrom(1, 1, 1)) {
		t.Fatalf("second Ready applies %v, want entries 1..2", rd.Committed)
	}
	r.Advance(rd)
	if r.HasReady() {
		t.Fatalf("more work after applying: %+v", r.Ready())
	}
}

// §5.3: "If the follower does not find an entry in its log with the same index
// and term, then it refuses the new entries", and (fast backup) tells the
// leader where to resume.
func TestFollowerCheckMsgApp(t *testing.T) {
	tests := []struct {
		term, index     uint64
		wreject         bool
		windex          uint64
		whint, whintTrm uint64
	}{
		{0, 0, false, 0, 0, 0},
		{1, 1, false, 1, 0, 0},
		{2, 2, false, 2, 0, 0},
		{1, 2, true, 2, 2, 2}, // index 2 holds term 2: skip that whole term
		{3, 3, true, 3, 3, 0}, // beyond the log: resume at its end
		{3, 9, true, 9, 3, 0},
	}
	for i, tt := range tests {
		r := newCore(1, 3, HardState{Term: 2, Vote: None}, ents(1, 2), nil)
		r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 2, Index: tt.index, LogTerm: tt.term})
		ms := filter(drain(r), MsgAppResp)
		want := Message{Type: MsgAppResp, From: 1, To: 0, Term: 2, Index: tt.windex, Reject: tt.wreject, Hint: tt.whint, HintTerm: tt.whintTrm}
		if len(ms) != 1 || !sameMessage(ms[0], want) {
			t.Errorf("#%d: replies %v, want %v", i, ms, want)
		}
	}
}

// §5.3: "If an existing entry conflicts with a new one (same index but
// different terms), delete the existing entry and all that follow it; append
// any new entries not already in the log." An entry already held is kept.
func TestFollowerAppendEntries(t *testing.T) {
	tests := []struct {
		index, logTerm uint64
		ents           []Entry
		want           []uint64 // terms of the resulting log
		wfirst         uint64   // first index the Ready persists, 0 for none
	}{
		{2, 2, entsFrom(3, 3), []uint64{1, 2, 3}, 3},
		{1, 1, entsFrom(2, 3, 4), []uint64{1, 3, 4}, 2},
		{0, 0, entsFrom(1, 1), []uint64{1, 2}, 0},
		{0, 0, entsFrom(1, 3), []uint64{3}, 1},
		{0, 0, entsFrom(1, 1, 2), []uint64{1, 2}, 0},
		{1, 1, nil, []uint64{1, 2}, 0},
	}
	for i, tt := range tests {
		log := ents(1, 2)
		r := newCore(1, 3, HardState{Term: 4, Vote: None}, log, nil)
		r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 4, Index: tt.index, LogTerm: tt.logTerm, Entries: tt.ents})
		rd := r.Ready()
		var first uint64
		if len(rd.Entries) > 0 {
			first = rd.Entries[0].Index
			log = append(log[:first-1], rd.Entries...)
		}
		r.Advance(rd)
		if !slices.Equal(terms(log), tt.want) || first != tt.wfirst {
			t.Errorf("#%d: log terms %v persisted from %d, want %v from %d", i, terms(log), first, tt.want, tt.wfirst)
		}
	}
}

// §5.3: "When sending an AppendEntries RPC, the leader includes the index and
// term of the entry in its log that immediately precedes the new entries";
// the consistency check then brings every follower in line with the leader,
// whatever its log (the six followers of Figure 7).
func TestLeaderSyncFollowerLog(t *testing.T) {
	lead := ents(1, 1, 1, 4, 4, 5, 5, 6, 6, 6)
	followers := map[string][]uint64{
		"a": {1, 1, 1, 4, 4, 5, 5, 6, 6},
		"b": {1, 1, 1, 4},
		"c": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
		"d": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
		"e": {1, 1, 1, 4, 4, 4, 4},
		"f": {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		t.Run(name, func(t *testing.T) {
			nw := newNetwork(t, 3, 1, nil)
			nw.setState(0, HardState{Term: 7, Vote: None}, lead)
			nw.setState(1, HardState{Term: 7, Vote: None}, ents(followers[name]...))
			nw.crash(2) // a black hole whose vote we forge
			nw.campaign(0)
			if nw.core(0).Role() == Candidate {
				nw.deliver(Message{Type: MsgVoteResp, From: 2, To: 0, Term: nw.core(0).Term()})
			}
			nw.stabilize()
			if nw.core(0).Role() != Leader {
				t.Fatalf("n0 is %v", nw.core(0).Role())
			}
			nw.propose(0, "x")
			nw.stabilize()
			nw.checkLogsEqual(0)
			n := 0
			for _, m := range nw.sentSince(1, 0, MsgAppResp) {
				if m.Reject {
					n++
				}
			}
			// Each rejection skips a whole term of the follower's log.
			if n > 2 {
				t.Fatalf("follower %s needed %d rejections to converge", name, n)
			}
		})
	}
}

// §5.4.1: "The voter denies its vote if its own log is more up-to-date than
// that of the candidate": the later last term wins, then the longer log.
func TestVoter(t *testing.T) {
	tests := []struct {
		log            []Entry
		logTerm, index uint64
		wreject        bool
	}{
		{ents(1), 1, 1, false},
		{ents(1), 1, 2, false},
		{ents(1, 1), 1, 1, true},
		{ents(1), 2, 1, false},
		{ents(1), 2, 2, false},
		{ents(1, 1), 2, 1, false},
		{ents(2), 1, 1, true},
		{ents(2), 1, 2, true},
		{ents(2, 2), 1, 3, true},
		{ents(1, 2), 1, 1, true},
		{nil, 0, 0, false},
		{ents(1), 0, 0, true},
	}
	for i, tt := range tests {
		r := newCore(0, 3, HardState{Term: 2, Vote: None}, tt.log, nil)
		r.Step(Message{Type: MsgVote, From: 1, To: 0, Term: 3, Index: tt.index, LogTerm: tt.logTerm})
		ms := filter(drain(r), MsgVoteResp)
		if len(ms) != 1 || ms[0].Reject != tt.wreject || ms[0].Term != 3 {
			t.Errorf("#%d: log %v, candidate %d/t%d: replies %v, want reject=%v", i, terms(tt.log), tt.index, tt.logTerm, ms, tt.wreject)
		}
		if got := r.log.isUpToDate(tt.index, tt.logTerm); got == tt.wreject {
			t.Errorf("#%d: isUpToDate = %v", i, got)
		}
	}
}

// §5.4.1: a candidate whose log lacks a committed entry cannot win.
func TestStaleCandidateRefused(t *testing.T) {
	nw := newNetwork(t, 3, 1, nil)
	nw.elect(0)
	nw.isolate(2)
	nw.propose(0, "committed without n2")
	nw.stabilize()
	if nw.core(0).Commit() != 2 {
		t.Fatalf("setup: commit %d", nw.core(0).Commit())
	}
	nw.crash(0)
	nw.heal()
	for range 5 {
		nw.campaign(2)
		if r := nw.core(2); r.Role() == Leader {
			t.Fatalf("n2 with a stale log won term %d", r.Term())
		}
		if nw.core(1).HardState().Vote == 2 {
			t.Fatalf("n1 voted for the stale candidate")
		}
	}
	nw.elect(1)
	nw.propose(1, "after")
	nw.stabilize()
	nw.checkLogsEqual(1)
}

// §5.4.2: "Raft never commits log entries from previous terms by counting
// replicas. Only log entries from the leader's current term are committed by
// counting replicas."
func TestLeaderOnlyCommitsLogFromCurrentTerm(t *testing.T) {
	tests := []struct {
		ack     uint64
		wcommit uint64
	}{
		{1, 0}, // term 1: not counted
		{2, 0}, // term 2: not counted
		{3, 3}, // the new leader's no-op: commits all before it
	}
	for i, tt := range tests {
		r := newCore(0, 3, HardState{Term: 2, Vote: None}, ents(1, 2), nil)
		makeLeader(t, r)
		drain(r)
		r.Step(Message{Type: MsgAppResp, From: 1, To: 0, Term: r.Term(), Index: tt.ack})
		drain(r)
		if r.Commit() != tt.wcommit {
			t.Errorf("#%d: ack of %d: commit %d, want %d", i, tt.ack, r.Commit(), tt.wcommit)
		}
	}
}

// §5.4.2, Figure 8, built exactly (our terms are the paper's minus one: the
// first leader here has term 1). (a) S1 leads and replicates index 2 to S2
// only; (b) S5 wins the next term with votes from S3, S4 and itself and writes
// a different index 2 (its no-op) on itself alone; (c) S1 restarts, wins a
// later term and copies its old index 2 to S3 and S4, so a majority holds it.
// It must not be committed then: in (d) S5 can still win and overwrite it
// everywhere. Only once S1 replicates an entry of its own term on a majority
// (e) is index 2 committed.
func TestFigure8(t *testing.T) {
	nw := newNetwork(t, 5, 1, func(c *Config) { c.MaxBatch = 1 })
	s1, s2, s3, s4, s5 := 0, 1, 2, 3, 4
	// (a)
	nw.elect(s1)
	nw.partition([]int{s1, s2}, []int{s3, s4, s5})
	nw.propose(s1, "s1 old")
	nw.stabilize()
	if l := nw.nodes[s2].log; len(l) != 2 || nw.core(s1).Commit() != 1 {
		t.Fatalf("setup (a): s2 log %v, s1 commit %d", terms(l), nw.core(s1).Commit())
	}
	// (b)
	nw.crash(s1)
	nw.heal()
	nw.isolate(s2)
	nw.drop = func(m Message) bool { return m.From == s5 && m.Type == MsgApp }
	nw.elect(s5)
	nw.stabilize()
	nw.crash(s5)
	nw.drop = nil
	if l := nw.nodes[s5].log; len(l) != 2 || l[1].Term != nw.core(s5).Term() || len(nw.nodes[s3].log) != 1 {
		t.Fatalf("setup (b): s5 log %v, s3 log %v", terms(l), terms(nw.nodes[s3].log))
	}
	// (c): S1's appends reach the others stripped of its own term's entries.
	nw.heal()
	nw.restart(s1)
	nw.mangle = func(m Message) (Message, bool) {
		if m.From == s1 && m.Type == MsgApp {
			m.Entries = slices.DeleteFunc(slices.Clone(m.Entries), func(e Entry) bool { return e.Term == nw.core(s1).Term() })
		}
		return m, true
	}
	nw.elect(s1)
	nw.stabilize()
	old := nw.nodes[s1].log[1]
	var holders []int
	for _, id := range nw.ids {
		if l := nw.nodes[id].log; len(l) >= 2 && sameEntry(l[1], old) {
			holders = append(holders, id)
		}
	}
	if len(holders) < 3 || nw.core(s1).Role() != Leader {
		t.Fatalf("setup (c): S1 %v; only %v hold its old entry %d/t%d", nw.core(s1).Role(), holders, old.Index, old.Term)
	}
	if c := nw.core(s1).Commit(); c >= 2 {
		t.Fatalf("Figure 8 (c): the leader of term %d committed index %d of term %d by counting replicas %v",
			nw.core(s1).Term(), c, old.Term, holders)
	}
	// (d): S1 crashes; S5 restarts and wins with S2, S3, S4. It may, because
	// index 2 was never committed, and it overwrites it.
	nw.crash(s1)
	nw.mangle = nil
	nw.restart(s5)
	nw.elect(s5)
	nw.propose(s5, "s5 again")
	nw.stabilize()
	for _, id := range []int{s2, s3, s4, s5} {
		if l := nw.nodes[id].log; sameEntry(l[1], old) {
			t.Fatalf("(d): n%d still holds %d/t%d after S5 won", id, old.Index, old.Term)
		}
	}
	// (e): the other ending, from the same start: S1 gets an entry of its
	// own term onto a majority, which commits index 2 with it.
	nw2 := newNetwork(t, 5, 1, func(c *Config) { c.MaxBatch = 1 })
	nw2.elect(s1)
	nw2.partition([]int{s1, s2}, []int{s3, s4, s5})
	nw2.propose(s1, "s1 old")
	nw2.stabilize()
	nw2.crash(s1)
	nw2.heal()
	nw2.restart(s1)
	nw2.elect(s1)
	if c := nw2.core(s1).Commit(); c != 3 {
		t.Fatalf("(e): commit %d, want 3 (index 2 committed with the new term's no-op)", c)
	}
}

// §5.3 with §5.4: a follower's commit index never passes the last entry it
// got from the current leader; its log beyond that may not be the leader's.
func TestFollowerCommitCappedAtLastNewEntry(t *testing.T) {
	// The follower holds stale entries 3..5 of term 1 the leader never had.
	r := newCore(1, 3, HardState{Term: 2, Vote: None}, ents(1, 1, 1, 1, 1), nil)
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 2, Index: 1, LogTerm: 1, Entries: entsFrom(2, 1), Commit: 5})
	if r.Commit() != 2 {
		t.Fatalf("commit %d after an append ending at 2 with leader commit 5, want 2", r.Commit())
	}
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 2, Index: 2, LogTerm: 1, Commit: 5})
	if r.Commit() != 2 {
		t.Fatalf("commit %d after an empty append at 2 with leader commit 5, want 2", r.Commit())
	}
	r.Step(Message{Type: MsgApp, From: 0, To: 1, Term: 2, Index: 2, LogTerm: 1, Entries: entsFrom(3, 2), Commit: 5})
	if r.Commit() != 3 || r.LastIndex() != 3 {
		t.Fatalf("commit %d last %d, want 3 and 3 (stale 4..5 cut)", r.Commit(), r.LastIndex())
	}
}

// §5.3: a stale or duplicated AppendEntries (the network may deliver any
// message twice or late) never truncates entries the follower already holds
// and has acknowledged.
func TestStaleAppendDoesNotTruncate(t *testing.T) {
	nw := newNetwork(t, 3, 1, nil)
	var toOne []Message
	nw.step = func(to int, m Message) {
		if to == 1 && m.Type == MsgApp {
			toOne = append(toOne, m)
		}
	}
	nw.elect(0)
	for i := range 5 {
		nw.propose(0, fmt.Sprintf("v%d", i))
		nw.stabilize()
	}
	nw.step = nil
	want := slices.Clone(nw.nodes[1].log)
	commit := nw.core(1).Commit()
	for i := len(toOne) - 1; i >= 0; i-- { // oldest last: the most stale
		m := toOne[i]
		mark := len(nw.nodes[1].sent)
		nw.deliver(m)
		if d := diffLogs(want, nw.nodes[1].log); d != "" {
			t.Fatalf("redelivered %v: %s", m, d)
		}
		if r := nw.core(1); r.LastIndex() != uint64(len(want)) || r.Commit() < commit {
			t.Fatalf("redelivered %v: last %d commit %d", m, r.LastIndex(), r.Commit())
		}
		for _, resp := range nw.sentSince(1, mark, MsgAppResp) {
			if resp.Reject {
				t.Fatalf("redelivered %v was rejected: %v", m, resp)
			}
		}
	}
	// A restarted follower has forgotten its commit index, so the same
	// messages now go through the log-matching path rather than the
	// already-committed shortcut (hence a restart before each).
	nw.stabilize()
	for i := len(toOne) - 1; i >= 0; i-- {
		m := toOne[i]
		nw.restart(1)
		mark := len(nw.nodes[1].sent)
		nw.deliver(m)
		if d := diffLogs(want, nw.nodes[1].log); d != "" {
			t.Fatalf("after restart, redelivered %v: %s", m, d)
		}
		for _, resp := range nw.sentSince(1, mark, MsgAppResp) {
			if resp.Reject || resp.Index != m.Index+uint64(len(m.Entries)) {
				t.Fatalf("after restart, redelivered %v: replied %v", m, resp)
			}
		}
	}
	nw.stabilize()
	nw.propose(0, "after")
	nw.stabilize()
	nw.checkLogsEqual(0)
}
