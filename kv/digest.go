//detsim:nomutate the file is the checker's digest of a replica's state: it
// steers nothing, and a mutant of it only blinds a check.

package kv

import (
	"math/bits"

	"github.com/detsim/detsim/sim"
)

// stateDigest is a digest of the store and the dedup table kept up to date
// in O(size of the change) per operation, so the checker can compare
// replicas after every applied index. It is a sum over keys (order does not
// matter) of a mix of the key and a polynomial hash of its value; a value's
// hash extends by an append without rereading the value.
type stateDigest struct {
	sum    uint64
	values map[string]valueHash
}

type valueHash struct {
	h uint64 // Σ v[i]·B^(n-1-i) mod P
	n int
}

const (
	digestP = 1<<61 - 1
	digestB = 1_000_003
)

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// 2^64 ≡ 2^3 (mod 2^61-1): fold the high word in.
	r := (lo & digestP) + (lo >> 61) + (hi << 3)
	for r >= digestP {
		r -= digestP
	}
	return r
}

func powMod(e int) uint64 {
	r, b := uint64(1), uint64(digestB)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulMod(r, b)
		}
		b = mulMod(b, b)
	}
	return r
}

func hashString(s string) valueHash {
	h := uint64(0)
	for i := 0; i < len(s); i++ {
		h = mulMod(h, digestB) + uint64(s[i]) + 1
		if h >= digestP {
			h -= digestP
		}
	}
	return valueHash{h: h, n: len(s)}
}

func (v valueHash) extend(s string) valueHash {
	t := hashString(s)
	h := mulMod(v.h, powMod(len(s))) + t.h
	if h >= digestP {
		h -= digestP
	}
	return valueHash{h: h, n: v.n + len(s)}
}

func keyTerm(key string, v valueHash) uint64 {
	return sim.Key(sim.Digest([]byte(key)), v.h, uint64(v.n))
}

func sessionTerm(client uint64, s session) uint64 {
	return sim.Key(client^0x5e55, s.seq, hashString(s.value).h)
}

func newStateDigest() stateDigest { return stateDigest{values: map[string]valueHash{}} }

// set records key's new value, given the hash of that value.
func (d *stateDigest) set(key string, v valueHash) {
	if old, ok := d.values[key]; ok {
		d.sum -= keyTerm(key, old)
	}
	d.values[key] = v
	d.sum += keyTerm(key, v)
}

// session records a client's new dedup entry, replacing old if it had one.
func (d *stateDigest) session(client uint64, old session, had bool, s session) {
	if had {
		d.sum -= sessionTerm(client, old)
	}
	d.sum += sessionTerm(client, s)
}

// rebuild recomputes the digest of a whole state (after a restore).
func rebuildDigest(store map[string]string, dedup map[uint64]session) stateDigest {
	d := newStateDigest()
	//detsim:allow map-range the digest is a sum: order cannot show
	for k, v := range store {
		d.set(k, hashString(v)) // a sum: map order does not matter
	}
	//detsim:allow map-range the digest is a sum: order cannot show
	for c, s := range dedup {
		d.session(c, session{}, false, s)
	}
	return d
}
