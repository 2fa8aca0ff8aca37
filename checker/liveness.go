package checker

import (
	"fmt"
	"strings"

	"github.com/detsim/detsim/sim"
)

// Liveness contract: after the final heal at the end of the safety phase,
// clients issue nothing new, and within the liveness bound every client's
// operation in flight must return and the system must report itself live
// (for a Raft cluster: a running leader that has committed in its term, and
// every running server caught up with it). A run that stopped before its
// drain could end (a panic, the event cap, stuck time) is not judged:
// liveness is then unknown, and the check that stopped it says why.
//
// A failure's detail starts with one clause that says what was not live
// (what a failure signature keeps), then the particulars after a ';': the
// calls still pending and each node's state.

// LivenessReport is what the drain saw when it ended.
type LivenessReport struct {
	Live      bool         // the drain ended with the system live and no call pending
	StoppedBy string       // the check that stopped the run before its drain ended, or ""
	Now       sim.Time     // when the run stopped
	FinalHeal sim.Time     // the final heal (the end of the safety phase)
	Bound     sim.Duration // the liveness bound
	// Why is the system's own reason, one clause, particulars after a ';'.
	Why     string
	Pending []PendingCall // calls in flight, by client
	State   string        // each node's state, as the system renders it
}

// PendingCall is a client's operation still in flight.
type PendingCall struct {
	Client int
	Seq    uint64
	Since  sim.Time
}

// LivenessResult judges the drain.
func LivenessResult(l LivenessReport) Result {
	if l.Live {
		return Result{Name: Liveness, Status: OK}
	}
	if l.StoppedBy != "" {
		return Result{Name: Liveness, Status: Unknown, Detail: fmt.Sprintf("not judged: the run stopped at %s, before its drain ended (%s failed)",
			sim.AppendTime(nil, l.Now), l.StoppedBy)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "not live %s after the final heal at %s: %s;", sim.AppendTime(nil, l.Bound), sim.AppendTime(nil, l.FinalHeal), l.Why)
	for _, p := range l.Pending {
		fmt.Fprintf(&b, " n%d call %d pending since %s;", p.Client, p.Seq, sim.AppendTime(nil, p.Since))
	}
	b.WriteString(l.State)
	return Result{Name: Liveness, Status: Fail, Detail: b.String()}
}
