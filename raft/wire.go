package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// decoder reads the varint fields of the wire and disk formats. Every read is
// bounds-checked; the first failure sticks, so callers check err once.
type decoder struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		if n < 0 {
			d.err = errors.New("varint overflow")
		}
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errTruncated
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// bytes returns the next n bytes, aliasing the input.
func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errTruncated
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

// node reads a node id, encoded as id+1 so that None is 0.
func (d *decoder) node() int {
	v := d.uvarint()
	if v > 1<<16 {
		d.fail("node id %d out of range", v)
		return None
	}
	return int(v) - 1
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func appendNode(b []byte, id int) []byte { return binary.AppendUvarint(b, uint64(id+1)) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealCRC appends the CRC-32C of b.
func sealCRC(b []byte) []byte { return sealFrom(b, 0) }

// sealFrom appends the CRC-32C of b[start:].
func sealFrom(b []byte, start int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// openCRC checks and strips the trailing CRC-32C.
func openCRC(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, errTruncated
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, errors.New("checksum mismatch")
	}
	return body, nil
}

// appendEntry encodes an entry without its index, which the context implies.
func appendEntry(b []byte, e *Entry) []byte {
	b = binary.AppendUvarint(b, e.Term)
	b = append(b, byte(e.Type))
	b = binary.AppendUvarint(b, uint64(len(e.Data)))
	return append(b, e.Data...)
}

func (d *decoder) entry(index uint64) Entry {
	e := Entry{Index: index, Term: d.uvarint()}
	e.Type = EntryType(d.byte())
	if e.Type > EntryNoop {
		d.fail("unknown entry type %d", e.Type)
	}
	e.Data = d.bytes(d.uvarint())
	return e
}
