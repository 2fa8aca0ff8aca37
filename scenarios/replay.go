package scenarios

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/detsim/detsim/sim"
)

// ReplayResult is what replaying a repro showed.
type ReplayResult struct {
	Report *Report
	// SameFailure: the replay's first failure has the recorded signature
	// (the check, and its first violation with the numbers taken out).
	SameFailure bool
	// Integrity: whether the file is as detsim wrote it (its digest).
	Integrity Integrity
	// SameBuild: the repro was made by this very program.
	SameBuild bool
	// Comparable: the same build and an intact repro, so the trace hash
	// must match; HashMatch says whether it did. An edited repro, one of
	// format 1 or one from another build is judged by its checks alone.
	Comparable, HashMatch bool
	// When a comparable replay's hash differs, the repro is run a second
	// time in this process. SecondHash is that run's trace hash;
	// InProcess is true when it differs from the first replay's: two runs
	// here disagree, nondeterminism proven without the recording's help.
	// Otherwise the two agree and only the recording differs (still the
	// same build and an intact file: nondeterminism between processes).
	SecondHash string
	InProcess  bool
	// Divergence, when a comparable replay's hash differs, names the first
	// checkpoint where the runs part (the recorded and the replay, or the
	// two in this process) and, when the replays agree, the replay's
	// events there.
	Divergence string
}

// runFor runs a replay: Run, unless a test stands in a runner that is not
// deterministic.
var runFor = Run

// StandInRunner makes Replay run repros with fn until restore is called:
// for tests of the nondeterminism verdict (a runner that is not a function
// of its options and seed), in this package or in a command line's. Not to
// be called while a replay runs.
func StandInRunner(fn func(Options, uint64, RunConfig) *Report) (restore func()) {
	old := runFor
	runFor = fn
	return func() { runFor = old }
}

// Replay re-runs a repro and compares the outcome with what it recorded.
func Replay(r *Repro, cfg RunConfig) *ReplayResult {
	seed := r.SeedValue()
	res := &ReplayResult{Integrity: r.Integrity(), SameBuild: SameBuild(r.Build)}
	res.Comparable = res.SameBuild && res.Integrity == ReproIntact
	rep := runFor(r.Options, seed, cfg)
	res.Report, res.HashMatch = rep, rep.TraceHash == r.TraceHash
	sig, failed := SignatureOf(rep)
	res.SameFailure = failed && sig.Key == r.Signature.SameKey()
	// A seed recorded as nondeterministic is always run twice: whether its
	// runs disagree again is its failure, whatever the recording says.
	nondet := r.Signature.Check == NondeterminismCheck
	if nondet || res.Comparable && !res.HashMatch {
		res.secondRun(r, seed, cfg)
	}
	if nondet {
		// It recurred: two runs here disagree, or (an intact file of this
		// build) they agree with each other but not with the recording.
		res.SameFailure = res.InProcess || res.Comparable && !res.HashMatch
	}
	return res
}

// secondRun runs the repro again, with its trace kept from where the
// recorded run and the first replay part, and tells whether this process
// disagrees with itself or only with the recording.
func (res *ReplayResult) secondRun(r *Repro, seed uint64, cfg RunConfig) {
	rep := res.Report
	from, _ := partAt(r.Checkpoints, rep.Checkpoints)
	w := &windowWriter{from: from, limit: 6}
	again := cfg
	again.Trace, again.OnSimEnd = w, nil
	second := runFor(r.Options, seed, again)
	res.SecondHash = second.TraceHash
	if second.TraceHash != rep.TraceHash {
		res.InProcess = true
		agreed, _ := partAt(rep.Checkpoints, second.Checkpoints)
		res.Divergence = fmt.Sprintf("two runs in this process: %s; they part after event %d\n",
			checkpointDiff(rep.Checkpoints, second.Checkpoints, "first", "second"), agreed)
		return
	}
	res.Divergence = fmt.Sprintf("%s; the runs part after event %d; the replay's events from %d:\n%s",
		FirstCheckpointDiff(r.Checkpoints, rep.Checkpoints), from, from+1, w.buf.String())
}

// partAt compares two runs' checkpoints: the last event both agree through,
// and the index of the first checkpoint that differs or that only one run
// reached (-1 if every checkpoint agrees).
func partAt(a, b []sim.Checkpoint) (agreed uint64, first int) {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return agreed, i
		}
		agreed = a[i].Step
	}
	return agreed, -1
}

// FirstCheckpointDiff names the first checkpoint where two runs (a the
// recorded or first one, b the replay) part.
func FirstCheckpointDiff(a, b []sim.Checkpoint) string {
	return checkpointDiff(a, b, "recorded", "replay")
}

// checkpointDiff names the first checkpoint where runs a and b part.
func checkpointDiff(a, b []sim.Checkpoint, aName, bName string) string {
	_, i := partAt(a, b)
	switch {
	case i < 0:
		return "every checkpoint agrees; the final hash differs"
	case i >= len(b):
		return fmt.Sprintf("first checkpoint that differs: event %d (%s %s, the %s ended first)", a[i].Step, aName, a[i].Hash, bName)
	case i >= len(a):
		return fmt.Sprintf("first checkpoint that differs: event %d (the %s run ended first, %s %s)", b[i].Step, aName, bName, b[i].Hash)
	}
	return fmt.Sprintf("first checkpoint that differs: event %d (%s %s, %s %s)", a[i].Step, aName, a[i].Hash, bName, b[i].Hash)
}

// windowWriter keeps the first few trace lines after event from.
type windowWriter struct {
	from  uint64
	limit int
	buf   bytes.Buffer
}

func (w *windowWriter) Write(line []byte) (int, error) {
	if w.limit == 0 {
		return len(line), nil
	}
	end := bytes.IndexByte(line, ' ')
	if end < 0 {
		return len(line), nil
	}
	if step, err := strconv.ParseUint(string(line[:end]), 10, 64); err == nil && step > w.from {
		w.buf.WriteString("  ")
		w.buf.Write(line)
		w.limit--
	}
	return len(line), nil
}
