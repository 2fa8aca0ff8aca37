package mutate

import (
	"bytes"
	"fmt"
	"strings"
)

// Diff is the mutant as a unified diff of its file: the lines it changes,
// with context lines around them. name is how the file is shown.
func (m *Mutant) Diff(src []byte, name string, context int) (string, error) {
	mutated, err := m.Apply(src)
	if err != nil {
		return "", err
	}
	old, new := lines(src), lines(mutated)
	first := bytes.Count(src[:m.Offset], []byte("\n")) // 0-based line of the change
	oldLast := first + strings.Count(m.Original, "\n")
	newLast := first + strings.Count(m.Mutated, "\n")
	from := max(0, first-context)
	oldTo, newTo := min(len(old)-1, oldLast+context), min(len(new)-1, newLast+context)
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s (mutant %s)\n", name, name, m.ID)
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@ %s\n", from+1, oldTo-from+1, from+1, newTo-from+1, m.Func)
	for i := from; i < first; i++ {
		b.WriteString(" " + old[i] + "\n")
	}
	for i := first; i <= oldLast; i++ {
		b.WriteString("-" + old[i] + "\n")
	}
	for i := first; i <= newLast; i++ {
		b.WriteString("+" + new[i] + "\n")
	}
	for i := oldLast + 1; i <= oldTo; i++ {
		b.WriteString(" " + old[i] + "\n")
	}
	return b.String(), nil
}

func lines(b []byte) []string { return strings.Split(string(b), "\n") }
