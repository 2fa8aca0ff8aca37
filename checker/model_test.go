package checker

import (
	"bytes"
	"fmt"
	"math"
	"strings"
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

// A failure names the operation no order can place, with the model's own
// description of it; the history file and the picture are written.
func TestModelReportNamesTheStuckOperation(t *testing.T) {
	m := registerModel
	m.DescribeOperation = func(in, out any) string {
		if in.([2]int)[0] == 0 {
			return fmt.Sprintf("write %d", in.([2]int)[1])
		}
		return fmt.Sprintf("read -> %v", out)
	}
	op := func(client int, in [2]int, out any, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
	}
	stale := []porcupine.Operation{op(0, [2]int{0, 1}, nil, 0, 10), op(0, [2]int{0, 2}, nil, 11, 15), op(1, [2]int{1, 0}, 1, 20, 30)}
	r := CheckModel(m, stale, time.Second)
	want := "the history of 3 operations is not linearizable: at most 2 of 3 operations linearize; no order places client 1's read -> 1 (called at 0.000000020s, returned at 0.000000030s)"
	if r.Status != Fail || r.Detail != want {
		t.Fatalf("got  %s\nwant %s", r.Detail, want)
	}
	var hist, html bytes.Buffer
	if err := r.WriteHistory(&hist); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(hist.String()), "\n")
	if len(lines) != 3 || lines[2] != `{"client":1,"call_ns":20,"return_ns":30,"op":"read -> 1","input":[1,0],"output":1}` {
		t.Fatalf("history:\n%s", hist.String())
	}
	if err := r.WriteHTML(&html, []Annotation{{Tag: "network", Start: 5, End: 12, Description: "partition"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `"Description":"read -\u003e 1"`) || !strings.Contains(html.String(), `"Description":"partition"`) {
		t.Fatalf("the picture lacks the operation or the fault (%d bytes)", html.Len())
	}
}
