package checker

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// Progress contract: every run is bounded. It fails when the world's event
// cap was hit (a livelock, or a system that floods itself) or virtual time
// stopped advancing (events scheduled at the same instant forever).

// ProgressResult judges how the world's run ended.
func ProgressResult(res sim.Result, now sim.Time) Result {
	switch {
	case res.CapHit:
		return Result{Name: Progress, Status: Fail, Detail: fmt.Sprintf("event cap hit at %s", sim.AppendTime(nil, now))}
	case res.Stalled:
		return Result{Name: Progress, Status: Fail, Detail: fmt.Sprintf("virtual time stuck at %s", sim.AppendTime(nil, now))}
	}
	return Result{Name: Progress, Status: OK}
}

// StoppedBy names the check that stopped a run early, or "" if it ran out
// its time: what liveness says it could not judge.
func StoppedBy(res sim.Result) string {
	switch {
	case !res.Failed():
		return ""
	case res.CapHit || res.Stalled:
		return Progress
	}
	return NoPanic
}
