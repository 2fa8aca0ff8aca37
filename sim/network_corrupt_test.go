package sim

import (
	"fmt"
	"slices"
	"testing"
)

// TestCorruption: a corrupted message arrives with exactly one bit flipped;
// the others arrive intact; a duplicate carries the same damage.
func TestCorruption(t *testing.T) {
	h := newHarness(Config{Seed: 8, Net: NetParams{MinLatency: ms, MaxLatency: ms, CorruptPPM: 250_000}}, 2, sender(1, 2000))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	got := h.inputs(1, "msg")
	if len(got) != 2000 {
		t.Fatalf("%d of 2000 delivered: corruption must not lose messages", len(got))
	}
	damaged := 0
	for i, in := range got {
		want := fmt.Sprint(i)
		if in.msg == want {
			continue
		}
		damaged++
		if bits := flippedBits([]byte(want), []byte(in.msg)); bits != 1 {
			t.Errorf("message %q arrived as %q: %d bits differ, want 1", want, in.msg, bits)
		}
	}
	if damaged < 400 || damaged > 600 {
		t.Errorf("corruption at 25%%: %d of 2000 damaged", damaged)
	}
	if h.w.Stats.Corrupted != uint64(damaged) {
		t.Errorf("Stats.Corrupted = %d, %d arrived damaged", h.w.Stats.Corrupted, damaged)
	}

	h = newHarness(Config{Seed: 8, Net: NetParams{MinLatency: ms, MaxLatency: ms, DupPPM: 1_000_000, CorruptPPM: 1_000_000}}, 2, sender(1, 300))
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, in := range h.inputs(1, "msg") {
		seen[in.msg]++
	}
	if st := h.w.Stats; st.Corrupted != 300 || st.Duplicated != 300 {
		t.Errorf("every message duplicated and corrupted: stats %+v", st)
	}
	for m, c := range seen {
		if c%2 != 0 {
			t.Errorf("%q arrived %d times: a duplicate and its original differ", m, c)
		}
	}
}

// TestCorruptionOffDrawsNothing: a network that never corrupts gives every
// message the fate it had before corruption existed (old seeds replay), and
// switching corruption on changes no message's loss, delay or duplication.
func TestCorruptionOffDrawsNothing(t *testing.T) {
	net := NetParams{MinLatency: ms, MaxLatency: 9 * ms, LossPPM: 200_000, DupPPM: 200_000, ReorderPPM: 100_000, ReorderMax: 50 * ms}
	fate := func(n NetParams) []string {
		h := newHarness(Config{Seed: 6, Net: n}, 2, sender(1, 300))
		if err := h.run(secs(1)); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, in := range h.inputs(1, "msg") {
			out = append(out, fmt.Sprint(in.at))
		}
		return out
	}
	plain := fate(net)
	net.CorruptPPM = 500_000
	if corrupt := fate(net); !slices.Equal(plain, corrupt) {
		t.Error("turning corruption on changed when messages land")
	}
}

func flippedBits(a, b []byte) int {
	if len(a) != len(b) {
		return -1
	}
	n := 0
	for i := range a {
		for x := a[i] ^ b[i]; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}
