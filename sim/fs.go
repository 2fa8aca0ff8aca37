package sim

import (
	"errors"
	"io/fs"
	"strings"
)

// FS is a node's disk: one flat directory of files. It is deliberately small
// so that a simulated and a real implementation can honour exactly the same
// contract, which the conformance test in fstest_test.go spells out:
//
//   - Appended data is durable only after Sync of that file.
//   - A created, renamed or removed name is durable only after SyncDir.
//   - A crash keeps exactly what was durable, except that the unsynced tail of a
//     file may survive in part (a torn write).
type FS interface {
	// Create makes an empty file, replacing any file of that name.
	Create(name string) error
	// Append adds p to the end of the file.
	Append(name string, p []byte) error
	// Sync makes the file's contents durable.
	Sync(name string) error
	// ReadFile returns a copy of the file's contents.
	ReadFile(name string) ([]byte, error)
	// Rename moves oldname to newname, replacing newname if it exists.
	Rename(oldname, newname string) error
	// Remove deletes the file.
	Remove(name string) error
	// SyncDir makes every create, rename and remove so far durable.
	SyncDir() error
	// List returns the names of the files, sorted.
	List() ([]string, error)
}

// ErrSyncFailed is returned by a sync that the disk could not complete. The
// data's fate is unknown afterwards, so a node must stop rather than retry
// (the lesson of "fsyncgate").
var ErrSyncFailed = errors.New("sync failed")

// ErrBadName is returned for a file name that is empty, too long or has a slash.
var ErrBadName = errors.New("bad file name")

// CheckName validates a file name for any FS implementation.
func CheckName(name string) error {
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return &fs.PathError{Op: "open", Path: name, Err: ErrBadName}
	}
	return nil
}

func notExist(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}
