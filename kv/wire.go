// Package kv is a replicated key/value service over raft: Get, Put and Append,
// linearizable (every operation, reads included, goes through the log), with
// at-most-once execution by client id and sequence number, and a clerk that
// finds the leader and retries the same request until it succeeds.
package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Kind is an operation.
type Kind uint8

const (
	Get Kind = iota + 1
	Put
	Append
)

func (k Kind) String() string {
	switch k {
	case Get:
		return "get"
	case Put:
		return "put"
	case Append:
		return "append"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Err is a reply's status.
type Err uint8

const (
	OK             Err = iota
	ErrWrongLeader     // this server cannot serve it: try another (Leader hints which)
	ErrTimeout         // it did not commit in time here: try again, maybe elsewhere
	ErrBadRequest      // malformed: empty key, oversized value, unknown operation
)

var errNames = [...]string{"OK", "ErrWrongLeader", "ErrTimeout", "ErrBadRequest"}

func (e Err) String() string {
	if int(e) < len(errNames) {
		return errNames[e]
	}
	return fmt.Sprintf("Err(%d)", uint8(e))
}

// Limits on a request.
const (
	MaxKeyLen   = 256
	MaxValueLen = 4096
)

// Op is one client operation, as a request and as a log entry.
type Op struct {
	Client uint64
	Seq    uint64
	Kind   Kind
	Key    string
	Value  string
}

// Validate reports why an operation cannot be served.
func (op *Op) Validate() error {
	switch {
	case op.Kind < Get || op.Kind > Append:
		return fmt.Errorf("unknown operation %d", op.Kind)
	case op.Key == "":
		return errors.New("empty key")
	case len(op.Key) > MaxKeyLen:
		return fmt.Errorf("key of %d bytes exceeds %d", len(op.Key), MaxKeyLen)
	case len(op.Value) > MaxValueLen:
		return fmt.Errorf("value of %d bytes exceeds %d", len(op.Value), MaxValueLen)
	case op.Kind == Get && op.Value != "":
		return errors.New("get with a value")
	}
	return nil
}

// Reply answers a request.
type Reply struct {
	Seq    uint64
	Err    Err
	Leader int // a hint, or -1
	Value  string
}

// Wire format, version 1, all numbers uvarints, each message sealed by a
// CRC-32C of what precedes it:
//
//	request: 'K' 1 client seq kind len(key) key len(value) value   crc
//	reply:   'k' 1 seq err leader+1 len(value) value                crc
//	entry:   'O' 1 client seq kind len(key) key len(value) value   crc
const (
	RequestTag = 'K'
	ReplyTag   = 'k'
	entryTag   = 'O'
	version    = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal appends the CRC-32C of b[start:], the message begun at start.
func seal(b []byte, start int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func open(b []byte, tag byte) (reader, error) {
	if len(b) < 6 {
		return reader{}, errors.New("truncated")
	}
	if b[0] != tag {
		return reader{}, fmt.Errorf("bad tag %#x", b[0])
	}
	if b[1] != version {
		return reader{}, fmt.Errorf("unsupported version %d", b[1])
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return reader{}, errors.New("checksum mismatch")
	}
	return reader{b: body[2:]}, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != uvarintLen(v) {
		r.err = errors.New("bad or non-minimal varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str(limit int) string {
	n := r.uvarint()
	if r.err == nil && (n > uint64(len(r.b)) || n > uint64(limit)) {
		r.err = fmt.Errorf("string of %d bytes", n)
	}
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return r.err
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendOp(b []byte, tag byte, op *Op) []byte {
	start := len(b)
	b = append(b, tag, version)
	b = binary.AppendUvarint(b, op.Client)
	b = binary.AppendUvarint(b, op.Seq)
	b = append(b, byte(op.Kind))
	b = appendString(b, op.Key)
	b = appendString(b, op.Value)
	return seal(b, start)
}

func decodeOp(b []byte, tag byte) (Op, error) {
	r, err := open(b, tag)
	if err != nil {
		return Op{}, err
	}
	var op Op
	op.Client, op.Seq = r.uvarint(), r.uvarint()
	if r.err == nil && len(r.b) > 0 {
		op.Kind = Kind(r.b[0])
		r.b = r.b[1:]
	}
	// Strings are bounded by the message alone, so that an oversized key or
	// value decodes and Validate can answer ErrBadRequest.
	op.Key = r.str(len(b))
	op.Value = r.str(len(b))
	return op, r.done()
}

// AppendRequest encodes a request.
func AppendRequest(b []byte, op *Op) []byte { return appendOp(b, RequestTag, op) }

// DecodeRequest parses a request; any bytes give an op or an error.
func DecodeRequest(b []byte) (Op, error) { return decodeOp(b, RequestTag) }

func appendEntry(b []byte, op *Op) []byte { return appendOp(b, entryTag, op) }

func decodeEntry(b []byte) (Op, error) { return decodeOp(b, entryTag) }

// AppendReply encodes a reply.
func AppendReply(b []byte, rep *Reply) []byte {
	start := len(b)
	b = append(b, ReplyTag, version)
	b = binary.AppendUvarint(b, rep.Seq)
	b = append(b, byte(rep.Err))
	b = binary.AppendUvarint(b, uint64(rep.Leader+1))
	b = appendString(b, rep.Value)
	return seal(b, start)
}

// DecodeReply parses a reply.
func DecodeReply(b []byte) (Reply, error) {
	r, err := open(b, ReplyTag)
	if err != nil {
		return Reply{}, err
	}
	var rep Reply
	rep.Seq = r.uvarint()
	if r.err == nil && len(r.b) > 0 {
		rep.Err = Err(r.b[0])
		r.b = r.b[1:]
	}
	leader := r.uvarint()
	if r.err == nil && (rep.Err > ErrBadRequest || leader > 1<<16) {
		r.err = fmt.Errorf("bad status %d or leader %d", rep.Err, leader)
	}
	rep.Leader = int(leader) - 1
	rep.Value = r.str(1 << 30)
	return rep, r.done()
}
