package countersim

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/examples/counter"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

// instance is one run: it watches the servers through counter.Observer and
// records the clients' operations for linearizability.
type instance struct {
	h         *scenarios.Harness
	factories []sim.Factory
	view      []uint64 // each server's durable view
	stored    [][2]int64
	leaders   map[uint64]int // view → the server that led it
	lead      int
	maxView   uint64
	history   []porcupine.Operation
	open      map[int]int // client → its operation in history
	broken    map[string]string
}

func newInstance(h *scenarios.Harness) *instance {
	n := h.Options.Servers
	return &instance{h: h, view: make([]uint64, n), stored: make([][2]int64, n), leaders: map[uint64]int{},
		lead: -1, open: map[int]int{}, broken: map[string]string{}}
}

func (in *instance) Factories() []sim.Factory { return in.factories }

func (in *instance) fail(check, format string, args ...any) {
	if _, ok := in.broken[check]; !ok {
		in.broken[check] = fmt.Sprintf(format, args...) + " at " + string(sim.AppendTime(nil, in.h.Now()))
	}
}

// ViewAdopted: a server's durable view never goes back.
func (in *instance) ViewAdopted(node int, view uint64) {
	if view < in.view[node] {
		in.fail("view-monotonic", "n%d moved from view %d back to %d", node, in.view[node], view)
	}
	in.view[node] = view
}

// Leading: one primary per view, and only the view's own.
func (in *instance) Leading(node int, view uint64, count int64) {
	if other, ok := in.leaders[view]; ok && other != node {
		in.fail("one-primary", "n%d and n%d both lead view %d", other, node, view)
	}
	if len(in.leaders) > 0 && in.leaders[view] != node {
		in.h.Probe("view-changed")
	}
	in.leaders[view], in.lead, in.maxView = node, node, max(in.maxView, view)
	in.h.Probe("primary-serving")
}

func (in *instance) Stored(node int, view uint64, count int64) {
	in.stored[node] = [2]int64{int64(view), count}
}

// Results are the two invariants, in a fixed order.
func (in *instance) Results() []checker.Result {
	var rs []checker.Result
	for _, name := range []string{"view-monotonic", "one-primary"} {
		if d, ok := in.broken[name]; ok {
			rs = append(rs, checker.Result{Name: name, Status: checker.Fail, Detail: d})
		} else {
			rs = append(rs, checker.Result{Name: name, Status: checker.OK})
		}
	}
	return rs
}

// Live: the primary of the newest view is up and every running server
// stores what it stores.
func (in *instance) Live() bool {
	if in.lead < 0 || in.h.Status(in.lead) != sim.StatusUp {
		return false
	}
	for n := range in.stored {
		if st := in.h.Status(n); st == sim.StatusUp && in.stored[n] != in.stored[in.lead] || st == sim.StatusDown {
			return false
		}
	}
	return true
}

func (in *instance) Leader() int           { return in.lead }
func (in *instance) MaxTerm() uint64       { return in.maxView }
func (in *instance) LeaderTerms() int      { return len(in.leaders) }
func (in *instance) MaxLeaderTerm() uint64 { return in.maxView }

func (in *instance) Describe(msg []byte) string {
	if s, ok := counter.Describe(msg); ok {
		return s
	}
	return "not a counter message"
}

// Call and Return record the clients' operations (counter.Recorder).
func (in *instance) Call(client int, op counter.Op) {
	in.open[client] = len(in.history)
	in.history = append(in.history, porcupine.Operation{ClientId: client, Input: op, Call: int64(in.h.Now()), Return: math.MaxInt64})
	in.h.Call(client, op.Seq, sim.Key(uint64(op.Kind), uint64(op.Delta)), func() string { return fmt.Sprintf("%s %d", op.Kind, op.Delta) })
}

func (in *instance) Return(client int, op counter.Op, result int64) {
	i, ok := in.open[client]
	if !ok {
		return
	}
	delete(in.open, client)
	in.history[i].Output, in.history[i].Return = result, int64(in.h.Now())
	in.h.Return(client, op.Seq, uint64(result), func() string { return fmt.Sprintf("%s -> %d", op.Kind, result) })
}

// ModelHistory leaves out reads still in flight: they carry no information.
func (in *instance) ModelHistory() (porcupine.Model, []porcupine.Operation, bool) {
	var h []porcupine.Operation
	for _, op := range in.history {
		if op.Return != math.MaxInt64 || op.Input.(counter.Op).Kind == counter.OpAdd {
			h = append(h, op)
		}
	}
	return model, h, !in.h.NoHistory
}

// model is the counter's specification: an add returns the count it made,
// a read the count; an add still in flight may take effect any time later.
var model = porcupine.Model{
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		s, op := state.(int64), input.(counter.Op)
		if op.Kind == counter.OpAdd {
			return output == nil || output.(int64) == s+op.Delta, s + op.Delta
		}
		return output == nil || output.(int64) == s, s
	},
	Equal: func(a, b any) bool { return a == b },
	DescribeOperation: func(input, output any) string {
		if op := input.(counter.Op); op.Kind == counter.OpAdd {
			return fmt.Sprintf("add %d -> %v", op.Delta, output)
		}
		return fmt.Sprintf("read -> %v", output)
	},
}
