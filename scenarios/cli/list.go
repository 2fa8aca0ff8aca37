package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

func cmdList(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	bugs := fs.Bool("bugs", false, "list the planted bugs instead (switched on with --bug)")
	system := fs.String("system", "", "with --bugs: only this system's (when the binary holds several)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("list: unexpected argument %q", rest[0])
	}
	if *system != "" && !*bugs {
		return 0, usagef("list: --system goes with --bugs")
	}
	if *bugs {
		list, err := bugsOf(*system)
		if err != nil {
			return 0, err
		}
		if cfg.BugsNote != "" {
			fmt.Fprintln(stderr, "detsim: "+cfg.BugsNote)
		}
		if len(list) == 0 {
			fmt.Fprintln(stderr, "detsim: list: "+noBugs(*system))
		}
		for _, b := range list {
			fmt.Fprintf(stdout, "%-28s %s\n", b.Name, b.Description)
		}
		return exitPass, nil
	}
	for _, s := range scenarios.All() {
		fmt.Fprintf(stdout, "%-20s %s\n", s.Name, s.Description)
	}
	return exitPass, nil
}

// bugsOf lists the planted bugs of the named system, or of every system the
// binary's scenarios run (each name once, in the order first met).
func bugsOf(system string) ([]scenarios.Bug, error) {
	var out []scenarios.Bug
	seen, found := map[string]bool{}, system == ""
	var names []string
	for _, sys := range scenarios.Systems() {
		names = append(names, sys.Name())
		if system != "" && sys.Name() != system {
			continue
		}
		found = true
		for _, b := range sys.Bugs() {
			if !seen[b.Name] {
				seen[b.Name] = true
				out = append(out, b)
			}
		}
	}
	if !found {
		return nil, usagef("list: unknown system %q (this binary has: %s)", system, strings.Join(names, ", "))
	}
	return out, nil
}

// noBugs says on stderr why `list --bugs` printed nothing.
func noBugs(system string) string {
	if system != "" {
		return "system " + system + " has no planted bugs"
	}
	return "no system of this binary has planted bugs"
}
