package sim

import "testing"

func TestClockLocal(t *testing.T) {
	for _, tc := range []struct {
		c       Clock
		at, now Duration // since the run began
	}{
		{Clock{}, secs(1), secs(1)},
		{Clock{SkewNs: secs(5)}, secs(1), secs(6)},
		{Clock{DriftPPM: 100_000}, secs(1), 1_100 * ms},
		{Clock{DriftPPM: -100_000, SkewNs: -1}, secs(2), 1_800*ms - 1},
		{Clock{DriftPPM: 1}, secs(1), secs(1) + 1_000},
		{Clock{DriftPPM: MaxDriftPPM}, secs(86_400), secs(95_040)}, // a virtual day at the bound
	} {
		if got := Duration(tc.c.local(int64(tc.at))); got != tc.now {
			t.Errorf("%+v.local(%d) = %d, want %d", tc.c, tc.at, got, tc.now)
		}
	}
}

func TestClockGlobalDuration(t *testing.T) {
	for _, tc := range []struct {
		c        Clock
		d, close Duration
	}{
		{Clock{SkewNs: secs(3)}, 100 * ms, 100 * ms}, // skew does not stretch time
		{Clock{DriftPPM: 100_000}, 110 * ms, 100 * ms},
		{Clock{DriftPPM: -100_000}, 90 * ms, 100 * ms},
	} {
		if got := Duration(tc.c.globalDuration(int64(tc.d))); got < tc.close-1 || got > tc.close+1 {
			t.Errorf("%+v.globalDuration(%d) = %d, want %d", tc.c, tc.d, got, tc.close)
		}
	}
}

// TestSkewAndDriftInWorld: Env.Now shows each node its own clock, and a timer
// runs for its duration on that clock, wherever that puts it in virtual time.
func TestSkewAndDriftInWorld(t *testing.T) {
	clocks := []Clock{{}, {SkewNs: secs(5)}, {DriftPPM: 100_000}, {DriftPPM: -100_000, SkewNs: -secs(2)}}
	started := make([]Time, len(clocks))
	h := newHarness(Config{Seed: 24, Clocks: clocks}, len(clocks), func(int) script {
		return script{
			start: func(p *probe) error {
				started[p.node] = p.env.Now()
				p.env.SetTimer(100 * ms)
				return nil
			},
			timer: func(p *probe, id TimerID) error {
				if id == 1 {
					p.env.SetTimer(100 * ms)
				}
				return nil
			},
		}
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	wantStart := []Time{0, Time(secs(5)), 0, Time(-secs(2))}
	wantFire := []Time{Time(100 * ms), Time(100 * ms), 90_909_090, 111_111_111} // virtual time of the first firing
	for i := range clocks {
		if started[i] != wantStart[i] {
			t.Errorf("n%d: Now at start = %d, want %d", i, started[i], wantStart[i])
		}
		fired := h.inputs(i, "timer")
		if len(fired) != 2 {
			t.Fatalf("n%d: %d timers fired, want 2", i, len(fired))
		}
		if fired[0].at != wantFire[i] {
			t.Errorf("n%d: timer fired at virtual %d, want %d", i, fired[0].at, wantFire[i])
		}
		for j, in := range fired {
			elapsed := in.local.Sub(started[i]) - Duration(j)*100*ms
			prev := started[i]
			if j > 0 {
				prev = fired[j-1].local
			}
			if d := in.local.Sub(prev); d < 100*ms-2 || d > 100*ms+2 {
				t.Errorf("n%d: timer %d ran %dns on the node's clock (%d in all), want 100ms", i, j+1, d, elapsed)
			}
		}
	}
}
