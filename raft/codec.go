package raft

import (
	"encoding/binary"
	"fmt"
)

// The wire format of a message, version 1:
//
//	'R' version type from to term logTerm index commit flags hint hintTerm n
//	n × (term entryType len data)   [MsgSnap only: len data]   crc32c
//
// Numbers are uvarints, node ids are id+1, entry indexes are implied
// (Index+1+i), and the CRC-32C covers everything before it.
const (
	WireTag     = 'R' // first byte of every Raft message; services use others
	wireVersion = 1
)

// AppendMessage encodes m onto b.
func AppendMessage(b []byte, m *Message) []byte {
	start := len(b)
	b = append(b, WireTag, wireVersion, byte(m.Type))
	b = appendNode(b, m.From)
	b = appendNode(b, m.To)
	for _, v := range [...]uint64{m.Term, m.LogTerm, m.Index, m.Commit} {
		b = binary.AppendUvarint(b, v)
	}
	var flags byte
	if m.Reject {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, m.Hint)
	b = binary.AppendUvarint(b, m.HintTerm)
	b = binary.AppendUvarint(b, uint64(len(m.Entries)))
	for i := range m.Entries {
		b = appendEntry(b, &m.Entries[i])
	}
	if m.Type == MsgSnap {
		var data []byte
		if m.Snapshot != nil {
			data = m.Snapshot.Data
		}
		b = binary.AppendUvarint(b, uint64(len(data)))
		b = append(b, data...)
	}
	return sealFrom(b, start)
}

// DecodeMessage parses a message. Any input yields a message or an error,
// never a panic. Entry data aliases b.
func DecodeMessage(b []byte) (Message, error) {
	body, err := openCRC(b)
	if err != nil {
		return Message{}, fmt.Errorf("raft message: %w", err)
	}
	d := decoder{b: body}
	if tag := d.byte(); tag != WireTag && d.err == nil {
		return Message{}, fmt.Errorf("raft message: bad tag %#x", tag)
	}
	if v := d.byte(); v != wireVersion && d.err == nil {
		return Message{}, fmt.Errorf("raft message: unsupported version %d", v)
	}
	var m Message
	m.Type = MsgType(d.byte())
	m.From, m.To = d.node(), d.node()
	m.Term, m.LogTerm, m.Index, m.Commit = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
	flags := d.byte()
	m.Reject = flags&1 != 0
	m.Hint, m.HintTerm = d.uvarint(), d.uvarint()
	n := d.uvarint()
	if d.err == nil && (m.Type == 0 || m.Type >= msgTypeEnd || flags > 1) {
		d.fail("bad type %d or flags %d", m.Type, flags)
	}
	if d.err == nil && n > uint64(len(d.b))/3 {
		d.fail("%d entries cannot fit in %d bytes", n, len(d.b))
	}
	if d.err == nil && n > 0 && m.Index > ^uint64(0)-n {
		d.fail("entry index overflow")
	}
	if d.err == nil && n > 0 {
		m.Entries = make([]Entry, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			m.Entries = append(m.Entries, d.entry(m.Index+1+i))
		}
	}
	if d.err == nil && m.Type == MsgSnap {
		m.Snapshot = &Snapshot{Index: m.Index, Term: m.LogTerm, Data: d.bytes(d.uvarint())}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return Message{}, fmt.Errorf("raft message: %w", d.err)
	}
	return m, nil
}

// DescribeMessage renders a wire message for traces.
func DescribeMessage(b []byte) string {
	m, err := DecodeMessage(b)
	if err != nil {
		return "undecodable: " + err.Error()
	}
	return m.String()
}
