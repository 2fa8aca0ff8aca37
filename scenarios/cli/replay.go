package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

func cmdReplay(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	outFlags := addOutputFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("replay: need exactly one repro FILE (- for standard input)")
	}
	r, err := readRepro(rest[0])
	if err != nil {
		return 0, usageError{err.Error()}
	}
	outs, err := outFlags.open("replay", scenarios.RecordsHistory(&r.Options), stdout, stderr, rest[0])
	if err != nil {
		return 0, err
	}
	res := scenarios.Replay(r, outs.runConfig())
	lost := outs.finish(res.Report)
	var lines strings.Builder
	code, hash := replayVerdict(&lines, r, res)
	htmlErr := placeHTML(res.Report, *outFlags.html)
	if *outFlags.json {
		if err := printReplayJSON(outs.summary, r, res, hash, lines.String()); err != nil {
			return 0, err
		}
		noteHTMLError(stderr, htmlErr)
	} else {
		fmt.Fprint(outs.summary, res.Report.Text())
		noteHTMLError(outs.summary, htmlErr)
		fmt.Fprint(outs.summary, lines.String())
	}
	return lostOutput(stderr, "replay", lost, code), nil
}

// replayVerdict writes what the replay showed against the recording and
// returns the exit status.
func replayVerdict(w io.Writer, r *scenarios.Repro, res *scenarios.ReplayResult) (code int, hash string) {
	fmt.Fprintf(w, "recorded %s: %s\n", r.Signature.Check, r.Signature.Violation)
	switch {
	case r.Signature.Check == scenarios.NondeterminismCheck && res.InProcess:
		fmt.Fprintln(w, "same-failure yes: two runs in this process disagree again")
	case r.Signature.Check == scenarios.NondeterminismCheck && res.SameFailure:
		fmt.Fprintln(w, "same-failure yes: the runs here agree with each other, not with the recording")
	case r.Signature.Check == scenarios.NondeterminismCheck:
		fmt.Fprintln(w, "same-failure no: two runs in this process agreed this time (nondeterminism may be intermittent: replay again, or fuzz the seed)")
	case res.SameFailure:
		fmt.Fprintln(w, "same-failure yes: the first failure has the recorded signature")
	default:
		fmt.Fprintf(w, "same-failure no: recorded %v, replay failed %v\n", r.Failed, scenarios.FailedChecks(res.Report))
	}
	switch {
	case res.InProcess:
		fmt.Fprintf(w, "trace-hash mismatch: recorded %s, replay %s, a second run in this process %s: nondeterminism within this process\n%s",
			r.TraceHash, res.Report.TraceHash, res.SecondHash, res.Divergence)
		return exitNondeterminism, "mismatch"
	case res.Integrity == scenarios.ReproEdited:
		fmt.Fprintln(w, "trace-hash not-comparable (edited): the file is not as detsim wrote it (its digest is missing or does not match), judged by the checks alone")
	case !res.SameBuild && r.Build.Mutant != "" && r.Build.Mutant != scenarios.ThisBuild().Mutant:
		fmt.Fprintf(w, "trace-hash not-comparable: made by mutant %s, judged by the checks alone; to replay it on that mutant: %s mutate --pkg=<its package> --exec=%s replay FILE\n",
			r.Build.Mutant, progName, r.Build.Mutant)
	case !res.SameBuild:
		fmt.Fprintf(w, "trace-hash not-comparable: made by another build (%s %s), judged by the checks alone\n",
			r.Build.Version, orUnknown(r.Build.Revision))
	case res.HashMatch:
		fmt.Fprintln(w, "trace-hash match")
	default:
		fmt.Fprintf(w, "trace-hash mismatch: recorded %s, replay %s (a second run in this process agrees with the replay): nondeterminism\n%s",
			r.TraceHash, res.Report.TraceHash, res.Divergence)
		return exitNondeterminism, "mismatch"
	}
	hash = "not-comparable"
	if res.HashMatch && res.Comparable {
		hash = "match"
	}
	return exitFor(res.Report.Verdict), hash
}

// printReplayJSON prints the run's JSON summary with the replay's findings
// added as a "replay" object.
func printReplayJSON(w io.Writer, r *scenarios.Repro, res *scenarios.ReplayResult, hash, lines string) error {
	b, err := res.Report.JSON()
	if err != nil {
		return err
	}
	extra, err := json.Marshal(struct {
		Check       string   `json:"recorded_check"`
		Violation   string   `json:"recorded_violation"`
		Failed      []string `json:"recorded_failed"`
		SameFailure bool     `json:"same_failure"`
		HashVerdict string   `json:"trace_hash_verdict"`
		Lines       []string `json:"lines"`
	}{r.Signature.Check, r.Signature.Violation, r.Failed, res.SameFailure, hash, strings.Split(strings.TrimSuffix(lines, "\n"), "\n")})
	if err != nil {
		return err
	}
	if len(b) < 2 || b[len(b)-1] != '}' {
		return fmt.Errorf("replay: the summary is not a JSON object")
	}
	fmt.Fprintf(w, "%s,\"replay\":%s}\n", b[:len(b)-1], extra)
	return nil
}

// stdin is what a FILE of "-" reads (a test may stand in its own).
var stdin io.Reader = os.Stdin

// readRepro reads a repro from a file, or from standard input for "-".
func readRepro(path string) (*scenarios.Repro, error) {
	if path != "-" {
		return scenarios.ReadRepro(path)
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("repro: standard input: %v", err)
	}
	r, err := scenarios.ParseRepro(data)
	if err != nil {
		return nil, fmt.Errorf("standard input: %w", err)
	}
	return r, nil
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
	var notTrace *scenarios.NotATraceError
	if errors.As(err, &notTrace) {
		return 0, usagef("diff: %s is not a detsim trace: %v", rest[notTrace.Side], err)
	}
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
		return nil, usagef("diff: %s: %v", path, unwrapPath(err))
	}
	return f, nil
}
