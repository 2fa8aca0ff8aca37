package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestCrashDropsTimersAndMessages: a crash throws away the incarnation's
// timers and the messages in flight to it, even if it restarts before they
// are due; the restart is a new incarnation with its own random stream.
func TestCrashDropsTimersAndMessages(t *testing.T) {
	firstDraw := map[int]uint64{}
	h := newHarness(Config{Seed: 11, Net: fixedNet(20 * ms)}, 2, func(node int) script {
		if node == 0 {
			return atZero(func(p *probe) { p.env.Send(1, []byte("in flight")) })
		}
		return script{start: func(p *probe) error {
			firstDraw[p.inc] = p.env.Rand().Uint64()
			p.env.SetTimer(50 * ms)
			return nil
		}}
	})
	h.w.Schedule([]Fault{
		{At: at(10 * ms), Kind: FaultCrash, Node: 1},
		{At: at(15 * ms), Kind: FaultRestart, Node: 1},
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	// Only the second incarnation's own timer (set at 15ms) fires.
	got := h.inputs(1, "")
	if len(got) != 1 || got[0].kind != "timer" || got[0].inc != 2 || got[0].at != at(65*ms) {
		t.Errorf("node 1 got %v, want only incarnation 2's timer at 65ms", got)
	}
	if h.starts[1] != 2 {
		t.Errorf("node 1 started %d times, want 2", h.starts[1])
	}
	for inc := 1; inc <= 2; inc++ {
		want := NewRand(Key(11, tagNode, 1, uint64(inc))).Uint64()
		if firstDraw[inc] != want {
			t.Errorf("incarnation %d drew %#x first, want %#x from its keyed stream", inc, firstDraw[inc], want)
		}
	}
	if st := h.w.Stats; st.Crashes != 1 || st.Restarts != 1 || st.Dropped != 1 {
		t.Errorf("stats %+v, want 1 crash, 1 restart, 1 message dropped", st)
	}
}

// TestCrashedIncarnationIsInert: an Env kept by a crashed incarnation sends
// nothing, sets no timer and reports ErrCrashed from its disk.
func TestCrashedIncarnationIsInert(t *testing.T) {
	var old Env
	h := newHarness(Config{Seed: 12, Net: fixedNet(ms)}, 2, func(node int) script {
		if node != 0 {
			return script{}
		}
		return script{start: func(p *probe) error {
			if p.inc == 1 {
				old = p.env
			}
			return nil
		}}
	})
	h.w.Schedule([]Fault{{At: at(10 * ms), Kind: FaultCrash, Node: 0}, {At: at(20 * ms), Kind: FaultRestart, Node: 0}})
	h.w.At(at(30*ms), func() {
		old.Send(1, []byte("ghost"))
		old.SetTimer(ms)
		if err := old.FS().Create("f"); !IsCrash(err) {
			t.Errorf("Create from a crashed incarnation: %v, want ErrCrashed", err)
		}
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if len(h.log) != 0 || h.w.Stats.Sent != 0 {
		t.Errorf("a crashed incarnation acted: %v, stats %+v", h.log, h.w.Stats)
	}
}

// TestCrashLosesUnsyncedWrites: a crash keeps what was synced and nothing else.
func TestCrashLosesUnsyncedWrites(t *testing.T) {
	var seen []string
	h := newHarness(Config{Seed: 13}, 1, func(int) script {
		return script{start: func(p *probe) error {
			fsys := p.env.FS()
			b, err := fsys.ReadFile("log")
			if errors.Is(err, fs.ErrNotExist) {
				err = fsys.Create("log")
			}
			if err != nil {
				return err
			}
			seen = append(seen, string(b))
			for _, err := range []error{fsys.Append("log", []byte("synced;")), fsys.Sync("log"), fsys.SyncDir(), fsys.Append("log", []byte("lost;"))} {
				if err != nil {
					return err
				}
			}
			return nil
		}}
	})
	h.w.Schedule([]Fault{
		{At: at(10 * ms), Kind: FaultCrash, Node: 0}, {At: at(20 * ms), Kind: FaultRestart, Node: 0},
		{At: at(30 * ms), Kind: FaultCrash, Node: 0}, {At: at(40 * ms), Kind: FaultRestart, Node: 0},
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", "synced;", "synced;synced;"}; !slices.Equal(seen, want) {
		t.Errorf("incarnations read %q, want %q", seen, want)
	}
}

// TestPauseAndResume: a paused node's messages and timers wait; the rest of
// the world runs on; on resume everything overdue runs at once, at the resume
// time, in the order it came due.
func TestPauseAndResume(t *testing.T) {
	h := newHarness(Config{Seed: 14, Net: fixedNet(20 * ms)}, 2, func(node int) script {
		if node == 0 {
			return script{
				start: func(p *probe) error { p.env.SetTimer(0); p.env.SetTimer(60 * ms); return nil },
				timer: func(p *probe, id TimerID) error {
					p.env.Send(1, []byte(fmt.Sprint("tick ", id)))
					return nil
				},
			}
		}
		return script{start: func(p *probe) error {
			p.env.SetTimer(50 * ms)
			p.env.SetTimer(150 * ms)
			return nil
		}}
	})
	h.w.Schedule([]Fault{{At: at(10 * ms), Kind: FaultPause, Node: 1}, {At: at(100 * ms), Kind: FaultResume, Node: 1}})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range h.log {
		got = append(got, in.String())
	}
	want := []string{
		"0ms n0.1 timer 1",
		"60ms n0.1 timer 2",                 // node 0 runs on while node 1 is paused
		"100ms n1.1 msg from n0 \"tick 1\"", // due at 20ms
		"100ms n1.1 timer 1",                // due at 50ms
		"100ms n1.1 msg from n0 \"tick 2\"", // due at 80ms
		"150ms n1.1 timer 2",                // not overdue: on time
	}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h.w.Stats.Pauses != 1 {
		t.Errorf("Stats.Pauses = %d", h.w.Stats.Pauses)
	}
}

// TestCrashWhilePaused: a crash drops what a paused node was holding.
func TestCrashWhilePaused(t *testing.T) {
	h := newHarness(Config{Seed: 15, Net: fixedNet(ms)}, 1, func(int) script {
		return script{start: func(p *probe) error { p.env.SetTimer(20 * ms); return nil }}
	})
	h.w.Schedule([]Fault{
		{At: at(10 * ms), Kind: FaultPause, Node: 0},
		{At: at(30 * ms), Kind: FaultCrash, Node: 0},
		{At: at(40 * ms), Kind: FaultResume, Node: 0}, // no effect: the node is down
		{At: at(50 * ms), Kind: FaultRestart, Node: 0},
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	want := "70ms n0.2 timer 2"
	if len(h.log) != 1 || h.log[0].String() != want {
		t.Errorf("log %v, want only %q", h.log, want)
	}
}

var errFatal = errors.New("fatal")

// TestErrorStopsForGood: a process error stops the node: OnStop hears of it,
// nothing reaches it afterwards and a restart does not revive it.
func TestErrorStopsForGood(t *testing.T) {
	type stop struct {
		at   Time
		node int
		err  error
	}
	var stops []stop
	cfg := Config{Seed: 16, Net: fixedNet(ms), OnStop: func(at Time, node int, err error) { stops = append(stops, stop{at, node, err}) }}
	h := newHarness(cfg, 2, func(node int) script {
		if node == 0 {
			return script{
				start: func(p *probe) error { p.env.SetTimer(10 * ms); p.env.SetTimer(20 * ms); return nil },
				timer: func(*probe, TimerID) error { return errFatal },
			}
		}
		return chatter(2, 100*ms)(node)
	})
	h.w.Schedule([]Fault{{At: at(50 * ms), Kind: FaultRestart, Node: 0}})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if len(stops) != 1 || stops[0].at != at(10*ms) || stops[0].node != 0 || !errors.Is(stops[0].err, errFatal) {
		t.Errorf("OnStop calls %+v, want one for n0 at 10ms", stops)
	}
	for _, in := range h.inputs(0, "") {
		if in.at > at(10*ms) {
			t.Errorf("node 0 got %v after it stopped", in)
		}
	}
	if h.w.Status(0) != StatusStopped || !errors.Is(h.w.StopError(0), errFatal) || h.starts[0] != 1 {
		t.Errorf("node 0: status %v, error %v, %d starts", h.w.Status(0), h.w.StopError(0), h.starts[0])
	}
	if h.w.Stats.Stops != 1 {
		t.Errorf("Stats.Stops = %d", h.w.Stats.Stops)
	}
}

func TestFactoryErrorStops(t *testing.T) {
	h := newHarness(Config{Seed: 17}, 1, func(int) script {
		return script{start: func(*probe) error { return errFatal }}
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if h.w.Status(0) != StatusStopped || !errors.Is(h.w.StopError(0), errFatal) {
		t.Errorf("status %v, error %v", h.w.Status(0), h.w.StopError(0))
	}
}

func TestPanicResult(t *testing.T) {
	h := newHarness(Config{Seed: 18, Net: fixedNet(ms)}, 2, func(node int) script {
		if node == 0 {
			return atZero(func(p *probe) { p.env.Send(1, []byte("x")) })
		}
		return script{recv: func(*probe, int, []byte) error { panic("kaboom") }}
	})
	h.w.Start()
	res := h.w.Run(at(secs(1)))
	first, _, _ := strings.Cut(res.Panic, "\n")
	if !res.Failed() || !strings.HasPrefix(first, "panic on n1 at 0.001000000s in sim.TestPanicResult.") ||
		!strings.Contains(first, " (sim/lifecycle_test.go:") || !strings.HasSuffix(first, "): kaboom") {
		t.Errorf("result %+v, want a panic on n1 in the test's closure", res)
	}
}

// TestStalled: a flood of events at one instant ends the run as Stalled.
func TestStalled(t *testing.T) {
	h := newHarness(Config{Seed: 19, MaxSameTime: 1000}, 1, func(int) script {
		return script{
			start: func(p *probe) error { p.env.SetTimer(5 * ms); return nil },
			timer: func(p *probe, _ TimerID) error { p.env.SetTimer(0); return nil },
		}
	})
	h.w.Start()
	res := h.w.Run(at(secs(1)))
	if !res.Stalled || res.CapHit || res.Panic != "" || h.w.Now() != at(5*ms) {
		t.Errorf("result %+v at %dns, want Stalled at 5ms", res, h.w.Now())
	}
}

// TestCapHit: a run that reaches MaxEvents ends with CapHit.
func TestCapHit(t *testing.T) {
	h := newHarness(Config{Seed: 20, MaxEvents: 100}, 1, func(int) script {
		return script{
			start: func(p *probe) error { p.env.SetTimer(ms); return nil },
			timer: func(p *probe, _ TimerID) error { p.env.SetTimer(ms); return nil },
		}
	})
	h.w.Start()
	res := h.w.Run(at(secs(10)))
	if !res.CapHit || res.Stalled || len(h.log) != 100 {
		t.Errorf("result %+v after %d timers, want CapHit after 100", res, len(h.log))
	}
}

// TestCancelTimer: a canceled timer never fires; canceling a fired, unknown
// or zero timer does nothing.
func TestCancelTimer(t *testing.T) {
	h := newHarness(Config{Seed: 21}, 1, func(int) script {
		return script{
			start: func(p *probe) error {
				a := p.env.SetTimer(10 * ms)
				p.env.SetTimer(20 * ms)
				p.env.CancelTimer(a)
				p.env.CancelTimer(0)
				p.env.CancelTimer(99)
				return nil
			},
			timer: func(p *probe, id TimerID) error {
				p.env.CancelTimer(id) // already fired
				if id == 2 {
					p.env.SetTimer(5 * ms)
				}
				return nil
			},
		}
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range h.log {
		got = append(got, in.String())
	}
	if want := []string{"20ms n0.1 timer 2", "25ms n0.1 timer 3"}; !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
}

// TestCrashInStep: a crash armed at a sync strikes inside the step, before or
// after the sync takes effect, and the node comes back from its disk.
func TestCrashInStep(t *testing.T) {
	for _, before := range []bool{true, false} {
		var seen []string
		h := newHarness(Config{Seed: 22}, 1, func(int) script {
			return script{
				start: func(p *probe) error {
					fsys := p.env.FS()
					b, err := fsys.ReadFile("f")
					if errors.Is(err, fs.ErrNotExist) {
						if err := fsys.Create("f"); err != nil {
							return err
						}
						err = fsys.SyncDir()
					}
					seen = append(seen, string(b))
					p.env.SetTimer(10 * ms)
					return err
				},
				timer: func(p *probe, _ TimerID) error {
					if err := p.env.FS().Append("f", []byte("data")); err != nil {
						return err
					}
					return p.env.FS().Sync("f")
				},
			}
		})
		h.w.Schedule([]Fault{
			{At: at(5 * ms), Kind: FaultCrashSync, Node: 0, Before: before},
			{At: at(20 * ms), Kind: FaultRestart, Node: 0},
		})
		if err := h.run(secs(1)); err != nil {
			t.Fatal(err)
		}
		want := []string{"", "data"}
		if before {
			want = []string{"", ""}
		}
		if !slices.Equal(seen, want) {
			t.Errorf("before=%v: incarnations read %q, want %q", before, seen, want)
		}
		if h.w.Status(0) != StatusUp || h.starts[0] != 2 || h.w.Stats.Crashes != 1 {
			t.Errorf("before=%v: status %v, %d starts, %d crashes", before, h.w.Status(0), h.starts[0], h.w.Stats.Crashes)
		}
	}
}

// TestFailSyncStops: a failed sync reaches the process, which must stop.
func TestFailSyncStops(t *testing.T) {
	h := newHarness(Config{Seed: 23}, 1, func(int) script {
		return script{
			start: func(p *probe) error { p.env.SetTimer(10 * ms); return nil },
			timer: func(p *probe, _ TimerID) error { return p.env.FS().SyncDir() },
		}
	})
	h.w.Schedule([]Fault{{At: at(5 * ms), Kind: FaultFailSync, Node: 0}})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(h.w.StopError(0), ErrSyncFailed) {
		t.Errorf("StopError = %v, want ErrSyncFailed", h.w.StopError(0))
	}
}
