package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"detsim/scenarios"
	"detsim/scenarios/fuzz"
)

func cmdFuzz(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	name := fs.String("scenario", "", "scenario name, or all")
	count := fs.String("seeds", "", "how many seeds (of each scenario, with all)")
	start := fs.String("start", "1", "the first seed")
	workers := fs.Int("workers", 0, "parallel simulations (default: every core)")
	out := fs.String("out", "detsim-failures", "directory for repro files")
	shard := fs.String("shard", "0/1", "I/N: run only the seeds s with (s - start) mod N = I")
	swarm := fs.Bool("swarm", false, "let each seed choose its own fault mix")
	bug := fs.String("bug", "", "switch a planted bug on (builds with -tags detsimbugs)")
	budget := fs.Duration("budget", 10*time.Second, "Porcupine's budget per linearizability check")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("fuzz: unexpected argument %q", rest[0])
	}
	cfg, err := fuzzConfig(*name, *count, *start, *shard, *workers, *budget)
	if err != nil {
		return 0, err
	}
	cfg.Swarm, cfg.Bug = *swarm, *bug
	if err := scenarios.CheckBug(*bug); err != nil {
		return 0, usageError{err.Error()}
	}
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM) // Ctrl-C, or a CI or Kubernetes stop
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			close(stop)
		}
	}()
	cfg.Stop = stop
	lessGC()
	cfg.Progress, cfg.ProgressEvery = progressPrinter(stderr)
	res, err := fuzz.Run(cfg)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	if err := printFuzzResult(stdout, &cfg, res, *out); err != nil {
		return 0, err
	}
	return res.Exit(), nil
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
		sc, err := scenarios.Lookup(name)
		if err != nil {
			return cfg, usageError{err.Error()}
		}
		cfg.Scenarios = []*scenarios.Scenario{sc}
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
// 10 s when the output is a file or a pipe.
func progressPrinter(w io.Writer) (func(fuzz.Progress), time.Duration) {
	f, ok := w.(*os.File)
	if fi, err := os.Stdout.Stat(); ok && err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return func(p fuzz.Progress) { fmt.Fprintf(w, "\r%s\x1b[K", progressLine(p, true)) }, 200 * time.Millisecond
		}
	}
	return func(p fuzz.Progress) { fmt.Fprintln(w, progressLine(p, false)) }, 10 * time.Second
}

func progressLine(p fuzz.Progress, bar bool) string {
	rate := float64(p.Done) / max(p.Elapsed.Seconds(), 1e-9)
	left := "?"
	if p.Done > 0 {
		left = time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	s := fmt.Sprintf("%d/%d seeds  failures=%d  %.1f seeds/s  left %s", p.Done, p.Total, p.Failures, rate, left)
	if !bar {
		return "progress " + s
	}
	const width = 30
	n := width * p.Done / max(p.Total, 1)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] " + s
}

func printFuzzResult(w io.Writer, cfg *fuzz.Config, res *fuzz.Result, dir string) error {
	fmt.Fprintln(w)
	if res.Interrupted {
		if res.Runs > 0 {
			fmt.Fprintf(w, "interrupted: completed seeds %d through %d (shard %d/%d)\n", cfg.Start, res.CompletedThrough, cfg.Shard, max(cfg.Shards, 1))
		} else {
			fmt.Fprintln(w, "interrupted before any seed completed")
		}
	}
	for _, n := range res.Nondet {
		fmt.Fprintf(w, "nondeterminism scenario=%s seed=%d trace hashes %s and %s: %s\n", n.Scenario, n.Seed, n.HashA, n.HashB, n.Divergence)
	}
	for _, g := range res.Groups {
		path, err := fuzz.WriteRepro(g, dir)
		if err != nil {
			return usageError{err.Error()}
		}
		fmt.Fprintf(w, "failure %s seeds=%d shortest=%s/%d events=%d\n  %s\n  replay: detsim replay %s\n",
			g.Signature.Check, g.Seeds, g.Best.Scenario, g.Best.Seed, g.Best.Events, g.Signature.Violation, path)
	}
	for _, u := range res.Unknown {
		fmt.Fprintf(w, "unknown %s (linearizability left unknown after a recheck with 10x the budget)\n", u)
	}
	fmt.Fprintf(w, "summary runs=%d failures=%d signatures=%d unknown=%d nondeterministic=%d seeds/s=%.1f wall=%.1fs\n",
		res.Runs, res.Failures, len(res.Groups), len(res.Unknown), len(res.Nondet), res.SeedsPerSecond(), res.Wall.Seconds())
	return nil
}
