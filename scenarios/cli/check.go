package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
)

// cmdCheck checks a key/value history recorded elsewhere for linearizability.
func cmdCheck(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	htmlPath := fs.String("html", "", "write the visualization to this file")
	budget := fs.Duration("budget", 10*time.Second, "Porcupine's wall-clock budget")
	system := fs.String("system", "", "the system whose history it is, when the binary holds several (its runs must record the key/value history)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if err := checkHistorySystem(*system); err != nil {
		return 0, err
	}
	if len(rest) != 1 {
		return 0, usagef("check: need exactly one history FILE (- for standard input)")
	}
	if *budget <= 0 {
		return 0, usagef("check: --budget must be positive")
	}
	in, closeIn := io.Reader(stdin), func() {}
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return 0, usagef("check: %v", err)
		}
		in, closeIn = f, func() { f.Close() }
	}
	ops, err := checker.ParseHistory(in)
	closeIn()
	if err != nil {
		return 0, usagef("check: %s: %v", rest[0], err)
	}
	if *htmlPath == "-" {
		return 0, usagef("check: --html needs a file name")
	}
	if *htmlPath != "" {
		if err := checkOutFile(*htmlPath); err != nil {
			return 0, usagef("check: --html=%s: %v", *htmlPath, err)
		}
	}
	html, err := openOutput("html", *htmlPath, stdout)
	if err != nil {
		return 0, usagef("check: %v", err)
	}
	start := time.Now()
	rep := checker.CheckLinearizable(ops, checker.LinConfig{Budget: *budget})
	fmt.Fprintf(stdout, "history=%s ops=%d keys=%d\n", rest[0], rep.Ops, rep.Keys)
	fmt.Fprintln(stdout, rep.Result.String())
	fmt.Fprintf(stdout, "check-wall=%.3fs\n", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "verdict %s\n", [...]string{"pass", "fail", "unknown"}[rep.Status])
	var lost error
	if html != nil {
		lost = errors.Join(rep.WriteHTML(html.w, nil), html.close())
	}
	return lostOutput(stderr, "check", lost, exitFor(rep.Status)), nil
}

// checkHistorySystem refuses a --system the binary does not hold, or one
// whose runs record no key/value history (the format check reads).
func checkHistorySystem(name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, sys := range scenarios.Systems() {
		names = append(names, sys.Name())
		if sys.Name() != name {
			continue
		}
		if _, ok := sys.(scenarios.HistoryRecorder); !ok {
			return usagef("check: system %s records no key/value history, the only format check reads", name)
		}
		return nil
	}
	return usagef("check: unknown system %q (this binary has: %s)", name, strings.Join(names, ", "))
}
