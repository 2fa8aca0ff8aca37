package raft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/detsim/detsim/sim"
)

// Storage persists a node's hard state and log on a sim.FS in the format
// storage_format.go describes.
type Storage struct {
	fs      sim.FS
	meta    metaRecord
	metaGen uint64
	metaLen int

	logFile, metaFile       string // current names, cached
	logFileGen, metaFileGen uint64
	buf                     []byte // reused encoding buffer
}

// metaRotateSize is when the meta file is replaced by a fresh one.
const metaRotateSize = 64 << 10

// Recovered is what OpenStorage found on disk.
type Recovered struct {
	HardState HardState
	// Snapshot is the newest durable snapshot, or nil; Entries follow it.
	Snapshot *Snapshot
	Entries  []Entry
	// DroppedTail: a torn or unacknowledged tail was found and dropped.
	DroppedTail bool
}

func logName(gen uint64) string  { return "log." + strconv.FormatUint(gen, 10) }
func metaName(gen uint64) string { return "meta." + strconv.FormatUint(gen, 10) }
func snapName(gen uint64) string { return "snap." + strconv.FormatUint(gen, 10) }

// OpenStorage recovers the state on fs, or starts empty storage if there is
// none. Damage to synced data is reported as an error wrapping ErrCorrupt: the
// node must not run on it.
func OpenStorage(fs sim.FS) (*Storage, Recovered, error) {
	s := &Storage{fs: fs}
	var rec Recovered
	names, err := fs.List()
	if err != nil {
		return nil, rec, err
	}
	metas := generations(names, "meta.")
	if len(metas) == 0 {
		s.meta = metaRecord{vote: None, logGen: 1}
		rec.HardState.Vote = None
		return s, rec, s.rewrite(nil, names)
	}
	meta, dirty, gen, err := s.readMeta(metas)
	if err != nil {
		return nil, rec, err
	}
	s.meta, s.metaGen = meta, gen
	data, err := fs.ReadFile(logName(meta.logGen))
	if err != nil && meta.logSize > 0 {
		return nil, rec, fmt.Errorf("%w: %s: %v", ErrCorrupt, logName(meta.logGen), err)
	}
	if uint64(len(data)) < meta.logSize {
		return nil, rec, fmt.Errorf("%w: %s has %d bytes, %d were synced", ErrCorrupt, logName(meta.logGen), len(data), meta.logSize)
	}
	snap, err := s.readSnapshot()
	if err != nil {
		return nil, rec, err
	}
	entries, err := parseLogAfter(data[:meta.logSize], meta.snapIndex)
	if err != nil {
		return nil, rec, fmt.Errorf("%w: %s: %v", ErrCorrupt, logName(meta.logGen), err)
	}
	if last := meta.snapIndex + uint64(len(entries)); last != meta.lastIndex {
		return nil, rec, fmt.Errorf("%w: %s ends at %d, meta says %d", ErrCorrupt, logName(meta.logGen), last, meta.lastIndex)
	}
	rec = Recovered{HardState: HardState{Term: meta.term, Vote: meta.vote}, Snapshot: snap, Entries: entries}
	rec.DroppedTail = dirty || uint64(len(data)) > meta.logSize
	if rec.DroppedTail || len(metas) > 1 || len(generations(names, "log.")) > 1 || len(generations(names, "snap.")) > snapFiles(meta) {
		// Never append after garbage: start clean files holding exactly what
		// is valid, then remove the old ones.
		if err := s.rewrite(entries, names); err != nil {
			return nil, rec, err
		}
	}
	return s, rec, nil
}

// readMeta reads the newest meta file. A newest file too short to hold one
// whole pair is a rotation or first start that a crash interrupted; the one
// before it is then the truth.
func (s *Storage) readMeta(gens []uint64) (metaRecord, bool, uint64, error) {
	for i := len(gens) - 1; i >= 0; i-- {
		name := metaName(gens[i])
		b, err := s.fs.ReadFile(name)
		if err != nil {
			return metaRecord{}, false, 0, err
		}
		last, found, dirty, err := parseMeta(b)
		if err != nil {
			return metaRecord{}, false, 0, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
		}
		if found {
			s.metaLen = len(b)
			return last, dirty, gens[i], nil
		}
		if len(b) >= metaPairSize {
			return metaRecord{}, false, 0, fmt.Errorf("%w: %s holds no valid record", ErrCorrupt, name)
		}
	}
	return metaRecord{vote: None, logGen: 1}, true, 0, nil
}

// snapFiles is how many snapshot files a clean disk holds for this record.
func snapFiles(m metaRecord) int {
	if m.snapGen == 0 {
		return 0
	}
	return 1
}

// readSnapshot reads the snapshot the meta record names, if any.
func (s *Storage) readSnapshot() (*Snapshot, error) {
	m := s.meta
	if m.snapGen == 0 {
		if m.snapIndex != 0 {
			return nil, fmt.Errorf("%w: meta names a snapshot at %d but no file", ErrCorrupt, m.snapIndex)
		}
		return nil, nil
	}
	name := snapName(m.snapGen)
	b, err := s.fs.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	snap, err := decodeSnapshot(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	if snap.Index != m.snapIndex || snap.Term != m.snapTerm {
		return nil, fmt.Errorf("%w: %s holds %d/t%d, meta says %d/t%d", ErrCorrupt, name, snap.Index, snap.Term, m.snapIndex, m.snapTerm)
	}
	return &snap, nil
}

// generations lists the numeric suffixes of files named prefix+N, ascending.
func generations(names []string, prefix string) []uint64 {
	var gens []uint64
	for _, n := range names {
		if g, err := strconv.ParseUint(strings.TrimPrefix(n, prefix), 10, 64); strings.HasPrefix(n, prefix) && err == nil {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens) // List sorts names as text: meta.10 before meta.9
	return gens
}

// rewrite writes entries into a fresh log generation and the current record
// into a fresh meta generation, durably, then removes every older file. A
// crash at any point leaves either the old files or the new ones in force.
func (s *Storage) rewrite(entries []Entry, old []string) error {
	s.meta.logGen++
	s.meta.logSize = 0
	s.meta.lastIndex = s.meta.snapIndex
	logFile := logName(s.meta.logGen)
	if err := s.fs.Create(logFile); err != nil {
		return err
	}
	if len(entries) > 0 {
		if err := s.appendLog(entries); err != nil {
			return err
		}
	}
	if err := s.newMeta(); err != nil {
		return err
	}
	for _, name := range old {
		keep := name == logFile || name == metaName(s.metaGen) || s.meta.snapGen != 0 && name == snapName(s.meta.snapGen)
		if !keep && (strings.HasPrefix(name, "log.") || strings.HasPrefix(name, "meta.") || strings.HasPrefix(name, "snap.")) {
			if err := s.fs.Remove(name); err != nil {
				return err
			}
		}
	}
	return s.fs.SyncDir()
}

// newMeta starts meta.<gen+1> holding the current record, durably.
func (s *Storage) newMeta() error {
	s.metaGen++
	name := metaName(s.metaGen)
	if err := s.fs.Create(name); err != nil {
		return err
	}
	s.metaLen = 0
	if err := s.appendMeta(); err != nil {
		return err
	}
	return s.fs.SyncDir()
}

func (s *Storage) appendLog(entries []Entry) error {
	s.buf = encodeLogFrame(s.buf[:0], entries)
	name := s.logName()
	if err := s.fs.Append(name, s.buf); err != nil {
		return err
	}
	if err := s.fs.Sync(name); err != nil {
		return err
	}
	s.meta.logSize += uint64(len(s.buf))
	s.meta.lastIndex = entries[len(entries)-1].Index
	return nil
}

func (s *Storage) appendMeta() error {
	s.meta.seq++
	s.buf = s.meta.encode(s.buf[:0])
	s.buf = append(s.buf, s.buf[:metaRecordSize]...) // the second copy
	name := s.metaName()
	if err := s.fs.Append(name, s.buf); err != nil {
		return err
	}
	s.metaLen += len(s.buf)
	return s.fs.Sync(name)
}

func (s *Storage) logName() string {
	if s.logFile == "" || s.logFileGen != s.meta.logGen {
		s.logFile, s.logFileGen = logName(s.meta.logGen), s.meta.logGen
	}
	return s.logFile
}

func (s *Storage) metaName() string {
	if s.metaFile == "" || s.metaFileGen != s.metaGen {
		s.metaFile, s.metaFileGen = metaName(s.metaGen), s.metaGen
	}
	return s.metaFile
}

// Save makes hs and entries durable: the log first, then the meta record that
// vouches for it. When Save returns, a crash cannot lose them.
func (s *Storage) Save(hs HardState, entries []Entry) error {
	if len(entries) > 0 {
		if err := s.appendLog(entries); err != nil {
			return err
		}
	}
	s.meta.term, s.meta.vote = hs.Term, hs.Vote
	if s.metaLen+metaPairSize > metaRotateSize {
		old := metaName(s.metaGen)
		if err := s.newMeta(); err != nil {
			return err
		}
		if err := s.fs.Remove(old); err != nil {
			return err
		}
		return s.fs.SyncDir()
	}
	return s.appendMeta()
}

// SaveSnapshot makes snap durable and drops the log through snap.Index,
// keeping entries (which must follow snap.Index) and hs. The snapshot file,
// the shortened log and the meta record that names both become durable
// together, at one directory sync: a crash before it leaves the old state
// in force, a crash after it the new one, never a mix.
func (s *Storage) SaveSnapshot(hs HardState, snap *Snapshot, entries []Entry) error {
	if snap.Index < s.meta.snapIndex {
		return fmt.Errorf("raft storage: snapshot at %d is older than the one at %d", snap.Index, s.meta.snapIndex)
	}
	if len(entries) > 0 && entries[0].Index != snap.Index+1 {
		return fmt.Errorf("raft storage: entries from %d do not follow a snapshot at %d", entries[0].Index, snap.Index)
	}
	names, err := s.fs.List()
	if err != nil {
		return err
	}
	gen := s.meta.snapGen + 1
	for _, g := range generations(names, "snap.") {
		gen = max(gen, g+1)
	}
	name := snapName(gen)
	if err := s.fs.Create(name); err != nil {
		return err
	}
	if err := s.fs.Append(name, encodeSnapshot(snap)); err != nil {
		return err
	}
	if err := s.fs.Sync(name); err != nil {
		return err
	}
	s.meta.term, s.meta.vote = hs.Term, hs.Vote
	s.meta.snapGen, s.meta.snapIndex, s.meta.snapTerm = gen, snap.Index, snap.Term
	return s.rewrite(entries, names)
}

// Size is the bytes of durable Raft state: the log and the hard state's
// record. Superseded records earlier in the meta file are not state (the
// file is replaced once it reaches metaRotateSize, 64 KiB), and counting
// them would make a service snapshot for the sake of garbage.
func (s *Storage) Size() int64 { return int64(s.meta.logSize) + metaPairSize }
