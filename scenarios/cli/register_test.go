package cli

import (
	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/planted"
)

// The tests run the command line as cmd/detsim configures it.
func init() {
	catalog.Register()
	cfg = Config{GoRun: "go run ./cmd/detsim"}
	if planted.Enabled {
		cfg.GoRun = "go run -tags detsimbugs ./cmd/detsim"
		cfg.VersionNote = "planted bugs: built in (-tags detsimbugs)"
	} else {
		cfg.BugsNote = "this build has the bugs compiled out; to switch one on with --bug, build " + planted.BuildCommand
	}
}
