package kv

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// Unit tests of the snapshot format, the state digest and Server.Restore;
// the cluster tests are in snapshot_cluster_test.go.

// kvState is a service state as a snapshot holds it.
type kvState struct {
	store map[string]string
	dedup map[uint64]session
}

// sameSessions compares dedup tables, ignoring the restored mark (it is this
// incarnation's bookkeeping, not state).
func sameSessions(a, b map[uint64]session) bool {
	return maps.EqualFunc(a, b, func(x, y session) bool { return x.seq == y.seq && x.value == y.value })
}

// sampleStates are the states the codec tests round-trip: empty, many keys,
// values appended far beyond MaxValueLen, many clients (ids and seqs at the
// extremes of uint64), and keys and values of every byte.
func sampleStates() map[string]kvState {
	r := sim.NewRand(7)
	out := map[string]kvState{
		"empty":       {map[string]string{}, map[uint64]session{}},
		"one key":     {map[string]string{"k": "v"}, map[uint64]session{}},
		"one client":  {map[string]string{}, map[uint64]session{0: {seq: 0}}},
		"empty value": {map[string]string{"k": ""}, map[uint64]session{1: {seq: 1, value: ""}}},
	}
	many := kvState{map[string]string{}, map[uint64]session{}}
	for i := range 500 {
		many.store["key"+strconv.Itoa(i)] = strings.Repeat("v", int(r.Below(40)))
	}
	for i := range 40 {
		many.dedup[r.Uint64()] = session{seq: uint64(i) + 1, value: "got" + strconv.Itoa(i)}
	}
	out["many keys"] = many
	long := kvState{map[string]string{}, map[uint64]session{}}
	var v strings.Builder
	for i := 0; v.Len() < 5*MaxValueLen; i++ {
		v.WriteString("c1." + strconv.Itoa(i) + ";")
	}
	long.store["hot"] = v.String()
	long.store[strings.Repeat("K", MaxKeyLen)] = strings.Repeat("x", 3*MaxValueLen+1)
	long.dedup[42] = session{seq: 9, value: v.String()} // a Get of the hot key
	out["long values"] = long
	clients := kvState{map[string]string{"k": "v"}, map[uint64]session{}}
	for i := range 2000 {
		clients.dedup[r.Uint64()] = session{seq: r.Uint64() >> (i % 64)}
	}
	clients.dedup[0] = session{seq: math.MaxUint64}
	clients.dedup[math.MaxUint64] = session{seq: 1, value: "last"}
	out["many clients"] = clients
	bin := kvState{map[string]string{}, map[uint64]session{}}
	for c := range 256 {
		bin.store[string([]byte{byte(c)})] = string([]byte{byte(255 - c), 0, byte(c)})
	}
	bin.dedup[7] = session{seq: 3, value: "\x00\xff"}
	out["binary"] = bin
	return out
}

func TestSnapshotRoundTrip(t *testing.T) {
	for name, st := range sampleStates() {
		b := encodeSnapshot(st.store, st.dedup)
		store, dedup, err := decodeSnapshot(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !maps.Equal(store, st.store) || !sameSessions(dedup, st.dedup) {
			t.Fatalf("%s: round trip changed the state (%d keys, %d clients; got %d, %d)",
				name, len(st.store), len(st.dedup), len(store), len(dedup))
		}
		for c, s := range dedup {
			if s.restored {
				t.Fatalf("%s: decode marked client %d restored (Restore's job)", name, c)
			}
		}
		if again := encodeSnapshot(store, dedup); !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encoding the decoded state gives other bytes", name)
		}
	}
}

// TestSnapshotEncodingCanonical: two replicas in the same state write the
// same bytes, however their maps were built (insertion order, deletions,
// growth) and whatever marks their sessions carry.
func TestSnapshotEncodingCanonical(t *testing.T) {
	for name, st := range sampleStates() {
		want := encodeSnapshot(st.store, st.dedup)
		keys := sortedKeys(st.store)
		clients := make([]uint64, 0, len(st.dedup))
		for c := range st.dedup {
			clients = append(clients, c)
		}
		for trial := range uint64(8) {
			r := sim.NewRand(trial)
			store := map[string]string{}
			if trial%2 == 1 { // grown large then shrunk: another bucket layout
				for i := range 3000 {
					store["junk"+strconv.Itoa(i)] = "x"
				}
			}
			for _, i := range perm(r, len(keys)) {
				store[keys[i]] = "placeholder"
			}
			for _, i := range perm(r, len(keys)) {
				store[keys[i]] = st.store[keys[i]]
			}
			for i := range 3000 {
				delete(store, "junk"+strconv.Itoa(i))
			}
			dedup := map[uint64]session{}
			for _, i := range perm(r, len(clients)) {
				s := st.dedup[clients[i]]
				s.restored = r.Chance(500_000)
				dedup[clients[i]] = s
			}
			if got := encodeSnapshot(store, dedup); !bytes.Equal(got, want) {
				t.Fatalf("%s, trial %d: the encoding depends on how the maps were built", name, trial)
			}
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// perm is a seeded permutation of 0..n-1.
func perm(r *sim.Rand, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// rawSnapshot encodes a snapshot in exactly the order given, sealed with a
// good CRC, so that the tests can build what encodeSnapshot never would.
type rawKV struct{ k, v string }
type rawSession struct {
	client, seq uint64
	value       string
}

func rawSnapshot(ver byte, kvs []rawKV, sessions []rawSession, trailing []byte) []byte {
	b := []byte{snapshotTag, ver}
	b = binary.AppendUvarint(b, uint64(len(kvs)))
	for _, kv := range kvs {
		b = appendString(appendString(b, kv.k), kv.v)
	}
	b = binary.AppendUvarint(b, uint64(len(sessions)))
	for _, s := range sessions {
		b = binary.AppendUvarint(b, s.client)
		b = binary.AppendUvarint(b, s.seq)
		b = appendString(b, s.value)
	}
	return seal(append(b, trailing...), 0)
}

// mustRefuse decodes b and fails unless it is refused with an error whose
// text holds want (and without a panic, which fails the test by itself).
func mustRefuse(t *testing.T, what string, b []byte, want string) {
	t.Helper()
	store, dedup, err := decodeSnapshot(b)
	if err == nil {
		t.Fatalf("%s: decoded (%d keys, %d clients), want an error", what, len(store), len(dedup))
	}
	if store != nil || dedup != nil {
		t.Errorf("%s: an error came with a state", what)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q, want it to mention %q", what, err, want)
	}
}

func TestSnapshotDecodeRefuses(t *testing.T) {
	kvs := []rawKV{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	sessions := []rawSession{{1, 1, ""}, {5, 2, "x"}, {9, 3, ""}}
	if _, _, err := decodeSnapshot(rawSnapshot(version, kvs, sessions, nil)); err != nil {
		t.Fatalf("the raw encoder's valid snapshot: %v", err)
	}
	if !bytes.Equal(rawSnapshot(version, kvs, sessions, nil), encodeSnapshot(
		map[string]string{"a": "1", "b": "2", "c": "3"},
		map[uint64]session{1: {seq: 1}, 5: {seq: 2, value: "x"}, 9: {seq: 3}})) {
		t.Fatal("the raw encoder does not match encodeSnapshot")
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"unsorted keys", rawSnapshot(version, []rawKV{{"a", "1"}, {"c", "3"}, {"b", "2"}}, sessions, nil), "out of order"},
		{"duplicate key", rawSnapshot(version, []rawKV{{"a", "1"}, {"b", "2"}, {"b", "2"}}, sessions, nil), "out of order"},
		{"duplicate key, other value", rawSnapshot(version, []rawKV{{"a", "1"}, {"a", "2"}}, nil, nil), "out of order"},
		{"empty key", rawSnapshot(version, []rawKV{{"", "1"}, {"a", "2"}}, nil, nil), "out of order"},
		{"key over MaxKeyLen", rawSnapshot(version, []rawKV{{strings.Repeat("k", MaxKeyLen+1), "1"}}, nil, nil), "string of"},
		{"unsorted clients", rawSnapshot(version, kvs, []rawSession{{1, 1, ""}, {9, 3, ""}, {5, 2, ""}}, nil), "out of order"},
		{"duplicate client", rawSnapshot(version, kvs, []rawSession{{1, 1, ""}, {5, 2, ""}, {5, 2, ""}}, nil), "out of order"},
		{"duplicate client, other seq", rawSnapshot(version, kvs, []rawSession{{5, 1, ""}, {5, 2, ""}}, nil), "out of order"},
		{"trailing byte", rawSnapshot(version, kvs, sessions, []byte{0}), "trailing"},
		{"trailing table", rawSnapshot(version, kvs, sessions, []byte{1, 1, 1, 0}), "trailing"},
		{"newer version", rawSnapshot(version+1, kvs, sessions, nil), "version"},
		{"version 0", rawSnapshot(0, kvs, sessions, nil), "version"},
		{"another tag", reseal(append([]byte{entryTag}, rawSnapshot(version, kvs, sessions, nil)[1:]...)), "tag"},
		{"empty", nil, "truncated"},
		{"too many keys", reseal(append([]byte{snapshotTag, version, 0x80, 0x80, 0x01}, make([]byte, 20)...)), "cannot fit"},
		{"too many clients", reseal(append([]byte{snapshotTag, version, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, make([]byte, 20)...)), "cannot fit"},
		{"value longer than the rest", reseal([]byte{snapshotTag, version, 1, 1, 'k', 100, 'v', 0, 0, 0, 0}), "string of"},
		{"non-minimal count", reseal([]byte{snapshotTag, version, 0x80, 0x00, 0, 0, 0, 0, 0}), "varint"},
		{"no dedup table", reseal([]byte{snapshotTag, version, 1, 1, 'k', 1, 'v', 0, 0, 0, 0}), ""},
	} {
		mustRefuse(t, tc.name, tc.b, tc.want)
	}
	// A trailing byte after the CRC, unsealed: the CRC is read from the
	// wrong place.
	good := encodeSnapshot(map[string]string{"k": "v"}, map[uint64]session{1: {seq: 1}})
	mustRefuse(t, "byte after the crc", append(slices0(good), 0), "checksum")
}

// TestSnapshotDecodeRefusesDamage: every truncation and every single bit
// flip of real snapshots is refused (the CRC-32C sees every one).
func TestSnapshotDecodeRefusesDamage(t *testing.T) {
	states := sampleStates()
	for _, name := range []string{"empty", "one client", "many keys", "binary"} {
		b := encodeSnapshot(states[name].store, states[name].dedup)
		for n := range len(b) {
			mustRefuse(t, name+" truncated to "+strconv.Itoa(n), b[:n], "")
		}
		if len(b) > 2000 { // flips of a short one are enough: the CRC sees a long one whole
			b = encodeSnapshot(map[string]string{"k": "v", "x": "y"}, map[uint64]session{3: {seq: 4, value: "z"}})
		}
		for i := range 8 * len(b) {
			d := slices0(b)
			d[i/8] ^= 1 << (i % 8)
			mustRefuse(t, name+" bit "+strconv.Itoa(i), d, "")
		}
	}
}

// FuzzDecodeSnapshot: any bytes decode to a state or an error, never a
// panic; and what decodes is canonical: it re-encodes to the same bytes.
// The CRC shields the parser from random bytes, so the fuzzer is also fed
// bodies that the target seals itself. Run a campaign with
// go test ./kv -run '^$' -fuzz '^FuzzDecodeSnapshot$' -fuzztime=30s -fuzzminimizetime=2s
func FuzzDecodeSnapshot(f *testing.F) {
	states := sampleStates()
	for _, name := range []string{"empty", "one key", "one client", "empty value"} {
		st := states[name]
		b := encodeSnapshot(st.store, st.dedup)
		f.Add(b, false)
		f.Add(b[:len(b)-4], true)
	}
	mid := rawSnapshot(version, []rawKV{{"a", "1;2;"}, {"b", ""}, {"c", "x"}}, []rawSession{{1, 2, ""}, {1 << 40, 1, "x"}}, nil)
	f.Add(mid, false)
	f.Add(mid[:len(mid)-4], true)
	f.Add(rawSnapshot(version, []rawKV{{"b", "1"}, {"a", "2"}}, nil, nil), false)
	f.Fuzz(func(t *testing.T, b []byte, sealIt bool) {
		if sealIt {
			b = seal(slices0(b), 0)
		}
		store, dedup, err := decodeSnapshot(b)
		if err != nil {
			if store != nil || dedup != nil {
				t.Fatal("an error came with a state")
			}
			return
		}
		if again := encodeSnapshot(store, dedup); !bytes.Equal(again, b) {
			t.Fatalf("decoded %d keys, %d clients, but they re-encode to other bytes:\n%x\n%x", len(store), len(dedup), b, again)
		}
	})
}

// The state digest.

// TestDigestHashArithmetic checks the modular arithmetic the digest rests
// on against math/big, and that extending a value's hash by an append is
// hashing the concatenation.
func TestDigestHashArithmetic(t *testing.T) {
	p := new(big.Int).SetUint64(digestP)
	r := sim.NewRand(3)
	edge := []uint64{0, 1, 2, digestB, digestP - 1, digestP - 2, 1 << 60, (1 << 61) - 3}
	for i := range 20000 {
		a, b := r.Uint64()%digestP, r.Uint64()%digestP
		if i < len(edge)*len(edge) {
			a, b = edge[i/len(edge)], edge[i%len(edge)]
		}
		want := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
		want.Mod(want, p)
		if got := mulMod(a, b); got != want.Uint64() {
			t.Fatalf("mulMod(%d, %d) = %d, want %d", a, b, got, want)
		}
	}
	for _, e := range []int{0, 1, 2, 7, 64, 4096, 123457} {
		want := new(big.Int).Exp(big.NewInt(digestB), big.NewInt(int64(e)), p)
		if got := powMod(e); got != want.Uint64() {
			t.Fatalf("powMod(%d) = %d, want %d", e, got, want)
		}
	}
	for i := range 2000 {
		a := randBytes(r, int(r.Below(300)))
		b := randBytes(r, int(r.Below(300)))
		if i%100 == 0 {
			b = randBytes(r, 3*MaxValueLen)
		}
		whole, ext := hashString(a+b), hashString(a).extend(b)
		if whole != ext {
			t.Fatalf("hash(a+b) = %+v, hash(a).extend(b) = %+v (len %d+%d)", whole, ext, len(a), len(b))
		}
		if whole.h >= digestP {
			t.Fatalf("hash %d not reduced", whole.h)
		}
	}
	if (valueHash{}).extend("abc") != hashString("abc") {
		t.Fatal("extending the empty value is not hashing the append")
	}
}

func randBytes(r *sim.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint64())
	}
	return string(b)
}

// probeLog is an observer that only keeps probes.
type probeLog struct {
	raft.NopObserver
	names []string
}

func (p *probeLog) Probe(_ int, name string) { p.names = append(p.names, name) }

func (p *probeLog) count(name string) int {
	n := 0
	for _, x := range p.names {
		if x == name {
			n++
		}
	}
	return n
}

// bareEnv is just enough of an environment for a Server whose Apply and
// Restore are driven directly: an id, and a network that keeps what is sent.
type bareEnv struct{ sent int }

func (*bareEnv) ID() int                           { return 0 }
func (*bareEnv) Now() sim.Time                     { return 0 }
func (*bareEnv) Rand() *sim.Rand                   { return nil }
func (e *bareEnv) Send(int, []byte)                { e.sent++ }
func (*bareEnv) SetTimer(sim.Duration) sim.TimerID { return 0 }
func (*bareEnv) CancelTimer(sim.TimerID)           {}
func (*bareEnv) FS() sim.FS                        { return nil }

// bareServer is a Server with no Raft host under it, for driving Apply and
// Restore by hand (it never snapshots and has no waiters, so it never
// touches the host).
func bareServer() (*Server, *probeLog) {
	p := &probeLog{}
	return &Server{env: &bareEnv{}, cfg: ServerConfig{MaxRaftState: -1}, obs: p, store: map[string]string{},
		dedup: map[uint64]session{}, digest: newStateDigest()}, p
}

func entryOf(index uint64, op Op) *raft.Entry {
	return &raft.Entry{Index: index, Term: 1, Type: raft.EntryNormal, Data: appendEntry(nil, &op)}
}

// checkDigest checks the server's incremental digest against one computed
// from scratch, value hashes included.
func checkDigest(t *testing.T, srv *Server, when string) {
	t.Helper()
	full := rebuildDigest(srv.store, srv.dedup)
	if srv.digest.sum != full.sum || srv.StateDigest() != full.sum {
		t.Fatalf("%s: incremental digest %#x, rebuilt %#x", when, srv.digest.sum, full.sum)
	}
	if !maps.Equal(srv.digest.values, full.values) {
		t.Fatalf("%s: value hashes differ from the rebuilt ones", when)
	}
}

// TestDigestIncrementalEqualsRebuilt: a long random run of Put, Append and
// Get, with duplicate and stale entries and no-ops, through Server.Apply:
// after every entry the incremental digest equals the one rebuilt from the
// store and dedup table, and the state equals a model's.
func TestDigestIncrementalEqualsRebuilt(t *testing.T) {
	for seed := range uint64(3) {
		r := sim.NewRand(100 + seed)
		srv, probes := bareServer()
		model := map[string]string{}
		latest := map[uint64]uint64{}
		clients := []uint64{0, 1, 77, math.MaxUint64, r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		keys := []string{"a", "b", "c", "hot", "k\x00", strings.Repeat("z", MaxKeyLen)}
		dups := 0
		for i := uint64(1); i <= 6000; i++ {
			if r.Chance(20_000) {
				srv.Apply(&raft.Entry{Index: i, Term: 1, Type: raft.EntryNoop})
				checkDigest(t, srv, "no-op "+strconv.FormatUint(i, 10))
				continue
			}
			c := clients[r.Pick(len(clients))]
			op := Op{Client: c, Seq: latest[c] + 1, Key: keys[r.Pick(len(keys))]}
			switch p := r.Below(100); {
			case p < 30:
				op.Kind = Get
			case p < 45:
				op.Kind = Put
				op.Value = randBytes(r, int(r.Below(20)))
			default:
				op.Kind = Append
				op.Value = randBytes(r, int(r.Below(60)))
				if r.Chance(10_000) {
					op.Value = randBytes(r, MaxValueLen)
				}
			}
			if op.Kind == Put && op.Key == "hot" { // the hot key only grows
				op.Kind = Append
			}
			if latest[c] > 0 && r.Chance(100_000) {
				op.Seq = latest[c] - r.Below(min(latest[c], 3)) // a retry or a stale one: skipped
				op.Kind, op.Value = Append, "never;"
				dups++
			} else {
				latest[c] = op.Seq
				switch op.Kind {
				case Put:
					model[op.Key] = op.Value
				case Append:
					model[op.Key] += op.Value
				}
			}
			srv.Apply(entryOf(i, op))
			if i <= 1500 || i%20 == 0 { // a rebuild rehashes the hot key
				checkDigest(t, srv, op.Kind.String()+" "+strconv.FormatUint(i, 10))
			}
			if srv.applied != i {
				t.Fatalf("applied %d after entry %d", srv.applied, i)
			}
		}
		if !maps.Equal(srv.store, model) {
			t.Fatal("the store differs from the model")
		}
		for c, seq := range latest {
			if srv.dedup[c].seq != seq {
				t.Fatalf("client %d: dedup seq %d, want %d", c, srv.dedup[c].seq, seq)
			}
		}
		if n := probes.count("duplicate-entry-skipped"); n != dups || dups == 0 {
			t.Fatalf("duplicate-entry-skipped fired %d times for %d duplicates", n, dups)
		}
		if len(srv.store["hot"]) <= MaxValueLen {
			t.Fatalf("the hot key never grew past MaxValueLen (%d bytes)", len(srv.store["hot"]))
		}
		// The snapshot of this state restores to the same digest.
		store, dedup, err := decodeSnapshot(encodeSnapshot(srv.store, srv.dedup))
		if err != nil || rebuildDigest(store, dedup).sum != srv.StateDigest() {
			t.Fatalf("the state's snapshot decodes to another digest (%v)", err)
		}
	}
}

// TestDigestTellsStatesApart: the digest changes with any value, key or dedup
// entry, including a store left equal but a dedup table missing one client
// (a snapshot without its dedup table must not pass the checker).
func TestDigestTellsStatesApart(t *testing.T) {
	base := func() kvState {
		return kvState{
			store: map[string]string{"a": "1;2;", "b": "", "c": "xyz", "hot": strings.Repeat("v;", MaxValueLen)},
			dedup: map[uint64]session{3: {seq: 5}, 8: {seq: 2, value: "xyz"}, 1 << 40: {seq: 1}},
		}
	}
	want := rebuildDigest(base().store, base().dedup).sum
	variants := map[string]func(*kvState){
		"value changed":           func(s *kvState) { s.store["a"] = "1;3;" },
		"value extended":          func(s *kvState) { s.store["a"] += "3;" },
		"value truncated":         func(s *kvState) { s.store["a"] = "1;" },
		"empty value filled":      func(s *kvState) { s.store["b"] = "\x00" },
		"long value, last byte":   func(s *kvState) { h := s.store["hot"]; s.store["hot"] = h[:len(h)-1] + "!" },
		"key renamed":             func(s *kvState) { s.store["d"] = s.store["c"]; delete(s.store, "c") },
		"empty key removed":       func(s *kvState) { delete(s.store, "b") },
		"key added, empty":        func(s *kvState) { s.store["e"] = "" },
		"values swapped":          func(s *kvState) { s.store["a"], s.store["c"] = s.store["c"], s.store["a"] },
		"client missing":          func(s *kvState) { delete(s.dedup, 8) },
		"dedup table missing":     func(s *kvState) { s.dedup = map[uint64]session{} },
		"client seq differs":      func(s *kvState) { s.dedup[3] = session{seq: 6} },
		"client reply differs":    func(s *kvState) { s.dedup[8] = session{seq: 2, value: "xy"} },
		"client id differs":       func(s *kvState) { s.dedup[4] = s.dedup[3]; delete(s.dedup, 3) },
		"client added":            func(s *kvState) { s.dedup[9] = session{seq: 0} },
		"seq moved to a key":      func(s *kvState) { delete(s.dedup, 3); s.store["3"] = "5" },
		"session and key swapped": func(s *kvState) { s.store["c"], s.dedup[8] = "", session{seq: 2, value: ""} },
	}
	seen := map[uint64]string{want: "base"}
	for name, change := range variants {
		st := base()
		change(&st)
		d := rebuildDigest(st.store, st.dedup).sum
		if d == want {
			t.Errorf("%s: same digest as the base state", name)
		}
		if other, ok := seen[d]; ok {
			t.Errorf("%s and %s have the same digest", name, other)
		}
		seen[d] = name
	}
	// The restored mark is bookkeeping, not state.
	st := base()
	for c, s := range st.dedup {
		s.restored = true
		st.dedup[c] = s
	}
	if rebuildDigest(st.store, st.dedup).sum != want {
		t.Error("marking sessions restored changed the digest")
	}
	// The same difference reached through Apply: two replicas whose stores
	// agree but one of which lost a client's session (as a replica restored
	// from a snapshot without the dedup table would) differ.
	a, _ := bareServer()
	b, _ := bareServer()
	for i, o := range []Op{
		{Client: 1, Seq: 1, Kind: Put, Key: "k", Value: "v"},
		{Client: 2, Seq: 1, Kind: Get, Key: "k"},
	} {
		a.Apply(entryOf(uint64(i+1), o))
		b.Apply(entryOf(uint64(i+1), o))
	}
	if a.StateDigest() != b.StateDigest() {
		t.Fatal("two replicas that applied the same entries differ")
	}
	snap := encodeSnapshot(b.store, map[uint64]session{1: b.dedup[1]}) // client 2 left out
	c, _ := bareServer()
	if err := c.Restore(&raft.Snapshot{Index: 2, Term: 1, Data: snap}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(c.store, a.store) || c.StateDigest() == a.StateDigest() {
		t.Fatal("a restore without one client's session has the same digest as the full state")
	}
}

// Restore, driven directly.

// TestRestoreReplacesState: a newer snapshot replaces store and dedup table
// whole (keys it lacks disappear), marks every session restored, rebuilds the
// digest, and moves applied to its index; a duplicate entry after it is
// skipped because of a restored session, which the probe reports; the
// client's next operation clears the mark.
func TestRestoreReplacesState(t *testing.T) {
	src, _ := bareServer()
	for i, o := range []Op{
		{Client: 1, Seq: 1, Kind: Put, Key: "a", Value: "1;"},
		{Client: 1, Seq: 2, Kind: Append, Key: "a", Value: "2;"},
		{Client: 2, Seq: 1, Kind: Get, Key: "a"},
		{Client: 3, Seq: 7, Kind: Put, Key: "b", Value: "x"},
	} {
		src.Apply(entryOf(uint64(i+1), o))
	}
	snap := &raft.Snapshot{Index: 4, Term: 1, Data: encodeSnapshot(src.store, src.dedup)}

	dst, probes := bareServer()
	dst.Apply(entryOf(1, Op{Client: 9, Seq: 1, Kind: Put, Key: "gone", Value: "old"}))
	if err := dst.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(dst.store, src.store) || !sameSessions(dst.dedup, src.dedup) || dst.applied != 4 {
		t.Fatalf("restored store %v, %d sessions, applied %d; want %v, %d, 4", dst.store, len(dst.dedup), dst.applied, src.store, len(src.dedup))
	}
	if dst.StateDigest() != src.StateDigest() {
		t.Fatal("the restored digest differs from the source's")
	}
	checkDigest(t, dst, "after restore")
	for c, s := range dst.dedup {
		if !s.restored {
			t.Fatalf("client %d not marked restored", c)
		}
	}
	if dst.dedup[2].value != "1;2;" {
		t.Fatalf("the Get's cached reply is %q", dst.dedup[2].value)
	}
	// A duplicate of client 1's seq 2 after the snapshot: skipped, from the
	// restored table.
	dst.Apply(entryOf(5, Op{Client: 1, Seq: 2, Kind: Append, Key: "a", Value: "2;"}))
	if dst.store["a"] != "1;2;" || probes.count("duplicate-entry-skipped") != 1 || probes.count("dedup-from-restored-table") != 1 {
		t.Fatalf("duplicate after restore: a=%q, probes %v", dst.store["a"], probes.names)
	}
	dst.Apply(entryOf(6, Op{Client: 1, Seq: 3, Kind: Append, Key: "a", Value: "3;"}))
	if dst.dedup[1].restored || !dst.dedup[2].restored || dst.store["a"] != "1;2;3;" {
		t.Fatalf("after client 1's next op: sessions %+v, a=%q", dst.dedup, dst.store["a"])
	}
	checkDigest(t, dst, "after applying on a restored state")
	dst.Apply(entryOf(7, Op{Client: 1, Seq: 3, Kind: Append, Key: "a", Value: "3;"}))
	if n := probes.count("dedup-from-restored-table"); n != 1 {
		t.Fatalf("a duplicate of a session this incarnation executed fired dedup-from-restored-table (%d)", n)
	}
}

// TestRestoreIgnoresOlderSnapshot: a snapshot at or below the applied index
// changes nothing (probe snapshot-older-ignored), even if its data differs or
// does not decode; an undecodable newer one is an error and changes nothing.
func TestRestoreIgnoresOlderSnapshot(t *testing.T) {
	srv, probes := bareServer()
	for i := uint64(1); i <= 10; i++ {
		srv.Apply(entryOf(i, Op{Client: 1, Seq: i, Kind: Append, Key: "k", Value: strconv.FormatUint(i, 10) + ";"}))
	}
	store, dedup, digest := maps.Clone(srv.store), maps.Clone(srv.dedup), srv.StateDigest()
	unchanged := func(what string) {
		t.Helper()
		if !maps.Equal(srv.store, store) || !maps.Equal(srv.dedup, dedup) || srv.StateDigest() != digest || srv.applied != 10 {
			t.Fatalf("%s changed the state: %v applied %d", what, srv.store, srv.applied)
		}
	}
	other := encodeSnapshot(map[string]string{"k": "other"}, map[uint64]session{1: {seq: 99}})
	for _, snap := range []raft.Snapshot{
		{Index: 10, Term: 1, Data: other},
		{Index: 3, Term: 1, Data: other},
		{Index: 1, Term: 1, Data: encodeSnapshot(map[string]string{}, map[uint64]session{})},
		{Index: 10, Term: 1, Data: []byte("garbage")},
	} {
		if err := srv.Restore(&snap); err != nil {
			t.Fatalf("older snapshot at %d: %v", snap.Index, err)
		}
		unchanged("an older snapshot at " + strconv.FormatUint(snap.Index, 10))
	}
	if n := probes.count("snapshot-older-ignored"); n != 4 {
		t.Fatalf("snapshot-older-ignored fired %d times, want 4", n)
	}
	good := encodeSnapshot(map[string]string{"k": "v"}, nil)
	for _, bad := range [][]byte{nil, []byte("garbage"), good[:len(good)-1], append(slices0(good[:len(good)-4]), 0, 0, 0, 0)} {
		if err := srv.Restore(&raft.Snapshot{Index: 11, Term: 2, Data: bad}); err == nil {
			t.Fatalf("undecodable snapshot %q restored without an error", bad)
		}
		unchanged("an undecodable snapshot")
	}
	if n := probes.count("snapshot-older-ignored"); n != 4 {
		t.Fatalf("an undecodable newer snapshot counted as older (%d)", n)
	}
}
