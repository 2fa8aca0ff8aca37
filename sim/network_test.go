package sim

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"
)

// sender scripts node 0 to send count messages "0", "1", ... to node to when
// it starts.
func sender(to, count int) func(int) script {
	return func(node int) script {
		if node != 0 {
			return script{}
		}
		return atZero(func(p *probe) {
			for i := range count {
				p.env.Send(to, []byte(fmt.Sprint(i)))
			}
		})
	}
}

// TestLatencyBounds: every message lands within [MinLatency, MaxLatency],
// and a link delivers in the order it was sent (jitter never reorders).
func TestLatencyBounds(t *testing.T) {
	h := newHarness(Config{Seed: 1, Net: NetParams{MinLatency: 1 * ms, MaxLatency: 5 * ms}}, 2, sender(1, 1000))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	got := h.inputs(1, "msg")
	if len(got) != 1000 {
		t.Fatalf("%d of 1000 messages delivered on a lossless network", len(got))
	}
	for i, in := range got {
		if in.msg != fmt.Sprint(i) {
			t.Fatalf("delivery %d is message %s: the link reordered without a reorder fault", i, in.msg)
		}
		if in.at < at(1*ms) || in.at > at(5*ms) {
			t.Fatalf("message %d landed at %d ns, outside [1ms, 5ms]", i, in.at)
		}
	}
	if last := got[len(got)-1].at; last < at(5*ms-50_000) {
		t.Errorf("the last of 1000 in-order messages landed at %d ns; jitter should reach 5ms", last)
	}
}

// secs converts seconds to virtual nanoseconds.
func secs(s float64) Duration { return Duration(s * 1e9) }

// TestFIFOWithoutReorder: with a fixed latency and no reordering, messages
// sent at one instant arrive in the order they were sent.
func TestFIFOWithoutReorder(t *testing.T) {
	h := newHarness(Config{Seed: 1, Net: fixedNet(2 * ms)}, 2, sender(1, 100))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	for i, in := range h.inputs(1, "msg") {
		if in.msg != fmt.Sprint(i) || in.at != at(2*ms) {
			t.Fatalf("delivery %d is %v", i, in)
		}
	}
}

func TestLoss(t *testing.T) {
	for _, tc := range []struct {
		ppm      uint32
		min, max int
	}{{0, 2000, 2000}, {250_000, 1400, 1600}, {1_000_000, 0, 0}} {
		h := newHarness(Config{Seed: 2, Net: NetParams{MinLatency: ms, MaxLatency: ms, LossPPM: tc.ppm}}, 2, sender(1, 2000))
		if err := h.run(secs(1)); err != nil {
			t.Fatal(err)
		}
		n := len(h.inputs(1, "msg"))
		if n < tc.min || n > tc.max {
			t.Errorf("loss %dppm: %d of 2000 delivered, want %d..%d", tc.ppm, n, tc.min, tc.max)
		}
		if st := h.w.Stats; st.Sent != 2000 || st.Delivered != uint64(n) || st.Dropped != uint64(2000-n) {
			t.Errorf("loss %dppm: stats %+v with %d delivered", tc.ppm, st, n)
		}
	}
}

// TestDuplication: a duplicate is the same read-only buffer delivered again.
func TestDuplication(t *testing.T) {
	var bufs []*byte
	scripts := func(node int) script {
		s := sender(1, 500)(node)
		s.recv = func(p *probe, from int, msg []byte) error {
			bufs = append(bufs, unsafe.SliceData(msg))
			return nil
		}
		return s
	}
	h := newHarness(Config{Seed: 3, Net: NetParams{MinLatency: ms, MaxLatency: 3 * ms, DupPPM: 1_000_000}}, 2, scripts)
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	buf := map[string]*byte{}
	for i, in := range h.inputs(1, "msg") {
		count[in.msg]++
		if prev, ok := buf[in.msg]; ok && prev != bufs[i] {
			t.Errorf("message %s: the duplicate is a different buffer", in.msg)
		}
		buf[in.msg] = bufs[i]
	}
	for i := range 500 {
		if c := count[fmt.Sprint(i)]; c != 2 {
			t.Errorf("message %d delivered %d times with duplication at 100%%", i, c)
		}
	}
	if h.w.Stats.Duplicated != 500 {
		t.Errorf("Stats.Duplicated = %d, want 500", h.w.Stats.Duplicated)
	}

	h = newHarness(Config{Seed: 3, Net: NetParams{MinLatency: ms, MaxLatency: ms, DupPPM: 300_000}}, 2, sender(1, 2000))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.inputs(1, "msg")); n < 2500 || n > 2700 {
		t.Errorf("duplication at 30%%: %d deliveries of 2000 messages", n)
	}
}

// TestReorder: a reordered message is held back by up to ReorderMax, so that
// later messages overtake it.
func TestReorder(t *testing.T) {
	net := NetParams{MinLatency: ms, MaxLatency: ms, ReorderPPM: 200_000, ReorderMax: 100 * ms}
	h := newHarness(Config{Seed: 4, Net: net}, 2, sender(1, 1000))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	got := h.inputs(1, "msg")
	if len(got) != 1000 {
		t.Fatalf("%d of 1000 delivered", len(got))
	}
	late := 0
	for _, in := range got {
		if in.at < at(ms) || in.at > at(101*ms) {
			t.Errorf("delivered at %dns, outside [1ms, 101ms]", in.at)
		}
		if in.at > at(ms) {
			late++
		}
	}
	if late < 150 || late > 250 || h.w.Stats.Reordered < 150 || h.w.Stats.Reordered > 250 {
		t.Errorf("%d held back (Stats.Reordered %d) of 1000 at 20%%", late, h.w.Stats.Reordered)
	}
	// The first message held back is overtaken by the next one.
	for i, in := range got {
		if in.msg != fmt.Sprint(i) {
			return
		}
	}
	t.Error("every message arrived in order despite reordering")
}

// TestSendCopies: the sender may reuse its buffer; sends to no node vanish.
func TestSendCopies(t *testing.T) {
	scripts := func(node int) script {
		if node != 0 {
			return script{}
		}
		return atZero(func(p *probe) {
			buf := []byte("original")
			p.env.Send(1, buf)
			copy(buf, "mutated!")
			p.env.Send(-1, buf)
			p.env.Send(2, buf)
		})
	}
	h := newHarness(Config{Seed: 5, Net: fixedNet(ms)}, 2, scripts)
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	got := h.inputs(1, "msg")
	if len(got) != 1 || got[0].msg != "original" || got[0].from != 0 {
		t.Errorf("deliveries %v, want one \"original\" from n0", got)
	}
}

// linkLog is what node 1 received from node 0, in order, with arrival times.
func linkLog(h *harness) []string {
	var out []string
	for _, in := range h.inputs(1, "msg") {
		if in.from == 0 {
			out = append(out, fmt.Sprintf("%d:%s", in.at, in.msg))
		}
	}
	return out
}

// TestFateIsKeyed: a message's fate depends only on (seed, sender, receiver,
// the link's message number): traffic on other links changes nothing on
// link 0→1, while another seed changes it.
func TestFateIsKeyed(t *testing.T) {
	net := NetParams{MinLatency: ms, MaxLatency: 9 * ms, LossPPM: 200_000, DupPPM: 200_000, ReorderPPM: 100_000, ReorderMax: 50 * ms}
	build := func(seed uint64, noise bool) []string {
		h := newHarness(Config{Seed: seed, Net: net}, 3, func(node int) script {
			return atZero(func(p *probe) {
				for i := range 300 {
					switch {
					case node == 0:
						p.env.Send(1, []byte(fmt.Sprint(i)))
						if noise {
							p.env.Send(2, []byte("noise"))
						}
					case node == 2 && noise:
						p.env.Send(0, []byte("noise"))
						p.env.Send(1, []byte("noise"))
					}
				}
			})
		})
		if err := h.run(secs(1)); err != nil {
			t.Fatal(err)
		}
		return linkLog(h)
	}
	quiet := build(6, false)
	if len(quiet) < 200 {
		t.Fatalf("only %d deliveries on link 0→1", len(quiet))
	}
	if again := build(6, false); !slices.Equal(quiet, again) {
		t.Error("the same seed gave link 0→1 a different fate")
	}
	if noisy := build(6, true); !slices.Equal(quiet, noisy) {
		t.Errorf("traffic on other links changed link 0→1:\nquiet %v\nnoisy %v", quiet[:5], noisy[:5])
	}
	if other := build(7, false); slices.Equal(quiet, other) {
		t.Error("another seed gave link 0→1 the same fate")
	}
}
