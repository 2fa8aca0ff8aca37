package kv

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// A snapshot of the service: the store and the deduplication table, both
// sorted by key so that two replicas in the same state write the same bytes.
//
//	'S' 1 n × (len(key) key len(value) value)
//	      m × (client seq len(value) value)                 crc
//
// The dedup table travels with the store: without it, a request retried
// after an install or a restart would execute a second time.
const snapshotTag = 'S'

func encodeSnapshot(store map[string]string, dedup map[uint64]session) []byte {
	b := []byte{snapshotTag, version}
	keys := make([]string, 0, len(store))
	for k := range store {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(appendString(b, k), store[k])
	}
	clients := make([]uint64, 0, len(dedup))
	for c := range dedup {
		clients = append(clients, c)
	}
	slices.Sort(clients)
	b = binary.AppendUvarint(b, uint64(len(clients)))
	for _, c := range clients {
		sess := dedup[c]
		b = binary.AppendUvarint(b, c)
		b = binary.AppendUvarint(b, sess.seq)
		b = appendString(b, sess.value)
	}
	return seal(b, 0)
}

// decodeSnapshot parses a snapshot, strictly: keys in ascending order, no
// duplicates, nothing after the table.
func decodeSnapshot(b []byte) (map[string]string, map[uint64]session, error) {
	r, err := open(b, snapshotTag)
	if err != nil {
		return nil, nil, fmt.Errorf("kv snapshot: %w", err)
	}
	store := map[string]string{}
	n := r.count()
	prev := ""
	for i := uint64(0); i < n && r.err == nil; i++ {
		k, v := r.str(MaxKeyLen), r.str(math.MaxInt32)
		if r.err == nil && (k == "" || i > 0 && k <= prev) {
			r.err = fmt.Errorf("key %q out of order", k)
		}
		store[k], prev = v, k
	}
	dedup := map[uint64]session{}
	m := r.count()
	for i, last := uint64(0), uint64(0); i < m && r.err == nil; i++ {
		c, seq, v := r.uvarint(), r.uvarint(), r.str(math.MaxInt32)
		if r.err == nil && i > 0 && c <= last {
			r.err = fmt.Errorf("client %d out of order", c)
		}
		dedup[c], last = session{seq: seq, value: v}, c
	}
	if err := r.done(); err != nil {
		return nil, nil, fmt.Errorf("kv snapshot: %w", err)
	}
	return store, dedup, nil
}

// count reads a number of records, each at least two bytes long.
func (r *reader) count() uint64 {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b))/2 {
		r.err = fmt.Errorf("%d records cannot fit in %d bytes", n, len(r.b))
	}
	return n
}
