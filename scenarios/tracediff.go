package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// TraceDiff is where two traces first differ.
type TraceDiff struct {
	Same    bool
	Line    int      // 1-based line of the first difference
	A, B    string   // the two lines there ("" past the end)
	Context []string // the lines before it, common to both
	After   [2][]string
}

// traceLine is the shape of every line of a trace: step, virtual time,
// node, kind, details, and the running hash; or the text of a recovered
// panic, which stands outside the steps: its first line, then the stack
// and further lines of the value, indented by a tab.
var traceLine = regexp.MustCompile(`^(?:[0-9]+ [0-9]+\.[0-9]{9}s n-?[0-9]+ [a-z][a-z0-9-]*( .*)? #[0-9a-f]{8}|panic on n-?[0-9]+ at .*|\t.*)$`)

// NotATraceError says that an input to DiffTraces is not a detsim trace.
type NotATraceError struct {
	Side int // 0 for A, 1 for B
	Line int // 1-based; 0 for an empty input
	Text string
}

func (e *NotATraceError) Error() string {
	if e.Line == 0 {
		return "it is empty, and a trace has at least one event"
	}
	return fmt.Sprintf("line %d is not a trace line (want STEP TIMEs NODE KIND ... #HASH): %.80q", e.Line, e.Text)
}

// DiffTraces compares two traces line by line. Either input not being a
// trace is a *NotATraceError: comparing two of anything else would say
// nothing true.
func DiffTraces(a, b io.Reader, context int) (TraceDiff, error) {
	sa, sb := bufio.NewScanner(a), bufio.NewScanner(b)
	sa.Buffer(nil, 1<<24)
	sb.Buffer(nil, 1<<24)
	var d TraceDiff
	for n := 1; ; n++ {
		okA, okB := sa.Scan(), sb.Scan()
		if err := firstErr(sa.Err(), sb.Err()); err != nil {
			return d, err
		}
		if err := checkTraceLines(n, okA, okB, sa.Text(), sb.Text()); err != nil {
			return d, err
		}
		if !okA && !okB {
			d.Same = true
			return d, nil
		}
		la, lb := sa.Text(), sb.Text()
		if okA == okB && la == lb {
			d.Context = append(d.Context, la)
			if len(d.Context) > context {
				d.Context = d.Context[1:]
			}
			continue
		}
		d.Line, d.A, d.B = n, la, lb
		if !okA {
			d.A = ""
		}
		if !okB {
			d.B = ""
		}
		for k := 0; k < context; k++ {
			if sa.Scan() {
				d.After[0] = append(d.After[0], sa.Text())
			}
			if sb.Scan() {
				d.After[1] = append(d.After[1], sb.Text())
			}
		}
		return d, nil
	}
}

// checkTraceLines refuses line n of either side if it is not a trace line
// (or if a side is empty).
func checkTraceLines(n int, okA, okB bool, la, lb string) error {
	for side, l := range [2]struct {
		ok   bool
		text string
	}{{okA, la}, {okB, lb}} {
		switch {
		case !l.ok && n == 1:
			return &NotATraceError{Side: side}
		case l.ok && !traceLine.MatchString(l.text):
			return &NotATraceError{Side: side, Line: n, Text: l.text}
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Render prints a difference for people: the common context, then each
// side's line and what follows it.
func (d TraceDiff) Render(nameA, nameB string) string {
	if d.Same {
		return "traces are the same\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n", d.Line)
	for _, l := range d.Context {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	side := func(name, line string, after []string) {
		if line == "" {
			line = "(end of trace)"
		}
		fmt.Fprintf(&b, "%s:\n> %s\n", name, line)
		for _, l := range after {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	side(nameA, d.A, d.After[0])
	side(nameB, d.B, d.After[1])
	return b.String()
}
