package checker

// window holds one value per log index, from base+1 on. Indexes at or below
// base were dropped once every node had a snapshot past them, so a long run's
// checker state stays as small as the nodes' own.
type window[T comparable] struct {
	base  uint64
	items []T
}

// last is the highest index the window can hold without growing.
func (w *window[T]) last() uint64 { return w.base + uint64(len(w.items)) }

// get returns the value at index i; false if i was dropped or never set.
func (w *window[T]) get(i uint64) (T, bool) {
	var zero T
	if i <= w.base || i > w.last() {
		return zero, false
	}
	v := w.items[i-w.base-1]
	return v, v != zero
}

// set stores v at index i (above base), growing with zero values.
func (w *window[T]) set(i uint64, v T) {
	if i <= w.base {
		return
	}
	var zero T
	for w.last() < i {
		w.items = append(w.items, zero)
	}
	w.items[i-w.base-1] = v
}

// dropTo forgets indexes at or below b. It copies once the dead prefix is at
// least as long as what remains, so memory is freed at amortized O(1).
func (w *window[T]) dropTo(b uint64) {
	if b <= w.base {
		return
	}
	n := min(b-w.base, uint64(len(w.items)))
	if n*2 >= uint64(len(w.items)) {
		w.items = append([]T(nil), w.items[n:]...)
		w.base = b
		return
	}
	// Cheap drop: keep the prefix in the array until the next copy, but
	// never report it.
	clear(w.items[:n])
	w.items = w.items[n:]
	w.base = b
}
