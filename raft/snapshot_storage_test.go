package raft

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/detsim/detsim/sim"
)

func numbered(first, last, term uint64) []Entry {
	var es []Entry
	for i := first; i <= last; i++ {
		es = append(es, Entry{Term: term, Index: i, Data: []byte(fmt.Sprint("e", i))})
	}
	return es
}

func equalEntries(a, b []Entry) bool {
	return slices.EqualFunc(a, b, func(x, y Entry) bool {
		return x.Index == y.Index && x.Term == y.Term && x.Type == y.Type && string(x.Data) == string(y.Data)
	})
}

func TestSnapshotSaveReopen(t *testing.T) {
	d := sim.NewDisk()
	s, _, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	hs := HardState{Term: 2, Vote: 1}
	if err := s.Save(hs, numbered(1, 10, 2)); err != nil {
		t.Fatal(err)
	}
	snap := &Snapshot{Index: 6, Term: 2, Data: []byte("state@6")}
	if err := s.SaveSnapshot(hs, snap, numbered(7, 10, 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(hs, numbered(11, 12, 2)); err != nil {
		t.Fatal(err)
	}
	d.Crash(sim.NewRand(1), 0)
	_, rec, err := OpenStorage(d.FS())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Snapshot == nil || rec.Snapshot.Index != 6 || string(rec.Snapshot.Data) != "state@6" {
		t.Fatalf("snapshot %+v", rec.Snapshot)
	}
	if !equalEntries(rec.Entries, numbered(7, 12, 2)) || rec.HardState != hs {
		t.Fatalf("entries %v hs %+v", rec.Entries, rec.HardState)
	}
	names, _ := d.FS().List()
	if n := len(generations(names, "log.")) + len(generations(names, "snap.")); n != 2 {
		t.Errorf("old files left behind: %v", names)
	}
}

func TestSnapshotOlderThanCurrentIsRefused(t *testing.T) {
	s, _, _ := OpenStorage(sim.NewDisk().FS())
	hs := HardState{Term: 1, Vote: None}
	s.Save(hs, numbered(1, 5, 1))
	if err := s.SaveSnapshot(hs, &Snapshot{Index: 4, Term: 1}, numbered(5, 5, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(hs, &Snapshot{Index: 3, Term: 1}, nil); err == nil {
		t.Fatal("an older snapshot was accepted")
	}
	if err := s.SaveSnapshot(hs, &Snapshot{Index: 5, Term: 1}, numbered(7, 7, 1)); err == nil {
		t.Fatal("entries that do not follow the snapshot were accepted")
	}
}

// A crash at every sync of SaveSnapshot, before or after it, with torn tails,
// recovers either the state before the snapshot or the state after it.
func TestSnapshotCrashAtEverySync(t *testing.T) {
	hs := HardState{Term: 3, Vote: 2}
	before := numbered(1, 20, 3)
	snap := &Snapshot{Index: 15, Term: 3, Data: []byte("state@15")}
	for _, point := range []sim.CrashPoint{sim.CrashBeforeSync, sim.CrashAfterSync} {
		for armAt := 1; ; armAt++ {
			d := sim.NewDisk()
			s, _, err := OpenStorage(d.FS())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Save(hs, before); err != nil {
				t.Fatal(err)
			}
			cf := &crashFS{FS: d.FS(), d: d, armAt: armAt, point: point}
			s.fs = cf
			crashed := func() (crashed bool) {
				defer func() {
					if v := recover(); v != nil {
						if !sim.IsCrashSignal(v) {
							panic(v)
						}
						crashed = true
					}
				}()
				if err := s.SaveSnapshot(hs, snap, numbered(16, 20, 3)); err != nil {
					t.Fatalf("arm %d: %v", armAt, err)
				}
				return false
			}()
			d.Crash(sim.NewRand(uint64(armAt)), 1_000_000)
			_, rec, err := OpenStorage(d.FS())
			if err != nil {
				t.Fatalf("%v at sync %d: recovery failed: %v", point, armAt, err)
			}
			old := rec.Snapshot == nil && equalEntries(rec.Entries, before)
			snapped := rec.Snapshot != nil && rec.Snapshot.Index == 15 && string(rec.Snapshot.Data) == "state@15" &&
				equalEntries(rec.Entries, numbered(16, 20, 3))
			if !old && !snapped || rec.HardState != hs {
				t.Fatalf("%v at sync %d: recovered snapshot %+v, %d entries", point, armAt, rec.Snapshot, len(rec.Entries))
			}
			if !crashed && !snapped {
				t.Fatalf("a completed SaveSnapshot was lost")
			}
			if !crashed {
				if armAt < 5 {
					t.Fatalf("%v: only %d crash points; SaveSnapshot should sync at least 4 times", point, armAt-1)
				}
				break
			}
		}
	}
}

func TestDamagedSnapshotIsCorrupt(t *testing.T) {
	hs := HardState{Term: 1, Vote: None}
	// Flip a byte of the snapshot file: it holds nearly all the synced bytes.
	for seed := uint64(1); ; seed++ {
		dd := sim.NewDisk()
		s2, _, _ := OpenStorage(dd.FS())
		s2.Save(hs, numbered(1, 5, 1))
		s2.SaveSnapshot(hs, &Snapshot{Index: 5, Term: 1, Data: make([]byte, 4096)}, nil)
		dd.Damage(sim.NewRand(seed), sim.DamageFlip)
		_, rec, err := OpenStorage(dd.FS())
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("damage gave %v, not ErrCorrupt", err)
			}
			return
		}
		if rec.Snapshot == nil || rec.Snapshot.Index != 5 {
			t.Fatalf("damage went unnoticed and changed the state: %+v", rec.Snapshot)
		}
		if seed > 50 {
			t.Fatal("50 flips and none detected")
		}
	}
}
