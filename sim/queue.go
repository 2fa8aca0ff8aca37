package sim

// eventKind says what an event does when its time comes.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1 // a message reaches node
	evTimer                        // a timer of node fires
	evFault                        // fault number id of the schedule strikes
	evCall                         // a scheduled callback registered by the host of the world
)

// event is one entry of the queue. Events are totally ordered by (at, seq):
// ties go first-in, first-out, never by chance.
// Messages live in a side table (World.msgs, indexed by id) so that an event
// is 40 bytes rather than 64: the heap moves events on every push and pop.
type event struct {
	at   int64
	seq  uint64
	id   uint64 // timer id, fault index, callback index or message slot
	node int32  // the node it happens to
	inc  uint32 // the incarnation of node it was meant for
	from int16  // the sender, for deliveries
	kind eventKind
}

func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// queue is a 4-ary min-heap of events stored by value: no allocation per event
// once the backing array has grown, and fewer cache misses than a binary heap.
type queue struct {
	items []event
}

func (q *queue) len() int { return len(q.items) }

func (q *queue) push(e event) {
	q.items = append(q.items, e)
	q.up(len(q.items) - 1)
}

func (q *queue) peek() *event { return &q.items[0] }

func (q *queue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	if last > 0 {
		q.down(0)
	}
	return top
}

func (q *queue) up(i int) {
	items := q.items
	e := items[i]
	for i > 0 {
		parent := (i - 1) / 4
		if !e.before(&items[parent]) {
			break
		}
		items[i] = items[parent]
		i = parent
	}
	items[i] = e
}

func (q *queue) down(i int) {
	items := q.items
	n := len(items)
	e := items[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		best := first
		end := min(first+4, n)
		for c := first + 1; c < end; c++ {
			if items[c].before(&items[best]) {
				best = c
			}
		}
		if !items[best].before(&e) {
			break
		}
		items[i] = items[best]
		i = best
	}
	items[i] = e
}
