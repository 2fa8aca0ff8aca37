package raft

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// shadowFS passes calls through to a simulated disk and keeps its own record
// of what each file holds and how much of it is synced, so a test can read
// the durable state at any moment without disturbing the disk.
type shadowFS struct {
	sim.FS
	files map[string]*shadowFile
	log   *[]string // the shared order of syncs and sends
	fail  bool      // fail the next sync
}

type shadowFile struct {
	data   []byte
	synced int
}

// newShadowFS starts the record from what fs holds: after a crash, or at
// first start, all of it is durable.
func newShadowFS(fs sim.FS, log *[]string) *shadowFS {
	s := &shadowFS{FS: fs, files: map[string]*shadowFile{}, log: log}
	names, _ := fs.List()
	for _, name := range names {
		b, _ := fs.ReadFile(name)
		s.files[name] = &shadowFile{data: b, synced: len(b)}
	}
	return s
}

func (s *shadowFS) Create(name string) error {
	if err := s.FS.Create(name); err != nil {
		return err
	}
	s.files[name] = &shadowFile{}
	return nil
}

func (s *shadowFS) Append(name string, p []byte) error {
	if err := s.FS.Append(name, p); err != nil {
		return err
	}
	f := s.files[name]
	f.data = append(f.data, p...)
	return nil
}

func (s *shadowFS) Sync(name string) error {
	if s.fail {
		s.fail = false
		return sim.ErrSyncFailed
	}
	if err := s.FS.Sync(name); err != nil {
		return err
	}
	s.files[name].synced = len(s.files[name].data)
	*s.log = append(*s.log, "sync "+name)
	return nil
}

func (s *shadowFS) Remove(name string) error {
	if err := s.FS.Remove(name); err != nil {
		return err
	}
	delete(s.files, name)
	return nil
}

func (s *shadowFS) Rename(oldname, newname string) error {
	if err := s.FS.Rename(oldname, newname); err != nil {
		return err
	}
	s.files[newname] = s.files[oldname]
	delete(s.files, oldname)
	return nil
}

// durable returns the hard state and the last index of the log (after the
// snapshot, if any) that the synced bytes hold.
func (s *shadowFS) durable() (HardState, uint64, error) {
	var gens []uint64
	for name := range s.files {
		if g, ok := strings.CutPrefix(name, "meta."); ok {
			n, err := strconv.ParseUint(g, 10, 64)
			if err == nil {
				gens = append(gens, n)
			}
		}
	}
	if len(gens) == 0 {
		return HardState{Vote: None}, 0, nil
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i] < gens[j] })
	meta := s.files[metaName(gens[len(gens)-1])]
	rec, found, _, err := parseMeta(meta.data[:meta.synced])
	if err != nil || !found {
		return HardState{}, 0, fmt.Errorf("meta: found %v, %v", found, err)
	}
	lf := s.files[logName(rec.logGen)]
	if lf == nil || uint64(lf.synced) < rec.logSize {
		return HardState{}, 0, fmt.Errorf("log.%d: synced less than the %d bytes meta vouches for", rec.logGen, rec.logSize)
	}
	if sf := s.files[snapName(rec.snapGen)]; rec.snapGen != 0 && (sf == nil || sf.synced != len(sf.data) || len(sf.data) == 0) {
		return HardState{}, 0, fmt.Errorf("meta names snap.%d, which is not synced whole", rec.snapGen)
	}
	entries, err := parseLogAfter(lf.data[:rec.logSize], rec.snapIndex)
	return HardState{Term: rec.term, Vote: rec.vote}, rec.snapIndex + uint64(len(entries)), err
}

// fakeEnv is a sim.Env outside any world: a fixed id, a clock the test moves,
// a seeded stream, recorded sends and timers, and a shadowed simulated disk.
type fakeEnv struct {
	t      *testing.T
	id     int
	now    sim.Time
	rand   *sim.Rand
	disk   *sim.Disk
	fs     *shadowFS
	log    *[]string
	out    *[]envelope
	timers []sim.TimerID
	nextID sim.TimerID
	sends  map[MsgType]int // messages sent, by type
}

type envelope struct {
	from, to int
	msg      []byte
}

func newFakeEnv(t *testing.T, id int, disk *sim.Disk, log *[]string, out *[]envelope) *fakeEnv {
	return &fakeEnv{t: t, id: id, rand: sim.NewRand(sim.Key(9, uint64(id))), disk: disk,
		fs: newShadowFS(disk.FS(), log), log: log, out: out}
}

func (e *fakeEnv) ID() int                 { return e.id }
func (e *fakeEnv) Now() sim.Time           { return e.now }
func (e *fakeEnv) Rand() *sim.Rand         { return e.rand }
func (e *fakeEnv) FS() sim.FS              { return e.fs }
func (e *fakeEnv) CancelTimer(sim.TimerID) {}

func (e *fakeEnv) SetTimer(after sim.Duration) sim.TimerID {
	e.nextID++
	e.timers = append(e.timers, e.nextID)
	return e.nextID
}

// Send checks, as each message leaves, that what it promises is durable.
func (e *fakeEnv) Send(to int, msg []byte) {
	m, err := DecodeMessage(msg)
	if err != nil {
		e.t.Fatalf("n%d sends undecodable bytes: %v", e.id, err)
	}
	*e.log = append(*e.log, fmt.Sprintf("send n%d %v", e.id, m))
	if e.sends == nil {
		e.sends = map[MsgType]int{}
	}
	e.sends[m.Type]++
	hs, last, err := e.fs.durable()
	if err != nil {
		e.t.Fatalf("n%d sends %v over unreadable durable state: %v", e.id, m, err)
	}
	switch {
	case m.Type == MsgVoteResp && !m.Reject:
		if hs.Term != m.Term || hs.Vote != m.To {
			e.t.Fatalf("n%d grants %v with durable %+v", e.id, m, hs)
		}
	case m.Type == MsgVote:
		if hs.Term != m.Term || hs.Vote != e.id {
			e.t.Fatalf("n%d campaigns %v with durable %+v", e.id, m, hs)
		}
	case m.Type == MsgAppResp && !m.Reject:
		if last < m.Index || hs.Term != m.Term {
			e.t.Fatalf("n%d acknowledges %v with a log durable through %d in term %d", e.id, m, last, hs.Term)
		}
	}
	*e.out = append(*e.out, envelope{from: e.id, to: to, msg: slices.Clone(msg)})
}

// fire fires the node's latest timer, as its tick.
func (e *fakeEnv) fire(h *Host) {
	e.t.Helper()
	id := e.timers[len(e.timers)-1]
	owned, err := h.Timer(id)
	if !owned || err != nil {
		e.t.Fatalf("n%d: timer %d: owned %v, %v", e.id, id, owned, err)
	}
	if owned, _ := h.Timer(id + 1000); owned {
		e.t.Fatalf("n%d claims a timer it never set", e.id)
	}
}

// checkObserver checks what a Host reports: one recovery per start, commit
// indexes that only grow, entries applied in order and only once committed,
// snapshots restored only forward (the applied index jumps to theirs).
type checkObserver struct {
	NopObserver
	t         *testing.T
	recovered int
	commit    uint64
	applied   uint64
	states    int
	saved     []uint64 // indexes of the snapshots made durable
	restored  []uint64 // indexes of the snapshots restored
	probes    map[string]int
}

func (o *checkObserver) SnapshotSaved(node int, snap *Snapshot) {
	o.saved = append(o.saved, snap.Index)
}

func (o *checkObserver) SnapshotRestored(node int, snap *Snapshot, state uint64) {
	if snap.Index <= o.applied {
		o.t.Fatalf("n%d: restored a snapshot at %d after applying %d", node, snap.Index, o.applied)
	}
	o.applied = snap.Index
	o.restored = append(o.restored, snap.Index)
}

func (o *checkObserver) Recovered(node int, rec *Recovered) { o.recovered++ }

func (o *checkObserver) Probe(node int, name string) {
	if o.probes == nil {
		o.probes = map[string]int{}
	}
	o.probes[name]++
}

func (o *checkObserver) StateChanged(node int, term uint64, role Role, lead int) { o.states++ }

func (o *checkObserver) CommitAdvanced(node int, commit uint64) {
	if commit <= o.commit {
		o.t.Fatalf("n%d: commit went from %d to %d", node, o.commit, commit)
	}
	o.commit = commit
}

func (o *checkObserver) Applied(node int, e *Entry) {
	if e.Index != o.applied+1 || e.Index > o.commit {
		o.t.Fatalf("n%d: applied %d after %d with commit %d", node, e.Index, o.applied, o.commit)
	}
	o.applied = e.Index
}

// recordApplier records what the host hands it. Its state is every entry
// applied from index 1 (encodeState is its snapshot); with compactEvery set
// it snapshots through host every that many entries, from Apply, as a
// service does.
type recordApplier struct {
	applied  []Entry // by Apply, this incarnation
	restored []Snapshot
	state    []Entry

	host         *Host
	compactEvery uint64
	lastSnap     uint64
	trace        *[]string // shared with the syncs and sends, if set
}

func (a *recordApplier) Apply(e *Entry) {
	a.applied = append(a.applied, *e)
	if e.Index != uint64(len(a.state))+1 {
		panic(fmt.Sprintf("applied %d after a state through %d", e.Index, len(a.state)))
	}
	a.state = append(a.state, *e)
	if a.compactEvery > 0 && e.Index >= a.lastSnap+a.compactEvery {
		if err := a.host.Compact(e.Index, encodeState(a.state)); err != nil {
			panic(fmt.Sprintf("compact at %d: %v", e.Index, err))
		}
		a.lastSnap = e.Index
	}
}

func (a *recordApplier) Restore(s *Snapshot) error {
	state, err := decodeState(s.Data)
	if err != nil {
		return err
	}
	a.restored = append(a.restored, *s)
	a.state, a.lastSnap = state, s.Index
	if a.trace != nil {
		*a.trace = append(*a.trace, fmt.Sprintf("restore %d", s.Index))
	}
	return nil
}

// hostCluster is three Hosts over fake environments, wired by a FIFO queue.
type hostCluster struct {
	t     *testing.T
	log   []string
	out   []envelope
	envs  []*fakeEnv
	hosts []*Host
	apps  []*recordApplier
	obs   []*checkObserver
	disks []*sim.Disk

	cut          map[int]bool // nodes whose messages are lost, both ways
	compactEvery uint64       // given to each new recordApplier
}

func newHostCluster(t *testing.T) *hostCluster {
	c := &hostCluster{t: t}
	for id := range 3 {
		c.disks = append(c.disks, sim.NewDisk())
		c.envs = append(c.envs, nil)
		c.hosts = append(c.hosts, nil)
		c.apps = append(c.apps, nil)
		c.obs = append(c.obs, nil)
		c.start(id)
	}
	return c
}

func (c *hostCluster) start(id int) {
	c.t.Helper()
	c.envs[id] = newFakeEnv(c.t, id, c.disks[id], &c.log, &c.out)
	c.apps[id] = &recordApplier{}
	c.obs[id] = &checkObserver{t: c.t}
	h, err := NewHost(c.envs[id], DefaultHostConfig([]int{0, 1, 2}), c.apps[id], c.obs[id])
	if err != nil {
		c.t.Fatalf("n%d: %v", id, err)
	}
	c.hosts[id] = h
	c.apps[id].host, c.apps[id].compactEvery, c.apps[id].trace = h, c.compactEvery, &c.log
}

// setCompaction makes every service snapshot its state every n entries.
func (c *hostCluster) setCompaction(n uint64) {
	c.compactEvery = n
	for _, a := range c.apps {
		a.compactEvery = n
	}
}

func (c *hostCluster) deliverAll() {
	c.t.Helper()
	for len(c.out) > 0 {
		m := c.out[0]
		c.out = c.out[1:]
		if c.cut[m.from] || c.cut[m.to] {
			continue
		}
		if err := c.hosts[m.to].Receive(m.msg); err != nil {
			c.t.Fatalf("n%d: receive: %v", m.to, err)
		}
	}
}

func (c *hostCluster) leader() int {
	for id, h := range c.hosts {
		if h.Core().Role() == Leader {
			return id
		}
	}
	return None
}

func (c *hostCluster) tickAll() {
	for id, h := range c.hosts {
		c.envs[id].fire(h)
	}
	c.deliverAll()
}

// A Host persists before it sends: every vote, campaign and acknowledgement
// leaves only once the state it depends on is synced (checked in Send), and
// committed commands reach the Applier in order on every node.
func TestHostPersistsBeforeSend(t *testing.T) {
	c := newHostCluster(t)
	for i := 0; c.leader() == None; i++ {
		if i > 200 {
			t.Fatal("no leader")
		}
		c.tickAll()
	}
	lead := c.leader()
	var want []string
	for i := range 20 {
		cmd := fmt.Sprintf("cmd%d", i)
		if _, _, err := c.hosts[lead].Propose([]byte(cmd)); err != nil {
			t.Fatal(err)
		}
		want = append(want, cmd)
		c.deliverAll()
	}
	for range 20 {
		c.tickAll()
	}
	for id, a := range c.apps {
		var got []string
		for _, e := range a.applied {
			if e.Type == EntryNormal {
				got = append(got, string(e.Data))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("n%d applied %v", id, got)
		}
	}
	// The order itself: each grant follows a sync of the granting node's meta.
	for i, line := range c.log {
		if strings.HasPrefix(line, "send") && strings.Contains(line, " VoteResp ") && strings.Contains(line, "grant") {
			if i == 0 || !strings.HasPrefix(c.log[i-1], "sync meta.") {
				t.Fatalf("%q does not follow a meta sync: %q", line, c.log[max(i-1, 0)])
			}
		}
	}
	if c.hosts[lead].StorageSize() <= 0 {
		t.Fatal("no storage size")
	}
	for id, o := range c.obs {
		if o.recovered != 1 || o.states == 0 || o.applied != uint64(len(c.apps[id].applied)) {
			t.Fatalf("n%d observer: %+v", id, o)
		}
	}
	sends := map[MsgType]int{}
	for _, e := range c.envs {
		for typ, n := range e.sends {
			sends[typ] += n
		}
	}
	if sends[MsgVoteResp] == 0 || sends[MsgVote] == 0 || sends[MsgAppResp] < 40 || sends[MsgHeartbeat] == 0 {
		t.Fatalf("too little traffic was checked: %v", sends)
	}
}

// A vote is durable before it is sent: a crash after the sync and before the
// send loses the message, not the vote; the node restarts refusing any other
// candidate in that term.
func TestHostVoteSurvivesCrashBeforeSend(t *testing.T) {
	c := newHostCluster(t)
	vote := Message{Type: MsgVote, From: 1, To: 0, Term: 5}
	c.disks[0].ArmCrash(sim.CrashAfterSync)
	func() {
		defer func() {
			if v := recover(); !sim.IsCrashSignal(v) {
				t.Fatalf("expected a crash, got %v", v)
			}
		}()
		c.hosts[0].Receive(AppendMessage(nil, &vote))
	}()
	if len(c.out) != 0 {
		t.Fatalf("sent %d messages before crashing", len(c.out))
	}
	c.disks[0].Crash(sim.NewRand(1), 1_000_000)
	c.start(0)
	if hs := c.hosts[0].Core().HardState(); hs != (HardState{Term: 5, Vote: 1}) {
		t.Fatalf("restarted with %+v", hs)
	}
	other := Message{Type: MsgVote, From: 2, To: 0, Term: 5}
	if err := c.hosts[0].Receive(AppendMessage(nil, &other)); err != nil {
		t.Fatal(err)
	}
	if err := c.hosts[0].Receive(AppendMessage(nil, &vote)); err != nil {
		t.Fatal(err)
	}
	var replies []string
	for _, e := range c.out {
		m, _ := DecodeMessage(e.msg)
		replies = append(replies, m.String())
	}
	if !slices.Equal(replies, []string{"VoteResp 0->2 t5 reject", "VoteResp 0->1 t5 grant"}) {
		t.Fatalf("replies %q", replies)
	}
}

// A failed sync stops the node: the step returns the error and nothing that
// depended on the unsynced state is sent.
func TestHostSyncFailure(t *testing.T) {
	c := newHostCluster(t)
	c.envs[0].fs.fail = true
	vote := Message{Type: MsgVote, From: 1, To: 0, Term: 5}
	err := c.hosts[0].Receive(AppendMessage(nil, &vote))
	if !errors.Is(err, sim.ErrSyncFailed) {
		t.Fatalf("receive returned %v, want ErrSyncFailed", err)
	}
	if len(c.out) != 0 {
		t.Fatalf("sent %d messages after a failed sync", len(c.out))
	}
}

// Undecodable bytes are dropped (the network may deliver anything), never
// stepped or answered.
func TestHostDropsGarbage(t *testing.T) {
	c := newHostCluster(t)
	for _, b := range [][]byte{nil, {WireTag}, []byte("garbage"), sealCRC([]byte{WireTag, 9})} {
		if err := c.hosts[0].Receive(b); err != nil {
			t.Fatalf("receive %q: %v", b, err)
		}
	}
	if len(c.out) != 0 || c.hosts[0].Core().Term() != 0 {
		t.Fatalf("garbage made the node act: %d sends, term %d", len(c.out), c.hosts[0].Core().Term())
	}
}

// NewHost refuses to run on a damaged disk.
func TestHostRefusesCorruptDisk(t *testing.T) {
	c := newHostCluster(t)
	for c.leader() == None {
		c.tickAll()
	}
	lead := c.leader()
	for i := range 5 {
		c.hosts[lead].Propose([]byte{byte(i)})
		c.deliverAll()
	}
	d := c.disks[lead]
	fs := d.FS()
	names, _ := fs.List()
	for _, name := range names {
		if strings.HasPrefix(name, "log.") {
			b, _ := fs.ReadFile(name)
			b[len(b)/2] ^= 0xff
			fs.Create(name)
			fs.Append(name, b)
			fs.Sync(name)
		}
	}
	_, err := NewHost(newFakeEnv(t, lead, d, new([]string), new([]envelope)), DefaultHostConfig([]int{0, 1, 2}), &recordApplier{}, nil)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("NewHost on a damaged disk: %v, want ErrCorrupt", err)
	}
}
