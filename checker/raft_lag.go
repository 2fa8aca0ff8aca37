package checker

import "github.com/detsim/detsim/sim"

// ApplyLag is the slowest apply the checker timed: how long after an
// entry first committed on any node a node applied it. Only entries that
// committed after the last disturbance (see Raft.Disturbed) and were
// applied before the next are timed, so the figure is the protocol's own
// delay, never a partition's or a crash's.
type ApplyLag struct {
	Node      int
	Index     uint64
	Committed sim.Time     // when the entry first committed
	Lag       sim.Duration // from then to Node's apply
	Timed     int          // applies timed in all
}

// lagWatch times applies against first commits.
type lagWatch struct {
	commitAt  window[sim.Time] // when each index first committed, plus one (zero: unknown)
	calmSince sim.Time         // the last disturbance
	slowest   ApplyLag
}

// Disturbed is reported when something happens to the cluster from
// outside (a fault): an entry committed before it and applied after it is
// not timed, since the fault may be why it was late.
func (c *Raft) Disturbed(at sim.Time) {
	c.lag.calmSince = at
	c.lag.commitAt.dropTo(c.lag.commitAt.last()) // nothing committed so far is timed again
}

// SlowestCalmApply is the slowest apply timed so far (Timed 0: none).
func (c *Raft) SlowestCalmApply() ApplyLag { return c.lag.slowest }

func (w *lagWatch) committed(i uint64, at sim.Time) {
	if at > w.calmSince || w.calmSince == 0 {
		w.commitAt.set(i, at+1)
	}
}

func (w *lagWatch) applied(node int, i uint64, at sim.Time) {
	t, ok := w.commitAt.get(i)
	if !ok {
		return
	}
	w.slowest.Timed++
	if lag := at.Sub(t - 1); lag > w.slowest.Lag || w.slowest.Timed == 1 {
		w.slowest = ApplyLag{Node: node, Index: i, Committed: t - 1, Lag: lag, Timed: w.slowest.Timed}
	}
}
