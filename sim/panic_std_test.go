package sim

import "testing"

// Under -trimpath the standard library is told by import path.
func TestIsStdFuncByImportPath(t *testing.T) {
	for _, c := range []struct {
		fn, main string
		want     bool
	}{
		{"strings.Repeat", "github.com/detsim/detsim", true},
		{"encoding/json.(*decodeState).object", "github.com/detsim/detsim", true},
		{"github.com/detsim/detsim/kv.(*Server).apply", "github.com/detsim/detsim", false},
		{"example.com/reg.(*Node).step", "github.com/detsim/detsim", false},
		{"main.main", "", false},
		{"myproj/store.(*Log).append", "myproj", false}, // a module named without a dot
		{"myproj.run", "myproj", false},
	} {
		if got := isStdFunc(c.fn, c.main); got != c.want {
			t.Errorf("isStdFunc(%q, %q) = %v, want %v", c.fn, c.main, got, c.want)
		}
	}
}
