package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The durable format, version 1. Two kinds of file live on a node's disk:
//
// log.<gen> holds frames appended one per Ready:
//
//	u32 length | version firstIndex n n×(term type len data) | crc32c
//
// A frame whose firstIndex is at or below the last index truncates the log
// there: the file is append-only and nothing rewrites it per append.
//
// meta.<gen> holds fixed 96-byte records, each written twice in a row (a
// pair) and synced after the log:
//
//	u32 length | version seq term vote logGen logSize lastIndex snapGen snapIndex snapTerm | crc32c | zero pad
//
// snap.<gen>, named by a record's snapGen (0: none), holds one frame: the
// service's state through snapIndex (whose term is snapTerm); the log then
// holds entries from snapIndex+1:
//
//	u32 length | version index term len(data) data | crc32c
//
// A record names how many bytes of which log file are durable and valid, so
// recovery can tell a torn, unacknowledged tail (beyond logSize: dropped) from
// damage to synced data (inside it: fatal). The two copies of a record sit in
// different 16-byte blocks, so damage to one block leaves one copy whole: a
// valid first copy with a broken second one at the very end is a torn write
// and safe to use; a broken first copy beside a valid second one, or any
// broken pair before the end, is damage.

// ErrCorrupt is wrapped by every error recovery returns for damaged storage.
var ErrCorrupt = errors.New("storage corrupt")

const (
	storageVersion = 1
	metaRecordSize = 96
	metaPairSize   = 2 * metaRecordSize
)

type metaRecord struct {
	seq       uint64
	term      uint64
	vote      int
	logGen    uint64
	logSize   uint64
	lastIndex uint64
	snapGen   uint64
	snapIndex uint64
	snapTerm  uint64
}

// encode appends the record's 64 bytes to dst.
func (m *metaRecord) encode(dst []byte) []byte {
	start := len(dst)
	b := append(dst, 0, 0, 0, 0, storageVersion)
	for _, v := range [...]uint64{m.seq, m.term} {
		b = binary.AppendUvarint(b, v)
	}
	b = appendNode(b, m.vote)
	for _, v := range [...]uint64{m.logGen, m.logSize, m.lastIndex, m.snapGen, m.snapIndex, m.snapTerm} {
		b = binary.AppendUvarint(b, v)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	b = sealFrom(b, start)
	for len(b)-start < metaRecordSize {
		b = append(b, 0)
	}
	return b
}

func decodeMetaRecord(b []byte) (metaRecord, error) {
	if len(b) < metaRecordSize {
		return metaRecord{}, errTruncated
	}
	n := binary.LittleEndian.Uint32(b)
	if n < 5 || n+4 > metaRecordSize {
		return metaRecord{}, fmt.Errorf("bad record length %d", n)
	}
	body, err := openCRC(b[:n+4])
	if err != nil {
		return metaRecord{}, err
	}
	d := decoder{b: body[4:]}
	if v := d.byte(); v != storageVersion && d.err == nil {
		return metaRecord{}, fmt.Errorf("unsupported version %d", v)
	}
	var m metaRecord
	m.seq, m.term = d.uvarint(), d.uvarint()
	m.vote = d.node()
	m.logGen, m.logSize, m.lastIndex = d.uvarint(), d.uvarint(), d.uvarint()
	m.snapGen, m.snapIndex, m.snapTerm = d.uvarint(), d.uvarint(), d.uvarint()
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return m, d.err
}

// parseMeta returns the last record of a meta file and whether its tail is
// dirty (a torn pair that must not be appended after).
func parseMeta(b []byte) (last metaRecord, found, dirty bool, err error) {
	for off := 0; off < len(b); off += metaPairSize {
		end := min(off+metaPairSize, len(b))
		a, errA := decodeMetaRecord(b[off:end])
		var errB error = errTruncated
		var c metaRecord
		if off+metaRecordSize < end {
			c, errB = decodeMetaRecord(b[off+metaRecordSize : end])
		}
		isTail := off+metaPairSize >= len(b)
		switch {
		case errA == nil && errB == nil && a == c:
		case errA == nil && errB == nil:
			return last, found, false, fmt.Errorf("pair %d: copies differ", off/metaPairSize)
		case errA == nil && isTail:
			dirty = end-off != metaPairSize || errB != nil
		case errA != nil && errB != nil && isTail && end-off < metaPairSize:
			return last, found, true, nil // torn before its second copy was whole
		default:
			return last, found, false, fmt.Errorf("pair %d: damaged (%v / %v)", off/metaPairSize, errA, errB)
		}
		if found && a.seq != last.seq+1 {
			return last, found, false, fmt.Errorf("pair %d: sequence %d after %d", off/metaPairSize, a.seq, last.seq)
		}
		last, found = a, true
	}
	return last, found, dirty, nil
}

// encodeLogFrame appends a frame holding entries to dst.
func encodeLogFrame(dst []byte, entries []Entry) []byte {
	start := len(dst)
	b := append(dst, 0, 0, 0, 0, storageVersion)
	b = binary.AppendUvarint(b, entries[0].Index)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for i := range entries {
		b = appendEntry(b, &entries[i])
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return sealFrom(b, start)
}

// parseLog replays the frames of b into a log that starts empty.
func parseLog(b []byte) ([]Entry, error) { return parseLogAfter(b, 0) }

// parseLogAfter replays the frames of b into a log whose first entry is
// base+1 (base is the snapshot's index).
func parseLogAfter(b []byte, base uint64) ([]Entry, error) {
	var entries []Entry
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return nil, fmt.Errorf("frame at %d: %w", off, errTruncated)
		}
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n < 5 || n > len(b)-off-4 {
			return nil, fmt.Errorf("frame at %d: bad length %d", off, n)
		}
		body, err := openCRC(b[off : off+n+4])
		if err != nil {
			return nil, fmt.Errorf("frame at %d: %w", off, err)
		}
		if entries, err = replayFrame(entries, base, body[4:]); err != nil {
			return nil, fmt.Errorf("frame at %d: %w", off, err)
		}
		off += n + 4
	}
	return entries, nil
}

func replayFrame(entries []Entry, base uint64, body []byte) ([]Entry, error) {
	d := decoder{b: body}
	if v := d.byte(); v != storageVersion && d.err == nil {
		return nil, fmt.Errorf("unsupported version %d", v)
	}
	first, n := d.uvarint(), d.uvarint()
	last := base + uint64(len(entries))
	if d.err == nil && (first <= base || first > last+1 || n == 0 || n > uint64(len(d.b))/3) {
		d.fail("frame of %d entries at %d does not follow a log ending at %d", n, first, last)
	}
	if d.err != nil {
		return nil, d.err
	}
	entries = entries[:first-base-1]
	for i := uint64(0); i < n && d.err == nil; i++ {
		entries = append(entries, d.entry(first+i))
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return entries, d.err
}

func encodeSnapshot(snap *Snapshot) []byte {
	b := []byte{0, 0, 0, 0, storageVersion}
	b = binary.AppendUvarint(b, snap.Index)
	b = binary.AppendUvarint(b, snap.Term)
	b = binary.AppendUvarint(b, uint64(len(snap.Data)))
	b = append(b, snap.Data...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return sealFrom(b, 0)
}

func decodeSnapshot(b []byte) (Snapshot, error) {
	if len(b) < 9 {
		return Snapshot{}, errTruncated
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n)+4 != uint64(len(b)) {
		return Snapshot{}, fmt.Errorf("length %d in a file of %d bytes", n, len(b))
	}
	body, err := openCRC(b)
	if err != nil {
		return Snapshot{}, err
	}
	d := decoder{b: body[4:]}
	if v := d.byte(); v != storageVersion && d.err == nil {
		return Snapshot{}, fmt.Errorf("unsupported version %d", v)
	}
	snap := Snapshot{Index: d.uvarint(), Term: d.uvarint()}
	snap.Data = d.bytes(d.uvarint())
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return snap, d.err
}
