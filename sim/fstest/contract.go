package fstest

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/detsim/detsim/sim"
)

// The checks of the running file system: what every call does between crashes.

func checkEmpty(t *tester) {
	t.expectList()
	t.must("SyncDir() on an empty FS", t.fs.SyncDir())
}

func checkCreateAppendRead(t *tester) {
	if !t.create("a") {
		return
	}
	t.expectContent("a", "")
	if !t.append("a", "hello", "", " world") {
		return
	}
	t.expectContent("a", "hello world")
	t.expectList("a")
}

// checkAppendCopiesInput: the caller may reuse its buffer once Append returns.
func checkAppendCopiesInput(t *tester) {
	if !t.create("a") {
		return
	}
	p := []byte("abc")
	if !t.must(`Append("a", "abc")`, t.fs.Append("a", p)) {
		return
	}
	copy(p, "xyz")
	t.expectContent("a", "abc")
}

// checkReadReturnsCopy: neither changing what ReadFile returned nor appending
// to the file afterwards changes the other.
func checkReadReturnsCopy(t *tester) {
	if !t.create("a", "abc") {
		return
	}
	b, err := t.fs.ReadFile("a")
	if !t.must(`ReadFile("a")`, err) {
		return
	}
	copy(b, "xyz")
	_ = append(b, "tail"...) // may write into spare capacity
	t.expectContent("a", "abc")
	if !t.append("a", "def") {
		return
	}
	if string(b) != "xyz" {
		t.errorf("a slice returned by ReadFile changed to %q after Append", b)
	}
	t.expectContent("a", "abcdef")
}

func checkCreateReplaces(t *tester) {
	if !t.create("a", "old contents") || !t.sync("a") {
		return
	}
	if !t.create("a") {
		return
	}
	t.expectContent("a", "")
	t.expectList("a")
	if t.append("a", "new") {
		t.expectContent("a", "new")
	}
}

func checkSync(t *tester) {
	if !t.create("a", "one") || !t.sync("a") {
		return
	}
	t.expectContent("a", "one")
	if !t.append("a", "two") || !t.sync("a") || !t.sync("a") || !t.syncDir() {
		return
	}
	t.expectContent("a", "onetwo")
}

func checkRename(t *tester) {
	if !t.create("x", "1") {
		return
	}
	if !t.must(`Rename("x", "y")`, t.fs.Rename("x", "y")) {
		return
	}
	t.expectContent("y", "1")
	t.expectNotExist("x")
	t.expectList("y")
	if !t.append("y", "2") {
		return
	}
	t.expectContent("y", "12")
	// Renaming a file to its own name changes nothing.
	if t.must(`Rename("y", "y")`, t.fs.Rename("y", "y")) {
		t.expectContent("y", "12")
		t.expectList("y")
	}
}

func checkRenameReplaces(t *tester) {
	if !t.create("new", "fresh") || !t.create("old", "stale") {
		return
	}
	if !t.must(`Rename("new", "old")`, t.fs.Rename("new", "old")) {
		return
	}
	t.expectContent("old", "fresh")
	t.expectNotExist("new")
	t.expectList("old")
	if t.append("old", "!") {
		t.expectContent("old", "fresh!")
	}
}

func checkRemove(t *tester) {
	if !t.create("a", "data") || !t.create("b") {
		return
	}
	if !t.must(`Remove("a")`, t.fs.Remove("a")) {
		return
	}
	t.expectNotExist("a")
	t.expectList("b")
	t.expectErrNotExist(`Remove("a") again`, t.fs.Remove("a"))
	if t.create("a") { // the name can be used again, and starts empty
		t.expectContent("a", "")
	}
}

func checkListSorted(t *tester) {
	for _, name := range []string{"b", "a", "c10", "c2", "B", "a.tmp"} {
		if !t.create(name) {
			return
		}
	}
	t.expectList("B", "a", "a.tmp", "b", "c10", "c2")
}

// checkNotExist: every call on a missing file fails with fs.ErrNotExist and
// creates nothing.
func checkNotExist(t *tester) {
	t.expectErrNotExist(`Append("missing")`, t.fs.Append("missing", []byte("x")))
	t.expectErrNotExist(`Sync("missing")`, t.fs.Sync("missing"))
	_, err := t.fs.ReadFile("missing")
	t.expectErrNotExist(`ReadFile("missing")`, err)
	t.expectErrNotExist(`Remove("missing")`, t.fs.Remove("missing"))
	t.expectErrNotExist(`Rename("missing", "x")`, t.fs.Rename("missing", "x"))
	t.expectList()
}

// badNames are names no implementation may accept.
var badNames = []string{"", ".", "..", "a/b", "../escape", `a\b`, "a\x00b", strings.Repeat("n", 256)}

// checkBadNames: Create and the target of Rename refuse a bad name with
// sim.ErrBadName; every other call fails somehow; nothing changes.
func checkBadNames(t *tester) {
	if !t.create("ok", "data") {
		return
	}
	for _, name := range badNames {
		t.expectBadName(fmt.Sprintf("Create(%q)", name), t.fs.Create(name))
		t.expectBadName(fmt.Sprintf("Rename(%q, %q)", "ok", name), t.fs.Rename("ok", name))
		t.expectError(fmt.Sprintf("Append(%q)", name), t.fs.Append(name, []byte("x")))
		t.expectError(fmt.Sprintf("Sync(%q)", name), t.fs.Sync(name))
		_, err := t.fs.ReadFile(name)
		t.expectError(fmt.Sprintf("ReadFile(%q)", name), err)
		t.expectError(fmt.Sprintf("Remove(%q)", name), t.fs.Remove(name))
		t.expectError(fmt.Sprintf("Rename(%q, %q)", name, "other"), t.fs.Rename(name, "other"))
	}
	t.expectList("ok")
	t.expectContent("ok", "data")
	long := strings.Repeat("n", 255) // the longest good name
	if t.create(long, "x") {
		t.expectContent(long, "x")
	}
}

func (t *tester) expectNotExist(name string) {
	_, err := t.fs.ReadFile(name)
	t.expectErrNotExist(fmt.Sprintf("ReadFile(%q)", name), err)
}

func (t *tester) expectErrNotExist(op string, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		t.errorf("%s: got error %v, want one matching fs.ErrNotExist", op, err)
	}
}

func (t *tester) expectBadName(op string, err error) {
	if !errors.Is(err, sim.ErrBadName) {
		t.errorf("%s: got error %v, want one matching sim.ErrBadName", op, err)
	}
}

func (t *tester) expectError(op string, err error) {
	if err == nil {
		t.errorf("%s: succeeded, want an error", op)
	}
}
