package counter

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"sort"
)

// maxNodes bounds the cluster (servers and clients are node numbers).
const maxNodes = 64

// state is what a server keeps on disk, and what the primary sends its
// backups whole: the view it promised, the view and number of the last
// operation it stored, the counter and each client's last operation (so a
// retried request is answered, never applied twice).
type state struct {
	View      uint64 // the highest view this server has adopted
	StateView uint64 // the view whose primary wrote the state below
	OpNum     uint64 // operations applied to reach it
	Count     int64
	Clients   map[int]lastOp
}

type lastOp struct {
	Seq    uint64
	Result int64
}

// newer reports whether s holds a later state than t: states of one view
// are a sequence, and a later view's primary started from the newest.
func (s *state) newer(t *state) bool {
	return s.StateView > t.StateView || s.StateView == t.StateView && s.OpNum > t.OpNum
}

func (s *state) clone() state {
	c := *s
	c.Clients = make(map[int]lastOp, len(s.Clients))
	for _, id := range s.clientIDs() {
		c.Clients[id] = s.Clients[id]
	}
	return c
}

func (s *state) clientIDs() []int {
	ids := make([]int, 0, len(s.Clients))
	//detsim:allow map-range sorted just below
	for id := range s.Clients {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

const stateVersion = 1

var errBadState = errors.New("counter: malformed state")

// encode writes s as a version byte, varints (clients sorted by id) and a
// CRC-32 of everything before it.
func (s *state) encode(b []byte) []byte {
	start := len(b)
	b = append(b, stateVersion)
	b = binary.AppendUvarint(b, s.View)
	b = binary.AppendUvarint(b, s.StateView)
	b = binary.AppendUvarint(b, s.OpNum)
	b = binary.AppendVarint(b, s.Count)
	ids := s.clientIDs()
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
		b = binary.AppendUvarint(b, s.Clients[id].Seq)
		b = binary.AppendVarint(b, s.Clients[id].Result)
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// decodeState reads what encode wrote; anything else is an error.
func decodeState(p []byte) (state, error) {
	var s state
	if len(p) < 5 || crc32.ChecksumIEEE(p[:len(p)-4]) != binary.BigEndian.Uint32(p[len(p)-4:]) || p[0] != stateVersion {
		return s, errBadState
	}
	r := reader{p: p[1 : len(p)-4]}
	s.View, s.StateView, s.OpNum, s.Count = r.uvarint(), r.uvarint(), r.uvarint(), r.varint()
	n := r.uvarint()
	if n > maxNodes {
		return s, errBadState
	}
	s.Clients = make(map[int]lastOp, n)
	for i := uint64(0); i < n; i++ {
		id := r.uvarint()
		op := lastOp{Seq: r.uvarint(), Result: r.varint()}
		if _, dup := s.Clients[int(id)]; dup || id >= maxNodes {
			return s, errBadState
		}
		s.Clients[int(id)] = op
	}
	if r.bad || len(r.p) != 0 || s.StateView > s.View {
		return s, errBadState
	}
	return s, nil
}

// reader takes varints off a buffer; a short or overlong one sets bad.
type reader struct {
	p   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.bad, r.p = true, nil
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.p)
	if n <= 0 {
		r.bad, r.p = true, nil
		return 0
	}
	r.p = r.p[n:]
	return v
}
