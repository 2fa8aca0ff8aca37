package scenarios

import (
	"strings"

	"github.com/detsim/detsim/sim"
)

// The roles a fault may aim at (sim.Fault.Target), resolved by resolveTarget
// from what the checker has observed when the fault strikes. Any other name
// is bad input when a repro is read (Options.Validate), and a run that meets
// one anyway fails no-panic naming it: never silently "the leader".
const (
	TargetLeader   sim.Target = "leader"   // the current leader, if one is up
	TargetFollower sim.Target = "follower" // the server after the leader, in ring order
	TargetPaused   sim.Target = "paused"   // a paused server (to resume it)

	// Partitions only: shapes around the leader.
	TargetLeaderAndFollower sim.Target = "leader+1"        // the leader and its follower cut off together
	TargetMinorityLeader    sim.Target = "minority-leader" // every server alone, so no side has a majority
	TargetLeaderInbound     sim.Target = "leader-inbound"  // nothing reaches the leader; it still sends
)

// targets lists every target, for messages.
var targets = []sim.Target{TargetLeader, TargetFollower, TargetPaused, TargetLeaderAndFollower, TargetMinorityLeader, TargetLeaderInbound}

func targetList() string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// partitionOnlyTarget: a target that shapes a partition and means nothing
// to a fault on one node.
func partitionOnlyTarget(t sim.Target) bool {
	return t == TargetLeaderAndFollower || t == TargetMinorityLeader || t == TargetLeaderInbound
}
