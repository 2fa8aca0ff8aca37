package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDiffTraces(t *testing.T) {
	line := func(step int, kind, hash string) string {
		return fmt.Sprintf("%d 0.%09ds n0 %s #%s", step, step, kind, hash)
	}
	a := strings.Join([]string{line(1, "a", "00000001"), line(2, "b", "00000002"), line(3, "c", "00000003"), line(4, "d", "00000004")}, "\n") + "\n"
	b := strings.Join([]string{line(1, "a", "00000001"), line(2, "b", "00000002"), line(3, "x", "00000009"), line(4, "d", "00000005")}, "\n") + "\n"
	d, err := DiffTraces(strings.NewReader(a), strings.NewReader(b), 1)
	if err != nil || d.Same || d.Line != 3 || d.A != line(3, "c", "00000003") || d.B != line(3, "x", "00000009") ||
		len(d.Context) != 1 || d.Context[0] != line(2, "b", "00000002") {
		t.Fatalf("%+v %v", d, err)
	}
	if d, _ := DiffTraces(strings.NewReader(a), strings.NewReader(a), 3); !d.Same {
		t.Fatal("a trace differs from itself")
	}
	short := strings.Join(strings.SplitAfter(a, "\n")[:2], "")
	if d, err := DiffTraces(strings.NewReader(a), strings.NewReader(short), 3); err != nil || d.Same || d.Line != 3 || d.B != "" {
		t.Fatalf("a shorter trace: %+v %v", d, err)
	}
}

func TestDiffTracesRefusesWhatIsNotATrace(t *testing.T) {
	trace := "1 0.000000000s n0 start incarnation=1 #238712a0\n" +
		"2 0.010000000s n0 timer #708956a2\n" +
		"panic on n0 at 0.010000000s in kv.(*Server).apply (kv/server.go:12): boom\n" +
		"\tkv.(*Server).apply (kv/server.go:12)\n" +
		"3 30.000000000s n-1 fault heal final #09d9338e\n"
	if d, err := DiffTraces(strings.NewReader(trace), strings.NewReader(trace), 3); err != nil || !d.Same {
		t.Fatalf("a trace with a panic's text against itself: %+v, %v", d, err)
	}
	for _, c := range []struct {
		a, b     string
		side     int
		line     int
		contains string
	}{
		{trace, "hello\n", 1, 1, "line 1"},
		{"{\"format\": 2}\n", trace, 0, 1, "line 1"},
		{"", trace, 0, 0, "empty"},
		{trace, "", 1, 0, "empty"},
		{trace, strings.Replace(trace, "#708956a2", "", 1), 1, 2, "line 2"},
	} {
		_, err := DiffTraces(strings.NewReader(c.a), strings.NewReader(c.b), 3)
		var nt *NotATraceError
		if !errors.As(err, &nt) || nt.Side != c.side || nt.Line != c.line || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("DiffTraces(%.20q, %.20q) = %v, want side %d line %d", c.a, c.b, err, c.side, c.line)
		}
	}
}
