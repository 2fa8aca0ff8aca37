package raft

import "fmt"

// raftLog is the in-memory log. Indexes start after a snapshot point
// (snapIndex, snapTerm), zero when there is no snapshot, so compaction can
// later drop a prefix without changing any index arithmetic.
type raftLog struct {
	snapIndex uint64
	snapTerm  uint64
	entries   []Entry // entries[i].Index == snapIndex+1+i
	stable    uint64  // entries up to here are persisted
}

func (l *raftLog) lastIndex() uint64 { return l.snapIndex + uint64(len(l.entries)) }

func (l *raftLog) lastTerm() uint64 {
	if len(l.entries) == 0 {
		return l.snapTerm
	}
	return l.entries[len(l.entries)-1].Term
}

// term returns the term of entry i; false if i is compacted or beyond the log.
func (l *raftLog) term(i uint64) (uint64, bool) {
	switch {
	case i == l.snapIndex:
		return l.snapTerm, true
	case i < l.snapIndex || i > l.lastIndex():
		return 0, false
	}
	return l.entries[i-l.snapIndex-1].Term, true
}

func (l *raftLog) matchTerm(i, term uint64) bool {
	t, ok := l.term(i)
	return ok && t == term
}

// isUpToDate is the election restriction (§5.4.1): a log ending in
// (index, term) is at least as up to date as ours.
func (l *raftLog) isUpToDate(index, term uint64) bool {
	last := l.lastTerm()
	return term > last || (term == last && index >= l.lastIndex())
}

// slice returns entries [lo, hi), lo > snapIndex, hi <= lastIndex+1. The result
// aliases the log; callers must not keep it past the next change.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi || lo <= l.snapIndex || hi > l.lastIndex()+1 {
		panic(fmt.Sprintf("raft: slice [%d,%d) out of log (%d,%d]", lo, hi, l.snapIndex, l.lastIndex()))
	}
	return l.entries[lo-l.snapIndex-1 : hi-l.snapIndex-1]
}

// append adds entries that directly follow the last one.
func (l *raftLog) append(ents ...Entry) {
	if len(ents) > 0 && ents[0].Index != l.lastIndex()+1 {
		panic(fmt.Sprintf("raft: append at %d after last %d", ents[0].Index, l.lastIndex()))
	}
	l.entries = append(l.entries, ents...)
}

// mergeFrom takes the entries of an AppendEntries. It truncates only at the
// first entry whose term conflicts; entries we already hold are kept as they
// are, so a stale or duplicated AppendEntries cannot cut acknowledged entries.
// It reports whether it truncated.
func (l *raftLog) mergeFrom(ents []Entry) (truncated bool) {
	for i, e := range ents {
		if e.Index <= l.snapIndex {
			continue
		}
		t, ok := l.term(e.Index)
		if ok && t == e.Term {
			continue
		}
		if ok {
			l.truncateFrom(e.Index)
		}
		l.append(cloneEntries(ents[i:])...)
		return ok
	}
	return false
}

// truncateFrom drops entries at index i and above.
func (l *raftLog) truncateFrom(i uint64) {
	l.entries = l.entries[:i-l.snapIndex-1]
	if l.stable >= i {
		l.stable = i - 1
	}
}

// firstIndexOfTerm returns the first index in the log, at or before i, whose
// term is the term of i (for the follower's conflict hint).
func (l *raftLog) firstIndexOfTerm(i uint64) uint64 {
	t, _ := l.term(i)
	for i > l.snapIndex+1 {
		if pt, _ := l.term(i - 1); pt != t {
			break
		}
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index holding term t, or 0 if none (for the
// leader's use of a conflict hint).
func (l *raftLog) lastIndexOfTerm(t uint64) uint64 {
	for i := len(l.entries) - 1; i >= 0; i-- {
		switch et := l.entries[i].Term; {
		case et == t:
			return l.entries[i].Index
		case et < t:
			return 0
		}
	}
	return 0
}

func (l *raftLog) unstable() []Entry {
	if l.stable >= l.lastIndex() {
		return nil
	}
	return l.slice(max(l.stable, l.snapIndex)+1, l.lastIndex()+1)
}

func cloneEntries(ents []Entry) []Entry {
	out := make([]Entry, len(ents))
	copy(out, ents)
	return out
}

// compact drops the log through index (whose entry has term), copying what
// remains so the dropped entries' memory can be freed.
func (l *raftLog) compact(index, term uint64) {
	rest := l.entries[index-l.snapIndex:]
	l.entries = append(make([]Entry, 0, len(rest)+16), rest...)
	l.snapIndex, l.snapTerm = index, term
	l.stable = max(l.stable, index)
}

// restore replaces the whole log by a snapshot point.
func (l *raftLog) restore(index, term uint64) {
	l.entries = nil
	l.snapIndex, l.snapTerm = index, term
	l.stable = index
}
