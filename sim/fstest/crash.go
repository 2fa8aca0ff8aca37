package fstest

import (
	"fmt"
	"slices"
	"strings"
)

// The crash checks: what must survive a power failure on any implementation.

// expectSurvivor checks a file after a crash: it exists, starts with every byte
// that was synced and holds nothing but a prefix of what was appended. It
// returns what it read.
func (t *tester) expectSurvivor(name, synced, appended string) (string, bool) {
	got, ok := t.read(name)
	if !ok {
		return "", false
	}
	if !strings.HasPrefix(got, synced) {
		t.errorf("after a crash %q = %q, lost synced data: want a prefix %q", name, got, synced)
		return got, false
	}
	if !strings.HasPrefix(appended, got) {
		t.errorf("after a crash %q = %q, which is not a prefix of what was appended, %q", name, got, appended)
		return got, false
	}
	return got, true
}

// expectNames checks after a crash that List is sorted, holds every name in
// must and nothing outside must and may.
func (t *tester) expectNames(must, may []string) {
	names, ok := t.list()
	if !ok {
		return
	}
	if !slices.IsSorted(names) {
		t.errorf("after a crash List() = %q, not sorted", names)
	}
	for _, name := range must {
		if !slices.Contains(names, name) {
			t.errorf("after a crash List() = %q, lost %q", names, name)
		}
	}
	for _, name := range names {
		if !slices.Contains(must, name) && !slices.Contains(may, name) {
			t.errorf("after a crash List() = %q, has unexpected %q", names, name)
		}
	}
}

// checkCrashKeepsSynced: synced bytes of a file whose name was synced survive;
// of the rest at most a prefix does.
func checkCrashKeepsSynced(t *tester) {
	if !t.create("log", "first") || !t.syncDir() || !t.sync("log") {
		return
	}
	if !t.append("log", " second", " third") || !t.sync("log") {
		return
	}
	if !t.append("log", " unsynced one", " unsynced two") {
		return
	}
	if !t.create("meta", "m1") || !t.sync("meta") || !t.syncDir() || !t.append("meta", "m2") {
		return
	}
	if !t.crash() {
		return
	}
	t.expectNames([]string{"log", "meta"}, nil)
	t.expectSurvivor("log", "first second third", "first second third unsynced one unsynced two")
	got, ok := t.expectSurvivor("meta", "m1", "m1m2")
	// The file stays usable: appends go after whatever survived.
	if ok && t.append("meta", "m3") && t.sync("meta") {
		t.expectContent("meta", got+"m3")
	}
}

// checkCrashKeepsRemove: a remove followed by SyncDir survives a crash.
func checkCrashKeepsRemove(t *tester) {
	if !t.create("gone", "data") || !t.sync("gone") || !t.create("kept", "k") || !t.sync("kept") || !t.syncDir() {
		return
	}
	if !t.must(`Remove("gone")`, t.fs.Remove("gone")) || !t.syncDir() {
		return
	}
	if !t.crash() {
		return
	}
	t.expectNames([]string{"kept"}, nil)
	t.expectNotExist("gone")
	t.expectContent("kept", "k")
}

// checkCrashKeepsRename: the atomic-replace idiom (write a temporary file, sync
// it, rename it over the target, sync the directory) survives a crash.
func checkCrashKeepsRename(t *tester) {
	if !t.create("state", "version 1") || !t.sync("state") || !t.syncDir() {
		return
	}
	if !t.create("state.tmp", "version 2") || !t.sync("state.tmp") {
		return
	}
	if !t.must(`Rename("state.tmp", "state")`, t.fs.Rename("state.tmp", "state")) || !t.syncDir() {
		return
	}
	if !t.create("moved", "payload") || !t.sync("moved") || !t.syncDir() {
		return
	}
	if !t.must(`Rename("moved", "arrived")`, t.fs.Rename("moved", "arrived")) || !t.syncDir() {
		return
	}
	if !t.crash() {
		return
	}
	t.expectNames([]string{"state", "arrived"}, nil)
	t.expectContent("state", "version 2")
	t.expectContent("arrived", "payload")
	t.expectNotExist("state.tmp")
	t.expectNotExist("moved")
}

// checkCrashUnsyncedCreate: a file whose name was never synced may or may not
// survive, but if it does it holds a prefix of what was appended; no name the
// node never made appears.
func checkCrashUnsyncedCreate(t *tester) {
	if !t.create("maybe", "contents") || !t.sync("maybe") {
		return
	}
	if !t.create("unsynced", "abc", "def") {
		return
	}
	if !t.crash() {
		return
	}
	t.expectNames(nil, []string{"maybe", "unsynced"})
	names, _ := t.list()
	if slices.Contains(names, "maybe") {
		t.expectSurvivor("maybe", "", "contents")
	}
	if slices.Contains(names, "unsynced") {
		t.expectSurvivor("unsynced", "", "abcdef")
	}
}

// checkCrashRepeated: several rounds of append, sync, append, crash; each
// round's synced data survives the later crashes too.
func checkCrashRepeated(t *tester) {
	if !t.create("wal") || !t.syncDir() {
		return
	}
	content := ""
	for round := range 5 {
		synced := content + fmt.Sprintf("[synced %d]", round)
		appended := synced + fmt.Sprintf("[unsynced %d]", round)
		if !t.append("wal", synced[len(content):]) || !t.sync("wal") || !t.append("wal", appended[len(synced):]) {
			return
		}
		if !t.crash() {
			return
		}
		got, ok := t.expectSurvivor("wal", synced, appended)
		if !ok {
			return
		}
		content = got
	}
	t.expectNames([]string{"wal"}, nil)
}
