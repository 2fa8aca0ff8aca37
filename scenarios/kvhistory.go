package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/kv"
	"github.com/detsim/detsim/sim"
)

// kvRecorder records every clerk call and return, with virtual timestamps,
// into the history the linearizability checker reads, and into the trace.
type kvRecorder struct {
	r       *runner
	history []checker.HistoryOp
	open    map[int]int // clerk node → index of its operation in flight (-1: not kept)
	// noHistory (RunConfig.NoHistory): history stays empty; calls and
	// returns still reach the trace and the expectations.
	noHistory bool
}

func (k *kvRecorder) Call(node int, op *kv.Op) {
	r := k.r
	k.open[node] = -1
	if !k.noHistory {
		k.open[node] = len(k.history)
		k.history = append(k.history, checker.HistoryOp{Client: node, Op: op.Kind.String(), Key: op.Key, Value: op.Value, Call: r.w.Now()})
	}
	r.pending[node] = pendingCall{seq: op.Seq, at: r.w.Now()}
	r.exp.onCall(r.w.Now())
	r.w.Record(node, sim.TraceCall, op.Seq, sim.Key(uint64(op.Kind), sim.Digest([]byte(op.Key)), sim.Digest([]byte(op.Value))),
		func() string { return fmt.Sprintf("%s(%q, %q) seq=%d", op.Kind, op.Key, op.Value, op.Seq) })
}

func (k *kvRecorder) Return(node int, op *kv.Op, value string) {
	r := k.r
	i, ok := k.open[node]
	if !ok {
		return
	}
	delete(k.open, node)
	now := r.w.Now()
	call := r.pending[node].at // the same instant the history's Call holds
	if i >= 0 {
		h := &k.history[i]
		h.Return = &now
		if op.Kind == kv.Get {
			h.Output = value
		}
	}
	r.exp.onReturn(node, call, now)
	delete(r.pending, node)
	r.ops++
	r.w.Record(node, sim.TraceReturn, op.Seq, sim.Digest([]byte(value)), func() string {
		if op.Kind == kv.Get {
			return fmt.Sprintf("seq=%d -> %q", op.Seq, value)
		}
		return fmt.Sprintf("seq=%d ok", op.Seq)
	})
}

// annotations turns the run's faults into rows of the visualization: a
// partition until the next heal or partition, a crash until the restart, a
// pause until the resume.
func (r *runner) annotations() []checker.Annotation {
	var notes []checker.Annotation
	openAt := map[string]int{}
	end := r.w.Now()
	begin := func(tag, desc string, at int64) {
		openAt[tag] = len(notes)
		notes = append(notes, checker.Annotation{Tag: tag, Start: at, End: end, Description: desc})
	}
	finish := func(tag string, at int64) {
		if i, ok := openAt[tag]; ok {
			notes[i].End = at
			delete(openAt, tag)
		}
	}
	for _, f := range r.struck {
		node := fmt.Sprintf("n%d", f.Node)
		switch f.Kind {
		case sim.FaultPartition:
			finish("network", f.At)
			begin("network", "partition "+sim.DescribeLinks(f.Links), f.At)
		case sim.FaultHeal:
			finish("network", f.At)
		case sim.FaultCrash:
			begin(node, "crashed "+f.Label, f.At)
		case sim.FaultRestart:
			finish(node, f.At)
		case sim.FaultPause:
			begin(node, "paused", f.At)
		case sim.FaultResume:
			finish(node, f.At)
		case sim.FaultNet:
			notes = append(notes, checker.Annotation{Tag: "network", Start: f.At, End: f.At, Description: f.String()})
		}
	}
	return notes
}
