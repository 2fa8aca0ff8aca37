package checker

import (
	"fmt"
	"strings"
)

// Coverage contract, as FoundationDB's code probes: a scenario names the
// probes its run must fire (a leader elected, a snapshot installed, a torn
// tail dropped…), and the check fails naming every one that never fired,
// so a scenario whose faults never bite, or whose workload never ran, fails.
// Passing, it reports how often each fired.

// CoverageResult judges the probes a scenario requires against fired, the
// count of each probe that fired in the run.
func CoverageResult(required []string, fired map[string]int) Result {
	var missing []string
	for _, p := range required {
		if fired[p] == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return Result{Name: Coverage, Status: Fail, Detail: fmt.Sprintf("never fired: %v", missing)}
	}
	counts := make([]string, 0, len(required))
	for _, p := range required {
		counts = append(counts, fmt.Sprintf("%s=%d", p, fired[p]))
	}
	return Result{Name: Coverage, Status: OK, Detail: strings.Join(counts, " ")}
}
