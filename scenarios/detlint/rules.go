package detlint

import (
	"go/ast"
	"go/token"
	"slices"
)

// fileCheck walks one file.
type fileCheck struct {
	fset    *token.FileSet
	file    *ast.File
	imports map[string]string // local name -> import path
	maps    *mapDecls
	locals  map[string]bool // map-typed names of the function being walked
	allowed map[int][]string
	found   []Finding
}

// Functions of the time package that read or wait on the real clock.
var wallClock = map[string]bool{"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true}

// The constructors of math/rand's generators, whose output a seed decides.
var seededRand = map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "NewSource": true, "NewZipf": true}

func (c *fileCheck) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.FuncDecl:
		c.locals = c.maps.locals(n)
	case *ast.GoStmt:
		c.report(n, RuleGoroutine, "a go statement: one goroutine runs the whole simulation")
	case *ast.SelectStmt:
		c.report(n, RuleChannel, "a select: hosted code waits on nothing but its Env")
	case *ast.ChanType:
		c.report(n, RuleChannel, "a channel: hosted code makes none")
	case *ast.ImportSpec:
		c.checkImport(n)
	case *ast.SelectorExpr:
		c.checkSelector(n)
	case *ast.RangeStmt:
		if c.maps.isMap(n.X, c.locals) && !collectsKeys(n) {
			c.report(n, RuleMapRange, "a range over a map, whose order Go randomizes: range over sorted keys")
		}
	}
	return true
}

func (c *fileCheck) checkImport(n *ast.ImportSpec) {
	switch n.Path.Value {
	case `"crypto/rand"`, `"hash/maphash"`:
		c.report(n, RuleRandom, "imports "+n.Path.Value+": randomness comes only from seeded streams")
	}
}

func (c *fileCheck) checkSelector(n *ast.SelectorExpr) {
	pkg, ok := n.X.(*ast.Ident)
	if !ok || pkg.Obj != nil { // a local variable, not a package
		return
	}
	name := n.Sel.Name
	switch c.imports[pkg.Name] {
	case "time":
		if wallClock[name] {
			c.report(n, RuleTime, "time."+name+": time comes only from the Env")
		}
	case "math/rand", "math/rand/v2":
		if ast.IsExported(name) && !seededRand[name] && !isType(name) {
			c.report(n, RuleRandom, "rand."+name+": a package-level draw; use a seeded stream")
		}
	case "os", "net", "os/exec", "syscall":
		if ast.IsExported(name) && !isErrorValue(name) {
			c.report(n, RuleOS, c.imports[pkg.Name]+"."+name+": no os or net calls inside a run; use the Env")
		}
	}
}

// isType: math/rand's exported types (Rand, Source, PCG, ChaCha8, Zipf).
func isType(name string) bool {
	return slices.Contains([]string{"Rand", "Source", "PCG", "ChaCha8", "Zipf"}, name)
}

// isErrorValue: an error sentinel such as os.ErrNotExist, which only names
// a condition.
func isErrorValue(name string) bool { return len(name) > 3 && name[:3] == "Err" }

func (c *fileCheck) report(n ast.Node, rule, text string) {
	pos := c.fset.Position(n.Pos())
	if slices.Contains(c.allowed[pos.Line], rule) {
		return
	}
	c.found = append(c.found, Finding{Pos: pos, Rule: rule, Text: text})
}

// collectsKeys recognizes the first half of ranging over sorted keys, whose
// order cannot matter: for k := range m { keys = append(keys, k) }.
func collectsKeys(r *ast.RangeStmt) bool {
	k, ok := r.Key.(*ast.Ident)
	if !ok || r.Value != nil && !isBlank(r.Value) || len(r.Body.List) != 1 {
		return false
	}
	as, ok := r.Body.List[0].(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	call, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return false
	}
	if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "append" {
		return false
	}
	arg, ok := call.Args[1].(*ast.Ident)
	return ok && arg.Name == k.Name
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}
