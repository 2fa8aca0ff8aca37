package mutate

import (
	"go/ast"
	"go/token"
	"strings"
)

// Why a mutant is not made. Each is counted and reported, never silent.
const (
	// exclText: the text of trace lines, errors and String methods:
	// changing what a message says changes no behaviour a check can see.
	exclText = "text"
	// exclPlanted: a planted-bug switch (an expression reading a testing
	// knob, `Testing` or package `planted`) and the branch it guards: with
	// the bug off, the branch never runs.
	exclPlanted = "planted-bug"
	// exclInstrumentation: calls that feed detsim and change nothing in
	// the system: observer hooks, coverage probes, tracing and logging.
	exclInstrumentation = "instrumentation"
	// exclAssertion: a panic call, or a guard made to skip one: in a
	// correct system an assertion never fires, so removing it is never seen.
	exclAssertion = "assertion"
	// exclEnum: constants of an iota block: their values only name things.
	exclEnum = "enum"
	// exclDirective: a //detsim:nomutate comment on the line or the line
	// above, in a function's doc comment, or above the package clause (the
	// whole file: code that only feeds detsim, such as a digest for the
	// checker).
	exclDirective = "directive"
)

const directive = "//detsim:nomutate"

// textFuncs are methods whose result is text for people.
var textFuncs = map[string]bool{"String": true, "GoString": true, "Error": true, "Format": true}

// instrumentationHolders are the names of values whose calls only observe.
// (Not "log": that is a Raft node's log, whose calls are the protocol.)
var instrumentationHolders = map[string]bool{"obs": true, "observer": true, "Observer": true, "tracer": true, "logger": true}

// instrumentationCalls are the names of methods that only observe.
var instrumentationCalls = map[string]bool{"Trace": true, "Tracef": true, "Logf": true, "Probe": true, "probe": true,
	"Debugf": true, "Printf": true, "Println": true}

func funcExclusion(d *ast.FuncDecl) string {
	switch name := d.Name.Name; {
	case hasDirective(d.Doc):
		return exclDirective
	case textFuncs[name] && d.Recv != nil, strings.HasPrefix(name, "Describe"), strings.HasPrefix(name, "describe"):
		return exclText
	}
	return ""
}

func genExclusion(d *ast.GenDecl) string {
	if hasDirective(d.Doc) {
		return exclDirective
	}
	if d.Tok == token.CONST && mentions(d, "iota") {
		return exclEnum
	}
	return ""
}

// exclusionOf is why the subtree at n is excluded, or "".
func (e *enumerator) exclusionOf(n ast.Node) string {
	if r := e.skip[n]; r != "" {
		return r
	}
	if s, ok := n.(*ast.ExprStmt); ok {
		n = s.X
	}
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return ""
	}
	return callExclusion(call)
}

// callExclusion is why a call is excluded, or "".
func callExclusion(call *ast.CallExpr) string {
	switch fn := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if fn.Name == "panic" {
			return exclAssertion
		}
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && (pkg.Name == "fmt" || pkg.Name == "errors") {
			return exclText
		}
		if instrumentationHolders[holderName(fn.X)] || instrumentationCalls[fn.Sel.Name] {
			return exclInstrumentation
		}
	}
	return ""
}

// holderName is the last name of a receiver expression: obs in h.obs.
func holderName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

// observingConds finds the conditions of ifs without an else whose body
// only observes (a probe, a trace line): such a condition decides what is
// reported, never what the system does, so its mutants are
// instrumentation's. A condition that calls a function is left alone:
// if-always would drop the call, which is a mutant of the system.
func observingConds(f *ast.File, skip map[ast.Node]string) {
	ast.Inspect(f, func(n ast.Node) bool {
		if n, ok := n.(*ast.IfStmt); ok && n.Else == nil && onlyObserves(n.Body) && !callsAny(n.Cond) && skip[n.Cond] == "" {
			skip[n.Cond] = exclInstrumentation
		}
		return true
	})
}

// callsAny reports whether x calls a function other than len or cap.
func callsAny(x ast.Expr) bool {
	calls := false
	ast.Inspect(x, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(c.Fun).(*ast.Ident); !ok || (id.Name != "len" && id.Name != "cap") {
				calls = true
			}
		}
		return !calls
	})
	return calls
}

// onlyObserves reports whether a block does nothing but instrumentation
// calls.
func onlyObserves(b *ast.BlockStmt) bool {
	if len(b.List) == 0 {
		return false
	}
	for _, s := range b.List {
		es, ok := s.(*ast.ExprStmt)
		if !ok {
			return false
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok || callExclusion(call) != exclInstrumentation {
			return false
		}
	}
	return true
}

// plantedSubtrees finds the planted-bug switches of a file and what they
// decide. With every bug off a switch is a constant, and so is any && or
// || it settles: mutating such a condition, or code it never lets run,
// changes nothing a run can show.
func plantedSubtrees(f *ast.File) map[ast.Node]string {
	skip := map[ast.Node]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			if v, known := offValue(n.Cond); known {
				skip[n.Cond] = exclPlanted
				if !v {
					skip[n.Body] = exclPlanted
				} else if n.Else != nil {
					skip[n.Else] = exclPlanted
				}
			}
		case *ast.CaseClause:
			if neverTaken(n) {
				skip[n] = exclPlanted
			}
		case *ast.BinaryExpr:
			if _, known := offValue(n); known && (n.Op == token.LAND || n.Op == token.LOR) {
				skip[n] = exclPlanted
				return false
			}
			if n.Op == token.LAND || n.Op == token.LOR {
				for _, side := range []ast.Expr{n.X, n.Y} {
					if _, known := offValue(side); known {
						skip[side] = exclPlanted
					}
				}
			}
		case *ast.CallExpr:
			if isPlanted(n) {
				skip[n] = exclPlanted
			}
		}
		return true
	})
	return skip
}

// neverTaken reports whether every expression of a case clause is false
// with the bugs off.
func neverTaken(c *ast.CaseClause) bool {
	if len(c.List) == 0 {
		return false
	}
	for _, x := range c.List {
		if v, known := offValue(x); !known || v {
			return false
		}
	}
	return true
}

// offValue is a condition's value with every planted bug off, when that
// value depends on nothing else: a switch (a call reading a testing knob,
// or a knob compared with ==) is false, negations and the && and || they
// settle follow.
func offValue(x ast.Expr) (value, known bool) {
	switch x := ast.Unparen(x).(type) {
	case *ast.UnaryExpr:
		if x.Op == token.NOT {
			v, k := offValue(x.X)
			return !v, k
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.LAND, token.LOR:
			settles := x.Op == token.LOR // true settles ||, false settles &&
			a, ka := offValue(x.X)
			b, kb := offValue(x.Y)
			switch {
			case ka && a == settles, kb && b == settles:
				return settles, true
			case ka && kb:
				return !settles, true
			}
			return false, false
		case token.EQL, token.NEQ:
			if isPlanted(x) {
				// A knob is its zero value with the bugs off.
				equal := isZero(x.X) || isZero(x.Y)
				return equal == (x.Op == token.EQL), true
			}
		}
	case *ast.CallExpr, *ast.SelectorExpr:
		if isPlanted(x) {
			return false, true
		}
	}
	return false, false
}

// isZero reports whether x is a literal zero value: "", 0, nil, false.
func isZero(x ast.Expr) bool {
	switch x := ast.Unparen(x).(type) {
	case *ast.BasicLit:
		return x.Value == `""` || x.Value == "0" || x.Value == "``"
	case *ast.Ident:
		return x.Name == "nil" || x.Name == "false"
	}
	return false
}

// isPlanted reports whether an expression reads a planted-bug switch.
func isPlanted(x ast.Node) bool { return mentions(x, "planted") || mentions(x, "Testing") }

// mentions reports whether an identifier called name occurs under n.
func mentions(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// onlyPanics reports whether a block does nothing but panic.
func onlyPanics(b *ast.BlockStmt) bool {
	if len(b.List) == 0 {
		return false
	}
	for _, s := range b.List {
		es, ok := s.(*ast.ExprStmt)
		if !ok {
			return false
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok {
			return false
		}
		if id, isIdent := call.Fun.(*ast.Ident); !isIdent || id.Name != "panic" {
			return false
		}
	}
	return true
}

// fileDirective reports a //detsim:nomutate above the package clause.
func fileDirective(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() < f.Package && hasDirective(g) {
			return true
		}
	}
	return false
}

func hasDirective(g *ast.CommentGroup) bool {
	if g == nil {
		return false
	}
	for _, c := range g.List {
		if strings.HasPrefix(c.Text, directive) {
			return true
		}
	}
	return false
}

// directiveLines are the lines a //detsim:nomutate comment covers: its
// own, and the next one when the comment stands alone on its line.
func directiveLines(fset *token.FileSet, f *ast.File, src []byte) map[int]bool {
	lines := map[int]bool{}
	for _, g := range f.Comments {
		for _, c := range g.List {
			if !strings.HasPrefix(c.Text, directive) {
				continue
			}
			p := fset.Position(c.Pos())
			lines[p.Line] = true
			lineStart := p.Offset - (p.Column - 1)
			if strings.TrimSpace(string(src[lineStart:p.Offset])) == "" {
				lines[p.Line+1] = true
			}
		}
	}
	return lines
}
