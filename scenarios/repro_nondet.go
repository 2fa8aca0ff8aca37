package scenarios

import "fmt"

// NondeterminismCheck names the failure of a seed that gave two trace hashes
// on one build: the signature of its repro file. It is not a check a run
// makes (one run cannot see it); the fuzz driver and replay find it by
// running a seed twice.
const NondeterminismCheck = "determinism"

// NewNondetRepro records a seed that gave two trace hashes: rep is the first
// run (its hash and checkpoints are the ones recorded), other the second
// run's hash and where the two parted. The repro replays like any other;
// replay runs it twice and exits 4 if the runs disagree again.
func NewNondetRepro(rep *Report, other, divergence string) (*Repro, error) {
	sig := Signature{Check: NondeterminismCheck,
		Violation: fmt.Sprintf("the same seed gave trace hashes %s and %s; %s", rep.TraceHash, other, divergence)}
	sig.Key = sig.SameKey()
	return newRepro(rep, sig, append([]string{NondeterminismCheck}, FailedChecks(rep)...))
}
