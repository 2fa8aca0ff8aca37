package sim_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/detsim/detsim/sim"
)

// A tiny system of two nodes: node 0 greets node 1 at time zero, and node 1
// handles the greeting with one of the bugs below.
type greeter struct{ env sim.Env }

func (g *greeter) Receive(int, []byte) error { return nil }
func (g *greeter) Timer(sim.TimerID) error   { g.env.Send(1, []byte("hello")); return nil }

type store struct {
	index map[string]int
	next  *store
}

// handler is node 1: its Receive runs bug, which records the line it
// breaks on.
type handler struct {
	s   *store
	env sim.Env
	bug func(h *handler) // the system's code that panics
}

func (h *handler) Receive(int, []byte) error { h.bug(h); return nil }
func (h *handler) Timer(sim.TimerID) error   { return nil }

var bugLine int // the line each bug below panics on

func here() int { _, _, line, _ := runtime.Caller(1); return line }

func (s *store) derefNil() int {
	bugLine = here() + 1
	return s.next.next.index["x"] // s.next is nil
}

func (s *store) writeNilMap() {
	bugLine = here() + 1
	s.index["x"] = 1 // the map was never made
}

func (s *store) explain() {
	bugLine = here() + 1
	panic(fmt.Errorf("two lines:\nthe second"))
}

func (s *store) repeat() string {
	bugLine = here() + 1
	return strings.Repeat("x", len(s.index)-1) // the standard library panics; this line is the bug
}

func (h *handler) pickFromNothing() int {
	bugLine = here() + 1
	return h.env.Rand().Pick(0) // the engine panics, but this line is the bug
}

func panicRun(t *testing.T, bug func(h *handler), trace *strings.Builder) (sim.Result, *sim.World) {
	t.Helper()
	cfg := sim.Config{Seed: 7, Net: sim.NetParams{MinLatency: 1e6, MaxLatency: 1e6}, Nodes: []sim.Factory{
		func(env sim.Env) (sim.Process, error) { env.SetTimer(0); return &greeter{env: env}, nil },
		func(env sim.Env) (sim.Process, error) { return &handler{s: &store{}, env: env, bug: bug}, nil },
	}}
	if trace != nil {
		cfg.Trace = trace
	}
	w := sim.New(cfg)
	if res := w.Start(); res.Failed() {
		t.Fatalf("start: %+v", res)
	}
	return w.Run(1e9), w
}

// A panic in a hosted process keeps its place: the first line of
// Result.Panic (the no-panic check's detail) names the function and
// file:line in the system's code, not the runtime's or the engine's; the
// trace carries the whole stack; and none of it reaches the trace hash.
func TestPanicNamesItsPlace(t *testing.T) {
	for _, c := range []struct {
		name, fn, what string
		bug            func(h *handler)
	}{
		{"nil-dereference", "sim_test.(*store).derefNil", "runtime error: invalid memory address or nil pointer dereference",
			func(h *handler) { h.s.derefNil() }},
		{"nil-map-write", "sim_test.(*store).writeNilMap", "assignment to entry in nil map",
			func(h *handler) { h.s.writeNilMap() }},
		{"multi-line-value", "sim_test.(*store).explain", "two lines:",
			func(h *handler) { h.s.explain() }},
		{"standard-library-panics", "sim_test.(*store).repeat", "strings: negative Repeat count",
			func(h *handler) { h.s.repeat() }},
		{"engine-called-wrongly", "sim_test.(*handler).pickFromNothing", "sim: Rand.Below(0)",
			func(h *handler) { h.pickFromNothing() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var trace strings.Builder
			res, w := panicRun(t, c.bug, &trace)
			first, stack, _ := strings.Cut(res.Panic, "\n")
			want := fmt.Sprintf("panic on n1 at 0.001000000s in %s (sim/panic_test.go:%d): %s", c.fn, bugLine, c.what)
			if first != want {
				t.Fatalf("first line\n got %s\nwant %s", first, want)
			}
			if !strings.Contains(stack, "\t"+c.fn+" (sim/panic_test.go:") || !strings.Contains(stack, "\tsim_test.(*handler).Receive (sim/panic_test.go:") {
				t.Fatalf("stack lacks the system's frames:\n%s", stack)
			}
			if c.name == "multi-line-value" && !strings.HasPrefix(stack, "\t| the second\n\t") {
				t.Fatalf("the value's second line is not set apart from the stack:\n%s", stack)
			}
			if strings.Contains(stack, "gopanic") || strings.Contains(stack, "(*World).guard") || strings.Contains(stack, "testing.tRunner") {
				t.Fatalf("stack reaches beyond the run:\n%s", stack)
			}
			if !strings.Contains(trace.String(), "\n"+res.Panic+"\n") {
				t.Fatalf("trace lacks the panic and its stack:\n%s", trace.String())
			}

			// The same run twice, traced or not, gives the same hash.
			again, w2 := panicRun(t, c.bug, nil)
			if again.Panic != res.Panic || w2.Hash() != w.Hash() || w2.Events() != w.Events() {
				t.Fatalf("second run: hash %016x, want %016x; panic %q", w2.Hash(), w.Hash(), again.Panic)
			}
		})
	}
}

// Where a panic happened and what it said never reach the trace hash: two
// different panics at the same event (another function, file, line and
// value) leave the same hash.
func TestPanicTextStaysOutOfTheHash(t *testing.T) {
	resA, wA := panicRun(t, func(h *handler) { h.s.derefNil() }, nil)
	resB, wB := panicRun(t, func(h *handler) { panic("something else entirely") }, nil)
	if resA.Panic == resB.Panic || !resA.Failed() || !resB.Failed() {
		t.Fatalf("want two different panics: %q, %q", resA.Panic, resB.Panic)
	}
	if wA.Hash() != wB.Hash() || wA.Events() != wB.Events() {
		t.Fatalf("hashes %016x and %016x: the panic's text reached the hash", wA.Hash(), wB.Hash())
	}
}
