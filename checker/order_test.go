package checker

import (
	"flag"
	"fmt"
	"sort"
	"testing"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/detsim/detsim/internal/rapidenv"
)

// plainModel is kvModel without observed-order pruning.
var plainModel = func() porcupine.Model {
	m := kvModel
	step := kvModel.Step
	m.Step = func(state, input, output any) (bool, any) {
		in := input.(kvInput)
		in.hasPred = false
		return step(state, in, output)
	}
	return m
}()

// TestPruningNeverChangesTheVerdict: on small random histories, some
// linearizable and some not, the pruned model and the plain one agree.
func TestPruningNeverChangesTheVerdict(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine) // so that go test's cache keys on RAPID_SEED and RAPID_CHECKS
	rapid.Check(t, func(t *rapid.T) {
		ops := genHistory(t)
		hist, _ := toPorcupine(ops)
		pruned := porcupine.CheckOperations(kvModel, hist)
		plain := porcupine.CheckOperations(plainModel, hist)
		if pruned != plain {
			t.Fatalf("pruned says %v, plain says %v for %+v", pruned, plain, ops)
		}
	})
}

// genHistory draws a history on one key: a true execution in some order, with
// gets reporting either the true value or a plausible wrong one, and some
// outcomes unknown.
func genHistory(t *rapid.T) []HistoryOp {
	n := rapid.IntRange(1, 7).Draw(t, "n")
	type planned struct {
		op       HistoryOp
		at       int64 // when it takes effect
		ret      int64
		unknown  bool
		lieIndex int
	}
	var ps []planned
	for i := 0; i < n; i++ {
		call := rapid.Int64Range(0, 50).Draw(t, "call")
		at := call + rapid.Int64Range(0, 20).Draw(t, "delay")
		p := planned{at: at, ret: at + rapid.Int64Range(0, 20).Draw(t, "tail")}
		kind := rapid.SampledFrom([]string{"get", "put", "append", "append"}).Draw(t, "kind")
		p.op = HistoryOp{Client: i, Op: kind, Key: "x", Call: call}
		if kind != "get" {
			p.op.Value = fmt.Sprintf("v%d;", i)
		}
		p.unknown = rapid.IntRange(0, 5).Draw(t, "unknown") == 0
		p.lieIndex = rapid.IntRange(0, 6).Draw(t, "lie")
		ps = append(ps, p)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ps[order[a]].at < ps[order[b]].at })
	value, written := "", []string{}
	for _, i := range order {
		p := &ps[i]
		switch p.op.Op {
		case "put":
			value = p.op.Value
		case "append":
			value += p.op.Value
		case "get":
			p.op.Output = value
			if p.lieIndex == 0 && len(written) > 0 {
				p.op.Output = written[len(written)-1] + value // a duplicated or stale write
			}
		}
		if p.op.Op != "get" {
			written = append(written, p.op.Value)
		}
	}
	var ops []HistoryOp
	for _, p := range ps {
		o := p.op
		if !p.unknown {
			r := p.ret
			o.Return = &r
		}
		ops = append(ops, o)
	}
	return ops
}
