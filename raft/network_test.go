package raft

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/detsim/detsim/sim"
)

// This file is the harness of the core tests: a small in-memory network of
// *Raft cores. It plays the host's part exactly as the Ready contract demands
// (persist, then send, then apply, then Advance), checks on every Ready that
// nothing is promised before it is durable, and checks election safety and
// state machine safety on every step. Messages cross the network as bytes made
// by the production codec, so a core never shares memory with another.
//
// A node's durable state is a hard state, a snapshot (nil: none) and the log
// after it; its service state is the list of entries applied, from index 1,
// which a snapshot encodes whole (encodeState), so a restore really replaces
// it and can be checked entry by entry against what was committed.

// testConfig is the configuration the core tests start from.
func testConfig(id int, peers []int, seed uint64) Config {
	return Config{
		ID: id, Peers: peers, ElectionTicks: 10, HeartbeatTicks: 2,
		MaxBatch: 64, MaxInflight: 8, Rand: sim.NewRand(sim.Key(seed, uint64(id))),
	}
}

func ids(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// commitInfo is an entry and the term of the leader that first committed it.
type commitInfo struct {
	e    Entry
	term uint64
}

type crashPoint int

const (
	noCrash crashPoint = iota
	crashBeforeSync
	crashAfterSync
)

// testNode is one core and what its host has made durable.
type testNode struct {
	r        *Raft
	cfg      Config
	hs       HardState // persisted
	snap     *Snapshot // persisted snapshot, nil if none
	log      []Entry   // persisted after snap: log[i].Index == snapIndex()+1+i
	applied  []Entry   // the service's state: every entry applied, from index 1
	checked  uint64    // commit index checked against nw.commits
	sent     []Message // every message this node sent, in order
	probes   map[string]int
	readies  int
	restores int // snapshots handed to the service by Ready (not at restart)
	down     bool
}

func (n *testNode) snapIndex() uint64 {
	if n.snap == nil {
		return 0
	}
	return n.snap.Index
}

// lastIndex is the end of the durable log.
func (n *testNode) lastIndex() uint64 { return n.snapIndex() + uint64(len(n.log)) }

// entry returns durable entry i; false if it is compacted or beyond the log.
func (n *testNode) entry(i uint64) (Entry, bool) {
	if i <= n.snapIndex() || i > n.lastIndex() {
		return Entry{}, false
	}
	return n.log[i-n.snapIndex()-1], true
}

type network struct {
	t     testing.TB
	ids   []int
	nodes map[int]*testNode
	queue []Message
	held  []Message // messages taken aside by hold

	cut  map[[2]int]bool      // directed links that lose every message
	drop func(m Message) bool // lose a message as it is sent
	// mangle may rewrite a message as it is sent (after the codec check),
	// or lose it by returning false.
	mangle func(m Message) (Message, bool)
	hold   func(m Message) bool    // take a message aside instead of queueing it
	step   func(to int, m Message) // called before each delivery
	ready  func(id int, rd Ready)  // called with each Ready, before the host acts on it
	// crashAt may crash a node inside its host's step, around the sync of a
	// Ready: crashBeforeSync loses the Ready, crashAfterSync persists it but
	// sends nothing.
	crashAt func(id int) crashPoint
	// compactEvery, when set, makes every node's service snapshot its state
	// (Compact, from the apply path) once it has applied that many entries
	// past its last snapshot.
	compactEvery uint64

	leaders   map[uint64]int        // term -> its leader, for election safety
	commits   map[uint64]commitInfo // index -> the entry committed there
	dropped   int
	delivered int
}

// newNetwork starts n cores with empty state; opt may adjust each config.
func newNetwork(t testing.TB, n int, seed uint64, opt func(*Config)) *network {
	nw := &network{
		t: t, ids: ids(n), nodes: map[int]*testNode{}, cut: map[[2]int]bool{},
		leaders: map[uint64]int{}, commits: map[uint64]commitInfo{},
	}
	for _, id := range nw.ids {
		cfg := testConfig(id, nw.ids, seed)
		if opt != nil {
			opt(&cfg)
		}
		nw.nodes[id] = &testNode{cfg: cfg, hs: HardState{Vote: None}}
		nw.restart(id)
	}
	return nw
}

// setState replaces a node's durable state and restarts it from it.
func (nw *network) setState(id int, hs HardState, log []Entry) {
	n := nw.nodes[id]
	n.hs, n.snap, n.log = hs, nil, cloneEntries(log)
	nw.restart(id)
}

// restart throws a node's volatile state away and builds a new core from what
// it persisted, as a crash and restart would; the service starts from the
// durable snapshot, as a host restores it before building the core.
func (nw *network) restart(id int) {
	n := nw.nodes[id]
	n.r = NewFromSnapshot(n.cfg, n.hs, cloneSnapshot(n.snap), n.log)
	n.applied, n.checked = nil, 0
	if n.snap != nil {
		n.applied = nw.snapshotState(id, n.snap)
	}
	n.down = false
}

func (nw *network) crash(id int) { nw.nodes[id].down = true }

func (nw *network) core(id int) *Raft { return nw.nodes[id].r }

// flush drains a node's Ready batches as a host does.
func (nw *network) flush(id int) {
	n := nw.nodes[id]
	for i := 0; n.r.HasReady(); i++ {
		if i > 100 {
			nw.t.Fatalf("n%d: HasReady never settles", id)
		}
		nw.observe(id) // a step may have moved the commit index
		rd := n.r.Ready()
		n.readies++
		if nw.ready != nil {
			nw.ready(id, rd)
		}
		if nw.crashAt != nil && rd.MustSync {
			switch nw.crashAt(id) {
			case crashBeforeSync:
				nw.observe(id)
				n.down = true
				return
			case crashAfterSync:
				nw.persist(id, rd)
				nw.observe(id)
				n.down = true
				return
			}
		}
		for _, p := range rd.Probes {
			if n.probes == nil {
				n.probes = map[string]int{}
			}
			n.probes[p]++
		}
		nw.persist(id, rd)
		for _, m := range rd.Messages {
			nw.send(m)
		}
		if rd.RestoreSnapshot {
			nw.restore(id, rd.Snapshot)
		}
		for _, e := range rd.Committed {
			nw.apply(id, e)
		}
		n.r.Advance(rd)
		nw.observe(id)
	}
	nw.observe(id)
}

// persist makes rd durable and checks that no message of rd promises more
// than what is then durable.
func (nw *network) persist(id int, rd Ready) {
	t, n := nw.t, nw.nodes[id]
	t.Helper()
	if !rd.MustSync && (rd.HardState != n.hs || len(rd.Entries) > 0 || rd.Snapshot != nil) {
		t.Fatalf("n%d: Ready changes state (%+v, %d entries, snapshot %v) without MustSync",
			id, rd.HardState, len(rd.Entries), rd.Snapshot != nil)
	}
	if rd.RestoreSnapshot && rd.Snapshot == nil {
		t.Fatalf("n%d: Ready asks to restore no snapshot", id)
	}
	if rd.HardState.Term < n.hs.Term {
		t.Fatalf("n%d: term went back from %d to %d", id, n.hs.Term, rd.HardState.Term)
	}
	if rd.HardState.Term == n.hs.Term && n.hs.Vote != None && rd.HardState.Vote != n.hs.Vote {
		t.Fatalf("n%d: vote changed within term %d from %d to %d", id, n.hs.Term, n.hs.Vote, rd.HardState.Vote)
	}
	n.hs = rd.HardState
	switch {
	case rd.Snapshot != nil:
		nw.persistSnapshot(id, rd)
	case len(rd.Entries) > 0:
		first := rd.Entries[0].Index
		if first <= n.snapIndex() || first > n.lastIndex()+1 {
			t.Fatalf("n%d: Ready entries start at %d after a log (%d,%d]", id, first, n.snapIndex(), n.lastIndex())
		}
		checkContiguous(t, id, rd.Entries)
		n.log = append(n.log[:first-n.snapIndex()-1], cloneEntries(rd.Entries)...)
	}
	for _, m := range rd.Messages {
		if m.From != id {
			t.Fatalf("n%d: sends a message from %d: %v", id, m.From, m)
		}
		switch {
		case m.Type == MsgVoteResp && !m.Reject:
			if n.hs.Term != m.Term || n.hs.Vote != m.To {
				t.Fatalf("n%d: grants %v with durable hard state %+v", id, m, n.hs)
			}
		case m.Type == MsgVote:
			if n.hs.Term != m.Term || n.hs.Vote != id {
				t.Fatalf("n%d: campaigns %v with durable hard state %+v", id, m, n.hs)
			}
		case m.Type == MsgAppResp && !m.Reject:
			if m.Index > n.lastIndex() {
				t.Fatalf("n%d: acknowledges %d with a durable log (%d,%d]", id, m.Index, n.snapIndex(), n.lastIndex())
			}
			if n.hs.Term != m.Term {
				t.Fatalf("n%d: acknowledges in term %d with durable term %d", id, m.Term, n.hs.Term)
			}
		case m.Type == MsgSnap:
			// What a leader ships is committed state, whole.
			nw.snapshotState(id, m.Snapshot)
		}
	}
}

func (nw *network) apply(id int, e Entry) {
	t, n := nw.t, nw.nodes[id]
	t.Helper()
	if want := uint64(len(n.applied)) + 1; e.Index != want {
		t.Fatalf("n%d: applies %d, want %d", id, e.Index, want)
	}
	if d, ok := n.entry(e.Index); !ok || !sameEntry(d, e) {
		t.Fatalf("n%d: applies %d/t%d that is not durable after the snapshot at %d", id, e.Index, e.Term, n.snapIndex())
	}
	c, ok := nw.commits[e.Index]
	if !ok {
		t.Fatalf("n%d applies %d/t%d, which no leader committed", id, e.Index, e.Term)
	}
	if !sameEntry(c.e, e) {
		t.Fatalf("state machine safety: n%d applies %d/t%d %q, committed was %d/t%d %q",
			id, e.Index, e.Term, e.Data, c.e.Index, c.e.Term, c.e.Data)
	}
	n.applied = append(n.applied, e)
	if k := nw.compactEvery; k > 0 && e.Index >= n.r.SnapshotIndex()+k {
		// As a service does: snapshot from the apply path, between Ready
		// and Advance.
		if err := n.r.Compact(e.Index, encodeState(n.applied)); err != nil {
			t.Fatalf("n%d: compact at %d while applying: %v", id, e.Index, err)
		}
	}
}

func (nw *network) observe(id int) {
	t, n := nw.t, nw.nodes[id]
	r := n.r
	// Every commit index is checked once per incarnation: a leader records
	// what it commits, anyone else must agree with the record.
	if n.checked < r.log.snapIndex {
		// The prefix through the snapshot is gone from the log: its data
		// must be exactly what was committed there.
		nw.snapshotState(id, r.snapshot)
		n.checked = r.log.snapIndex
	}
	for ; n.checked < r.Commit(); n.checked++ {
		index := n.checked + 1
		e, _ := coreEntry(r, index)
		c, ok := nw.commits[index]
		switch {
		case !ok && r.Role() == Leader:
			nw.commits[index] = commitInfo{e: e, term: r.Term()}
		case !ok:
			t.Fatalf("n%d (%v) commits %d/t%d, which no leader committed", id, r.Role(), index, e.Term)
		case !sameEntry(c.e, e):
			t.Fatalf("state machine safety: n%d commits %d/t%d %q, committed in term %d was %d/t%d %q",
				id, index, e.Term, e.Data, c.term, index, c.e.Term, c.e.Data)
		}
	}
	if r.Role() != Leader {
		return
	}
	l, ok := nw.leaders[r.Term()]
	if ok && l != id {
		t.Fatalf("election safety: n%d and n%d both lead term %d", l, id, r.Term())
	}
	if ok {
		return
	}
	nw.leaders[r.Term()] = id
	// Leader completeness: a new leader holds every entry committed in an
	// earlier term (those through its snapshot were checked against the
	// record above).
	for index, c := range nw.commits {
		if index <= r.log.snapIndex {
			continue
		}
		if e, ok := coreEntry(r, index); c.term < r.Term() && (!ok || !sameEntry(e, c.e)) {
			t.Fatalf("leader completeness: n%d leads term %d without %d/t%d committed in term %d",
				id, r.Term(), index, c.e.Term, c.term)
		}
	}
}

// checkLogMatching asserts the Log Matching Property over the durable logs:
// two logs holding an entry of the same index and term are identical up to it
// (as far as both still hold entries: below a snapshot, the harness checks
// the snapshot's data against the committed entries instead).
func (nw *network) checkLogMatching() {
	nw.t.Helper()
	for _, a := range nw.ids {
		for _, b := range nw.ids {
			if a >= b {
				continue
			}
			na, nb := nw.nodes[a], nw.nodes[b]
			lo := max(na.snapIndex(), nb.snapIndex())
			for i := min(na.lastIndex(), nb.lastIndex()); i > lo; i-- {
				ea, _ := na.entry(i)
				eb, _ := nb.entry(i)
				if ea.Term == eb.Term {
					if d := diffDurable(na, nb, lo+1, i); d != "" {
						nw.t.Fatalf("log matching: n%d and n%d agree on %d/t%d but differ before: %s", a, b, i, ea.Term, d)
					}
					break
				}
			}
		}
	}
}

// send copies m through the production codec, as the host does.
func (nw *network) send(m Message) {
	t := nw.t
	t.Helper()
	b := AppendMessage(nil, &m)
	c, err := DecodeMessage(b)
	if err != nil {
		t.Fatalf("decode of %v: %v", m, err)
	}
	if !sameMessage(m, c) {
		t.Fatalf("codec changed %v into %v", m, c)
	}
	nw.nodes[m.From].sent = append(nw.nodes[m.From].sent, c)
	ok := true
	if nw.mangle != nil {
		c, ok = nw.mangle(c)
	}
	switch {
	case !ok || nw.lost(c) || nw.drop != nil && nw.drop(c):
		nw.dropped++
	case nw.hold != nil && nw.hold(c):
		nw.held = append(nw.held, c)
	default:
		nw.queue = append(nw.queue, c)
	}
}

func (nw *network) lost(m Message) bool {
	to, ok := nw.nodes[m.To]
	return !ok || to.down || nw.nodes[m.From].down || nw.cut[[2]int{m.From, m.To}]
}

// deliverOne hands the oldest queued message to its receiver.
func (nw *network) deliverOne() bool {
	if len(nw.queue) == 0 {
		return false
	}
	m := nw.queue[0]
	nw.queue = nw.queue[1:]
	if nw.lost(m) {
		nw.dropped++
		return true
	}
	nw.deliver(m)
	return true
}

// deliver steps m into its receiver now, whatever the network's state.
func (nw *network) deliver(m Message) {
	if nw.step != nil {
		nw.step(m.To, m)
	}
	nw.delivered++
	nw.nodes[m.To].r.Step(m)
	nw.flush(m.To)
}

// stabilize delivers until no message is in flight.
func (nw *network) stabilize() {
	nw.t.Helper()
	for i := 0; nw.deliverOne(); i++ {
		if i > 1_000_000 {
			nw.t.Fatalf("network never settles")
		}
	}
}

func (nw *network) down(id int) bool { return nw.nodes[id].down }

func (nw *network) tick(id int) {
	if nw.nodes[id].down {
		return
	}
	nw.nodes[id].r.Tick()
	nw.flush(id)
}

func (nw *network) tickAll() {
	for _, id := range nw.ids {
		nw.tick(id)
	}
}

func (nw *network) propose(id int, data string) uint64 {
	nw.t.Helper()
	index, _, err := nw.nodes[id].r.Propose([]byte(data))
	if err != nil {
		nw.t.Fatalf("n%d: propose %q: %v", id, data, err)
	}
	nw.flush(id)
	return index
}

// campaign ticks id alone until it asks for votes (or, alone in its
// cluster, wins), then lets the network settle.
func (nw *network) campaign(id int) {
	nw.t.Helper()
	r := nw.nodes[id].r
	mark := len(nw.nodes[id].sent)
	for i := 0; len(nw.sentSince(id, mark, MsgVote, MsgPreVote)) == 0 && r.Role() != Leader; i++ {
		if i > 2*r.cfg.ElectionTicks {
			nw.t.Fatalf("n%d never campaigns (role %v)", id, r.Role())
		}
		nw.tick(id)
	}
	nw.stabilize()
}

// elect makes id the leader, campaigning as many times as it takes.
func (nw *network) elect(id int) {
	nw.t.Helper()
	r := nw.nodes[id].r
	for range 10 {
		if r = nw.nodes[id].r; r.Role() == Leader {
			return
		}
		nw.campaign(id)
	}
	nw.t.Fatalf("n%d did not win: %v in term %d", id, r.Role(), r.Term())
}

// isolate cuts every link to and from id; heal restores all links.
func (nw *network) isolate(id int) {
	for _, o := range nw.ids {
		if o != id {
			nw.cut[[2]int{id, o}] = true
			nw.cut[[2]int{o, id}] = true
		}
	}
}

// partition splits the cluster: nodes in different groups cannot talk.
func (nw *network) partition(groups ...[]int) {
	group := map[int]int{}
	for g, ids := range groups {
		for _, id := range ids {
			group[id] = g
		}
	}
	for _, a := range nw.ids {
		for _, b := range nw.ids {
			if group[a] != group[b] {
				nw.cut[[2]int{a, b}] = true
			}
		}
	}
}

func (nw *network) heal() { nw.cut = map[[2]int]bool{} }

// sentSince returns the messages id sent from position from on, filtered by type.
func (nw *network) sentSince(id, from int, types ...MsgType) []Message {
	var out []Message
	for _, m := range nw.nodes[id].sent[from:] {
		if len(types) == 0 || slices.Contains(types, m.Type) {
			out = append(out, m)
		}
	}
	return out
}

// checkLogsEqual asserts every live node's durable log equals want's: the
// same last index, the same entries wherever both hold them.
func (nw *network) checkLogsEqual(want int) {
	nw.t.Helper()
	w := nw.nodes[want]
	for _, id := range nw.ids {
		n := nw.nodes[id]
		if id == want || n.down {
			continue
		}
		d := diffDurable(w, n, max(w.snapIndex(), n.snapIndex())+1, max(w.lastIndex(), n.lastIndex()))
		if d != "" {
			nw.t.Fatalf("log of n%d differs from n%d: %s", id, want, d)
		}
	}
}

// diffDurable compares two durable logs over [lo, hi].
func diffDurable(a, b *testNode, lo, hi uint64) string {
	for i := lo; i <= hi; i++ {
		ea, oka := a.entry(i)
		eb, okb := b.entry(i)
		switch {
		case !oka && !okb:
		case !oka:
			return fmt.Sprintf("extra entry %d/t%d", i, eb.Term)
		case !okb:
			return fmt.Sprintf("missing entry %d/t%d", i, ea.Term)
		case !sameEntry(ea, eb):
			return fmt.Sprintf("entry %d: t%d %q vs t%d %q", i, ea.Term, ea.Data, eb.Term, eb.Data)
		}
	}
	return ""
}

// ents builds a log from terms: ents(1, 1, 2) is 1/t1 2/t1 3/t2.
func ents(terms ...uint64) []Entry {
	out := make([]Entry, len(terms))
	for i, t := range terms {
		out[i] = Entry{Term: t, Index: uint64(i) + 1, Data: []byte(fmt.Sprintf("e%d.t%d", i+1, t))}
	}
	return out
}

// entsFrom builds entries starting at index first.
func entsFrom(first uint64, terms ...uint64) []Entry {
	out := ents(terms...)
	for i := range out {
		out[i].Index = first + uint64(i)
		out[i].Data = []byte(fmt.Sprintf("e%d.t%d", out[i].Index, out[i].Term))
	}
	return out
}

func sameEntry(a, b Entry) bool {
	return a.Term == b.Term && a.Index == b.Index && a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

func sameEntries(a, b []Entry) bool {
	return slices.EqualFunc(a, b, sameEntry)
}

func sameMessage(a, b Message) bool {
	return a.Type == b.Type && a.From == b.From && a.To == b.To && a.Term == b.Term &&
		a.LogTerm == b.LogTerm && a.Index == b.Index && a.Commit == b.Commit &&
		a.Reject == b.Reject && a.Hint == b.Hint && a.HintTerm == b.HintTerm &&
		sameEntries(a.Entries, b.Entries) && sameSnapshot(a.Snapshot, b.Snapshot)
}

func sameSnapshot(a, b *Snapshot) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Index == b.Index && a.Term == b.Term && bytes.Equal(a.Data, b.Data)
}

func diffLogs(a, b []Entry) string {
	for i := 0; i < max(len(a), len(b)); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("extra entry %d/t%d", b[i].Index, b[i].Term)
		case i >= len(b):
			return fmt.Sprintf("missing entry %d/t%d", a[i].Index, a[i].Term)
		case !sameEntry(a[i], b[i]):
			return fmt.Sprintf("entry %d: t%d %q vs t%d %q", i+1, a[i].Term, a[i].Data, b[i].Term, b[i].Data)
		}
	}
	return ""
}

func terms(log []Entry) []uint64 {
	out := make([]uint64, len(log))
	for i, e := range log {
		out[i] = e.Term
	}
	return out
}

// drain returns the messages of the core's next Ready batches and advances,
// for tests that drive a single core by hand.
func drain(r *Raft) []Message {
	var out []Message
	for r.HasReady() {
		rd := r.Ready()
		out = append(out, rd.Messages...)
		r.Advance(rd)
	}
	return out
}

func filter(ms []Message, t MsgType) []Message {
	var out []Message
	for _, m := range ms {
		if m.Type == t {
			out = append(out, m)
		}
	}
	return out
}

// newCore builds a lone core (peers ids(n)) from a hard state and log.
func newCore(id, n int, hs HardState, log []Entry, opt func(*Config)) *Raft {
	cfg := testConfig(id, ids(n), 1)
	if opt != nil {
		opt(&cfg)
	}
	return New(cfg, hs, log)
}
