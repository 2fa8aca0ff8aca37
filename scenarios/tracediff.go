package scenarios

import (
	"bufio"
	"fmt"
	"io"
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

// DiffTraces compares two traces line by line.
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
