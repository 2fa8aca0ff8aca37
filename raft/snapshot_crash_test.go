package raft

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/detsim/detsim/sim"
	"github.com/detsim/detsim/sim/realenv"
)

// SaveSnapshot crashed at every point of its write sequence, directory syncs
// included, on the real file system and on the simulated disk, for a first
// snapshot and for one that replaces another. A real disk cannot be crashed
// from a test, so stopFS emulates it: after its k-th operation every call
// fails without touching the disk, as if the machine stopped there; the test
// then reopens the directory afresh, either keeping everything written (the
// page cache survived) or first cutting each file back to what was synced (it
// did not). Either way the store must recover the state before the snapshot
// or the state after it, never a mix, and recovery must survive a second
// stop. (Losing directory entries that were never synced is left to the
// simulated disk, which models it.)

var errStopped = errors.New("stopped (emulated crash)")

// stopFS passes operations through until limit of them have run (limit < 0:
// no limit), then fails every call. It records how much of each file it saw
// synced, so unsynced appends can be cut off after the stop.
type stopFS struct {
	sim.FS
	ops, limit int
	stopped    bool           // a call was refused
	written    map[string]int // bytes appended since the file was opened here
	synced     map[string]int
}

func newStopFS(fs sim.FS, limit int) *stopFS {
	return &stopFS{FS: fs, limit: limit, written: map[string]int{}, synced: map[string]int{}}
}

func (s *stopFS) step() error {
	if s.limit >= 0 && s.ops >= s.limit {
		s.stopped = true
		return errStopped
	}
	s.ops++
	return nil
}

func (s *stopFS) Create(name string) error {
	if err := s.step(); err != nil {
		return err
	}
	s.written[name], s.synced[name] = 0, 0
	return s.FS.Create(name)
}

func (s *stopFS) Append(name string, p []byte) error {
	if err := s.step(); err != nil {
		return err
	}
	if _, ok := s.written[name]; !ok {
		// Opened before this session: what it held is durable.
		b, _ := s.FS.ReadFile(name)
		s.written[name], s.synced[name] = len(b), len(b)
	}
	s.written[name] += len(p)
	return s.FS.Append(name, p)
}

func (s *stopFS) Sync(name string) error {
	if err := s.step(); err != nil {
		return err
	}
	if n, ok := s.written[name]; ok {
		s.synced[name] = n
	}
	return s.FS.Sync(name)
}

func (s *stopFS) Rename(oldname, newname string) error {
	if err := s.step(); err != nil {
		return err
	}
	s.written[newname], s.synced[newname] = s.written[oldname], s.synced[oldname]
	delete(s.written, oldname)
	delete(s.synced, oldname)
	return s.FS.Rename(oldname, newname)
}

func (s *stopFS) Remove(name string) error {
	if err := s.step(); err != nil {
		return err
	}
	delete(s.written, name)
	delete(s.synced, name)
	return s.FS.Remove(name)
}

func (s *stopFS) ReadFile(name string) ([]byte, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	return s.FS.ReadFile(name)
}

func (s *stopFS) SyncDir() error {
	if err := s.step(); err != nil {
		return err
	}
	return s.FS.SyncDir()
}

func (s *stopFS) List() ([]string, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	return s.FS.List()
}

// loseUnsynced cuts every file written through s back to its synced length.
func (s *stopFS) loseUnsynced(t *testing.T, dir string) {
	t.Helper()
	for name, n := range s.synced {
		if s.written[name] > n {
			if err := os.Truncate(filepath.Join(dir, name), int64(n)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// realState is what a store recovers: the hard state, the snapshot and the
// log after it.
type realState struct {
	hs   HardState
	snap *Snapshot
	log  []Entry
}

func (s realState) equal(rec Recovered) bool {
	return rec.HardState == s.hs && sameSnapshot(rec.Snapshot, s.snap) && sameEntries(rec.Entries, s.log)
}

func (s realState) String() string {
	i := uint64(0)
	if s.snap != nil {
		i = s.snap.Index
	}
	return fmt.Sprintf("{%+v snapshot %d, %d entries}", s.hs, i, len(s.log))
}

func recString(rec Recovered) string {
	return realState{rec.HardState, rec.Snapshot, rec.Entries}.String()
}

// snapCase is a store built by setup, then a SaveSnapshot (save) that moves
// it from state before to state after.
type snapCase struct {
	name          string
	setup, save   func(*Storage) error
	before, after realState
}

func snapCases() []snapCase {
	hs, hs2 := HardState{Term: 3, Vote: 2}, HardState{Term: 4, Vote: None}
	first := &Snapshot{Index: 15, Term: 3, Data: []byte("state@15")}
	second := &Snapshot{Index: 23, Term: 4, Data: []byte("state@23")}
	log := append(numbered(1, 20, 3), numbered(21, 25, 4)...)
	firstSetup := func(s *Storage) error { return s.Save(hs, log[:20]) }
	return []snapCase{{
		name:   "first snapshot",
		setup:  firstSetup,
		save:   func(s *Storage) error { return s.SaveSnapshot(hs, first, log[15:20]) },
		before: realState{hs, nil, log[:20]},
		after:  realState{hs, first, log[15:20]},
	}, {
		name: "snapshot over a snapshot",
		setup: func(s *Storage) error {
			return errors.Join(firstSetup(s), s.SaveSnapshot(hs, first, log[15:20]), s.Save(hs2, log[20:]))
		},
		save:   func(s *Storage) error { return s.SaveSnapshot(hs2, second, log[23:]) },
		before: realState{hs2, first, log[15:]},
		after:  realState{hs2, second, log[23:]},
	}}
}

// realDirs hands out fresh directories, each a copy of a base store.
type realDirs struct {
	t    *testing.T
	root string
	n    int
	open []*realenv.DirFS
}

func (d *realDirs) fs(dir string) *realenv.DirFS {
	d.t.Helper()
	fs, err := realenv.NewFS(dir)
	if err != nil {
		d.t.Fatal(err)
	}
	d.open = append(d.open, fs)
	return fs
}

func (d *realDirs) copyOf(base string) string {
	d.t.Helper()
	d.n++
	dir := filepath.Join(d.root, fmt.Sprint("run", d.n))
	if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
		d.t.Fatal(err)
	}
	return dir
}

func (d *realDirs) closeAll() {
	for _, fs := range d.open {
		fs.Close()
	}
	d.open = nil
}

// reopen opens dir afresh, as after a reboot, and returns what it recovers.
func (d *realDirs) reopen(dir string) (Recovered, error) {
	defer d.closeAll()
	_, rec, err := OpenStorage(d.fs(dir))
	return rec, err
}

// stopAt runs fn on a store over dir whose FS stops after k operations
// past the open; lose cuts unsynced appends afterwards. It reports whether
// the stop struck, with fn's error.
func (d *realDirs) stopAt(dir string, k int, lose bool, fn func(*Storage) error) (bool, error) {
	d.t.Helper()
	defer d.closeAll()
	sf := newStopFS(d.fs(dir), -1)
	s, _, err := OpenStorage(sf)
	if err != nil {
		d.t.Fatalf("open: %v", err)
	}
	sf.limit = sf.ops + k
	err = fn(s)
	if lose {
		sf.loseUnsynced(d.t, dir)
	}
	return sf.stopped, err
}

func TestSnapshotCrashAtEveryOpRealFS(t *testing.T) {
	d := &realDirs{t: t, root: t.TempDir()}
	defer d.closeAll()
	for _, c := range snapCases() {
		base := filepath.Join(d.root, "base "+c.name)
		s, _, err := OpenStorage(d.fs(base))
		if err != nil || c.setup(s) != nil {
			t.Fatalf("%s: setup: %v", c.name, err)
		}
		d.closeAll()
		for _, lose := range []bool{false, true} {
			points, repairs := crashSaveEverywhere(t, d, c, base, lose)
			if !testing.Short() && repairs == 0 {
				t.Fatalf("%s: no crash left the disk needing a repair: the recoveries were never stopped mid-write", c.name)
			}
			t.Logf("%s, lose unsynced %v: %d crash points, %d needing a repair", c.name, lose, points, repairs)
		}
	}
}

// crashSaveEverywhere stops c.save after each of its operations in turn and
// checks the recovery, and a recovery stopped at each of its own operations.
// It returns how many points it tried, and how many of them needed a recovery
// that wrote to the disk.
func crashSaveEverywhere(t *testing.T, d *realDirs, c snapCase, base string, lose bool) (points, repairs int) {
	for k := 0; ; k++ {
		what := fmt.Sprintf("%s, lose unsynced %v, stop after %d operations", c.name, lose, k)
		dir := d.copyOf(base)
		stopped, err := d.stopAt(dir, k, lose, c.save)
		if stopped != (err != nil) {
			t.Fatalf("%s: stopped %v but SaveSnapshot returned %v", what, stopped, err)
		}
		crashed := d.copyOf(dir) // as the crash left it, before a recovery repairs it
		rec, err := d.reopen(dir)
		if err != nil {
			t.Fatalf("%s: recovery failed: %v", what, err)
		}
		after := c.after.equal(rec)
		if !after && !c.before.equal(rec) {
			t.Fatalf("%s: recovered %s, want %v or %v", what, recString(rec), c.before, c.after)
		}
		if !stopped {
			if !after {
				t.Fatalf("%s: a SaveSnapshot that returned was lost", what)
			}
			return k, repairs
		}
		want := c.before
		if after {
			want = c.after
		}
		if crashRecoveryEverywhere(t, d, crashed, want, lose, what) {
			repairs++
		}
	}
}

// crashRecoveryEverywhere stops the recovery of dir after each of its
// operations; the next recovery still finds want, what the first crash left.
// It reports whether the recovery wrote anything.
func crashRecoveryEverywhere(t *testing.T, d *realDirs, dir string, want realState, lose bool, what string) bool {
	if testing.Short() {
		return false
	}
	for j := 0; ; j++ {
		again := d.copyOf(dir)
		sf := newStopFS(d.fs(again), j)
		_, _, err := OpenStorage(sf)
		if lose {
			sf.loseUnsynced(t, again)
		}
		d.closeAll()
		if !sf.stopped && err != nil {
			t.Fatalf("%s: recovery failed: %v", what, err)
		}
		rec, err := d.reopen(again)
		if err != nil || !want.equal(rec) {
			t.Fatalf("%s, then recovery stopped after %d: recovered %s (%v), want %v", what, j, recString(rec), err, want)
		}
		if !sf.stopped {
			return len(sf.written) > 0 // it created or appended to a file
		}
	}
}

// The same cases on the simulated disk, crashed inside each sync (file or
// directory), before or after it, with the unsynced tail torn: the recovery
// finds the state before or after, never a mix.
func TestSnapshotCasesCrashAtEverySync(t *testing.T) {
	for _, c := range snapCases() {
		for _, point := range []sim.CrashPoint{sim.CrashBeforeSync, sim.CrashAfterSync} {
			for k := 1; ; k++ {
				what := fmt.Sprintf("%s, %v at sync %d", c.name, point, k)
				d := sim.NewDisk()
				s, _, err := OpenStorage(d.FS())
				if err != nil || c.setup(s) != nil {
					t.Fatalf("%s: setup: %v", what, err)
				}
				s.fs = &crashFS{FS: d.FS(), d: d, armAt: k, point: point}
				crashed := crashes(func() {
					if err := c.save(s); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
				})
				d.ArmCrash(sim.CrashNone)
				d.Crash(sim.NewRand(uint64(k)), 1_000_000)
				_, rec, err := OpenStorage(d.FS())
				after := err == nil && c.after.equal(rec)
				if err != nil || !after && !c.before.equal(rec) || !crashed && !after {
					t.Fatalf("%s: crashed %v, recovered %s (%v), want %v or %v", what, crashed, recString(rec), err, c.before, c.after)
				}
				if !crashed {
					if k < 5 {
						t.Fatalf("%s: only %d crash points; SaveSnapshot syncs at least 4 times", what, k-1)
					}
					break
				}
			}
		}
	}
}

// crashes runs fn and reports whether a simulated crash stopped it.
func crashes(fn func()) (crashed bool) {
	defer func() {
		if v := recover(); v != nil {
			if !sim.IsCrashSignal(v) {
				panic(v)
			}
			crashed = true
		}
	}()
	fn()
	return false
}
