package counter

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The messages, each a tag byte then varints (and for the state-carrying
// ones, an encoded state).
const (
	tagRequest = 0xC1 // client → server: an operation
	tagReply   = 0xC2 // server → client: its result, or who leads
	tagStore   = 0xC3 // primary → backups: the state after an operation (also its heartbeat)
	tagAck     = 0xC4 // backup → primary: stored through an operation number
	tagChange  = 0xC5 // any → the next view's primary: my state, for a view change
)

// msg is every message's fields; each kind uses some of them.
type msg struct {
	tag    byte
	View   uint64
	OpNum  uint64
	Seq    uint64
	Kind   OpKind
	Delta  int64
	Result int64
	OK     bool  // a reply: Result holds; otherwise View names the view the server is in
	State  state // store and change
}

var errBadMessage = errors.New("counter: malformed message")

func (m *msg) encode() []byte {
	b := []byte{m.tag}
	switch m.tag {
	case tagRequest:
		b = binary.AppendUvarint(b, m.Seq)
		b = append(b, byte(m.Kind))
		b = binary.AppendVarint(b, m.Delta)
	case tagReply:
		ok := byte(0)
		if m.OK {
			ok = 1
		}
		b = binary.AppendUvarint(append(b, ok), m.Seq)
		b = binary.AppendVarint(b, m.Result)
		b = binary.AppendUvarint(b, m.View)
	case tagAck:
		b = binary.AppendUvarint(b, m.View)
		b = binary.AppendUvarint(b, m.OpNum)
	case tagStore, tagChange:
		b = binary.AppendUvarint(b, m.View)
		b = m.State.encode(b)
	}
	return b
}

// decode reads any bytes: a message, or an error, never a panic.
func decode(p []byte) (msg, error) {
	if len(p) == 0 {
		return msg{}, errBadMessage
	}
	m, r := msg{tag: p[0]}, reader{p: p[1:]}
	switch m.tag {
	case tagRequest:
		m.Seq = r.uvarint()
		if len(r.p) == 0 {
			return m, errBadMessage
		}
		m.Kind, r.p = OpKind(r.p[0]), r.p[1:]
		m.Delta = r.varint()
		if m.Kind != OpAdd && m.Kind != OpRead {
			return m, errBadMessage
		}
	case tagReply:
		if len(r.p) == 0 || r.p[0] > 1 {
			return m, errBadMessage
		}
		m.OK, r.p = r.p[0] == 1, r.p[1:]
		m.Seq, m.Result, m.View = r.uvarint(), r.varint(), r.uvarint()
	case tagAck:
		m.View, m.OpNum = r.uvarint(), r.uvarint()
	case tagStore, tagChange:
		m.View = r.uvarint()
		if r.bad {
			return m, errBadMessage
		}
		st, err := decodeState(r.p)
		if err != nil {
			return m, errBadMessage
		}
		m.State, r.p = st, nil
	default:
		return m, errBadMessage
	}
	if r.bad || len(r.p) != 0 {
		return m, errBadMessage
	}
	return m, nil
}

// Describe renders one of the counter's messages for a trace; false if the
// bytes are not one.
func Describe(p []byte) (string, bool) {
	m, err := decode(p)
	if err != nil {
		return "", false
	}
	switch m.tag {
	case tagRequest:
		return fmt.Sprintf("request seq=%d %s %d", m.Seq, m.Kind, m.Delta), true
	case tagReply:
		if !m.OK {
			return fmt.Sprintf("reply seq=%d not primary (view %d)", m.Seq, m.View), true
		}
		return fmt.Sprintf("reply seq=%d result=%d", m.Seq, m.Result), true
	case tagAck:
		return fmt.Sprintf("ack view=%d op=%d", m.View, m.OpNum), true
	case tagStore:
		return fmt.Sprintf("store view=%d op=%d count=%d", m.View, m.State.OpNum, m.State.Count), true
	}
	return fmt.Sprintf("view-change to %d: state of view %d op=%d count=%d", m.View, m.State.StateView, m.State.OpNum, m.State.Count), true
}
