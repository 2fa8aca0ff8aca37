package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// resolveTarget fills in a fault aimed at a role ("leader", "follower", ...)
// from what the checker has observed, the way Jepsen asks a cluster who leads.
// It reports false when no node plays the role; the fault is then skipped.
func (r *runner) resolveTarget(f *sim.Fault) bool {
	lead := r.chk.Leader()
	if lead != checker.NoNode && r.w.Status(lead) != sim.StatusUp {
		lead = checker.NoNode
	}
	switch f.Target {
	case TargetPaused:
		for _, n := range r.servers() {
			if r.w.Status(n) == sim.StatusPaused {
				f.Node = n
				return true
			}
		}
		return false
	case TargetFollower:
		f.Node = r.follower(lead)
	case TargetLeader, TargetLeaderAndFollower, TargetMinorityLeader, TargetLeaderInbound:
		if lead == checker.NoNode {
			return false
		}
		f.Node = lead
		if f.Kind == sim.FaultCrash || f.Kind == sim.FaultCrashSync {
			r.chk.Probe(lead, "leader-crashed")
		}
	default:
		// Options.Validate refuses it in a repro; options made in code
		// reach here. Failing loudly beats striking the wrong node.
		panic(fmt.Sprintf("fault %s at %s: unknown target %q", f.Kind, sim.AppendTime(nil, f.At), f.Target))
	}
	if f.Kind == sim.FaultPartition {
		f.Links = r.targetLinks(f.Target, f.Node, f.With)
	}
	return true
}

// follower picks the first server after the leader in ring order.
func (r *runner) follower(lead int) int {
	n := r.opts.Servers
	return (max(lead, 0) + 1) % n
}

func (r *runner) targetLinks(target sim.Target, node int, with []int) [][2]int {
	group := append([]int{node}, with...)
	if target == TargetLeaderAndFollower || target == TargetMinorityLeader {
		group = append(group, r.follower(node))
	}
	in := map[int]bool{}
	for _, g := range group {
		in[g] = true
	}
	var rest []int
	for i := 0; i < r.opts.Nodes(); i++ {
		if !in[i] {
			rest = append(rest, i)
		}
	}
	switch target {
	case TargetMinorityLeader:
		// Every other server alone, so no side has a majority.
		groups := [][]int{group}
		for _, n := range rest {
			groups = append(groups, []int{n})
		}
		return sim.Split(groups...)
	case TargetLeaderInbound:
		return sim.OneWay(rest, []int{node})
	}
	return sim.Split(group, rest)
}

func (r *runner) servers() []int {
	out := make([]int, r.opts.Servers)
	for i := range out {
		out[i] = i
	}
	return out
}
