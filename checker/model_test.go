package checker

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// registerModel is a single register: writes of ints, reads that return one.
var registerModel = porcupine.Model{
	Init: func() any { return 0 },
	Step: func(state, input, output any) (bool, any) {
		in := input.([2]int) // {0 write | 1 read, value}
		if in[0] == 0 {
			return true, in[1]
		}
		return output.(int) == state.(int), state
	},
	Equal: func(a, b any) bool { return a == b },
}

// CheckModel passes a linearizable history, fails one that reads a value
// overwritten before the read began, and lets a write still in flight take
// effect at any later time.
func TestCheckModel(t *testing.T) {
	op := func(client int, in [2]int, out any, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
	}
	good := []porcupine.Operation{op(0, [2]int{0, 1}, nil, 0, 10), op(1, [2]int{1, 0}, 1, 20, 30)}
	if r := CheckModel(registerModel, good, time.Second); r.Status != OK || r.Name != Linearizability {
		t.Fatalf("good: %v", r)
	}
	stale := []porcupine.Operation{op(0, [2]int{0, 1}, nil, 0, 10), op(0, [2]int{0, 2}, nil, 11, 15), op(1, [2]int{1, 0}, 1, 20, 30)}
	if r := CheckModel(registerModel, stale, time.Second); r.Status != Fail {
		t.Fatalf("stale read: %v", r)
	}
	pending := []porcupine.Operation{op(0, [2]int{0, 1}, nil, 0, 10), op(0, [2]int{0, 2}, nil, 11, math.MaxInt64), op(1, [2]int{1, 0}, 2, 20, 30)}
	if r := CheckModel(registerModel, pending, time.Second); r.Status != OK {
		t.Fatalf("a write in flight: %v", r)
	}
}
