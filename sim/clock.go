package sim

import "math/bits"

// Clock is a node's view of time: local = virtual + Skew + virtual·DriftPPM/10⁶.
// Drift is bounded to ±10% so that scaling cannot overflow for runs shorter than
// a virtual day.
type Clock struct {
	SkewNs   Duration `json:"skew_ns,omitempty"`
	DriftPPM int32    `json:"drift_ppm,omitempty"`
}

// MaxDriftPPM bounds Clock.DriftPPM.
const MaxDriftPPM = 100_000

func (c Clock) local(t int64) int64 {
	if c.DriftPPM == 0 {
		return t + int64(c.SkewNs)
	}
	return t + int64(c.SkewNs) + scale(t, int64(c.DriftPPM), 1_000_000)
}

// globalDuration converts a duration of this clock into virtual time: a fast
// clock (positive drift) reaches its deadline sooner.
func (c Clock) globalDuration(d int64) int64 {
	if c.DriftPPM == 0 {
		return d
	}
	return scale(d, 1_000_000, 1_000_000+int64(c.DriftPPM))
}

// scale returns v·num/den using a 128-bit intermediate; v ≥ 0 and den > 0 except
// that num may be negative.
func scale(v, num, den int64) int64 {
	neg := (v < 0) != (num < 0)
	hi, lo := bits.Mul64(uint64(abs64(v)), uint64(abs64(num)))
	if hi >= uint64(den) {
		panic("sim: clock scale overflow")
	}
	q, _ := bits.Div64(hi, lo, uint64(den))
	if neg {
		return -int64(q)
	}
	return int64(q)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
