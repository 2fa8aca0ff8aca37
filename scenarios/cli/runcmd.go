package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
)

func cmdRun(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	name := fs.String("scenario", "", "scenario name (see '"+progName+" list')")
	seedText := fs.String("seed", "", "the seed, a decimal number")
	swarm := fs.Bool("swarm", false, "let the seed choose its own fault mix, as fuzz --swarm does")
	bug := fs.String("bug", "", "switch a planted bug on (see '"+progName+" list --bugs')")
	outFlags := addOutputFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("run: unexpected argument %q", rest[0])
	}
	if *name == "" || *seedText == "" {
		return 0, usagef("run: need --scenario=NAME and --seed=N")
	}
	sc, err := scenarios.Lookup(*name)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	seed, err := parseSeed(*seedText)
	if err != nil {
		return 0, err
	}
	if err := scenarios.CheckBug(sc.System, *bug); err != nil {
		return 0, usagef("run: %v", err)
	}
	opts := sc.Resolve(seed)
	if *swarm {
		opts = sc.ResolveSwarm(seed)
	}
	opts.Bug = *bug
	outs, err := outFlags.open("run", scenarios.RecordsHistory(&opts), stdout, stderr)
	if err != nil {
		return 0, err
	}
	rep := scenarios.Run(opts, seed, outs.runConfig())
	lost := outs.finish(rep)
	if err := printReport(outs.summary, stderr, rep, *outFlags.json, *outFlags.html); err != nil {
		return 0, err
	}
	return lostOutput(stderr, "run", lost, exitFor(rep.Verdict)), nil
}

// lostOutput reports an output that could not be written after the run (a
// full disk): the summary is printed all the same, and the status is the
// run's if it found a failure, else 2, since what was asked for is missing.
func lostOutput(stderr io.Writer, cmd string, err error, code int) int {
	if err == nil {
		return code
	}
	fmt.Fprintf(stderr, "detsim: %s: %s\n", cmd, oneLine(err.Error()))
	if code == exitFail || code == exitNondeterminism {
		return code
	}
	return exitUsage
}

// printReport prints a run's summary, as text or JSON, after placeHTML. In
// JSON mode a visualization that could not be written is said on stderr.
func printReport(w, stderr io.Writer, rep *scenarios.Report, asJSON bool, htmlPath string) error {
	htmlErr := placeHTML(rep, htmlPath)
	if !asJSON {
		fmt.Fprint(w, rep.Text())
		noteHTMLError(w, htmlErr)
		return nil
	}
	b, err := rep.JSON()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, string(b))
	noteHTMLError(stderr, htmlErr)
	return nil
}

func noteHTMLError(w io.Writer, htmlErr string) {
	if htmlErr != "" {
		fmt.Fprintln(w, htmlErr)
	}
}

// placeHTML records where the visualization is: the file the user named,
// or, for a failed linearizability check, <scenario>-<seed>.html written
// next to the run. It returns a line saying why that file could not be
// written, if it could not.
func placeHTML(rep *scenarios.Report, htmlPath string) string {
	switch {
	case htmlPath != "":
		rep.HTMLPath = htmlPath
	case rep.LinFailed():
		path := fmt.Sprintf("%s-%d.html", rep.Scenario, rep.Seed)
		if err := writeHTMLFile(path, rep); err != nil {
			return "html-not-written " + oneLine(err.Error())
		}
		rep.HTMLPath = path
	}
	return ""
}

func exitFor(v checker.Status) int {
	switch v {
	case checker.Fail:
		return exitFail
	case checker.Unknown:
		return exitUnknown
	}
	return exitPass
}
