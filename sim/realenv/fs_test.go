package realenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/detsim/detsim/sim"
	"github.com/detsim/detsim/sim/fstest"
)

// TestDirFSConformance runs the FS conformance checks against real files. A
// crash closes every handle and opens the directory afresh, which keeps
// everything: the checks accept that, as they accept the simulated disk
// losing whatever was not durable.
func TestDirFSConformance(t *testing.T) {
	base := t.TempDir()
	var opened []*DirFS
	open := func() (fstest.Subject, error) {
		dir, err := os.MkdirTemp(base, "fs")
		if err != nil {
			return fstest.Subject{}, err
		}
		d, err := NewFS(dir)
		if err != nil {
			return fstest.Subject{}, err
		}
		opened = append(opened, d)
		crash := func() (sim.FS, error) {
			d.Close()
			d, err = NewFS(dir)
			opened = append(opened, d)
			return d, err
		}
		return fstest.Subject{FS: d, Crash: crash}, nil
	}
	err := fstest.Check(open)
	for _, d := range opened {
		d.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewFSCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	d, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Create("f"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
}

// TestListSkipsDirectories: a stray directory is not a file of the FS.
func TestListSkipsDirectories(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Create("f"); err != nil {
		t.Fatal(err)
	}
	names, err := d.List()
	if err != nil || len(names) != 1 || names[0] != "f" {
		t.Fatalf("List() = %q, %v; want [f]", names, err)
	}
}

// TestHandleCacheBound: appending to more files than the cache holds still
// works, and every file gets exactly its own bytes.
func TestHandleCacheBound(t *testing.T) {
	d, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const n = 3 * maxOpen
	for round := range 2 {
		for i := range n {
			name := fmt.Sprintf("f%03d", i)
			if round == 0 {
				if err := d.Create(name); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Append(name, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(d.open) > maxOpen {
		t.Errorf("%d handles open, want at most %d", len(d.open), maxOpen)
	}
	b, err := d.ReadFile("f001")
	if err != nil || len(b) != 2 || b[0] != 1 || b[1] != 1 {
		t.Errorf(`ReadFile("f001") = %v, %v; want [1 1]`, b, err)
	}
}

// TestExternalRemove: a file removed behind the FS's back is missing, even if
// a handle to it was cached.
func TestExternalRemove(t *testing.T) {
	dir := t.TempDir()
	d, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Create("f"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadFile("f"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile after external remove: %v, want fs.ErrNotExist", err)
	}
}
