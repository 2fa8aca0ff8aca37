package scenarios

import (
	"runtime/debug"
	"testing"
)

func TestModuleVersionComesFromTheBuildInfo(t *testing.T) {
	const path = "github.com/detsim/detsim"
	for _, c := range []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install @v1.4.0", debug.BuildInfo{Main: debug.Module{Path: path, Version: "v1.4.0"}}, "v1.4.0"},
		{"a clone", debug.BuildInfo{Main: debug.Module{Path: path, Version: "(devel)"}}, Version},
		{"a dependency", debug.BuildInfo{Main: debug.Module{Path: "example.com/mine"}, Deps: []*debug.Module{{Path: path, Version: "v1.3.2"}}}, "v1.3.2"},
		{"a replaced dependency", debug.BuildInfo{Main: debug.Module{Path: "example.com/mine"},
			Deps: []*debug.Module{{Path: path, Version: "v0.0.0", Replace: &debug.Module{Path: "../detsim"}}}}, Version + " (replaced by ../detsim)"},
		{"no version", debug.BuildInfo{Main: debug.Module{Path: "example.com/mine"}}, Version},
	} {
		if got := moduleVersion(&c.info); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
