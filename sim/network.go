package sim

// NetParams is the network's behaviour. Latency is uniform in
// [MinLatency, MaxLatency], but a link delivers in order, as a TCP connection
// does: a message never overtakes an earlier one on its link because of
// jitter alone. Reordering is a fault: a reordered message (or a duplicate)
// is held back by up to ReorderMax more and later messages overtake it.
type NetParams struct {
	MinLatency Duration `json:"min_latency_ns"`
	MaxLatency Duration `json:"max_latency_ns"`
	LossPPM    uint32   `json:"loss_ppm,omitempty"`
	DupPPM     uint32   `json:"dup_ppm,omitempty"`
	ReorderPPM uint32   `json:"reorder_ppm,omitempty"`
	ReorderMax Duration `json:"reorder_max_ns,omitempty"`
	// CorruptPPM is the chance a message arrives with one bit flipped, as a
	// bad NIC or a buggy middlebox delivers it: what a checksum is for.
	CorruptPPM uint32 `json:"corrupt_ppm,omitempty"`
}

// Unreliable reports whether the network loses, duplicates, reorders or
// damages anything: the weather a final heal must calm.
func (p NetParams) Unreliable() bool {
	return p.LossPPM|p.DupPPM|p.ReorderPPM|p.CorruptPPM != 0
}

// DefaultNet is a calm LAN: 1–5 ms, nothing lost.
var DefaultNet = NetParams{MinLatency: 1 * Millisecond, MaxLatency: 5 * Millisecond, ReorderMax: 200 * Millisecond}

// network holds the links between n nodes.
type network struct {
	n       int
	params  NetParams
	blocked []bool   // [from*n+to]
	linkSeq []uint64 // messages sent so far on each link
	linkAt  []int64  // when the last in-order message on each link lands
}

func newNetwork(n int, p NetParams) network {
	return network{n: n, params: p, blocked: make([]bool, n*n), linkSeq: make([]uint64, n*n), linkAt: make([]int64, n*n)}
}

func (nw *network) setPartition(links [][2]int) {
	clear(nw.blocked)
	for _, l := range links {
		nw.blocked[l[0]*nw.n+l[1]] = true
	}
}

func (nw *network) isBlocked(from, to int) bool { return nw.blocked[from*nw.n+to] }

func (nw *network) anyBlocked() bool {
	for _, b := range nw.blocked {
		if b {
			return true
		}
	}
	return false
}

// send decides one message's fate from (seed, sender, receiver, that link's
// message number) alone, so that a change elsewhere in the run does not
// reshuffle it, and queues its deliveries.
func (w *World) send(from, to int, msg []byte) {
	nw := &w.net
	if to < 0 || to >= nw.n {
		return
	}
	link := from*nw.n + to
	seq := nw.linkSeq[link]
	nw.linkSeq[link]++
	w.Stats.Sent++
	if nw.blocked[link] {
		w.Stats.Dropped++
		return
	}
	var r Rand
	r.Reset(Key(w.seed, tagLink, uint64(from), uint64(to), seq))
	p := &nw.params
	if r.Chance(p.LossPPM) {
		w.Stats.Dropped++
		return
	}
	buf := w.copyMessage(msg) // the one copy: only corruption below writes to it
	// A message in flight is lost if its target crashes before it lands; one
	// sent while the target is down (or not yet started) reaches its next
	// incarnation, as a datagram would.
	target := w.nodes[to]
	inc := target.inc
	if target.status == StatusDown {
		inc++
	}
	ev := event{kind: evDeliver, node: int32(to), from: int16(from), inc: inc, id: w.holdMessage(buf)}
	d, reordered := w.delay(&r)
	ev.at = w.now + d
	if !reordered {
		ev.at = max(ev.at, nw.linkAt[link])
		nw.linkAt[link] = ev.at
	}
	w.push(ev)
	if r.Chance(p.DupPPM) {
		w.Stats.Duplicated++
		d, _ = w.delay(&r)
		ev.at = w.now + d + r.Range(0, int64(p.ReorderMax))
		ev.id = w.holdMessage(buf) // the same bytes, delivered twice
		w.push(ev)
	}
	// Drawn last, so that a network that never corrupts draws what it did
	// before corruption existed, and old seeds replay unchanged.
	if len(buf) > 0 && r.Chance(p.CorruptPPM) {
		w.Stats.Corrupted++
		buf[r.Pick(len(buf))] ^= 1 << r.Pick(8) // a duplicate carries the same damage
	}
}

func (w *World) delay(r *Rand) (d int64, reordered bool) {
	p := &w.net.params
	d = r.Range(int64(p.MinLatency), int64(p.MaxLatency))
	if r.Chance(p.ReorderPPM) {
		w.Stats.Reordered++
		return d + r.Range(0, int64(p.ReorderMax)), true
	}
	return d, false
}

// copyMessage copies msg into a slab shared with other messages: one
// allocation per 64 KiB of traffic instead of one per message. The capacity
// is capped so that nothing can append into a neighbour.
func (w *World) copyMessage(msg []byte) []byte {
	const slabSize = 64 << 10
	if len(msg) > slabSize/4 {
		return append([]byte(nil), msg...)
	}
	if cap(w.slab)-len(w.slab) < len(msg) {
		w.slab = make([]byte, 0, slabSize)
	}
	start := len(w.slab)
	w.slab = append(w.slab, msg...)
	return w.slab[start:len(w.slab):len(w.slab)]
}

// holdMessage parks a message in flight in a free slot of the side table.
func (w *World) holdMessage(buf []byte) uint64 {
	if n := len(w.freeSlots); n > 0 {
		slot := w.freeSlots[n-1]
		w.freeSlots = w.freeSlots[:n-1]
		w.msgs[slot] = buf
		return uint64(slot)
	}
	w.msgs = append(w.msgs, buf)
	return uint64(len(w.msgs) - 1)
}

// releaseMessage takes a message out of its slot and frees the slot.
func (w *World) releaseMessage(slot uint64) []byte {
	buf := w.msgs[slot]
	w.msgs[slot] = nil
	w.freeSlots = append(w.freeSlots, uint32(slot))
	return buf
}

// releaseHeld frees the slots of deliveries a node was holding.
func (w *World) releaseHeld(held []event) {
	for i := range held {
		if held[i].kind == evDeliver {
			w.releaseMessage(held[i].id)
		}
	}
}
