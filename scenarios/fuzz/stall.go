package fuzz

import "time"

// staller fires when no run has finished for its duration (0: never).
type staller struct {
	t *time.Timer
	d time.Duration
}

func newStaller(d time.Duration) *staller {
	s := &staller{d: d}
	if d > 0 {
		s.t = time.NewTimer(d)
	}
	return s
}

// c is the channel that fires, nil (never ready) without a duration.
func (s *staller) c() <-chan time.Time {
	if s.t == nil {
		return nil
	}
	return s.t.C
}

// reset restarts the wait: a run just finished.
func (s *staller) reset() {
	if s.t != nil {
		s.t.Reset(s.d)
	}
}

func (s *staller) stop() {
	if s.t != nil {
		s.t.Stop()
	}
}
