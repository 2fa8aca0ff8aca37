package mutate

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
)

// Excluded counts, by reason, the mutants not made (see exclude.go).
type Excluded map[string]int

// Add adds other's counts to e.
func (e Excluded) Add(other Excluded) {
	for k, v := range other {
		e[k] += v
	}
}

// EnumerateFile lists the mutants of one Go source file of package pkg
// (its import path), in source order, and counts those excluded. A
// package of several files is Enumerate's: the occurrences its IDs count
// span the package.
func EnumerateFile(pkg, filename string, src []byte) ([]Mutant, Excluded, error) {
	return enumerateFile(pkg, filename, src, map[string]int{})
}

func enumerateFile(pkg, filename string, src []byte, seen map[string]int) ([]Mutant, Excluded, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("mutate: %v", err)
	}
	e := &enumerator{pkg: pkg, file: filename, src: src, fset: fset, excluded: Excluded{},
		directive: directiveLines(fset, f, src), skip: plantedSubtrees(f), seen: seen}
	observingConds(f, e.skip)
	if fileDirective(f) {
		e.wholeFile = exclDirective
	}
	for _, d := range f.Decls {
		e.decl(d)
	}
	sort.SliceStable(e.out, func(i, j int) bool { return e.out[i].Offset < e.out[j].Offset })
	return e.out, e.excluded, nil
}

// enumerator walks one file, emitting mutants through its operators.
type enumerator struct {
	pkg, file string
	src       []byte
	fset      *token.FileSet
	directive map[int]bool        // lines a //detsim:nomutate covers
	skip      map[ast.Node]string // subtrees excluded, with the reason
	seen      map[string]int      // occurrences, for IDs
	fn        string              // the enclosing function
	reason    string              // why the current subtree is excluded, or ""
	wholeFile string              // why the whole file is excluded, or ""
	out       []Mutant
	excluded  Excluded
}

func (e *enumerator) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		e.fn, e.reason = funcName(d, e.file), cmp.Or(e.wholeFile, funcExclusion(d))
		if d.Body == nil {
			return
		}
		e.returnEarly(d)
		e.walk(d.Body)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			name := specName(d.Tok, spec)
			if name == "" {
				continue // an import
			}
			e.fn, e.reason = name, cmp.Or(e.wholeFile, genExclusion(d))
			e.walk(spec)
		}
	}
}

// specName names a package-level declaration in IDs: "var.a,b",
// "const.limit", "type.node" (keywords, so never a type's method); "" for
// an import.
func specName(tok token.Token, spec ast.Spec) string {
	switch s := spec.(type) {
	case *ast.ValueSpec:
		var names []string
		for _, n := range s.Names {
			names = append(names, n.Name)
		}
		return tok.String() + "." + strings.Join(names, ",")
	case *ast.TypeSpec:
		return "type." + s.Name.Name
	}
	return ""
}

// walk applies every operator to every node under n, keeping track of
// the exclusion that covers each subtree.
func (e *enumerator) walk(n ast.Node) {
	outer := e.reason
	var reasons []string
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil {
			reasons = reasons[:len(reasons)-1]
			e.reason = outer
			if len(reasons) > 0 {
				e.reason = reasons[len(reasons)-1]
			}
			return true
		}
		if e.reason == "" {
			e.reason = e.exclusionOf(n)
		}
		reasons = append(reasons, e.reason)
		e.operators(n)
		return true
	})
	e.reason = outer
}

// emit records a mutant replacing the source from start to end by repl,
// or counts it as excluded.
func (e *enumerator) emit(op string, start, end token.Pos, repl string) {
	s, t := e.offset(start), e.offset(end)
	orig := string(e.src[s:t])
	if orig == repl {
		return
	}
	line := e.fset.Position(start).Line
	switch {
	case e.reason != "":
		e.excluded[e.reason]++
		return
	case e.directive[line]:
		e.excluded[exclDirective]++
		return
	}
	key := e.fn + "\x00" + op + "\x00" + orig + "\x00" + repl
	occ := e.seen[key]
	e.seen[key]++
	e.out = append(e.out, Mutant{ID: mutantID(e.pkg, e.fn, op, orig, repl, occ), Package: e.pkg, File: e.file,
		Line: line, Func: e.fn, Operator: op, Original: orig, Mutated: repl, Offset: s})
}

func (e *enumerator) offset(p token.Pos) int { return e.fset.Position(p).Offset }

// text is a node's source.
func (e *enumerator) text(n ast.Node) string {
	return string(e.src[e.offset(n.Pos()):e.offset(n.End())])
}

// funcName is "Type.method" for a method, the name for a function, and
// "init@file.go" for an init (a package may have one per file).
func funcName(d *ast.FuncDecl, file string) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		if d.Name.Name == "init" {
			return "init@" + filepath.Base(file)
		}
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + d.Name.Name
		}
		return d.Name.Name
	}
}
