package realenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/detsim/detsim/sim"
)

// maxOpen bounds the append handles DirFS keeps open.
const maxOpen = 64

// DirFS is a sim.FS over one real directory. It keeps the files it appends to
// open (with O_APPEND) until they are removed, replaced or closed. It is safe
// for concurrent use.
type DirFS struct {
	dir  string
	mu   sync.Mutex
	open map[string]*os.File
}

var _ sim.FS = (*DirFS)(nil)

// NewFS returns a DirFS over dir. A missing dir is created and made durable
// (its parent is synced).
func NewFS(dir string) (*DirFS, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := syncDir(filepath.Dir(filepath.Clean(dir))); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return &DirFS{dir: dir, open: map[string]*os.File{}}, nil
}

// Dir is the directory d works in.
func (d *DirFS) Dir() string { return d.dir }

// Close closes every file d holds open. d stays usable.
func (d *DirFS) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closeAll()
}

func (d *DirFS) closeAll() error {
	var errs []error
	for name, f := range d.open {
		errs = append(errs, f.Close())
		delete(d.open, name)
	}
	return errors.Join(errs...)
}

// forget closes the handle kept for name, if any.
func (d *DirFS) forget(name string) {
	if f, ok := d.open[name]; ok {
		f.Close()
		delete(d.open, name)
	}
}

// keep caches f as the append handle of name.
func (d *DirFS) keep(name string, f *os.File) {
	if len(d.open) >= maxOpen {
		d.closeAll()
	}
	d.open[name] = f
}

// handle returns an append handle for an existing file.
func (d *DirFS) handle(name string) (*os.File, error) {
	if err := sim.CheckName(name); err != nil {
		return nil, err
	}
	if f, ok := d.open[name]; ok {
		return f, nil
	}
	f, err := os.OpenFile(d.path(name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	d.keep(name, f)
	return f, nil
}

func (d *DirFS) path(name string) string { return filepath.Join(d.dir, name) }

// Create makes an empty file, truncating any file of that name.
func (d *DirFS) Create(name string) error {
	if err := sim.CheckName(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.forget(name)
	f, err := os.OpenFile(d.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	d.keep(name, f)
	return nil
}

// Append adds p to the end of the file.
func (d *DirFS) Append(name string, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.handle(name)
	if err != nil {
		return err
	}
	_, err = f.Write(p)
	return err
}

// Sync flushes the file's contents to stable storage (fsync).
func (d *DirFS) Sync(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.handle(name)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		// After a failed fsync the page cache may already have dropped the
		// dirty data: report it so the node stops rather than retries.
		return errors.Join(sim.ErrSyncFailed, err)
	}
	return nil
}

// ReadFile returns the file's contents.
func (d *DirFS) ReadFile(name string) ([]byte, error) {
	if err := sim.CheckName(name); err != nil {
		return nil, err
	}
	return os.ReadFile(d.path(name))
}

// Rename moves oldname to newname, replacing newname if it exists.
func (d *DirFS) Rename(oldname, newname string) error {
	if err := sim.CheckName(oldname); err != nil {
		return err
	}
	if err := sim.CheckName(newname); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.Rename(d.path(oldname), d.path(newname)); err != nil {
		return err
	}
	if oldname == newname {
		return nil
	}
	d.forget(newname) // its file is gone
	if f, ok := d.open[oldname]; ok {
		delete(d.open, oldname)
		d.open[newname] = f // the handle follows the file
	}
	return nil
}

// Remove deletes the file.
func (d *DirFS) Remove(name string) error {
	if err := sim.CheckName(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.forget(name)
	return os.Remove(d.path(name))
}

// SyncDir makes every create, rename and remove so far durable (fsync of the
// directory).
func (d *DirFS) SyncDir() error {
	if err := syncDir(d.dir); err != nil {
		return errors.Join(sim.ErrSyncFailed, err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// List returns the names of the regular files, sorted.
func (d *DirFS) List() ([]string, error) {
	entries, err := os.ReadDir(d.dir) // sorted by name
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
