package raft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
	"github.com/detsim/detsim/sim/realenv"
)

// saveOp is one Save: a hard state and the entries to append (truncating the
// log at their first index).
type saveOp struct {
	hs   HardState
	ents []Entry
}

// storeState is what a store must hold after a prefix of saveOps.
type storeState struct {
	hs  HardState
	log []Entry
}

var emptyState = storeState{hs: HardState{Vote: None}}

func (s storeState) apply(op saveOp) storeState {
	next := storeState{hs: op.hs, log: s.log}
	if len(op.ents) > 0 {
		first := op.ents[0].Index
		next.log = append(slices.Clone(s.log[:first-1]), cloneEntries(op.ents)...)
	}
	return next
}

func (s storeState) String() string {
	return fmt.Sprintf("{%+v %d entries, terms %v}", s.hs, len(s.log), terms(s.log))
}

func (s storeState) equal(rec Recovered) bool {
	hs := rec.HardState
	if hs == (HardState{}) && len(rec.Entries) == 0 {
		hs.Vote = None // a fresh store reports vote 0: see TestOpenStorageEmpty
	}
	return hs == s.hs && sameEntries(rec.Entries, s.log)
}

// genOps makes n Saves as Raft would issue them: terms never go back, a vote
// changes only with the term, entries are appended or truncate an uncommitted
// suffix; some Saves carry no entries, some carry data of every size.
func genOps(rng *sim.Rand, n int) []saveOp {
	var ops []saveOp
	hs := HardState{Vote: None}
	last := uint64(0)
	for range n {
		op := saveOp{}
		switch rng.Below(4) {
		case 0: // a new term, maybe with a vote
			hs.Term += 1 + rng.Below(2)
			hs.Vote = None
			if rng.Chance(500_000) {
				hs.Vote = int(rng.Below(5))
			}
		case 1: // truncate and append
			if last > 0 {
				hs.Term++
				first := 1 + rng.Below(last)
				op.ents = genEntries(rng, first, hs.Term, 1+int(rng.Below(4)))
			}
		default: // append
			op.ents = genEntries(rng, last+1, max(hs.Term, 1), 1+int(rng.Below(5)))
		}
		op.hs = hs
		if len(op.ents) > 0 {
			last = op.ents[len(op.ents)-1].Index
		}
		ops = append(ops, op)
	}
	return ops
}

func genEntries(rng *sim.Rand, first, term uint64, n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		data := make([]byte, rng.Below([]uint64{1, 8, 100, 3000}[rng.Below(4)]))
		for j := range data {
			data[j] = byte(rng.Uint64())
		}
		out[i] = Entry{Term: term, Index: first + uint64(i), Data: data}
		if rng.Chance(100_000) {
			out[i].Type, out[i].Data = EntryNoop, nil
		}
	}
	return out
}

func statesOf(ops []saveOp) []storeState {
	states := []storeState{emptyState}
	for _, op := range ops {
		states = append(states, states[len(states)-1].apply(op))
	}
	return states
}

func TestOpenStorageEmpty(t *testing.T) {
	d := sim.NewDisk()
	s, rec, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	if rec.HardState != (HardState{Vote: None}) {
		knownBug(t, rec.HardState == (HardState{}), "storage.go OpenStorage on an empty disk returns a zero "+
			"Recovered, whose HardState.Vote is 0: a fresh node reports a vote for node 0 (None is -1), while a "+
			"reopen of the same store reports None; return Recovered{HardState: HardState{Vote: None}}")
		t.Fatalf("fresh storage recovered %+v, want vote None", rec.HardState)
	}
	if !emptyState.equal(rec) || rec.DroppedTail {
		t.Fatalf("fresh storage recovered %+v", rec)
	}
	if s.Size() <= 0 {
		t.Fatalf("size %d", s.Size())
	}
	// A fresh start is durable: a crash right after it recovers the same.
	d.Crash(sim.NewRand(1), 1_000_000)
	_, rec, err = OpenStorage(d.FS())
	if err != nil || !emptyState.equal(rec) || rec.DroppedTail {
		t.Fatalf("after a crash: %+v, %v", rec, err)
	}
}

// checkSaveReopen saves ops one by one and reopens after every Save: the
// store recovers exactly what was saved, truncations included.
func checkSaveReopen(t *testing.T, ops []saveOp, open func() sim.FS) {
	t.Helper()
	states := statesOf(ops)
	s, _, err := OpenStorage(open())
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		var rec Recovered
		s, rec, err = OpenStorage(open())
		if err != nil {
			t.Fatalf("reopen after save %d: %v", i, err)
		}
		if !states[i+1].equal(rec) || rec.DroppedTail {
			t.Fatalf("reopen after save %d: got %+v %v entries (dropped tail %v), want %v",
				i, rec.HardState, terms(rec.Entries), rec.DroppedTail, states[i+1])
		}
	}
}

func TestStorageSaveReopen(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		d := sim.NewDisk()
		checkSaveReopen(t, genOps(sim.NewRand(seed), 40), d.FS)
	}
	// The same across crashes that lose nothing synced.
	d := sim.NewDisk()
	rng := sim.NewRand(7)
	checkSaveReopen(t, genOps(sim.NewRand(99), 60), func() sim.FS {
		d.Crash(rng, 1_000_000)
		return d.FS()
	})
}

// The same storage on the real file system.
func TestStorageSaveReopenRealFS(t *testing.T) {
	dir := t.TempDir()
	var last *realenv.DirFS
	open := func() sim.FS {
		if last != nil {
			last.Close()
		}
		fs, err := realenv.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		last = fs
		return fs
	}
	checkSaveReopen(t, genOps(sim.NewRand(3), 30), open)
	t.Cleanup(func() { last.Close() })
}

// crashFS counts the syncs (file and directory) made through it and arms a
// crash of the disk at the one numbered armAt.
type crashFS struct {
	sim.FS
	d     *sim.Disk
	syncs int
	armAt int
	point sim.CrashPoint
}

func (c *crashFS) arm() {
	if c.syncs++; c.syncs == c.armAt {
		c.d.ArmCrash(c.point)
	}
}

func (c *crashFS) Sync(name string) error { c.arm(); return c.FS.Sync(name) }
func (c *crashFS) SyncDir() error         { c.arm(); return c.FS.SyncDir() }

// runUntilCrash opens a store on d and saves ops, crashing inside the sync
// numbered armAt. It returns how many Saves had returned when the crash came,
// -1 if it came inside the first OpenStorage, or len(ops) with crashed false
// if armAt was never reached.
func runUntilCrash(t *testing.T, d *sim.Disk, ops []saveOp, armAt int, point sim.CrashPoint) (done int, crashed bool) {
	t.Helper()
	fs := &crashFS{FS: d.FS(), d: d, armAt: armAt, point: point}
	done = -1
	defer func() {
		if v := recover(); v != nil {
			if !sim.IsCrashSignal(v) {
				panic(v)
			}
			crashed = true
		}
	}()
	s, _, err := OpenStorage(fs)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	for i, op := range ops {
		done = i
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	d.ArmCrash(sim.CrashNone)
	return len(ops), false
}

// checkRecovery reopens d after a crash that struck while Save number done
// was running (-1: the first open): it must recover the state before or after
// that Save, never anything else and never an error. A crash inside the
// recovery itself (at sync recoveryCrash, 0 for none) is survived too. It
// returns the store and the state it recovered.
func checkRecovery(t *testing.T, d *sim.Disk, states []storeState, done int, rng *sim.Rand, what string) (*Storage, storeState) {
	t.Helper()
	d.Crash(rng, 1_000_000)
	s, rec, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatalf("%s: recovery failed: %v", what, err)
	}
	before := states[max(done, 0)]
	after := states[min(done+1, len(states)-1)]
	switch {
	case before.equal(rec):
		return s, before
	case after.equal(rec):
		return s, after
	}
	t.Fatalf("%s: recovered %+v with %d entries (terms %v), want %v or %v",
		what, rec.HardState, len(rec.Entries), terms(rec.Entries), before, after)
	return nil, storeState{}
}

// crashEverywhere crashes a run of ops at every sync it makes, before and
// after the sync, with torn tails, and checks each recovery; then crashes the
// recovery itself at each of its syncs; then checks the recovered store still
// takes Saves.
func crashEverywhere(t *testing.T, ops []saveOp, from, to int, tornSeeds uint64) {
	t.Helper()
	states := statesOf(ops)
	extra := saveOp{hs: HardState{Term: 1000, Vote: 1}}
	for k := from; k <= to; k++ {
		for _, point := range []sim.CrashPoint{sim.CrashBeforeSync, sim.CrashAfterSync} {
			for torn := range tornSeeds {
				what := fmt.Sprintf("crash at sync %d (%v) torn seed %d", k, point, torn)
				d := sim.NewDisk()
				done, crashed := runUntilCrash(t, d, ops, k, point)
				if !crashed {
					return // past the last sync
				}
				rng := sim.NewRand(sim.Key(torn, uint64(k)))
				s, got := checkRecovery(t, d, states, done, rng, what)
				// The recovered store keeps working.
				last := uint64(len(got.log))
				op := saveOp{hs: extra.hs, ents: genEntries(rng, last+1, 1000, 2)}
				if err := s.Save(op.hs, op.ents); err != nil {
					t.Fatalf("%s: save after recovery: %v", what, err)
				}
				_, rec, err := OpenStorage(d.FS())
				if want := got.apply(op); err != nil || !want.equal(rec) {
					t.Fatalf("%s: after recovery and a save: %+v %v, %v; want %v", what, rec.HardState, terms(rec.Entries), err, want)
				}
				// Crash the recovery itself at each of its syncs.
				for j := 1; ; j++ {
					d := sim.NewDisk()
					done, _ := runUntilCrash(t, d, ops, k, point)
					d.Crash(rng, 1_000_000)
					fs := &crashFS{FS: d.FS(), d: d, armAt: j, point: point}
					crashedAgain := func() (crashed bool) {
						defer func() {
							if v := recover(); v != nil {
								if !sim.IsCrashSignal(v) {
									panic(v)
								}
								crashed = true
							}
						}()
						if _, _, err := OpenStorage(fs); err != nil {
							t.Fatalf("%s: recovery failed: %v", what, err)
						}
						d.ArmCrash(sim.CrashNone)
						return false
					}()
					if !crashedAgain {
						break
					}
					checkRecovery(t, d, states, done, rng, fmt.Sprintf("%s, then at recovery sync %d", what, j))
				}
			}
		}
	}
}

// A crash at any sync of a sequence of Saves, before or after it, with the
// unsynced tail torn anywhere, recovers the state before or after the Save it
// interrupted, and never fails.
func TestStorageCrashAtEverySync(t *testing.T) {
	for seed := uint64(0); seed < 3; seed++ {
		ops := genOps(sim.NewRand(sim.Key(seed, 1)), 25)
		crashEverywhere(t, ops, 1, 1<<30, 3)
	}
}

// metaRotationOps are Saves enough to rotate the meta file twice; it returns
// them with the number of syncs before the first rotating Save starts.
func metaRotationOps(t *testing.T) ([]saveOp, []int) {
	rng := sim.NewRand(42)
	ops := genOps(rng, 1100)
	d := sim.NewDisk()
	fs := &crashFS{FS: d.FS(), d: d}
	s, _, err := OpenStorage(fs)
	if err != nil {
		t.Fatal(err)
	}
	var rotations []int
	for _, op := range ops {
		gen, syncs := s.metaGen, fs.syncs
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatal(err)
		}
		if s.metaGen != gen {
			rotations = append(rotations, syncs)
		}
	}
	if len(rotations) < 2 {
		t.Fatalf("%d Saves rotated the meta file %d times", len(ops), len(rotations))
	}
	return ops, rotations
}

// Rotating the meta file (a Save that passes metaRotateSize starts a new one)
// survives a crash at every sync around it too.
func TestStorageMetaRotationCrash(t *testing.T) {
	ops, rotations := metaRotationOps(t)
	for _, at := range rotations[:1] {
		crashEverywhere(t, ops, at-2, at+6, 2)
	}
}

// Meta files numbered past 9 (each recovery that finds a torn tail and every
// rotation starts a new generation): recovery must pick the newest, by number.
func TestStorageGenerationsPastNine(t *testing.T) {
	d := sim.NewDisk()
	rng := sim.NewRand(5)
	state := emptyState
	s, _, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	for round := range 14 {
		// A torn, unacknowledged frame: recovery drops it and rewrites.
		op := saveOp{hs: HardState{Term: uint64(round + 1), Vote: None}, ents: genEntries(rng, uint64(len(state.log))+1, uint64(round+1), 3)}
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatal(err)
		}
		state = state.apply(op)
		fs := d.FS()
		if err := fs.Append(logName(s.meta.logGen), []byte("torn tail, never synced")); err != nil {
			t.Fatal(err)
		}
		d.Crash(rng, 1_000_000)
		var rec Recovered
		s, rec, err = OpenStorage(d.FS())
		if err != nil || !state.equal(rec) {
			t.Fatalf("round %d (meta gen %d): %+v %v, want %v", round, s.metaGen, rec.HardState, err, state)
		}
	}
	if s.metaGen < 10 {
		t.Fatalf("meta generation only reached %d", s.metaGen)
	}
}

// generations must list numeric suffixes in ascending order, as its doc says
// and readMeta relies on (it reads the last as the newest).
func TestGenerationsAscending(t *testing.T) {
	names := []string{"log.10", "log.9", "meta.10", "meta.11", "meta.9", "other"} // sorted, as List returns them
	got := generations(names, "meta.")
	if !slices.Equal(got, []uint64{9, 10, 11}) {
		knownBug(t, slices.Equal(got, []uint64{10, 11, 9}), "storage.go generations returns suffixes in List's "+
			"lexicographic order (%v), not ascending: once meta.9 and meta.10 coexist (a crash inside a rotation "+
			"or a recovery), readMeta takes meta.9 for the newest; sort the result numerically", got)
		t.Fatalf("generations = %v, want [9 10 11]", got)
	}
}

// rotatePastNine builds a store whose meta generation is 9 and full, then
// starts the Save that rotates it to meta.10 and crashes it at its sync
// number armAt. It returns the disk and the states before and after that Save.
func rotatePastNine(t *testing.T, armAt int, point sim.CrashPoint) (*sim.Disk, storeState, storeState) {
	t.Helper()
	d := sim.NewDisk()
	rng := sim.NewRand(11)
	state := emptyState
	s, _, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	for s.metaGen < 9 { // each recovery that drops a torn tail starts a generation
		if err := d.FS().Append(logName(s.meta.logGen), []byte("junk")); err != nil {
			t.Fatal(err)
		}
		d.Crash(rng, 1_000_000)
		if s, _, err = OpenStorage(d.FS()); err != nil {
			t.Fatal(err)
		}
	}
	term := uint64(1)
	for s.metaLen+metaPairSize <= metaRotateSize {
		op := saveOp{hs: HardState{Term: term, Vote: None}}
		if term%7 == 0 {
			op.ents = genEntries(rng, uint64(len(state.log))+1, term, 1)
		}
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatal(err)
		}
		state = state.apply(op)
		term++
	}
	op := saveOp{hs: HardState{Term: term, Vote: 2}, ents: genEntries(rng, uint64(len(state.log))+1, term, 2)}
	s.fs = &crashFS{FS: d.FS(), d: d, armAt: armAt, point: point}
	func() {
		defer func() {
			if v := recover(); v != nil && !sim.IsCrashSignal(v) {
				panic(v)
			}
		}()
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatal(err)
		}
	}()
	d.ArmCrash(sim.CrashNone)
	d.Crash(rng, 1_000_000)
	return d, state, state.apply(op)
}

// A crash around the rotation from meta.9 to meta.10, and then inside the
// recovery, recovers the state before or after the rotating Save. After the
// Save made meta.10 durable, recovery should prefer it, the newer record.
func TestStorageRotationPastNineCrash(t *testing.T) {
	// The rotating Save syncs the log (1), meta.10 (2), the directory (3),
	// then removes meta.9 and syncs the directory (4).
	preferOld := ""
	for armAt := 1; armAt <= 5; armAt++ {
		for _, point := range []sim.CrashPoint{sim.CrashBeforeSync, sim.CrashAfterSync} {
			for j := 0; ; j++ { // j > 0: crash the recovery at its sync j too
				d, before, after := rotatePastNine(t, armAt, point)
				names, _ := d.FS().List()
				what := fmt.Sprintf("crash at rotation sync %d (%v), files %v, recovery crash at %d", armAt, point, names, j)
				fs := &crashFS{FS: d.FS(), d: d, armAt: j, point: point}
				crashed := func() (crashed bool) {
					defer func() {
						if v := recover(); v != nil {
							if !sim.IsCrashSignal(v) {
								panic(v)
							}
							crashed = true
						}
					}()
					_, rec, err := OpenStorage(fs)
					d.ArmCrash(sim.CrashNone)
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if !before.equal(rec) && !after.equal(rec) {
						t.Fatalf("%s: recovered %+v", what, rec.HardState)
					}
					if slices.Contains(names, "meta.10") && slices.Contains(names, "meta.9") && before.equal(rec) && j == 0 {
						preferOld = what
					}
					return false
				}()
				if j == 0 {
					continue
				}
				if !crashed {
					break
				}
				d.Crash(sim.NewRand(uint64(j)), 1_000_000)
				_, rec, err := OpenStorage(d.FS())
				if err != nil {
					t.Fatalf("%s: second recovery: %v", what, err)
				}
				if !before.equal(rec) && !after.equal(rec) {
					t.Fatalf("%s: second recovery gave %+v, want %v or %v", what, rec.HardState, before, after)
				}
			}
		}
	}
	if preferOld != "" {
		knownBug(t, true, "%s: OpenStorage recovered the older record of meta.9, not the complete, newer meta.10 "+
			"(generations' lexicographic order; allowed here, as the Save had not returned)", preferOld)
	}
}

// Damage to synced data (a flipped byte, a lost 16-byte block) is either
// detected as ErrCorrupt or leaves exactly the last saved state readable:
// never a different state.
func TestStorageDamage(t *testing.T) {
	detected, harmless := 0, 0
	for seed := uint64(0); seed < 600; seed++ {
		rng := sim.NewRand(sim.Key(seed, 0xda))
		ops := genOps(rng, 1+int(rng.Below(30)))
		if seed%50 == 0 {
			ops = genOps(rng, 600) // past a meta rotation
		}
		d := sim.NewDisk()
		s, _, err := OpenStorage(d.FS())
		if err != nil {
			t.Fatal(err)
		}
		state := emptyState
		for i, op := range ops {
			if err := s.Save(op.hs, op.ents); err != nil {
				t.Fatal(err)
			}
			state = state.apply(op)
			if rng.Chance(50_000) { // a crash and recovery on the way
				d.Crash(rng, 1_000_000)
				if s, _, err = OpenStorage(d.FS()); err != nil {
					t.Fatalf("seed %d: recovery after save %d: %v", seed, i, err)
				}
			}
		}
		kind := []sim.DamageKind{sim.DamageFlip, sim.DamageLost}[rng.Below(2)]
		for range 1 + rng.Below(2) {
			d.Damage(rng, kind)
		}
		_, rec, err := OpenStorage(d.FS())
		switch {
		case err != nil && errors.Is(err, ErrCorrupt):
			detected++
		case err != nil:
			t.Fatalf("seed %d: damage reported without ErrCorrupt: %v", seed, err)
		case state.equal(rec):
			harmless++
		default:
			t.Fatalf("seed %d: after %v damage recovered %+v %v, want %v or ErrCorrupt",
				seed, kind, rec.HardState, terms(rec.Entries), state)
		}
	}
	t.Logf("%d detected, %d harmless", detected, harmless)
	if detected == 0 || harmless == 0 {
		t.Fatalf("%d detected, %d harmless: the damage did not vary", detected, harmless)
	}
}

// failFS fails the sync numbered failAt (file or directory), as a disk that
// reports an fsync error.
type failFS struct {
	sim.FS
	syncs, failAt int
}

func (f *failFS) fail() bool { f.syncs++; return f.syncs == f.failAt }

func (f *failFS) Sync(name string) error {
	if f.fail() {
		return sim.ErrSyncFailed
	}
	return f.FS.Sync(name)
}

func (f *failFS) SyncDir() error {
	if f.fail() {
		return sim.ErrSyncFailed
	}
	return f.FS.SyncDir()
}

// A failed sync anywhere makes the open or the Save in progress return an
// error: it is never swallowed, so the node stops.
func TestStorageSyncFails(t *testing.T) {
	ops := genOps(sim.NewRand(8), 20)
	for k := 1; ; k++ {
		fs := &failFS{FS: sim.NewDisk().FS(), failAt: k}
		s, _, err := OpenStorage(fs)
		if fs.syncs >= k {
			if !errors.Is(err, sim.ErrSyncFailed) {
				t.Fatalf("sync %d failed inside OpenStorage, which returned %v", k, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		failed := false
		for i, op := range ops {
			err := s.Save(op.hs, op.ents)
			if fs.syncs >= k {
				if !errors.Is(err, sim.ErrSyncFailed) {
					t.Fatalf("sync %d failed inside save %d, which returned %v", k, i, err)
				}
				failed = true
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !failed {
			return
		}
	}
}

// FuzzOpenStorage: whatever bytes the meta and log files hold, OpenStorage
// returns an error or a state, never panics; and a store it opens takes a
// Save and reads it back. The first modes write the bytes as they are, the
// others wrap them in valid framing so the fuzzer reaches the record and frame
// fields behind the checksums.
func FuzzOpenStorage(f *testing.F) {
	// Seeds: the files of real stores.
	for seed := uint64(0); seed < 4; seed++ {
		d := sim.NewDisk()
		s, _, err := OpenStorage(d.FS())
		if err != nil {
			f.Fatal(err)
		}
		for _, op := range genOps(sim.NewRand(seed), 6) {
			if err := s.Save(op.hs, op.ents); err != nil {
				f.Fatal(err)
			}
		}
		meta, _ := d.FS().ReadFile(metaName(s.metaGen))
		log, _ := d.FS().ReadFile(logName(s.meta.logGen))
		for mode := range uint8(4) {
			f.Add(meta, log, mode, uint8(s.metaGen), uint8(s.meta.logGen))
		}
	}
	f.Add([]byte{}, []byte{}, uint8(0), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, meta, log []byte, mode, metaGen, logGen uint8) {
		d := sim.NewDisk()
		fs := d.FS()
		switch mode % 4 {
		case 1: // a valid meta pair vouching for the whole log
			rec := metaRecord{seq: 1, term: uint64(len(meta)), vote: None, logGen: uint64(logGen), logSize: uint64(len(log))}
			if len(meta) > 0 {
				rec.lastIndex = uint64(meta[0])
			}
			b := rec.encode(nil)
			meta = append(b, b...)
		case 2: // the log bytes as the body of one valid frame
			frame := append([]byte{0, 0, 0, 0}, log...)
			frame[0], frame[1], frame[2], frame[3] = byte(len(frame)), byte(len(frame)>>8), byte(len(frame)>>16), byte(len(frame)>>24)
			log = sealCRC(frame)
		case 3: // both
			frame := append([]byte{0, 0, 0, 0}, log...)
			frame[0], frame[1], frame[2], frame[3] = byte(len(frame)), byte(len(frame)>>8), byte(len(frame)>>16), byte(len(frame)>>24)
			log = sealCRC(frame)
			entries, err := parseLog(log)
			rec := metaRecord{seq: 1, term: 3, vote: 1, logGen: uint64(logGen), logSize: uint64(len(log))}
			if err == nil {
				rec.lastIndex = uint64(len(entries))
			}
			b := rec.encode(nil)
			meta = append(b, b...)
		}
		for _, file := range []struct {
			name string
			b    []byte
		}{{metaName(uint64(metaGen)), meta}, {logName(uint64(logGen)), log}} {
			if err := fs.Create(file.name); err != nil {
				t.Fatal(err)
			}
			if err := fs.Append(file.name, file.b); err != nil {
				t.Fatal(err)
			}
			if err := fs.Sync(file.name); err != nil {
				t.Fatal(err)
			}
		}
		if err := fs.SyncDir(); err != nil {
			t.Fatal(err)
		}
		s, rec, err := OpenStorage(fs)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !strings.Contains(err.Error(), "not exist") {
				t.Logf("non-corrupt error: %v", err)
			}
			return
		}
		for i, e := range rec.Entries {
			if e.Index != uint64(i)+1 {
				t.Fatalf("recovered entry %d has index %d", i, e.Index)
			}
		}
		// The opened store is usable: a Save reads back.
		state := storeState{hs: rec.HardState, log: rec.Entries}
		op := saveOp{hs: HardState{Term: rec.HardState.Term + 1, Vote: 0}, ents: []Entry{{Term: 1, Index: uint64(len(rec.Entries)) + 1, Data: []byte("fuzz")}}}
		if err := s.Save(op.hs, op.ents); err != nil {
			t.Fatalf("save on an opened store: %v", err)
		}
		_, rec2, err := OpenStorage(fs)
		if want := state.apply(op); err != nil || !want.equal(rec2) {
			t.Fatalf("reopened %+v %v, %v; want %v", rec2.HardState, terms(rec2.Entries), err, want)
		}
	})
}
