package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/scenarios/fuzz"
)

func cmdFuzz(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	name := fs.String("scenario", "", "scenario name, several joined by commas (run in that order), or all")
	count := fs.String("seeds", "", "how many seeds (of each scenario, with all)")
	start := fs.String("start", "1", "the first seed")
	workers := fs.Int("workers", 0, "parallel simulations (default: every core)")
	out := fs.String("out", "detsim-failures", "directory for repro files")
	shard := fs.String("shard", "0/1", "I/N: run only the seeds s with (s - start) mod N = I")
	swarm := fs.Bool("swarm", false, "let each seed choose its own fault mix")
	bug := fs.String("bug", "", "switch a planted bug on (builds with -tags detsimbugs)")
	budget := fs.Duration("budget", 10*time.Second, "Porcupine's budget per linearizability check")
	first := fs.Bool("stop-at-first", false, "end the campaign at its first failure in campaign order (seed by seed, scenarios in the order given)")
	stall := fs.Duration("stall", 0, "end the campaign with exit 5 when no run finishes for this long (a run that never ends)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("fuzz: unexpected argument %q", rest[0])
	}
	if *stall < 0 {
		return 0, usagef("fuzz: --stall=%s cannot be negative", *stall)
	}
	cfg, err := fuzzConfig(*name, *count, *start, *shard, *workers, *budget)
	if err != nil {
		return 0, err
	}
	cfg.Swarm, cfg.Bug, cfg.StopAtFirst, cfg.Stall = *swarm, *bug, *first, *stall
	if cfg.Scenarios, err = scenariosWithBug(cfg.Scenarios, *bug, *name == "all"); err != nil {
		return 0, err
	}
	tidy, err := checkOutDir(*out)
	if err != nil {
		return 0, err
	}
	defer tidy()
	stop, caught, release := stopOnSignal()
	defer release()
	cfg.Stop = stop
	writeAsFound(&cfg, *out)
	lessGC()
	progress, every, endProgress := progressPrinter(stderr, os.Getenv)
	cfg.Progress, cfg.ProgressEvery = progress, every
	res, err := fuzz.Run(cfg)
	endProgress()
	if err != nil {
		return 0, usageError{err.Error()}
	}
	lost := printFuzzResult(stdout, &cfg, res, *out)
	if lost > 0 {
		fmt.Fprintf(stderr, "detsim: fuzz: %d repro file(s) could not be written to %s; each finding's run command is printed above\n", lost, *out)
	}
	return fuzzExit(res, caught()), nil
}

// stopOnSignal closes stop on the first SIGINT (Ctrl-C) or SIGTERM (a CI or
// Kubernetes stop); caught says which it was, nil if none came. A second
// signal is not caught: it ends the process at once, as it would any other
// program, for a user who will not wait for the runs in hand.
func stopOnSignal() (stop <-chan struct{}, caught func() os.Signal, release func()) {
	// The command line's own signal handling, outside any simulation: the
	// runs only see the campaign stop between seeds.
	ch := make(chan struct{}) //detsim:allow channel the CLI's signal handling, outside any run
	var got atomic.Value
	sigs := make(chan os.Signal, 1) //detsim:allow channel os/signal delivers on a channel, outside any run
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() { //detsim:allow goroutine waits for a signal, outside any run
		if sig, ok := <-sigs; ok {
			signal.Stop(sigs)
			got.Store(sig)
			close(ch)
		}
	}()
	signalsReady(ch)
	caught = func() os.Signal {
		sig, _ := got.Load().(os.Signal)
		return sig
	}
	return ch, caught, func() { signal.Stop(sigs); close(sigs) }
}

// writeAsFound writes each finding's repro file as soon as it is found (and
// a group's again when a shorter run becomes its best, removing the file of
// the one it replaced), so that a campaign killed outright (SIGKILL after a
// grace period) still leaves what it found. The files are written again,
// and any error reported, when the campaign ends.
func writeAsFound(cfg *fuzz.Config, dir string) {
	written := map[string]string{} // signature key -> the file of its best run
	cfg.OnBetter = func(g *fuzz.Group) {
		path, err := writeGroupRepro(g, dir)
		if err != nil {
			return
		}
		if old := written[g.Signature.Key]; old != "" && old != path {
			os.Remove(old)
		}
		written[g.Signature.Key] = path
	}
	cfg.OnNondet = func(n fuzz.Nondeterminism) { writeNondet(n, dir) }
}

// fuzzExit is a campaign's status: the worst it saw (4, 1, 3, 0), except
// that a campaign stopped by a signal before it found a failure is not a
// pass: 130 after SIGINT, 143 after SIGTERM, as shells report them.
func fuzzExit(res *fuzz.Result, sig os.Signal) int {
	code := res.Exit()
	if !res.Interrupted || res.Stalled || code == exitFail || code == exitNondeterminism {
		return code
	}
	if sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// lessGC lets the heap grow to five times the live data before collecting
// (GOGC=400) unless the user chose: a simulation's live heap is a few MB, and
// with Go's default the collector takes a third of a campaign's CPU
// (BENCHMARKS.md). Never inside a run: it changes timing, not behaviour.
func lessGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func fuzzConfig(name, count, start, shard string, workers int, budget time.Duration) (fuzz.Config, error) {
	var cfg fuzz.Config
	switch {
	case name == "":
		return cfg, usagef("fuzz: need --scenario=NAME|all and --seeds=COUNT")
	case name == "all":
		cfg.Scenarios = scenarios.All()
	default:
		seen := map[string]bool{}
		for _, n := range strings.Split(name, ",") {
			sc, err := scenarios.Lookup(n)
			if err != nil {
				return cfg, usageError{err.Error()}
			}
			if seen[n] {
				return cfg, usagef("fuzz: --scenario names %s twice", n)
			}
			seen[n] = true
			cfg.Scenarios = append(cfg.Scenarios, sc)
		}
	}
	n, err := strconv.ParseUint(count, 10, 64)
	if err != nil || n == 0 {
		return cfg, usagef("fuzz: --seeds=%q is not a positive number", count)
	}
	if cfg.Start, err = parseSeed(start); err != nil {
		return cfg, err
	}
	i, shards, ok := strings.Cut(shard, "/")
	cfg.Shard, err = strconv.ParseUint(i, 10, 64)
	nShards, err2 := strconv.ParseUint(shards, 10, 64)
	if !ok || err != nil || err2 != nil || nShards == 0 || cfg.Shard >= nShards {
		return cfg, usagef("fuzz: --shard=%q: want I/N with 0 <= I < N", shard)
	}
	if workers < 0 || budget <= 0 {
		return cfg, usagef("fuzz: --workers and --budget must be positive")
	}
	cfg.Count, cfg.Shards, cfg.Workers, cfg.LinBudget = n, nShards, workers, budget
	return cfg, cfg.Validate()
}

// progressPrinter draws a bar on a terminal, or prints a plain line every
// 10 s when the output is a file or a pipe, or when TERM=dumb or NO_COLOR
// asks for no control sequences. end finishes the bar's line.
func progressPrinter(w io.Writer, getenv func(string) string) (show func(fuzz.Progress), every time.Duration, end func()) {
	if isTerminal(w) && getenv("TERM") != "dumb" && getenv("NO_COLOR") == "" {
		drawn := false
		show = func(p fuzz.Progress) {
			fmt.Fprintf(w, "\r%s\x1b[K", progressLine(p, true))
			drawn = true
		}
		end = func() {
			if drawn {
				fmt.Fprintln(w)
			}
		}
		return show, 200 * time.Millisecond, end
	}
	return func(p fuzz.Progress) { fmt.Fprintln(w, progressLine(p, false)) }, 10 * time.Second, func() {}
}

// Seams for tests: what runs once the signal handler is in place, whether
// an output is a terminal, and how a repro file is written.
var (
	signalsReady    = func(stop <-chan struct{}) {}
	isTerminal      = isCharDevice
	writeGroupRepro = fuzz.WriteRepro
	writeNondet     = fuzz.WriteNondetRepro
)

func isCharDevice(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func progressLine(p fuzz.Progress, bar bool) string {
	rate := float64(p.Done) / max(p.Elapsed.Seconds(), 1e-9)
	left := "?"
	if p.Done > 0 {
		left = time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	s := fmt.Sprintf("%d/%d runs  failures=%d  %.1f runs/s  left %s", p.Done, p.Total, p.Failures, rate, left)
	if !bar {
		return "progress " + s
	}
	const width = 30
	n := width * p.Done / max(p.Total, 1)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] " + s
}

// printFuzzResult prints what the campaign found and writes a repro file
// for each failure signature and each nondeterministic seed. A file that
// cannot be written loses nothing: the finding is printed with the command
// that reruns it. It returns how many files could not be written.
func printFuzzResult(w io.Writer, cfg *fuzz.Config, res *fuzz.Result, dir string) (lost int) {
	if res.Interrupted {
		if res.Runs > 0 {
			fmt.Fprintf(w, "interrupted: completed seeds %d through %d (shard %d/%d)\n", cfg.Start, res.CompletedThrough, cfg.Shard, max(cfg.Shards, 1))
		} else {
			fmt.Fprintln(w, "interrupted before any seed completed")
		}
	}
	written := func(path string, err error, rep *scenarios.Report) {
		if err != nil {
			lost++
			fmt.Fprintf(w, "  repro-not-written: %s\n  rerun: %s\n", oneLine(err.Error()), runCommand(rep))
			return
		}
		fmt.Fprintf(w, "  replay: %s replay %s\n", progName, path)
	}
	for _, n := range res.Nondet {
		fmt.Fprintf(w, "nondeterminism scenario=%s seed=%d trace hashes %s and %s: %s\n", n.Scenario, n.Seed, n.HashA, n.HashB, n.Divergence)
		path, err := writeNondet(n, dir)
		written(path, err, n.Report)
	}
	for _, g := range res.Groups {
		fmt.Fprintf(w, "failure %s seeds=%d shortest=%s/%d events=%d\n  %s\n",
			g.Signature.Check, g.Seeds, g.Best.Scenario, g.Best.Seed, g.Best.Events, g.Signature.Violation)
		path, err := writeGroupRepro(g, dir)
		written(path, err, g.Best)
	}
	if res.Stalled {
		fmt.Fprintf(w, "stalled: no run finished within %s of wall time (a run that never ends: a loop inside one step)\n", cfg.Stall)
	}
	if res.StoppedAtFirst {
		fmt.Fprintf(w, "stopped at the first finding, after %d runs in campaign order\n", res.Runs)
	}
	for _, u := range res.Unknown {
		fmt.Fprintf(w, "unknown %s (linearizability left unknown after a recheck with 10x the budget)\n", u)
	}
	fmt.Fprintf(w, "summary runs=%d failures=%d signatures=%d unknown=%d nondeterministic=%d runs/s=%.1f wall=%.1fs\n",
		res.Runs, res.Failures, len(res.Groups), len(res.Unknown), len(res.Nondet), res.RunsPerSecond(), res.Wall.Seconds())
	return lost
}

// runCommand is the detsim run line that reruns a report's seed without a
// repro file.
func runCommand(rep *scenarios.Report) string {
	cmd := fmt.Sprintf("%s run --scenario=%s --seed=%d", progName, rep.Scenario, rep.Seed)
	if rep.Options.Swarm != "" {
		cmd += " --swarm"
	}
	if rep.Options.Bug != "" {
		cmd += " --bug=" + rep.Options.Bug
	}
	return cmd
}

// scenariosWithBug keeps the scenarios whose system can switch the bug on:
// every one named, or with all, those that can (a key/value bug runs on the
// key/value scenarios), refusing a bug that none can.
func scenariosWithBug(scns []*scenarios.Scenario, bug string, all bool) ([]*scenarios.Scenario, error) {
	var kept []*scenarios.Scenario
	var first error
	for _, sc := range scns {
		err := scenarios.CheckBug(sc.System, bug)
		switch {
		case err == nil:
			kept = append(kept, sc)
		case !all:
			return nil, usageError{err.Error()}
		case first == nil:
			first = err
		}
	}
	if len(kept) == 0 {
		return nil, usageError{first.Error()}
	}
	return kept, nil
}
