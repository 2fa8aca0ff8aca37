// Package mutate is detsim's mutation testing: it enumerates mutants of a
// system's packages — small changes of the kind real Raft and key/value
// bugs are made of (a comparison flipped, an index off by one, a persist
// dropped) — builds each into its own binary with go build -overlay (the
// tree is never copied), runs a campaign of scenarios against it and says
// which checks killed it. The score, killed over killed and survived, says
// how much of what could go wrong the campaign would catch.
//
// A mutant's ID is stable across edits elsewhere in its file: it is derived
// from the package, the enclosing function, the operator, the original and
// mutated text and the mutant's occurrence among identical ones in that
// function, never from a line number.
package mutate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
)

// Mutant is one change to one source file.
type Mutant struct {
	ID       string
	Package  string // import path
	File     string // the file's path, as go list gave its directory
	Line     int    // where the change starts, for people (not part of the ID)
	Func     string // the enclosing function ("Type.method", "func", "init@file.go"), or the declaration ("var.a", "const.b")
	Operator string
	Original string // the source text replaced
	Mutated  string // its replacement
	Offset   int    // byte offset of Original in the file
}

// Apply returns src with the mutant's change made, or an error if src is
// not the text the mutant was enumerated from.
func (m *Mutant) Apply(src []byte) ([]byte, error) {
	end := m.Offset + len(m.Original)
	if m.Offset < 0 || end > len(src) || string(src[m.Offset:end]) != m.Original {
		return nil, fmt.Errorf("mutant %s: %s changed since it was enumerated", m.ID, m.File)
	}
	out := make([]byte, 0, len(src)-len(m.Original)+len(m.Mutated))
	out = append(out, src[:m.Offset]...)
	out = append(out, m.Mutated...)
	return append(out, src[end:]...), nil
}

// Describe is the mutant on one line: where, which operator, what became what.
func (m *Mutant) Describe() string {
	return fmt.Sprintf("%s:%d %s %s: %s -> %s", m.File, m.Line, m.Func, m.Operator, oneLine(m.Original), oneLine(m.Mutated))
}

// mutantID derives a mutant's ID from what identifies it.
func mutantID(pkg, fn, op, orig, mutated string, occurrence int) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%d", pkg, fn, op, orig, mutated, occurrence)
	return fmt.Sprintf("%s:%s:%s:%s", path.Base(pkg), fn, op, hex.EncodeToString(h.Sum(nil))[:8])
}

// oneLine shortens text for a line of output: whitespace runs become one
// space, and long text is cut in the middle.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:38] + " … " + s[len(s)-38:]
	}
	if s == "" {
		return `""`
	}
	return s
}
