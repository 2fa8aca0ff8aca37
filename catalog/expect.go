package catalog

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// cutWatch judges Expectations.NoCommitInCut: while a "majority-cut"
// partition holds, entries a majority already held at the cut may still
// commit (their acknowledgements can complete a quorum later); nothing
// else may.
type cutWatch struct {
	violations []string
	cutAt      sim.Time
	cutLimit   int // the most entries that may commit during the cut
	inCut      bool
}

func (w *cutWatch) fault(c *cluster, at sim.Time, f sim.Fault) {
	if w.inCut && (f.Kind == sim.FaultHeal || f.Kind == sim.FaultPartition) {
		w.inCut = false
		if n := c.chk.CommittedCount(); n > w.cutLimit {
			w.violations = append(w.violations, fmt.Sprintf("entry %d committed while a majority was cut off (%s to %s); only %d were held by a majority at the cut",
				n, sim.AppendTime(nil, w.cutAt), sim.AppendTime(nil, at), w.cutLimit))
		}
	}
	if c.params.NoCommitInCut && f.Kind == sim.FaultPartition && f.Label == "majority-cut" {
		w.inCut, w.cutAt = true, at
		w.cutLimit = max(c.chk.CommittedCount(), int(min(c.chk.QuorumPersisted(reach(c.h, f)), 1<<40)))
	}
}

// reach is the servers that can still talk both ways with the node a
// partition fault was aimed at.
func reach(h *scenarios.Harness, f sim.Fault) []int {
	blocked := map[[2]int]bool{}
	for _, l := range f.Links {
		blocked[l] = true
	}
	var out []int
	for _, n := range h.Servers() {
		if n == f.Node || !blocked[[2]int{n, f.Node}] && !blocked[[2]int{f.Node, n}] {
			out = append(out, n)
		}
	}
	return out
}

// snapshotBound is the most bytes a snapshot of the state a history leaves
// can take: per key its longest put plus every append, per client its
// longest read, each with its varint framing.
func snapshotBound(h []checker.HistoryOp) int {
	keys, reads := map[string][2]int{}, map[int]int{} // key → (longest put, appends)
	for _, op := range h {
		k := keys[op.Key]
		switch op.Op {
		case "put":
			k[0] = max(k[0], len(op.Value))
		case "append":
			k[1] += len(op.Value)
		case "get":
			reads[op.Client] = max(reads[op.Client], len(op.Output))
		}
		keys[op.Key] = k
	}
	n := 16
	//detsim:allow map-range a sum: order cannot show
	for key, k := range keys {
		n += len(key) + k[0] + k[1] + 2*10
	}
	//detsim:allow map-range a sum: order cannot show
	for _, r := range reads {
		n += r + 3*10
	}
	return n
}

// stepDownWatch judges Params.StepDownWithin: a leader cut off by a
// partition aimed at it stops leading that term within the bound, unless
// another fault changes the picture first (see void). It is
// what CheckQuorum promises, named as a check rather than left to a
// coverage probe (checkquorum-stepdown) that only says it happened once.
type stepDownWatch struct {
	violations []string
	due        []stepDownDue
}

type stepDownDue struct {
	node    int
	term    uint64
	cut, by sim.Time
	judged  bool
}

func (w *stepDownWatch) fault(c *cluster, at sim.Time, f sim.Fault) {
	w.judge(c, at)
	w.void(at, f)
	within := c.params.StepDownWithin
	if within <= 0 || f.Kind != sim.FaultPartition || !cutsLeaderOff(f.Target) || f.Node < 0 {
		return
	}
	if term, role, _, _ := c.chk.Node(f.Node); role == checker.Leader {
		w.due = append(w.due, stepDownDue{node: f.Node, term: term, cut: at, by: at.Add(within)})
	}
}

// void drops the promises a later fault makes moot before they are due:
// a heal or another partition (the leader may hear a majority again), a
// pause of the leader (a paused node runs no timer) or its crash (which
// ends its leadership anyway).
func (w *stepDownWatch) void(at sim.Time, f sim.Fault) {
	for i := range w.due {
		d := &w.due[i]
		if d.judged || at >= d.by {
			continue
		}
		switch f.Kind {
		case sim.FaultHeal, sim.FaultPartition:
			d.judged = true
		case sim.FaultPause, sim.FaultCrash, sim.FaultCrashSync:
			d.judged = d.judged || f.Node == d.node
		}
	}
}

// judge settles every step-down due by now (at the run's end, all).
func (w *stepDownWatch) judge(c *cluster, now sim.Time) {
	for i := range w.due {
		d := &w.due[i]
		if d.judged || now < d.by {
			continue
		}
		d.judged = true
		if at, ended := c.chk.LeadEnded(d.node, d.term); !ended || at > d.by {
			w.violations = append(w.violations, fmt.Sprintf("n%d, leader of term %d cut off at %s, still led it %s later (at most %s)",
				d.node, d.term, sim.AppendTime(nil, d.cut), sim.AppendTime(nil, d.by.Sub(d.cut)), sim.AppendTime(nil, c.params.StepDownWithin)))
		}
	}
}

// cutsLeaderOff: the targets whose partition leaves the leader without a
// majority that answers it.
func cutsLeaderOff(t sim.Target) bool {
	return t == scenarios.TargetLeader || t == scenarios.TargetMinorityLeader || t == scenarios.TargetLeaderInbound
}

// commitWatch judges Params.CommitInTermWithin: a leader that keeps its
// term for that long commits an entry of the term within it, client
// traffic or not (its no-op: without one, entries of older terms wait for
// the next client's write to commit, §5.4.2 and §8). A term is not judged
// when a fault in its first stretch may have stopped it — a partition or
// heal anywhere, a pause or crash of its leader.
type commitWatch struct {
	faults []struct {
		at   sim.Time
		kind sim.FaultKind
		node int
	}
}

func (w *commitWatch) fault(at sim.Time, f sim.Fault) {
	w.faults = append(w.faults, struct {
		at   sim.Time
		kind sim.FaultKind
		node int
	}{at, f.Kind, f.Node})
}

// violations judges every term that has had the time to commit by now.
func (w *commitWatch) violations(c *cluster) []string {
	within := c.params.CommitInTermWithin
	if within <= 0 {
		return nil
	}
	var out []string
	now := c.h.Now()
	for _, sp := range c.chk.LeaderSpans() {
		by := sp.From.Add(within)
		if by > now || sp.Until >= 0 && sp.Until < by || w.disturbed(sp, by) {
			continue
		}
		if sp.Committed < 0 || sp.Committed > by {
			out = append(out, fmt.Sprintf("n%d led term %d from %s without committing an entry of its term within %s",
				sp.Node, sp.Term, sim.AppendTime(nil, sp.From), sim.AppendTime(nil, within)))
		}
	}
	return out
}

func (w *commitWatch) disturbed(sp checker.LeaderSpan, by sim.Time) bool {
	for _, f := range w.faults {
		if f.at < sp.From || f.at > by {
			continue
		}
		switch f.kind {
		case sim.FaultPartition, sim.FaultHeal:
			return true
		case sim.FaultPause, sim.FaultCrash, sim.FaultCrashSync:
			if f.node == sp.Node {
				return true
			}
		}
	}
	return false
}
