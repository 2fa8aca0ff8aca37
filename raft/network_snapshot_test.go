package raft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// The snapshot half of the test harness (network_test.go): the service's
// state as snapshot data, the checks on persisting and restoring a snapshot,
// and the compact helper.

// encodeState encodes a service state (the entries applied, from index 1) as
// snapshot data: per entry its term, type and data; indexes are implied.
func encodeState(applied []Entry) []byte {
	var b []byte
	for _, e := range applied {
		b = binary.AppendUvarint(b, e.Term)
		b = append(b, byte(e.Type))
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	return b
}

var errBadState = errors.New("bad state encoding")

func decodeState(b []byte) ([]Entry, error) {
	var out []Entry
	for len(b) > 0 {
		term, n := binary.Uvarint(b)
		if n <= 0 || len(b) < n+1 {
			return nil, errBadState
		}
		typ := EntryType(b[n])
		b = b[n+1:]
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return nil, errBadState
		}
		data := bytes.Clone(b[n : n+int(size)])
		b = b[n+int(size):]
		out = append(out, Entry{Term: term, Index: uint64(len(out)) + 1, Type: typ, Data: data})
	}
	return out, nil
}

// snapshotState decodes s and checks it is exactly the committed prefix
// through s.Index, the last entry of term s.Term; it returns the state.
func (nw *network) snapshotState(id int, s *Snapshot) []Entry {
	t := nw.t
	t.Helper()
	if s == nil {
		t.Fatalf("n%d: no snapshot where one is due", id)
	}
	state, err := decodeState(s.Data)
	if err != nil || uint64(len(state)) != s.Index {
		t.Fatalf("n%d: snapshot at %d holds %d entries (%v)", id, s.Index, len(state), err)
	}
	for _, e := range state {
		c, ok := nw.commits[e.Index]
		if !ok || !sameEntry(c.e, e) {
			t.Fatalf("state machine safety: n%d has a snapshot at %d holding %d/t%d %q, committed was %+v (recorded %v)",
				id, s.Index, e.Index, e.Term, e.Data, c.e, ok)
		}
	}
	if s.Index > 0 && state[s.Index-1].Term != s.Term {
		t.Fatalf("n%d: snapshot at %d claims term %d, its last entry has %d", id, s.Index, s.Term, state[s.Index-1].Term)
	}
	return state
}

// persistSnapshot makes a Ready's snapshot durable, with its entries as the
// whole log after it.
func (nw *network) persistSnapshot(id int, rd Ready) {
	t, n, s := nw.t, nw.nodes[id], rd.Snapshot
	t.Helper()
	if s.Index <= n.snapIndex() {
		t.Fatalf("n%d: Ready persists a snapshot at %d over the durable one at %d", id, s.Index, n.snapIndex())
	}
	if len(rd.Entries) > 0 && rd.Entries[0].Index != s.Index+1 {
		t.Fatalf("n%d: the log after a snapshot at %d starts at %d", id, s.Index, rd.Entries[0].Index)
	}
	checkContiguous(t, id, rd.Entries)
	nw.snapshotState(id, s)
	n.snap, n.log = cloneSnapshot(s), cloneEntries(rd.Entries)
}

// restore hands a snapshot to the service, as the host does after sending
// and before applying anything after it.
func (nw *network) restore(id int, s *Snapshot) {
	t, n := nw.t, nw.nodes[id]
	t.Helper()
	if s.Index <= uint64(len(n.applied)) {
		t.Fatalf("n%d: restore of a snapshot at %d would roll back a state applied through %d", id, s.Index, len(n.applied))
	}
	if n.snapIndex() != s.Index {
		t.Fatalf("n%d: restores a snapshot at %d with %d durable", id, s.Index, n.snapIndex())
	}
	n.applied = nw.snapshotState(id, s)
	n.restores++
}

// compact has id's service snapshot its state now, through what it applied,
// as a service whose state grew large does between two steps.
func (nw *network) compact(id int) { nw.compactAt(id, uint64(len(nw.nodes[id].applied))) }

// compactAt snapshots id's service state through index (at most what it
// applied) and persists it.
func (nw *network) compactAt(id int, index uint64) {
	t, n := nw.t, nw.nodes[id]
	t.Helper()
	if applied := uint64(len(n.applied)); applied != n.r.Applied() || index > applied {
		t.Fatalf("n%d: compact at %d: service applied %d, core says %d", id, index, applied, n.r.Applied())
	}
	if err := n.r.Compact(index, encodeState(n.applied[:index])); err != nil {
		t.Fatalf("n%d: compact at %d: %v", id, index, err)
	}
	nw.flush(id)
	if n.snapIndex() != index && !n.down {
		t.Fatalf("n%d: snapshot at %d not persisted (durable: %d)", id, index, n.snapIndex())
	}
}

// heartbeat ticks the leader id until it sends heartbeats, then lets the
// network settle.
func (nw *network) heartbeat(id int) {
	for range nw.core(id).cfg.HeartbeatTicks {
		nw.tick(id)
	}
	nw.stabilize()
}

func checkContiguous(t testing.TB, id int, ents []Entry) {
	t.Helper()
	for i, e := range ents {
		if e.Index != ents[0].Index+uint64(i) {
			t.Fatalf("n%d: Ready entries not contiguous: %d at position %d from %d", id, e.Index, i, ents[0].Index)
		}
	}
}

// coreEntry returns entry i of a core's log; false if compacted or beyond.
func coreEntry(r *Raft, i uint64) (Entry, bool) {
	if i <= r.log.snapIndex || i > r.log.lastIndex() {
		return Entry{}, false
	}
	return r.log.entries[i-r.log.snapIndex-1], true
}

func cloneSnapshot(s *Snapshot) *Snapshot {
	if s == nil {
		return nil
	}
	return &Snapshot{Index: s.Index, Term: s.Term, Data: bytes.Clone(s.Data)}
}

// probeCount sums a probe over the nodes.
func (nw *network) probeCount(name string) int {
	n := 0
	for _, id := range nw.ids {
		n += nw.nodes[id].probes[name]
	}
	return n
}

func (n *testNode) String() string {
	return fmt.Sprintf("snap %d log (%d,%d] applied %d", n.snapIndex(), n.snapIndex(), n.lastIndex(), len(n.applied))
}

func (p crashPoint) String() string {
	return [...]string{"no crash", "crash before sync", "crash after sync"}[p]
}
