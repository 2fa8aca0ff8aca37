package detlint

import "go/ast"

// mapDecls is what a package's own declarations say is a map: named types
// whose type is a map, struct fields, package variables and functions'
// results of map type. It reads syntax only, so it is an approximation:
// names are matched by name (a field of map type makes every selector of
// that name a map), and maps reached through other packages are not seen.
type mapDecls struct {
	types, fields, vars, funcs map[string]bool
}

func mapNames(files []*ast.File) *mapDecls {
	m := &mapDecls{types: map[string]bool{}, fields: map[string]bool{}, vars: map[string]bool{}, funcs: map[string]bool{}}
	for _, f := range files { // named map types first: the rest refer to them
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if _, isMap := ts.Type.(*ast.MapType); isMap {
					m.types[ts.Name.Name] = true
				}
			}
			return true
		})
	}
	for _, f := range files {
		for _, d := range f.Decls {
			m.collect(d)
		}
	}
	return m
}

func (m *mapDecls) collect(d ast.Decl) {
	ast.Inspect(d, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.StructType:
			for _, fld := range n.Fields.List {
				if m.isMapType(fld.Type) {
					for _, name := range fld.Names {
						m.fields[name.Name] = true
					}
				}
			}
		case *ast.FuncDecl:
			if n.Type.Results != nil && len(n.Type.Results.List) == 1 && m.isMapType(n.Type.Results.List[0].Type) {
				m.funcs[n.Name.Name] = true
			}
		}
		return true
	})
	if g, ok := d.(*ast.GenDecl); ok {
		for _, s := range g.Specs {
			if vs, ok := s.(*ast.ValueSpec); ok && m.specIsMap(vs) {
				for _, name := range vs.Names {
					m.vars[name.Name] = true
				}
			}
		}
	}
}

// locals are the map-typed parameters and variables of one function.
func (m *mapDecls) locals(fn *ast.FuncDecl) map[string]bool {
	locals := map[string]bool{}
	for _, list := range []*ast.FieldList{fn.Recv, fn.Type.Params, fn.Type.Results} {
		if list == nil {
			continue
		}
		for _, fld := range list.List {
			if m.isMapType(fld.Type) {
				for _, name := range fld.Names {
					locals[name.Name] = true
				}
			}
		}
	}
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			if m.specIsMap(n) {
				for _, name := range n.Names {
					locals[name.Name] = true
				}
			}
		case *ast.AssignStmt:
			if n.Tok.String() == ":=" && len(n.Lhs) == len(n.Rhs) {
				for i, r := range n.Rhs {
					if id, ok := n.Lhs[i].(*ast.Ident); ok && m.isMapValue(r) {
						locals[id.Name] = true
					}
				}
			}
		}
		return true
	})
	return locals
}

func (m *mapDecls) specIsMap(vs *ast.ValueSpec) bool {
	if vs.Type != nil {
		return m.isMapType(vs.Type)
	}
	for _, v := range vs.Values {
		if m.isMapValue(v) {
			return true
		}
	}
	return false
}

func (m *mapDecls) isMapType(t ast.Expr) bool {
	switch t := t.(type) {
	case *ast.MapType:
		return true
	case *ast.Ident:
		return m.types[t.Name]
	}
	return false
}

// isMapValue: a map literal, make(map...), or a call of a function that
// returns a map.
func (m *mapDecls) isMapValue(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.CompositeLit:
		return m.isMapType(e.Type)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			if id.Name == "make" && len(e.Args) > 0 {
				return m.isMapType(e.Args[0])
			}
			return m.funcs[id.Name]
		}
	}
	return false
}

// isMap reports whether a ranged expression is a map, as far as the
// declarations tell.
func (m *mapDecls) isMap(x ast.Expr, locals map[string]bool) bool {
	switch x := x.(type) {
	case *ast.Ident:
		return locals[x.Name] || m.vars[x.Name]
	case *ast.SelectorExpr:
		return m.fields[x.Sel.Name]
	case *ast.ParenExpr:
		return m.isMap(x.X, locals)
	}
	return m.isMapValue(x)
}
