package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios"
)

func cmdList(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	bugs := fs.Bool("bugs", false, "list the planted bugs instead (switched on with --bug in builds with -tags detsimbugs)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("list: unexpected argument %q", rest[0])
	}
	if *bugs {
		if !planted.Enabled {
			fmt.Fprintf(stderr, "detsim: this build has the bugs compiled out; to switch one on with --bug, build %s\n", planted.BuildCommand)
		}
		for _, b := range planted.All() {
			fmt.Fprintf(stdout, "%-28s %s\n", b.Name(), b.Description())
		}
		return exitPass, nil
	}
	for _, s := range scenarios.All() {
		fmt.Fprintf(stdout, "%-20s %s\n", s.Name, s.Description)
	}
	return exitPass, nil
}
