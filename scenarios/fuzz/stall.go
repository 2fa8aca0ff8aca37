package fuzz

import (
	"sync/atomic"
	"time"
)

// staller watches the workers' simulations: the campaign stalls when one
// has been simulating for longer than its duration (0: never). Only the
// simulation counts — the checks after it are bounded by their own budget
// (Porcupine's, and ten times it for a recheck), and a long one is no loop.
type staller struct {
	d    time.Duration
	tick *time.Ticker
	sims []atomic.Int64 // per worker: when its simulation started (Unix ns), 0 while none runs
}

func newStaller(d time.Duration, workers int) *staller {
	s := &staller{d: d, sims: make([]atomic.Int64, workers)}
	if d > 0 {
		s.tick = time.NewTicker(min(max(d/4, 10*time.Millisecond), time.Second))
	}
	return s
}

// c is the channel to look again on, nil (never ready) without a duration.
func (s *staller) c() <-chan time.Time {
	if s.tick == nil {
		return nil
	}
	return s.tick.C
}

// stuck reports whether a simulation has run for longer than the duration.
func (s *staller) stuck(now time.Time) bool {
	for i := range s.sims {
		if t := s.sims[i].Load(); t != 0 && now.UnixNano()-t > int64(s.d) {
			return true
		}
	}
	return false
}

func (s *staller) stop() {
	if s.tick != nil {
		s.tick.Stop()
	}
}
