package main

import (
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
)

// parseFlags parses --name=value flags given before or after positional
// arguments, and returns the positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			continue
		}
		positional = append(positional, a)
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp{fs}
		}
		return nil, usagef("%s: %v", fs.Name(), err)
	}
	return positional, nil
}

// parseSeed accepts a decimal uint64.
func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usagef("seed %q is not a number from 0 to %d", s, uint64(1<<64-1))
	}
	return v, nil
}

// errHelp asks for a command's flags to be printed, and exit 0.
type errHelp struct{ fs *flag.FlagSet }

func (e errHelp) Error() string { return "help requested" }
