package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"detsim/scenarios"
)

func cmdReplay(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("replay: need exactly one repro FILE")
	}
	r, err := scenarios.ReadRepro(rest[0])
	if err != nil {
		return 0, usageError{err.Error()}
	}
	res := scenarios.Replay(r, scenarios.RunConfig{})
	fmt.Fprint(stdout, res.Report.Text())
	fmt.Fprintf(stdout, "recorded %s: %s\n", r.Signature.Check, r.Signature.Violation)
	if res.SameFailure {
		fmt.Fprintln(stdout, "same-failure yes: the first failure has the recorded signature")
	} else {
		fmt.Fprintf(stdout, "same-failure no: recorded %v, replay failed %v\n", r.Failed, scenarios.FailedChecks(res.Report))
	}
	switch {
	case res.Integrity == scenarios.ReproEdited:
		fmt.Fprintln(stdout, "trace-hash not-comparable (edited): the file is not as detsim wrote it (its digest is missing or does not match), judged by the checks alone")
	case res.Integrity == scenarios.ReproUndigested:
		fmt.Fprintf(stdout, "trace-hash not-comparable (no digest: written by an older detsim): format %d, judged by the checks alone\n", r.Format)
	case !res.SameBuild:
		fmt.Fprintf(stdout, "trace-hash not-comparable: made by another build (%s %s), judged by the checks alone\n",
			r.Build.Version, orUnknown(r.Build.Revision))
	case res.HashMatch:
		fmt.Fprintln(stdout, "trace-hash match")
	case res.InProcess:
		fmt.Fprintf(stdout, "trace-hash mismatch: recorded %s, replay %s, a second run in this process %s: nondeterminism within this process\n%s",
			r.TraceHash, res.Report.TraceHash, res.SecondHash, res.Divergence)
		return exitNondeterminism, nil
	default:
		fmt.Fprintf(stdout, "trace-hash mismatch: recorded %s, replay %s (a second run in this process agrees with the replay): nondeterminism\n%s",
			r.TraceHash, res.Report.TraceHash, res.Divergence)
		return exitNondeterminism, nil
	}
	return exitFor(res.Report.Verdict), nil
}

func orUnknown(s string) string {
	if s == "" {
		return "revision unknown"
	}
	return s
}

func cmdDiff(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	context := fs.Int("context", 3, "lines of context around the difference")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 2 {
		return 0, usagef("diff: need two trace files, A and B")
	}
	if *context < 0 {
		return 0, usagef("diff: --context must not be negative")
	}
	a, err := openInput(rest[0])
	if err != nil {
		return 0, err
	}
	defer a.Close()
	b, err := openInput(rest[1])
	if err != nil {
		return 0, err
	}
	defer b.Close()
	d, err := scenarios.DiffTraces(a, b, *context)
	if err != nil {
		return 0, usagef("diff: reading traces: %v", err)
	}
	fmt.Fprint(stdout, d.Render(rest[0], rest[1]))
	if d.Same {
		return exitPass, nil
	}
	return exitFail, nil
}

// openInput opens a file named on the command line; failure is bad input.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return f, nil
}
