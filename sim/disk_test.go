package sim

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"testing"
)

// The simulated disk promises more than the conformance checks in sim/fstest
// can ask of real files: here a crash loses everything that was not durable.

// mustDo fails the test at the first error.
func mustDo(t *testing.T, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func readOr(d *Disk, name string) string {
	b, err := d.FS().ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "<missing>"
	}
	return string(b)
}

// TestDiskCrashLosesWhatIsNotDurable: unsynced data and every directory change
// not followed by SyncDir are gone after a crash that tears nothing.
func TestDiskCrashLosesWhatIsNotDurable(t *testing.T) {
	d := NewDisk()
	f := d.FS()
	mustDo(t,
		f.Create("kept"), f.Append("kept", []byte("synced")), f.Sync("kept"),
		f.Create("renamed"), f.Append("renamed", []byte("r")), f.Sync("renamed"),
		f.Create("removed"), f.Append("removed", []byte("still here")), f.Sync("removed"),
		f.Create("replaced"), f.Append("replaced", []byte("old")), f.Sync("replaced"),
		f.SyncDir(),
		f.Append("kept", []byte(" unsynced")),
		f.Create("new"), f.Append("new", []byte("synced but never named")), f.Sync("new"),
		f.Rename("renamed", "moved"),
		f.Remove("removed"),
		f.Create("replaced"), f.Append("replaced", []byte("new")), f.Sync("replaced"),
	)
	d.Crash(NewRand(1), 0)
	for name, want := range map[string]string{
		"kept":     "synced",
		"new":      "<missing>",
		"renamed":  "r",
		"moved":    "<missing>",
		"removed":  "still here",
		"replaced": "new", // Create truncates in place, as O_TRUNC does; the sync made it durable
	} {
		if got := readOr(d, name); got != want {
			t.Errorf("after the crash %q = %q, want %q", name, got, want)
		}
	}
	if names := d.list(); !slices.Equal(names, []string{"kept", "removed", "renamed", "replaced"}) {
		t.Errorf("List() = %q", names)
	}
	if d.Stats.LostUnsynced != 1 || d.Stats.TornWrites != 0 {
		t.Errorf("stats %+v, want one lost tail", d.Stats)
	}
}

// TestDiskTornWrites: a torn write keeps a strict, non-empty prefix of the
// unsynced tail (keeping none of it is a lost write, counted as such).
func TestDiskTornWrites(t *testing.T) {
	const tail = "0123456789"
	kept := map[int]int{}
	for trial := range uint64(300) {
		d := NewDisk()
		f := d.FS()
		mustDo(t, f.Create("f"), f.Append("f", []byte("S")), f.Sync("f"), f.SyncDir(), f.Append("f", []byte(tail)))
		d.Crash(NewRand(Key(25, trial)), 1_000_000)
		got := readOr(d, "f")
		if len(got) < 1 || got[0] != 'S' || len(got)-1 >= len(tail) || got[1:] != tail[:len(got)-1] {
			t.Fatalf("trial %d: torn file %q, want S and a strict prefix of %q", trial, got, tail)
		}
		kept[len(got)-1]++
		if d.Stats.TornWrites != 1 {
			t.Fatalf("trial %d: stats %+v", trial, d.Stats)
		}
		// What survived is now durable: a second crash keeps all of it.
		d.Crash(NewRand(Key(26, trial)), 1_000_000)
		if again := readOr(d, "f"); again != got {
			t.Fatalf("trial %d: a second crash changed %q to %q", trial, got, again)
		}
	}
	for n := 1; n < len(tail); n++ {
		if kept[n] == 0 {
			t.Errorf("no trial kept exactly %d bytes of the tail: %v", n, kept)
		}
	}
}

// TestDiskDamage: damage touches only synced bytes of durable files: a flip
// changes one byte, a lost write zeroes one aligned 16-byte block (clipped to
// the synced length).
func TestDiskDamage(t *testing.T) {
	const synced = 40
	for _, kind := range []DamageKind{DamageFlip, DamageLost} {
		for trial := range uint64(200) {
			d := NewDisk()
			f := d.FS()
			mustDo(t,
				f.Create("f"), f.Append("f", bytes.Repeat([]byte{0xaa}, synced)), f.Sync("f"),
				f.Create("empty"), f.SyncDir(),
				f.Append("f", bytes.Repeat([]byte{0xbb}, 32)), f.Append("empty", []byte("unsynced")),
				f.Create("unnamed"), f.Append("unnamed", []byte("synced")), f.Sync("unnamed"),
			)
			if !d.Damage(NewRand(Key(27, trial)), kind) {
				t.Fatal("Damage found no synced data")
			}
			if readOr(d, "empty") != "unsynced" || readOr(d, "unnamed") != "synced" {
				t.Fatalf("kind %d trial %d: damage outside the synced data of durable files", kind, trial)
			}
			b, _ := d.FS().ReadFile("f")
			var diff []int
			for i, c := range b {
				want := byte(0xaa)
				if i >= synced {
					want = 0xbb
				}
				if c != want {
					diff = append(diff, i)
				}
			}
			switch kind {
			case DamageFlip:
				if len(diff) != 1 || diff[0] >= synced {
					t.Fatalf("trial %d: a flip changed bytes %v", trial, diff)
				}
			case DamageLost:
				start := diff[0] &^ 15
				end := min(start+16, synced)
				if len(diff) != end-start || diff[0] != start || diff[len(diff)-1] != end-1 || b[start] != 0 {
					t.Fatalf("trial %d: a lost write changed bytes %v", trial, diff)
				}
			}
			if d.Stats.Damaged != 1 {
				t.Fatalf("stats %+v", d.Stats)
			}
		}
	}
	d := NewDisk()
	f := d.FS()
	mustDo(t, f.Create("f"), f.SyncDir(), f.Append("f", []byte("unsynced")))
	if d.Damage(NewRand(1), DamageFlip) {
		t.Error("Damage hurt a disk with no synced data")
	}
}

// syncCrashes runs fn and reports whether it panicked with a crash signal.
func syncCrashes(t *testing.T, fn func() error) (crashed bool) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			if !IsCrashSignal(v) {
				t.Fatalf("panic %v is not a crash signal", v)
			}
			crashed = true
		}
	}()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	return false
}

// TestDiskArmCrash: an armed crash strikes at the next sync, before or after it
// takes effect, and only once.
func TestDiskArmCrash(t *testing.T) {
	if IsCrashSignal("other") || IsCrashSignal(nil) {
		t.Error("IsCrashSignal accepts other values")
	}
	for _, point := range []CrashPoint{CrashBeforeSync, CrashAfterSync} {
		after := point == CrashAfterSync
		d := NewDisk()
		f := d.FS()
		mustDo(t, f.Create("f"), f.SyncDir(), f.Append("f", []byte("x")))
		d.ArmCrash(point)
		if !syncCrashes(t, func() error { return f.Sync("f") }) {
			t.Fatalf("point %d: Sync did not crash", point)
		}
		if syncCrashes(t, func() error { return f.SyncDir() }) {
			t.Fatalf("point %d: the armed crash struck twice", point)
		}
		d.Crash(NewRand(1), 0)
		if got, want := readOr(d, "f"), map[bool]string{false: "", true: "x"}[after]; got != want {
			t.Errorf("point %d: after the crash f = %q, want %q", point, got, want)
		}

		mustDo(t, f.Create("g"))
		d.ArmCrash(point)
		if !syncCrashes(t, f.SyncDir) {
			t.Fatalf("point %d: SyncDir did not crash", point)
		}
		d.Crash(NewRand(1), 0)
		if got, want := readOr(d, "g"), map[bool]string{false: "<missing>", true: ""}[after]; got != want {
			t.Errorf("point %d: after the crash g = %q, want %q", point, got, want)
		}

		d.ArmCrash(point)
		d.Crash(NewRand(1), 0) // a crash disarms
		if syncCrashes(t, f.SyncDir) {
			t.Errorf("point %d: an armed crash survived a crash", point)
		}
	}
}

// TestDiskFailSync: a failed sync reports ErrSyncFailed and makes nothing
// durable; the failure is one-shot.
func TestDiskFailSync(t *testing.T) {
	d := NewDisk()
	f := d.FS()
	mustDo(t, f.Create("f"), f.SyncDir(), f.Append("f", []byte("x")))
	d.failSync = true
	if err := f.Sync("f"); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("Sync = %v, want ErrSyncFailed", err)
	}
	d.Crash(NewRand(1), 0)
	if got := readOr(d, "f"); got != "" {
		t.Errorf("after a failed sync and a crash f = %q, want empty", got)
	}
	mustDo(t, f.Append("f", []byte("y")), f.Sync("f"))
	d.Crash(NewRand(1), 0)
	if got := readOr(d, "f"); got != "y" {
		t.Errorf("f = %q after a good sync, want %q", got, "y")
	}
}
