// Command detsim runs detsim's deterministic simulations: see README.md.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses: a contract with scripts.
const (
	exitPass           = 0
	exitFail           = 1
	exitUsage          = 2
	exitUnknown        = 3
	exitNondeterminism = 4
)

// usageError is bad usage or bad input: one line on stderr, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `usage: detsim <command> [flags]

commands:
  list                          every scenario, one a line
  run --scenario=NAME --seed=N  one run; --trace=FILE, --history=FILE, --html=FILE, --json
  fuzz --scenario=NAME|all --seeds=COUNT
                                many seeds on every core; --start --workers --out --shard=I/N --swarm --bug
  replay FILE                   re-run a repro file; says whether the same checks failed and the trace hash matched
  shrink FILE                   minimize a failing repro; --out=FILE (default <name>.min.json), --budget=RUNS
  diff A B                      the first event where two traces differ, with context (--context=N)
  check FILE                    check a recorded key/value history for linearizability; --html=FILE
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		fmt.Fprintln(stderr, "detsim: no command given (see the usage above)")
		return exitUsage
	}
	var (
		code int
		err  error
	)
	switch args[0] {
	case "list":
		code, err = cmdList(args[1:], stdout)
	case "run":
		code, err = cmdRun(args[1:], stdout)
	case "check":
		code, err = cmdCheck(args[1:], stdout)
	case "fuzz":
		code, err = cmdFuzz(args[1:], stdout, stderr)
	case "shrink":
		code, err = cmdShrink(args[1:], stdout, stderr)
	case "replay":
		code, err = cmdReplay(args[1:], stdout)
	case "diff":
		code, err = cmdDiff(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitPass
	default:
		err = usagef("unknown command %q (try 'detsim help')", args[0])
	}
	if h, ok := err.(errHelp); ok {
		fmt.Fprintf(stdout, "usage of detsim %s:\n", h.fs.Name())
		h.fs.SetOutput(stdout)
		h.fs.PrintDefaults()
		return exitPass
	}
	if err != nil {
		// Bad usage and bad input are one line and status 2; so is a failure
		// to write an output (the run's verdict could not be delivered whole).
		fmt.Fprintf(stderr, "detsim: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
