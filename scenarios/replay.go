package scenarios

import (
	"bytes"
	"fmt"
	"strconv"
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
	var from, to uint64 // the runs agree through event from, part by event to
	to = max(r.Events, rep.Events)
	first := ""
	for i, want := range r.Checkpoints {
		if i >= len(rep.Checkpoints) || rep.Checkpoints[i] != want {
			to = want.Step
			got := "none (the replay ended first)"
			if i < len(rep.Checkpoints) {
				got = rep.Checkpoints[i].Hash
			}
			first = fmt.Sprintf("first checkpoint that differs: event %d (recorded %s, replay %s)", want.Step, want.Hash, got)
			break
		}
		from = want.Step
	}
	if first == "" {
		first = fmt.Sprintf("every checkpoint agrees; the final hash differs (recorded %d events, replay %d)", r.Events, rep.Events)
	}
	w := &windowWriter{from: from, limit: 6}
	Run(r.Options, seed, RunConfig{Trace: w})
	return fmt.Sprintf("%s; the runs part after event %d, at or before event %d; the replay's events from %d:\n%s",
		first, from, to, from+1, w.buf.String())
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
