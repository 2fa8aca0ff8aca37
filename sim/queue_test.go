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

// TestQueuePopDropsMessage: a popped slot no longer holds its message, so
// delivered messages can be collected.
func TestQueuePopDropsMessage(t *testing.T) {
	var q queue
	q.push(event{at: 1, seq: 1, msg: []byte("a")})
	q.push(event{at: 2, seq: 2, msg: []byte("b")})
	q.pop()
	q.pop()
	if spare := q.items[:cap(q.items)]; spare[0].msg != nil || spare[1].msg != nil {
		t.Error("the queue keeps a reference to a popped message")
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
