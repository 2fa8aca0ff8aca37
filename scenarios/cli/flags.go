package cli

import (
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
)

// parseFlags parses flags given before or after positional arguments, as
// --name=value or --name value (a boolean flag takes no separate value, as
// with Go's flag package), and returns the positionals. "-" alone is a
// positional (standard input or output); "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			if i+1 == len(args) {
				return nil, usagef("%s: flag needs a value: %s", fs.Name(), a)
			}
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp{fs}
		}
		return nil, usagef("%s: %v", fs.Name(), err)
	}
	return positional, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
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
