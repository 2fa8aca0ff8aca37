package catalog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/kv"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/raft/logservice"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// cluster is what the two bundled systems share: a Raft cluster watched by
// the online safety checker, which also says who leads, whether the cluster
// is live, and what each node's state was.
type cluster struct {
	h         *scenarios.Harness
	nodes     nodeStates // h, but for a test
	servers   []int
	chk       *checker.Raft
	factories []sim.Factory
	params    Params
	cut       cutWatch
	stepDown  stepDownWatch
	commits   commitWatch
	stops     stopWatch
	extra     func() []string // the service's own expectations, judged at the end
}

// nodeStates is what the cluster reads of the world's nodes.
type nodeStates interface {
	Status(node int) sim.Status
	StopError(node int) error
}

func newCluster(h *scenarios.Harness, p Params) *cluster {
	c := &cluster{h: h, nodes: h, servers: h.Servers(), params: p}
	c.chk = checker.NewRaft(h.Options.Servers, h.Now)
	return c
}

func (c *cluster) Factories() []sim.Factory { return c.factories }

// Live: a running leader has committed in its term, and every running
// server has applied everything the leader committed.
func (c *cluster) Live() bool {
	lead := c.chk.Leader()
	if lead == checker.NoNode || c.nodes.Status(lead) != sim.StatusUp || !c.chk.CommittedInTerm(lead) {
		return false
	}
	_, _, commit, _ := c.chk.Node(lead)
	for _, n := range c.servers {
		if c.nodes.Status(n) == sim.StatusStopped {
			continue
		}
		if _, _, _, applied := c.chk.Node(n); c.nodes.Status(n) != sim.StatusUp || applied < commit {
			return false
		}
	}
	return true
}

// Why says, first, why the drain could not end (what a failure signature
// keeps); the particulars follow after a ';'.
func (c *cluster) Why(pending int) string {
	switch lead := c.chk.Leader(); {
	case lead == checker.NoNode:
		return c.noLeader()
	case pending > 0:
		return "clients still waiting"
	case !c.chk.CommittedInTerm(lead):
		return "the leader has committed nothing in its term"
	}
	return "servers behind the leader's commit index"
}

// State is every server's state as the checker saw it last, with the error
// a stopped server stopped with:
// " n0:up/t3/leader/commit=9/applied=9 n1:stopped/t2/follower/commit=7/applied=7 (sync failed)".
func (c *cluster) State() string {
	var b strings.Builder
	for _, n := range c.servers {
		t, role, commit, applied := c.chk.Node(n)
		fmt.Fprintf(&b, " n%d:%s/t%d/%s/commit=%d/applied=%d", n, c.nodes.Status(n), t, role, commit, applied)
		if err := c.nodes.StopError(n); err != nil && c.nodes.Status(n) == sim.StatusStopped {
			fmt.Fprintf(&b, " (%s)", strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	return b.String()
}

// noLeader says why there is no leader. A leader, for liveness, is a server
// that calls itself leader in the highest term any server has reported (a
// crashed or stopped server's last report counts too); a server still
// leading an older term is stale, and the most recent such one is named.
func (c *cluster) noLeader() string {
	top, stale, staleTerm, reached := uint64(0), -1, uint64(0), false
	for _, n := range c.servers {
		t, role, _, _ := c.chk.Node(n)
		switch {
		case t > top:
			top, reached = t, false
			fallthrough
		case t == top:
			reached = reached || c.nodes.Status(n) != sim.StatusStopped
		}
		if role == checker.Leader && (stale < 0 || t > staleTerm) {
			stale, staleTerm = n, t
		}
	}
	if top == 0 {
		return "no leader: none ever elected (every server is in term 0)"
	}
	why := fmt.Sprintf("no leader: none in the highest term %d", top)
	if !reached {
		why += "; only stopped servers reached it"
	}
	if stale >= 0 && staleTerm < top {
		why += fmt.Sprintf("; n%d still calls itself leader of term %d", stale, staleTerm)
	}
	return why
}

func (c *cluster) Leader() int           { return c.chk.Leader() }
func (c *cluster) MaxTerm() uint64       { return c.chk.MaxTerm() }
func (c *cluster) LeaderTerms() int      { return c.chk.LeaderTerms() }
func (c *cluster) MaxLeaderTerm() uint64 { return c.chk.MaxLeaderTerm() }
func (c *cluster) Probes() map[string]int {
	return c.chk.Probes()
}

// Fault: a crashed server leads nothing until it reports again, and no
// apply is timed across a fault (a checkpoint is none).
func (c *cluster) Fault(at sim.Time, f sim.Fault) {
	if f.Kind == sim.FaultCrash {
		c.chk.Down(f.Node)
	}
	if f.Kind != sim.FaultCheckpoint {
		c.chk.Disturbed(at)
	}
	c.cut.fault(c, at, f)
	c.stepDown.fault(c, at, f)
	c.commits.fault(at, f)
	c.stops.fault(f)
}

func (c *cluster) Stopped(at sim.Time, node int, err error) {
	c.chk.Down(node)
	if errors.Is(err, raft.ErrCorrupt) {
		c.h.Probe("node-stopped-corrupt")
	}
	c.stops.stopped(at, node, err)
}

// Results: the safety invariants, then raft-state-size (when the service
// snapshots by size), heartbeat-rate and recovery.
func (c *cluster) Results() []checker.Result {
	rs := c.chk.Results()
	if res, ok := c.chk.StateSizeResult(); ok {
		rs = append(rs, res)
	}
	return append(rs, c.chk.HeartbeatResult(), c.stops.result())
}

// Violations are the Raft expectations: nothing committed in a cut, the
// clerks' throughput per heartbeat, and the service's own.
func (c *cluster) Violations() []string {
	c.stepDown.judge(c, c.h.Now()) // what is due by the run's end
	v := append(append([]string(nil), c.cut.violations...), c.stepDown.violations...)
	v = append(v, c.commits.violations(c)...)
	v = append(v, c.applyLag()...)
	v = append(v, c.lateApply()...)
	v = append(v, c.backupMiss()...)
	v = append(v, c.batchLimit()...)
	if n := c.params.MinOpsPerHeartbeat; n > 0 {
		v = append(v, c.throughput(n)...)
	}
	if c.extra != nil {
		v = append(v, c.extra()...)
	}
	return v
}

// throughput: the clerks' operations per heartbeat interval, over the span
// of the workload, is at least n.
func (c *cluster) throughput(n int) []string {
	hb := raft.DefaultHostConfig(nil)
	interval := int64(hb.HeartbeatTicks) * int64(hb.TickInterval) // ns
	first, last, returns := c.h.ClientOps()
	span := int64(max(last.Sub(first), 1)) // ns
	// Integers only: returns·interval ≥ n·span (both far below 2^63).
	if returns == 0 || int64(returns)*interval < int64(n)*span {
		return []string{fmt.Sprintf("%d operations in %s: %d.%02d per heartbeat interval of %s, want at least %d",
			returns, sim.AppendTime(nil, span), int64(returns)*interval/span, int64(returns)*interval*100/span%100,
			sim.AppendTime(nil, interval), n)}
	}
	return nil
}

// Describe renders any bundled message for the trace.
func (c *cluster) Describe(msg []byte) string { return describe(msg) }

func describe(msg []byte) string {
	if len(msg) == 0 {
		return "empty"
	}
	if text, ok := logservice.Describe(msg); ok {
		return text
	}
	switch msg[0] {
	case raft.WireTag:
		return raft.DescribeMessage(msg)
	case kv.RequestTag:
		op, err := kv.DecodeRequest(msg)
		if err != nil {
			return "bad kv request"
		}
		return fmt.Sprintf("%s(%q, %q) client=%d seq=%d", op.Kind, op.Key, op.Value, op.Client, op.Seq)
	case kv.ReplyTag:
		rep, err := kv.DecodeReply(msg)
		if err != nil {
			return "bad kv reply"
		}
		return fmt.Sprintf("reply seq=%d %s leader=%d %q", rep.Seq, rep.Err, rep.Leader, rep.Value)
	}
	return "unknown message"
}
