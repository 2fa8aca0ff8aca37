// Command detsim runs detsim's bundled scenarios (Raft and the key/value
// service) through the embeddable command line: see README.md.
package main

import (
	"github.com/detsim/detsim/catalog"
	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios/cli"
)

func main() {
	catalog.Register()
	c := cli.Config{GoRun: "go run ./cmd/detsim"}
	if planted.Enabled {
		c.GoRun = "go run -tags detsimbugs ./cmd/detsim"
		c.VersionNote = "planted bugs: built in (-tags detsimbugs)"
	} else {
		c.BugsNote = "this build has the bugs compiled out; to switch one on with --bug, build " + planted.BuildCommand
	}
	cli.Main(c)
}
