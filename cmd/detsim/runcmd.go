package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"detsim/checker"
	"detsim/scenarios"
)

func cmdRun(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	name := fs.String("scenario", "", "scenario name (see 'detsim list')")
	seedText := fs.String("seed", "", "the seed, a decimal number")
	tracePath := fs.String("trace", "", "write the trace to this file")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	historyPath := fs.String("history", "", "write the client history (check's format) to this file")
	htmlPath := fs.String("html", "", "write the linearizability visualization to this file")
	bug := fs.String("bug", "", "switch a planted bug on (builds with -tags detsimbugs; see 'detsim list --bugs')")
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
	if sc.KV == nil && (*historyPath != "" || *htmlPath != "") {
		return 0, usagef("run: --history and --html need a key/value scenario; %s has no key/value clients", sc.Name)
	}
	if err := scenarios.CheckBug(*bug); err != nil {
		return 0, usagef("run: %v", err)
	}
	outs, err := openOutputs(*historyPath, *htmlPath)
	if err != nil {
		return 0, err
	}
	defer outs.close()
	var cfg scenarios.RunConfig
	var traceFile *os.File
	var traceBuf *bufio.Writer
	if *tracePath != "" {
		if traceFile, err = os.Create(*tracePath); err != nil {
			return 0, usagef("run: cannot write trace: %v", err)
		}
		defer traceFile.Close()
		traceBuf = bufio.NewWriterSize(traceFile, 1<<16)
		cfg.Trace = traceBuf
	}
	opts := sc.Resolve(seed)
	opts.Bug = *bug
	rep := scenarios.Run(opts, seed, cfg)
	if traceBuf != nil {
		// bufio keeps the first write error; a lost trace is not a success.
		if err := traceBuf.Flush(); err != nil {
			return 0, usagef("run: writing trace: %v", err)
		}
		if err := traceFile.Close(); err != nil {
			return 0, usagef("run: writing trace: %v", err)
		}
	}
	if err := outs.write(rep); err != nil {
		return 0, err
	}
	if *asJSON {
		b, err := rep.JSON()
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprint(stdout, rep.Text())
	}
	if rep.Lin != nil && rep.Lin.Status == checker.Fail && *htmlPath == "" {
		// A failed check leaves its picture next to the run.
		path := fmt.Sprintf("%s-%d.html", rep.Scenario, rep.Seed)
		if err := writeHTMLFile(path, rep); err == nil && !*asJSON {
			fmt.Fprintf(stdout, "html=%s\n", path)
		}
	}
	return exitFor(rep.Verdict), nil
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
