package checker

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// Raft state size (raft-state-size): a service that snapshots when its Raft
// state nears maxraftstate keeps the durable state bounded. The check is on
// only when a limit is set; it fails at the first persist that leaves a node
// holding 8 × maxraftstate bytes or more (or, for a tiny limit, twice the
// hard state plus one batch of the largest entries seen).

// StateSize is reported after each persist: the bytes of durable Raft state
// a node holds.
func (c *Raft) StateSize(node int, bytes int64) { c.size.observe(node, bytes, c.now()) }

// SetStateLimit turns the raft-state-size check on: the durable Raft state
// must stay below 8 × maxRaftState bytes, or, for a tiny maxRaftState, below
// twice the hard state plus one batch of batch entries of the largest size
// seen.
func (c *Raft) SetStateLimit(maxRaftState int64, batch int) {
	c.size.max, c.size.batch = maxRaftState, int64(batch)
}

// StateSizeResult is the raft-state-size verdict; ok is false when no limit
// was set (the check does not apply).
func (c *Raft) StateSizeResult() (Result, bool) { return c.size.result() }

// stateSize watches the durable Raft state's size.
type stateSize struct {
	max, batch  int64 // maxraftstate (0: unchecked) and entries per batch
	largestSeen int64
	largestEnt  int64 // the largest entry persisted, encoded
	largestSnap int
	first       string // the first size over the limit
}

// stateFloor is the hard state's durable record (two 96-byte copies) and
// some framing: what a log holding nothing still costs.
const stateFloor = 256

func (s *stateSize) limit() int64 {
	return max(8*s.max, 2*(stateFloor+s.batch*s.largestEnt))
}

func (s *stateSize) entry(bytes int) { s.largestEnt = max(s.largestEnt, int64(bytes)+16) }

func (s *stateSize) snapshot(bytes int) { s.largestSnap = max(s.largestSnap, bytes) }

func (s *stateSize) observe(node int, bytes int64, now sim.Time) {
	s.largestSeen = max(s.largestSeen, bytes)
	if s.max > 0 && bytes >= s.limit() && s.first == "" {
		s.first = fmt.Sprintf("n%d holds %d bytes of raft state at %s, limit %d (maxraftstate %d)",
			node, bytes, sim.AppendTime(nil, now), s.limit(), s.max)
	}
}

func (s *stateSize) result() (Result, bool) {
	if s.max <= 0 {
		return Result{}, false
	}
	if s.first != "" {
		return Result{Name: RaftStateSize, Status: Fail, Detail: s.first}, true
	}
	return Result{Name: RaftStateSize, Status: OK, Detail: fmt.Sprintf("largest %d bytes (limit %d), largest snapshot %d bytes",
		s.largestSeen, s.limit(), s.largestSnap)}, true
}

// LargestSnapshot is the size of the largest snapshot any node saved.
func (c *Raft) LargestSnapshot() int { return c.size.largestSnap }
