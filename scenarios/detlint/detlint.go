// Package detlint checks Go source that runs inside a detsim simulation
// against the determinism rules (README, "Determinism rules"): one goroutine
// runs a whole simulation, so hosted code starts no goroutines, makes no
// channels and never selects; time comes only from its sim.Env and
// randomness only from seeded streams, so it never calls time.Now, sleeps,
// or draws from math/rand's package-level functions, crypto/rand or
// hash/maphash; it makes no os or net calls; and it never ranges over a
// map, whose order Go randomizes (iterate sorted keys instead).
//
// detsim's own tests run it over the code that runs inside a simulation
// (sim without sim/realenv, raft, raft/logservice, raft/raftcheck, kv); a
// user runs it over their system the same way, from a test:
//
//	findings, err := detlint.CheckDir("../mysystem")
//
// A line may be exempted, with its reason, by a comment on it or on the
// line before: //detsim:allow <rule> <why>. The check reads syntax, plus
// the types of the package's own declarations for the map rule; a map
// reached through another package's types is not seen.
package detlint

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Rules, as findings name them.
const (
	RuleGoroutine = "goroutine"   // a go statement
	RuleChannel   = "channel"     // a channel type or a select
	RuleTime      = "wall-clock"  // time.Now, Sleep, timers: the real clock
	RuleRandom    = "global-rand" // math/rand's package-level functions, crypto/rand, hash/maphash
	RuleOS        = "os"          // os and net calls
	RuleMapRange  = "map-range"   // range over a map
)

// Finding is one place that breaks a rule.
type Finding struct {
	Pos  token.Position
	Rule string
	Text string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s: %s", f.Pos, f.Rule, f.Text) }

// CheckDir checks the package in dir: its .go files but the tests'.
func CheckDir(dir string) ([]Finding, error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("detlint: no Go files in %s", dir)
	}
	return CheckFiles(fset, files), nil
}

// CheckFiles checks parsed files of one package, sorted by position.
func CheckFiles(fset *token.FileSet, files []*ast.File) []Finding {
	maps := mapNames(files)
	var out []Finding
	for _, f := range files {
		c := &fileCheck{fset: fset, file: f, imports: importNames(f), maps: maps, allowed: allowedLines(fset, f)}
		ast.Inspect(f, c.visit)
		out = append(out, c.found...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return out
}

// importNames maps each import's local name to its path.
func importNames(f *ast.File) map[string]string {
	names := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndexByte(path, '/')+1:]
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = path
	}
	return names
}

// allowedLines are the lines exempted by a //detsim:allow comment, by rule.
func allowedLines(fset *token.FileSet, f *ast.File) map[int][]string {
	allowed := map[int][]string{}
	for _, g := range f.Comments {
		for _, c := range g.List {
			rest, ok := strings.CutPrefix(c.Text, "//detsim:allow ")
			if !ok {
				continue
			}
			rule, _, _ := strings.Cut(rest, " ")
			line := fset.Position(c.Pos()).Line
			allowed[line] = append(allowed[line], rule)
			allowed[line+1] = append(allowed[line+1], rule)
		}
	}
	return allowed
}
