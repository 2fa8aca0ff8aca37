package sim

import (
	"math/bits"
	"math/rand/v2"
)

// Keys name random streams. A stream is derived from the run's seed and its key,
// never from the order streams were created, so that removing one fault or one
// node while shrinking leaves every other stream unchanged.

// mix64 is the SplitMix64 finalizer: a cheap bijection that spreads every input
// bit over the whole output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Key derives a key from a seed and a sequence of numbers.
func Key(seed uint64, parts ...uint64) uint64 {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	for _, p := range parts {
		h = mix64(h ^ p + 0x9e3779b97f4a7c15)
	}
	return h
}

// NameKey derives a key from a seed and a stream name (FNV-1a over the name).
func NameKey(seed uint64, name string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 0x100000001b3
	}
	return Key(seed, h)
}

// Rand is a seeded stream. It builds only on PCG's Uint64, whose output Go
// specifies, and derives bounded values itself, because math/rand/v2's
// convenience methods promise no stability across releases.
type Rand struct {
	pcg rand.PCG
}

// NewRand returns the stream for key.
func NewRand(key uint64) *Rand {
	r := &Rand{}
	r.Reset(key)
	return r
}

// Reset re-seeds r in place (no allocation) to the stream for key.
func (r *Rand) Reset(key uint64) {
	r.pcg.Seed(key, mix64(key^0x6a09e667f3bcc909))
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 { return r.pcg.Uint64() }

// Below returns a uniform value in [0, n); n must be positive. It uses Lemire's
// multiply-and-reject method, whose output is fixed by this code alone.
func (r *Rand) Below(n uint64) uint64 {
	if n == 0 {
		panic("sim: Rand.Below(0)")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Range returns a uniform value in [lo, hi]; it returns lo when hi <= lo.
func (r *Rand) Range(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.Below(uint64(hi-lo)+1))
}

// Duration returns a uniform span in [lo, hi]; it returns lo when hi <= lo.
// It draws exactly as Range does.
func (r *Rand) Duration(lo, hi Duration) Duration {
	return Duration(r.Range(int64(lo), int64(hi)))
}

// Chance reports true with probability ppm parts per million.
func (r *Rand) Chance(ppm uint32) bool {
	if ppm == 0 {
		return false
	}
	return r.Below(1_000_000) < uint64(ppm)
}

// Pick returns a uniform index into a collection of n elements.
func (r *Rand) Pick(n int) int { return int(r.Below(uint64(n))) }

// Shuffle permutes the first n positions with swap (Fisher–Yates).
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(r.Below(uint64(i)+1)))
	}
}
