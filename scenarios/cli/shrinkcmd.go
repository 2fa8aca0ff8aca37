package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

func cmdShrink(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("shrink", flag.ContinueOnError)
	out := fs.String("out", "", "where to write the smaller repro (default: <input>.min.json)")
	budget := fs.Int("budget", 300, "the most runs to spend")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("shrink: need exactly one repro FILE")
	}
	if *budget <= 0 {
		return 0, usagef("shrink: --budget must be positive")
	}
	r, err := scenarios.ReadRepro(rest[0])
	if err != nil {
		return 0, usageError{err.Error()}
	}
	if r.Signature.Check == scenarios.NondeterminismCheck {
		return 0, usagef("shrink: %s records nondeterminism, which no single run shows: replay it (it runs twice) to see whether it recurs", rest[0])
	}
	if *out == "" {
		*out = strings.TrimSuffix(rest[0], ".json") + ".min.json"
	}
	if err := distinctFiles(rest, *out); err != nil {
		return 0, usagef("shrink: --out: %v", err)
	}
	if err := checkOutFile(*out); err != nil {
		return 0, usagef("shrink: --out=%s: %v", *out, err)
	}
	lessGC()
	res, err := scenarios.Shrink(r, scenarios.ShrinkConfig{Budget: *budget, Progress: func(s scenarios.ShrinkStep) {
		fmt.Fprintf(stderr, "shrink run %d/%d: %s (%s)\n", s.Run, s.Budget, s.What, s.Size)
	}})
	if errors.Is(err, scenarios.ErrDoesNotFail) || errors.Is(err, scenarios.ErrCoverageNotShrunk) {
		return 0, usagef("shrink: %s: %v", rest[0], err)
	}
	if err != nil {
		return 0, err
	}
	b, err := res.Repro.Marshal()
	if err != nil {
		return 0, err
	}
	if err := scenarios.WriteFileAtomic(*out, b); err != nil {
		return 0, usagef("shrink: writing %s: %v", *out, err)
	}
	fmt.Fprintf(stdout, "before %s\nafter  %s\nruns %d\nwrote %s\nreplay: %s replay %s\n", res.Before, res.After, res.Runs, *out, progName, *out)
	return exitPass, nil
}
