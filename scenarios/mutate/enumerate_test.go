package mutate

import (
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
	"testing"
)

func sample(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile("testdata/sample.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// Every operator fires where it applies, and the exclusions are counted
// by reason, never silently dropped.
func TestEnumerateFileOperatorsAndExclusions(t *testing.T) {
	ms, ex, err := EnumerateFile("example.com/sample", "sample.go", sample(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Func+" "+m.Operator+": "+oneLine(m.Original)+" -> "+oneLine(m.Mutated))
	}
	for _, want := range []string{
		"const.limit const-change: 3 -> 4",
		"node.step cmp-negate: term < n.term -> term >= n.term",
		"node.step cmp-boundary: term < n.term -> term <= n.term",
		"node.step if-always: term < n.term -> true",
		"node.step const-change: false -> true",
		"node.step stmt-remove: n.term = term -> \"\"",
		"node.step off-by-one: n.log[len(n.log)-1] + 1 -> n.log[len(n.log)-1]",
		"node.step off-by-one: len(n.log)-1 -> len(n.log)",
		"node.step branch-swap: { n.commit = n.log[len(n.log)-1] + 1 } else { n.commit = 0 } -> { n.commit = 0 } else { n.commit = n.log[len(n.log)-1] + 1 }",
		"node.step cmp-negate: n.commit > limit -> n.commit <= limit",
		"node.reset return-early: n.commit = 0 -> return n.commit = 0",
		"node.reset stmt-remove: n.commit = 0 -> \"\"",
		"node.step cond-drop: term > n.term && !n.Testing.Bugs.Has(planted.X) -> !n.Testing.Bugs.Has(planted.X)",
		"node.guarded cmp-negate: term == 9 -> term != 9",
		"node.guarded stmt-remove: n.commit = 2 -> \"\"",
		"node.watch if-always: n.ahead() -> true", // forcing it skips ahead's decrement
		"node.watch if-always: term == 3 -> true", // the body does more than observe
		"node.watch stmt-remove: n.commit = 3 -> \"\"",
	} {
		if !contains(got, want) {
			t.Errorf("no mutant %q", want)
		}
	}
	for _, never := range []string{
		"node.step cond-drop: term > n.term && !n.Testing.Bugs.Has(planted.X) -> term > n.term", // the switch dropped: inert
		"node.step stmt-remove: n.obs.Probe(\"term-advanced\") -> \"\"",
		"node.step if-always: n.commit > limit -> true",
		"node.guarded cmp-negate: term == 7 -> term != 7",
		"node.guarded stmt-remove: n.commit = 7 -> \"\"",
		"node.guarded stmt-remove: n.commit = 1 -> \"\"",
		"node.watch if-always: term > n.commit+2 -> true", // decides only whether a probe fires
		"node.watch cmp-negate: term > n.commit+2 -> term <= n.commit+2",
		"node.watch stmt-remove: n.obs.Probe(\"three\") -> \"\"",
	} {
		if contains(got, never) {
			t.Errorf("mutant %q should be excluded", never)
		}
	}
	for _, m := range ms {
		if m.Func == "node.String" || strings.HasPrefix(m.Func, "const.kind") {
			t.Errorf("excluded scope mutated: %s", m.Describe())
		}
		if m.Line == 43 {
			t.Errorf("a //detsim:nomutate line mutated: %s", m.Describe())
		}
	}
	// text: String's n.term + 1 (off-by-one, const-change); planted: the Y
	// branch's condition (cond-negate, if-always), assignment and constant,
	// dropping the X switch, and in guarded the Z branch (term == 7 is moot
	// when the switch is off: cmp-negate, const-change, two cond-drops,
	// cond-negate, if-always, the body's assignment and constant) and the
	// W case (its assignment and constant); the directive: n.commit++;
	// instrumentation: the four probe calls and, in watch, the four
	// mutants of the condition that only decides whether "far-ahead" fires
	// (cmp-negate, cmp-boundary, const-change, if-always).
	want := Excluded{exclText: 2, exclPlanted: 15, exclInstrumentation: 8, exclAssertion: 1, exclDirective: 1}
	for reason, n := range want {
		if ex[reason] != n {
			t.Errorf("excluded %s = %d, want %d (all: %v)", reason, ex[reason], n, ex)
		}
	}
	if t.Failed() {
		sort.Strings(got)
		t.Logf("mutants:\n%s", strings.Join(got, "\n"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Every mutant applies to the text it came from and leaves a file that
// still parses; on any other text it refuses.
func TestMutantsApplyAndParse(t *testing.T) {
	src := sample(t)
	ms, _, err := EnumerateFile("example.com/sample", "sample.go", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		out, err := m.Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "m.go", out, 0); err != nil {
			t.Errorf("%s does not parse: %v", m.Describe(), err)
		}
		if _, err := m.Apply(append([]byte("// edited\n"), src...)); err == nil {
			t.Errorf("%s applied to edited text", m.ID)
		}
	}
}

// IDs do not move when lines are added above, and are unique.
func TestIDsAreStableAcrossEditsElsewhere(t *testing.T) {
	src := sample(t)
	before, _, _ := EnumerateFile("example.com/sample", "sample.go", src)
	edited := strings.Replace(string(src), "const limit = 3\n", "const limit = 3\n\n// A comment\nvar unrelated = 7\n", 1)
	after, _, _ := EnumerateFile("example.com/sample", "sample.go", []byte(edited))
	ids := map[string]bool{}
	for _, m := range after {
		ids[m.ID] = true
	}
	for _, m := range before {
		if !ids[m.ID] {
			t.Errorf("%s (%s) lost its ID after an edit elsewhere", m.ID, m.Describe())
		}
	}
	if len(after) != len(before)+1 { // the new var's 7 -> 8
		t.Errorf("%d mutants before, %d after", len(before), len(after))
	}
	if dup := duplicateID(after); dup != "" {
		t.Errorf("duplicate ID %s", dup)
	}
}

// A mutant's diff shows the changed lines with their context.
func TestDiff(t *testing.T) {
	src := sample(t)
	ms, _, _ := EnumerateFile("example.com/sample", "sample.go", src)
	var m *Mutant
	for i := range ms {
		if ms[i].Operator == OpCmpNegate && ms[i].Original == "term < n.term" {
			m = &ms[i]
		}
	}
	if m == nil {
		t.Fatal("no cmp-negate of term < n.term")
	}
	d, err := m.Diff(src, "sample.go", 1)
	if err != nil {
		t.Fatal(err)
	}
	want := "--- sample.go\n+++ sample.go (mutant " + m.ID + ")\n@@ -25,3 +25,3 @@ node.step\n" +
		" func (n *node) step(term int) bool {\n-\tif term < n.term {\n+\tif term >= n.term {\n \t\treturn false\n"
	if d != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", d, want)
	}
}
