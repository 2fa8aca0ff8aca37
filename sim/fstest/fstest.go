// Package fstest checks that an implementation of sim.FS honours its contract,
// as testing/fstest.TestFS does for io/fs. The same checks run against the
// simulated disk and against real files, so that code proven in simulation
// meets the same file system in production.
//
// The crash checks test only what both worlds promise. A simulated crash loses
// every unsynced byte and every directory change not followed by SyncDir; a
// real "crash" in a test (re-opening the directory) keeps everything. Both keep
// every synced byte of a file whose name was synced, keep a synced remove or
// rename, and keep of unsynced data at most a prefix of what was appended.
package fstest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/detsim/detsim/sim"
)

// Subject is one file system under test and the way to crash it.
type Subject struct {
	// FS is the file system under test. It must start empty.
	FS sim.FS
	// Crash simulates a power failure and returns the file system as the next
	// incarnation of the node sees it. The old FS is not used again.
	Crash func() (sim.FS, error)
}

// Check runs every check, each on a fresh empty Subject from open, and returns
// one error listing every problem it found, or nil.
func Check(open func() (Subject, error)) error {
	var problems []string
	for _, c := range checks {
		s, err := open()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: open: %v", c.name, err))
			continue
		}
		t := &tester{name: c.name, fs: s.FS, crashFS: s.Crash}
		c.run(t)
		problems = append(problems, t.problems...)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New("fstest found problems:\n\t" + strings.Join(problems, "\n\t"))
}

// checks lists every check in the order Check runs them.
var checks = []struct {
	name string
	run  func(t *tester)
}{
	{"empty", checkEmpty},
	{"create-append-read", checkCreateAppendRead},
	{"append-copies-input", checkAppendCopiesInput},
	{"read-returns-copy", checkReadReturnsCopy},
	{"create-replaces", checkCreateReplaces},
	{"sync", checkSync},
	{"rename", checkRename},
	{"rename-replaces", checkRenameReplaces},
	{"remove", checkRemove},
	{"list-sorted", checkListSorted},
	{"not-exist", checkNotExist},
	{"bad-names", checkBadNames},
	{"crash-keeps-synced", checkCrashKeepsSynced},
	{"crash-keeps-remove", checkCrashKeepsRemove},
	{"crash-keeps-rename", checkCrashKeepsRename},
	{"crash-unsynced-create", checkCrashUnsyncedCreate},
	{"crash-repeated", checkCrashRepeated},
}

// tester runs one check against one Subject and collects its problems.
type tester struct {
	name     string
	fs       sim.FS
	crashFS  func() (sim.FS, error)
	problems []string
	failed   bool // a step failed so badly that the check cannot go on
}

func (t *tester) errorf(format string, args ...any) {
	t.problems = append(t.problems, t.name+": "+fmt.Sprintf(format, args...))
}

// must records err as a problem of operation op and reports whether it was nil.
func (t *tester) must(op string, err error) bool {
	if err != nil {
		t.errorf("%s: %v", op, err)
		t.failed = true
		return false
	}
	return true
}

// crash crashes the subject and carries on with the FS it returns.
func (t *tester) crash() bool {
	if t.crashFS == nil {
		t.errorf("no Crash function")
		t.failed = true
		return false
	}
	fsys, err := t.crashFS()
	if !t.must("crash", err) {
		return false
	}
	t.fs = fsys
	return true
}

// create makes name and appends each chunk in turn.
func (t *tester) create(name string, chunks ...string) bool {
	if !t.must(fmt.Sprintf("Create(%q)", name), t.fs.Create(name)) {
		return false
	}
	return t.append(name, chunks...)
}

func (t *tester) append(name string, chunks ...string) bool {
	for _, c := range chunks {
		if !t.must(fmt.Sprintf("Append(%q, %q)", name, c), t.fs.Append(name, []byte(c))) {
			return false
		}
	}
	return true
}

func (t *tester) sync(name string) bool {
	return t.must(fmt.Sprintf("Sync(%q)", name), t.fs.Sync(name))
}

func (t *tester) syncDir() bool {
	return t.must("SyncDir()", t.fs.SyncDir())
}

// read returns name's contents, recording a failure as a problem.
func (t *tester) read(name string) (string, bool) {
	b, err := t.fs.ReadFile(name)
	if !t.must(fmt.Sprintf("ReadFile(%q)", name), err) {
		return "", false
	}
	return string(b), true
}

// expectContent checks that name holds exactly want.
func (t *tester) expectContent(name, want string) {
	got, ok := t.read(name)
	if ok && got != want {
		t.errorf("ReadFile(%q) = %q, want %q", name, got, want)
	}
}

// list returns the file names, recording a failure as a problem.
func (t *tester) list() ([]string, bool) {
	names, err := t.fs.List()
	if !t.must("List()", err) {
		return nil, false
	}
	return names, true
}

// expectList checks that List returns exactly want.
func (t *tester) expectList(want ...string) {
	got, ok := t.list()
	if ok && strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.errorf("List() = %q, want %q", got, want)
	}
}
