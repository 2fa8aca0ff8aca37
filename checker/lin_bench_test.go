package checker

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/detsim/detsim/sim"
)

// synthHistory builds a linearizable history of n operations over keys keys,
// four clients per key, each client's operations back to back with 1–10 ms
// latency, every operation taking effect at a random instant inside its
// interval, the mix a third each of get, put and append.
func synthHistory(n, keys int, seed uint64) []HistoryOp {
	r := sim.NewRand(seed)
	type ev struct {
		at int64
		i  int
	}
	var ops []HistoryOp
	var effects []ev
	clock := make([]int64, keys*4)
	for i := 0; i < n; i++ {
		c := r.Pick(len(clock))
		call := clock[c] + r.Range(0, 2_000_000)
		ret := call + r.Range(1_000_000, 10_000_000)
		clock[c] = ret
		op := HistoryOp{Client: c, Key: fmt.Sprintf("k%d", c/4), Call: call}
		switch r.Pick(3) {
		case 0:
			op.Op = "get"
		case 1:
			op.Op, op.Value = "put", fmt.Sprintf("p%d;", i)
		default:
			op.Op, op.Value = "append", fmt.Sprintf("a%d;", i)
		}
		rt := ret
		op.Return = &rt
		ops = append(ops, op)
		effects = append(effects, ev{at: r.Range(call, ret), i: i})
	}
	sort.Slice(effects, func(a, b int) bool { return effects[a].at < effects[b].at })
	state := map[string]string{}
	for _, e := range effects {
		op := &ops[e.i]
		switch op.Op {
		case "get":
			op.Output = state[op.Key]
		case "put":
			state[op.Key] = op.Value
		default:
			state[op.Key] += op.Value
		}
	}
	return ops
}

// BenchmarkCheckLinearizable checks histories of 1k, 10k and 100k operations
// over 20 keys.
//
//	go test ./checker -run='^$' -bench=CheckLinearizable -benchtime=3x -cpu=1
func BenchmarkCheckLinearizable(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		ops := synthHistory(n, 20, 1)
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			for b.Loop() {
				rep := CheckLinearizable(ops, LinConfig{Budget: time.Minute})
				if rep.Status != OK {
					b.Fatal(rep.Result)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/check")
		})
	}
}

func TestSynthHistoryIsLinearizable(t *testing.T) {
	if rep := CheckLinearizable(synthHistory(2000, 20, 7), LinConfig{Budget: time.Minute}); rep.Status != OK {
		t.Fatal(rep.Result)
	}
}
