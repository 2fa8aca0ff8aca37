package main

import (
	"flag"
	"fmt"
	"io"

	"detsim/scenarios"
)

func cmdList(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("list: unexpected argument %q", rest[0])
	}
	for _, s := range scenarios.All() {
		fmt.Fprintf(stdout, "%-20s %s\n", s.Name, s.Description)
	}
	return exitPass, nil
}
