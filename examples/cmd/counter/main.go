// Command counter is detsim's command line for the example counter: every
// command of detsim (list, run, fuzz, replay, shrink, diff, check) over the
// counter's scenarios.
package main

import (
	"github.com/detsim/detsim/examples/countersim"
	"github.com/detsim/detsim/scenarios/cli"
)

func main() {
	countersim.Register()
	cli.Main(cli.Config{GoRun: "go run ./cmd/counter"})
}
