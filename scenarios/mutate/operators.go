package mutate

import (
	"go/ast"
	"go/token"
	"strconv"
)

// The operators, each modelling a kind of bug real implementations ship.
const (
	OpCmpNegate   = "cmp-negate"   // a comparison flipped: == and !=, < and >=, > and <=
	OpCmpBoundary = "cmp-boundary" // a comparison loosened or tightened: < and <=, > and >=
	OpOffByOne    = "off-by-one"   // an index or term off by one: x+1 and x-1 become x
	OpCondNegate  = "cond-negate"  // an if's condition negated
	OpCondDrop    = "cond-drop"    // one side of && or || dropped
	OpIfAlways    = "if-always"    // an if's guard dropped: its body always runs
	OpBranchSwap  = "branch-swap"  // an if's two arms swapped
	OpStmtRemove  = "stmt-remove"  // an assignment or a call removed (a reset, a persist, a sync)
	OpReturnEarly = "return-early" // a function returns before doing anything
	OpConstChange = "const-change" // an integer constant n becomes n+1; true and false swap
)

// Operators lists every operator, in the order a report shows them.
var Operators = []string{OpCmpNegate, OpCmpBoundary, OpOffByOne, OpCondNegate, OpCondDrop, OpIfAlways,
	OpBranchSwap, OpStmtRemove, OpReturnEarly, OpConstChange}

var negated = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.GEQ, token.GEQ: token.LSS,
	token.GTR: token.LEQ, token.LEQ: token.GTR,
}

var boundary = map[token.Token]token.Token{
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
}

// operators emits every mutant of node n itself (its children get theirs
// when the walk reaches them).
func (e *enumerator) operators(n ast.Node) {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		e.binary(n)
	case *ast.IfStmt:
		e.ifStmt(n)
	case *ast.BlockStmt:
		e.stmtRemove(n.List)
	case *ast.CaseClause:
		e.stmtRemove(n.Body)
	case *ast.CommClause:
		e.stmtRemove(n.Body)
	case *ast.BasicLit:
		if n.Kind == token.INT {
			if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				e.emit(OpConstChange, n.Pos(), n.End(), strconv.FormatInt(v+1, 10))
			}
		}
	case *ast.Ident:
		if n.Name == "true" || n.Name == "false" {
			e.emit(OpConstChange, n.Pos(), n.End(), map[string]string{"true": "false", "false": "true"}[n.Name])
		}
	}
}

func (e *enumerator) binary(n *ast.BinaryExpr) {
	x, y := e.text(n.X), e.text(n.Y)
	with := func(op token.Token) string { return x + " " + op.String() + " " + y }
	if to, ok := negated[n.Op]; ok {
		e.emit(OpCmpNegate, n.Pos(), n.End(), with(to))
	}
	if to, ok := boundary[n.Op]; ok {
		e.emit(OpCmpBoundary, n.Pos(), n.End(), with(to))
	}
	if (n.Op == token.ADD || n.Op == token.SUB) && isOne(n.Y) {
		e.emit(OpOffByOne, n.Pos(), n.End(), x)
	}
	if n.Op == token.LAND || n.Op == token.LOR {
		e.condDrop(n, n.X, n.Y)
		e.condDrop(n, n.Y, n.X)
	}
}

// condDrop replaces n by keep, dropping gone. Dropping a planted-bug
// switch is no mutant: with the bug off, the switch was already inert.
func (e *enumerator) condDrop(n *ast.BinaryExpr, keep, gone ast.Expr) {
	if r := e.skip[gone]; r != "" && e.reason == "" {
		e.excluded[r]++
		return
	}
	e.emit(OpCondDrop, n.Pos(), n.End(), e.text(keep))
}

func isOne(x ast.Expr) bool {
	l, ok := x.(*ast.BasicLit)
	return ok && l.Kind == token.INT && l.Value == "1"
}

func (e *enumerator) ifStmt(n *ast.IfStmt) {
	if r := e.skip[n.Cond]; r != "" && e.reason == "" { // a planted-bug branch: its arms are judged on their own
		e.excluded[r] += countIf(condNegation(n.Cond, e.text) != "") + countIf(n.Else == nil && !onlyPanics(n.Body)) + countIf(isBlock(n.Else))
		return
	}
	cond := n.Cond
	if neg := condNegation(cond, e.text); neg != "" {
		e.emit(OpCondNegate, cond.Pos(), cond.End(), neg)
	}
	if n.Else == nil && !onlyPanics(n.Body) { // an assertion made to fire is cond-negate's
		always := "true"
		if n.Init != nil {
			always = "(" + e.text(cond) + ") || true" // keeps what the init declares in use
		}
		e.emit(OpIfAlways, cond.Pos(), cond.End(), always)
	}
	if els, ok := n.Else.(*ast.BlockStmt); ok {
		e.emit(OpBranchSwap, n.Body.Pos(), els.End(), e.text(els)+" else "+e.text(n.Body))
	}
}

// condNegation is cond-negate's text for an if's condition, or "" where
// the operator does not apply.
func condNegation(cond ast.Expr, text func(ast.Node) string) string {
	switch c := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		if _, isCmp := negated[c.Op]; isCmp { // a comparison's negation is cmp-negate's
			return ""
		}
		return "!(" + text(cond) + ")"
	case *ast.UnaryExpr:
		if c.Op == token.NOT {
			return text(c.X)
		}
		return ""
	default:
		return "!" + text(cond)
	}
}

// stmtRemove removes each statement of a list that does something a bug
// could forget: an assignment (not a declaration), an increment, a call.
func (e *enumerator) stmtRemove(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				continue
			}
		case *ast.IncDecStmt:
		case *ast.ExprStmt:
			if _, ok := s.X.(*ast.CallExpr); !ok {
				continue
			}
		default:
			continue
		}
		if r := e.exclusionOf(s); r != "" && e.reason == "" {
			e.excluded[r]++
			continue
		}
		e.emit(OpStmtRemove, s.Pos(), s.End(), "")
	}
}

// returnEarly makes a function return at once: only one without results
// or with named ones, where a bare return compiles.
func (e *enumerator) returnEarly(d *ast.FuncDecl) {
	res := d.Type.Results
	if res != nil && len(res.List) > 0 && len(res.List[0].Names) == 0 {
		return
	}
	if len(d.Body.List) == 0 {
		return
	}
	first := d.Body.List[0]
	e.emit(OpReturnEarly, first.Pos(), first.End(), "return\n"+e.text(first))
}

func countIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isBlock(s ast.Stmt) bool {
	_, ok := s.(*ast.BlockStmt)
	return ok
}
