package scenarios

import (
	"bytes"
	"fmt"
	"strconv"

	"detsim/sim"
)

// ReplayResult is what replaying a repro showed.
type ReplayResult struct {
	Report *Report
	// SameFailure: the replay's first failure has the recorded signature
	// (the check, and its first violation with the numbers taken out).
	SameFailure bool
	// Comparable: the repro was made by this very program, so the trace
	// hash must match; HashMatch says whether it did.
	Comparable, HashMatch bool
	// Divergence, when a comparable replay's hash differs, names the first
	// checkpoint where the runs part and the replay's events there.
	Divergence string
}

// Replay re-runs a repro and compares the outcome with what it recorded.
func Replay(r *Repro, cfg RunConfig) *ReplayResult {
	seed := r.SeedValue()
	rep := Run(r.Options, seed, cfg)
	res := &ReplayResult{Report: rep, Comparable: SameBuild(r.Build), HashMatch: rep.TraceHash == r.TraceHash}
	sig, failed := SignatureOf(rep)
	res.SameFailure = failed && sig.Key == r.Signature.SameKey()
	if res.Comparable && !res.HashMatch {
		res.Divergence = divergence(r, rep, seed)
	}
	return res
}

// divergence finds the first checkpoint that differs and shows the replay's
// events after the last one that agreed.
func divergence(r *Repro, rep *Report, seed uint64) string {
	from, _ := partAt(r.Checkpoints, rep.Checkpoints)
	w := &windowWriter{from: from, limit: 6}
	Run(r.Options, seed, RunConfig{Trace: w})
	return fmt.Sprintf("%s; the runs part after event %d; the replay's events from %d:\n%s",
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
	_, i := partAt(a, b)
	switch {
	case i < 0:
		return "every checkpoint agrees; the final hash differs"
	case i >= len(b):
		return fmt.Sprintf("first checkpoint that differs: event %d (recorded %s, the replay ended first)", a[i].Step, a[i].Hash)
	case i >= len(a):
		return fmt.Sprintf("first checkpoint that differs: event %d (the recorded run ended first, replay %s)", b[i].Step, b[i].Hash)
	}
	return fmt.Sprintf("first checkpoint that differs: event %d (recorded %s, replay %s)", a[i].Step, a[i].Hash, b[i].Hash)
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
