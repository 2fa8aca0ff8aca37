package sim

import "time"

// Duration is a span of virtual time in nanoseconds. It is a plain integer:
// durations add, subtract and compare exactly, on every machine.
type Duration int64

// Units of virtual time.
const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
)

// String renders d compactly, as time.Duration does ("1.5s", "250ms", "2m0s"),
// computed with integers only.
func (d Duration) String() string { return time.Duration(d).String() }

// Time is an instant of virtual time: nanoseconds since the run began (a
// node's clock may be skewed from it).
type Time int64

// String renders t as the trace does: seconds with nine decimals ("1.500000000s").
func (t Time) String() string { return string(AppendTime(nil, t)) }

// Add is the instant d after t.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub is the span from u to t.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }
