package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// The trace is one line per delivered message, timer, fault, node start or
// stop, and client event, each with its step, virtual time, node and the short
// running hash. The hash is fed the event's fields as numbers and a digest of
// each message, never rendered text, so a run pays for formatting only when
// someone asks for the trace.

const (
	tagLink uint64 = iota + 1
	tagNode
	tagDisk
	tagFault
)

// TraceKind is the kind of a trace line.
type TraceKind uint8

const (
	TraceDeliver TraceKind = iota + 1
	TraceTimer
	TraceFault
	TraceStart
	TraceStop
	TraceCall
	TraceReturn
	TraceNote
)

var traceKindNames = [...]string{"", "deliver", "timer", "fault", "start", "stop", "call", "return", "note"}

func (k TraceKind) String() string { return traceKindNames[k] }

// Checkpoint is the running hash after a given number of trace events; a replay
// that diverges can be told where, to within one interval.
type Checkpoint struct {
	Step uint64 `json:"step"`
	Hash string `json:"hash"`
}

// CheckpointEvery is how many trace events lie between checkpoints.
const CheckpointEvery = 1024

type tracer struct {
	hash        uint64
	steps       uint64
	out         io.Writer
	describe    func([]byte) string
	checkpoints []Checkpoint
	line        []byte
}

func (t *tracer) feed(x uint64) {
	h := (t.hash ^ x) * 0x9e3779b97f4a7c15
	t.hash = h ^ (h >> 29)
}

// record hashes one event and, if a trace is wanted, writes its line.
func (t *tracer) record(now int64, kind TraceKind, node, from int, value, digest uint64, detail func() string) {
	t.steps++
	t.feed(uint64(now))
	t.feed(uint64(kind)<<48 | uint64(uint16(node))<<16 | uint64(uint16(from)))
	t.feed(value)
	t.feed(digest)
	if t.steps%CheckpointEvery == 0 {
		t.checkpoints = append(t.checkpoints, Checkpoint{Step: t.steps, Hash: fmt.Sprintf("%016x", t.hash)})
	}
	if t.out == nil {
		return
	}
	b := t.line[:0]
	b = strconv.AppendUint(b, t.steps, 10)
	b = append(b, ' ')
	b = AppendTime(b, now)
	b = append(b, " n"...)
	b = strconv.AppendInt(b, int64(node), 10)
	b = append(b, ' ')
	b = append(b, kind.String()...)
	if detail != nil {
		b = append(b, ' ')
		b = append(b, detail()...)
	}
	b = append(b, " #"...)
	b = fmt.Appendf(b, "%08x", uint32(t.hash>>32))
	b = append(b, '\n')
	t.line = b
	t.out.Write(b)
}

// text writes lines to the trace, if one is wanted, outside its steps and
// its hash (a recovered panic's stack: its file paths and line numbers
// differ between builds of the same run).
func (t *tracer) text(s string) {
	if t.out != nil {
		io.WriteString(t.out, s+"\n")
	}
}

// AppendTime renders virtual nanoseconds (a Time, a Duration or a plain
// int64) as seconds with nine decimals, exactly.
func AppendTime[T ~int64](b []byte, t T) []byte {
	ns := int64(t)
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	frac := strconv.AppendInt(nil, ns%1e9, 10)
	for i := len(frac); i < 9; i++ {
		b = append(b, '0')
	}
	b = append(b, frac...)
	return append(b, 's')
}

// Digest is a fast 64-bit digest of a message for the trace hash.
func Digest(p []byte) uint64 {
	h := uint64(len(p)) * 0x9e3779b97f4a7c15
	for len(p) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(p)) * 0xff51afd7ed558ccd
		h ^= h >> 32
		p = p[8:]
	}
	for _, c := range p {
		h = (h ^ uint64(c)) * 0xc4ceb9fe1a85ec53
	}
	return mix64(h)
}
