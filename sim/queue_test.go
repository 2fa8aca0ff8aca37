package sim

import (
	"slices"
	"testing"
)

func TestQueueFIFOTies(t *testing.T) {
	var q queue
	seq := uint64(0)
	push := func(at int64, id uint64) {
		seq++
		q.push(event{at: at, seq: seq, id: id})
	}
	push(5, 1)
	push(3, 2)
	push(5, 3)
	push(3, 4)
	push(5, 5)
	push(0, 6)
	var got []uint64
	for q.len() > 0 {
		got = append(got, q.pop().id)
	}
	if want := []uint64{6, 2, 4, 1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

// TestQueueMatchesSort pushes and pops at random and checks every pop against
// a reference: a stable sort by time of everything pushed so far.
func TestQueueMatchesSort(t *testing.T) {
	for trial := range uint64(50) {
		r := NewRand(Key(11, trial))
		var q queue
		var ref []event // kept sorted by (at, seq)
		seq := uint64(0)
		for op := range 2000 {
			if q.len() != len(ref) {
				t.Fatalf("trial %d op %d: len %d, want %d", trial, op, q.len(), len(ref))
			}
			if len(ref) > 0 && r.Chance(400_000) {
				got, want := q.pop(), ref[0]
				ref = ref[1:]
				if got.at != want.at || got.seq != want.seq {
					t.Fatalf("trial %d op %d: popped (%d, %d), want (%d, %d)", trial, op, got.at, got.seq, want.at, want.seq)
				}
				continue
			}
			seq++
			e := event{at: r.Range(0, 20), seq: seq} // narrow times: many ties
			q.push(e)
			i, _ := slices.BinarySearchFunc(ref, e, func(a, b event) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			ref = slices.Insert(ref, i, e)
		}
		for len(ref) > 0 {
			if got := q.pop(); got.seq != ref[0].seq {
				t.Fatalf("trial %d drain: popped seq %d, want %d", trial, got.seq, ref[0].seq)
			}
			ref = ref[1:]
		}
	}
}

// TestMessageSlotsAreFreed: every message in flight sits in a slot of the
// side table; delivered, dropped and crash-discarded ones free theirs, so
// delivered messages can be collected and the table does not grow.
func TestMessageSlotsAreFreed(t *testing.T) {
	var nodes []Factory
	for range 3 {
		nodes = append(nodes, func(env Env) (Process, error) {
			p := &ticker{env: env, period: ms, send: true}
			env.SetTimer(0)
			return p, nil
		})
	}
	net := DefaultNet
	net.DupPPM, net.LossPPM = 200_000, 100_000
	w := New(Config{Seed: 9, Nodes: nodes, Net: net})
	w.Start()
	w.Schedule([]Fault{{At: at(50 * ms), Kind: FaultPause, Node: 1}, {At: at(80 * ms), Kind: FaultCrash, Node: 1},
		{At: at(90 * ms), Kind: FaultRestart, Node: 1}, {At: at(150 * ms), Kind: FaultCrash, Node: 2}})
	w.Run(at(300 * ms))
	inFlight := 0
	for i := range w.q.items {
		if w.q.items[i].kind == evDeliver {
			inFlight++
		}
	}
	live := 0
	for _, m := range w.msgs {
		if m != nil {
			live++
		}
	}
	if live != inFlight || len(w.msgs)-len(w.freeSlots) != inFlight {
		t.Fatalf("%d slots hold messages, %d free of %d, but %d deliveries are queued", live, len(w.freeSlots), len(w.msgs), inFlight)
	}
	if len(w.msgs) > 64 {
		t.Errorf("side table grew to %d slots for a handful in flight", len(w.msgs))
	}
}

// TestWorldOrdersTies: events a world queues for the same instant run in the
// order they were queued.
func TestWorldOrdersTies(t *testing.T) {
	w := New(Config{})
	var got []int
	for i := range 5 {
		w.At(10, func() { got = append(got, i) })
	}
	w.At(5, func() { got = append(got, -1) })
	w.Run(10)
	if want := []int{-1, 0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
}
