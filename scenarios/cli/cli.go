// Package cli is detsim's whole command line — list, run, fuzz (shards,
// swarm), replay, shrink, diff, check, help, version — for any binary that
// registers its scenarios: Main is one call, and the exit statuses, flags,
// summaries and file formats are the README's, the same as
// cmd/detsim's.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

// Exit statuses: a contract with scripts.
const (
	exitPass           = 0
	exitFail           = 1
	exitUsage          = 2
	exitUnknown        = 3
	exitNondeterminism = 4
	exitInterrupted    = 130 // a campaign stopped by SIGINT before it found a failure
	exitTerminated     = 143 // the same, stopped by SIGTERM
)

// usageError is bad usage or bad input: one line on stderr, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `usage: detsim <command> [flags]

commands:
  list                          every scenario, one a line; --bugs: the planted bugs
  run --scenario=NAME --seed=N  one run; --trace=FILE, --history=FILE, --html=FILE, --json, --swarm, --bug
  fuzz --scenario=NAME[,NAME...]|all --seeds=COUNT
                                many seeds on every core; --start --workers --out --shard=I/N --swarm --bug --stop-at-first
  replay FILE                   re-run a repro file; says whether the same checks failed and the trace hash matched;
                                takes run's --trace, --history, --html, --json
  shrink FILE                   minimize a failing repro; --out=FILE (default <name>.min.json), --budget=RUNS
  upgrade FILE...               convert repro files of an older format (in place, or --out=FILE)
  mutate --pkg=./P[,./Q] --scenario=NAME[,NAME...]|all
                                mutation testing: each mutant of the packages built and run against the campaign;
                                --seeds --build --tags --swarm --timeout --out --equivalents --shard=I/N --sample=N
                                --sample-seed --min-score --json; --list, --show=ID, --exec=ID ARGS...
  diff A B                      the first event where two traces differ, with context (--context=N)
  check FILE                    check a recorded key/value history for linearizability; --html=FILE
  help [COMMAND]                this text, or a command's flags (also: detsim COMMAND -h)
  version                       detsim's version, VCS revision and Go version (also: --version)

Flags take --name=value or --name value, before or after the arguments.
A FILE of - is standard input (check, replay); --trace=- and --history=-
write to standard output.
`

// Config is what a binary says of itself to the command line.
type Config struct {
	// GoRun is the command that runs this program under `go run` (as
	// "go run ./cmd/mytool"): a binary built by go run is a temporary file,
	// so the replay hints and rerun lines it prints name this instead.
	// Empty: "go run ." .
	GoRun string
	// BugsNote, if set, is printed on standard error by `list --bugs`: how
	// to get a build whose planted bugs can be switched on, say.
	BugsNote string
	// VersionNote, if set, is a line `version` prints after the versions.
	VersionNote string
}

// cfg is the running binary's Config (Main sets it; one per process).
var cfg Config

// Main runs the command line of os.Args with the scenarios registered so
// far, and exits with its status.
func Main(c Config) {
	cfg = c
	if cfg.GoRun == "" {
		cfg.GoRun = "go run ."
	}
	progName = programName(os.Args[0], cfg.GoRun)
	if p := os.Getenv(programEnv); p != "" {
		progName = p // a mutant run by mutate --exec: its temporary binary is gone after
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// programEnv names, for a child such as a mutant that mutate --exec runs,
// the command that runs it again, for the hints it prints.
const programEnv = "DETSIM_PROGRAM"

// progName is how the commands detsim prints (replay hints, rerun lines)
// name the program: the binary that printed them can run them, and a repro
// with a planted bug may need that very (bug) build.
var progName = "detsim"

// programName is the command that runs this binary again, from its argv[0]:
// as typed ("./detsim-bugs", "detsim" from PATH), or for `go run`, whose
// binary is a temporary file, the go run line itself.
func programName(argv0, goRun string) string {
	if strings.Contains(argv0, string(filepath.Separator)+"go-build") {
		return goRun
	}
	if argv0 == "" {
		return "detsim"
	}
	return argv0
}

// commands maps each command to what runs it.
var commands = map[string]func(args []string, stdout, stderr io.Writer) (int, error){
	"list":    cmdList,
	"run":     cmdRun,
	"check":   cmdCheck,
	"fuzz":    cmdFuzz,
	"shrink":  cmdShrink,
	"replay":  cmdReplay,
	"upgrade": cmdUpgrade,
	"mutate":  cmdMutate,
	"diff":    func(a []string, o, _ io.Writer) (int, error) { return cmdDiff(a, o) },
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "detsim: no command given (see the usage above)")
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help", "version", "-version", "--version":
		if len(args) > 2 || args[0] != "help" && len(args) > 1 {
			fmt.Fprintf(stderr, "detsim: %s: unexpected argument %q\n", args[0], args[len(args)-1])
			return exitUsage
		}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			switch args[1] {
			case "help", "version":
				fmt.Fprint(stdout, usage)
				return exitPass
			}
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "-h"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "detsim: help: unknown command %q (try '%s help')\n", args[1], progName)
			return exitUsage
		}
		fmt.Fprint(stdout, usage)
		return exitPass
	case "version", "-version", "--version":
		printVersion(stdout)
		return exitPass
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "detsim: unknown command %q (try '%s help')\n", args[0], progName)
		return exitUsage
	}
	code, err := cmd(args[1:], stdout, stderr)
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

// printVersion prints what `detsim --version` promises: detsim's version,
// the VCS revision it was built from and the Go that built it.
func printVersion(w io.Writer) {
	b := scenarios.ThisBuild()
	rev := b.Revision
	if rev == "" {
		rev = "unknown (built without VCS information)"
	}
	fmt.Fprintf(w, "detsim %s\nrevision %s\ngo %s\n", b.Version, rev, b.Go)
	if b.Mutant != "" {
		fmt.Fprintf(w, "mutant %s (a build of detsim mutate)\n", b.Mutant)
	}
	if cfg.VersionNote != "" {
		fmt.Fprintln(w, cfg.VersionNote)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
