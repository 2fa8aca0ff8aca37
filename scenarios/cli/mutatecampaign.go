package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/detsim/detsim/scenarios/mutate"
)

// runMutationCampaign judges the selected mutants against the campaign:
// bad input is refused before anything is built, the unmutated build must
// pass, each verdict is printed as it is reached, and the summary line
// ends the output.
func runMutationCampaign(stdout, stderr io.Writer, f *mutateFlags, all []mutate.Mutant, excluded mutate.Excluded) (int, error) {
	shard, shards, err := parseShard(f.shard)
	if err != nil {
		return 0, err
	}
	eq, stale, err := readEquivalents(f.equivalents, all)
	if err != nil {
		return 0, err
	}
	tidy, err := checkOutDir(f.out)
	if err != nil {
		return 0, usagef("mutate: %s", strings.TrimPrefix(err.Error(), "fuzz: "))
	}
	defer tidy()
	selected := mutate.Select(all, f.sample, f.sampleSeed, shard, shards)
	// Signals are caught before the work directory exists: one that came
	// while its cache is being linked would otherwise end the process
	// with the directory left behind.
	stop, caught, release := stopOnSignal()
	defer release()
	work, err := os.MkdirTemp("", "detsim-mutate-")
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	defer os.RemoveAll(work)
	cfg, err := mutationConfig(f, work, eq, stderr)
	if err != nil {
		return 0, err
	}
	cfg.Stop = stop
	base, err := mutate.Prepare(context.Background(), cfg)
	if err != nil {
		if sig := caught(); sig != nil {
			return mutationExit(f, mutate.Counts{}, true, sig), nil
		}
		return 0, usagef("mutate: %v", err)
	}
	text := !f.json
	if text {
		fmt.Fprintln(stdout, mutantsLine(all, excluded))
		fmt.Fprintf(stdout, "campaign scenarios=%s seeds=%d start=%d%s\n", strings.Join(cfg.Campaign.Scenarios, ","), f.seeds, f.start, swarmWord(f.swarm))
		fmt.Fprintf(stdout, "baseline pass runs=%d wall=%.1fs timeout=%s stall=%s (the unmutated build; a mutant's wall-clock limits: its campaign, one run)\n",
			base.Runs, base.Wall.Seconds(), cfg.Campaign.Timeout.Round(time.Second), cfg.Campaign.Stall.Round(100*time.Millisecond))
		fmt.Fprintf(stdout, "judging %d of %d mutants%s\n", len(selected), len(all), selectionWords(f, shard, shards))
	}
	progress, clearProgress, endProgress := mutationProgress(stderr, len(selected))
	cfg.OnOutcome = func(o mutate.Outcome) {
		if text {
			clearProgress()
			fmt.Fprintln(stdout, outcomeLine(o))
		}
		progress(o)
	}
	start := time.Now()
	outcomes, judgeErr := mutate.Judge(context.Background(), cfg, selected)
	endProgress()
	counts := mutate.Tally(outcomes)
	if text {
		printMutationTables(stdout, outcomes, stale)
		fmt.Fprintf(stdout, "wall=%.1fs mutants/s=%.2f\n", time.Since(start).Seconds(), float64(len(outcomes))/max(time.Since(start).Seconds(), 1e-9))
		fmt.Fprintln(stdout, counts.Line())
	} else if err := printMutationJSON(stdout, all, excluded, outcomes, stale, counts, time.Since(start)); err != nil {
		return 0, err
	}
	if judgeErr != nil { // what was judged is printed above; the rest could not be
		return 0, usagef("mutate: after %d of %d mutants: %v", len(outcomes), len(selected), judgeErr)
	}
	return mutationExit(f, counts, len(outcomes) < len(selected), caught()), nil
}

func readEquivalents(path string, all []mutate.Mutant) (map[string]string, []string, error) {
	if path == "" {
		return nil, nil, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("mutate: --equivalents: %v", unwrapPath(err))
	}
	defer file.Close()
	eq, err := mutate.ReadEquivalents(file, path)
	if err != nil {
		return nil, nil, usagef("mutate: %v", err)
	}
	stale, err := mutate.CheckEquivalents(eq, all)
	if err != nil {
		return nil, nil, usagef("mutate: %s: %v", path, err)
	}
	return eq, stale, nil
}

// mutationConfig is the campaign's configuration, with a build cache of
// its own inside work (removed with it).
func mutationConfig(f *mutateFlags, work string, eq map[string]string, stderr io.Writer) (*mutate.Config, error) {
	cache := filepath.Join(work, "gocache")
	linked, err := mutate.PrivateCache(cache)
	if err != nil {
		return nil, usagef("mutate: a build cache for the campaign: %v", err)
	}
	if !linked {
		fmt.Fprintln(stderr, "detsim: mutate: the campaign's build cache starts empty (the Go cache is on another file system): the first build compiles everything")
	}
	cfg := &mutate.Config{
		Builder:     mutate.Builder{Dir: ".", Main: f.build, Tags: f.tags, Work: work, Env: []string{"GOCACHE=" + cache}},
		Campaign:    mutate.Campaign{Start: f.start, Seeds: f.seeds, Swarm: f.swarm, Workers: f.workers, Timeout: f.timeout},
		Out:         f.out,
		Equivalents: eq,
	}
	if f.scenario != "all" {
		cfg.Campaign.Scenarios = strings.Split(f.scenario, ",")
	}
	return cfg, nil
}

func swarmWord(on bool) string {
	if on {
		return " swarm"
	}
	return ""
}

func selectionWords(f *mutateFlags, shard, shards int) string {
	s := ""
	if f.sample > 0 {
		s += fmt.Sprintf(" (a sample, --sample-seed=%d)", f.sampleSeed)
	}
	if shards > 1 {
		s += fmt.Sprintf(" (shard %d/%d)", shard, shards)
	}
	return s
}

// outcomeLine is one verdict, key=value after the verdict and the ID.
func outcomeLine(o mutate.Outcome) string {
	m := o.Mutant
	switch o.Verdict {
	case mutate.Killed:
		where := ""
		if o.Scenario != "" {
			where = fmt.Sprintf(" scenario=%s seed=%d", o.Scenario, o.Seed)
		}
		repro := ""
		if o.Repro != "" {
			repro = " repro=" + o.Repro
		}
		return fmt.Sprintf("killed %s check=%s%s runs=%d wall=%.1fs%s", m.ID, o.Check, where, o.Runs, o.Wall.Seconds(), repro)
	case mutate.Survived, mutate.TimedOut:
		return fmt.Sprintf("%s %s runs=%d wall=%.1fs %s", o.Verdict, m.ID, o.Runs, o.Wall.Seconds(), describeMutant(m))
	}
	return fmt.Sprintf("%s %s %s: %s", o.Verdict, m.ID, describeMutant(m), oneLine(o.Detail))
}

// printMutationTables prints the verdicts per package and per operator,
// and the listed equivalents no mutant has any more.
func printMutationTables(w io.Writer, outcomes []mutate.Outcome, stale []string) {
	for _, by := range []struct {
		name string
		key  func(mutate.Outcome) string
	}{
		{"package", func(o mutate.Outcome) string { return filepath.Base(o.Mutant.Package) }},
		{"operator", func(o mutate.Outcome) string { return o.Mutant.Operator }},
	} {
		keys, counts := mutate.TallyBy(outcomes, by.key)
		for _, k := range keys {
			fmt.Fprintf(w, "by-%s %s %s\n", by.name, k, strings.TrimPrefix(counts[k].Line(), "mutation-score "))
		}
	}
	for _, id := range stale {
		fmt.Fprintf(w, "equivalent-stale %s (listed, but no mutant has this ID any more: remove the line)\n", id)
	}
}

// mutationProgress shows the campaign's progress on stderr as fuzz does: a
// line redrawn after each mutant on a terminal, else a plain line every
// 10 s of wall time. end finishes the terminal's line.
func mutationProgress(w io.Writer, total int) (show func(mutate.Outcome), clear, end func()) {
	start, last := time.Now(), time.Now()
	bar := isTerminal(w) && os.Getenv("TERM") != "dumb" && os.Getenv("NO_COLOR") == ""
	var seen []mutate.Outcome
	show = func(o mutate.Outcome) {
		seen = append(seen, o)
		if !bar && time.Since(last) < 10*time.Second && len(seen) < total {
			return
		}
		last = time.Now()
		c := mutate.Tally(seen)
		rate := float64(len(seen)) / max(time.Since(start).Seconds(), 1e-9)
		left := time.Duration(float64(total-len(seen)) / rate * float64(time.Second)).Round(time.Second)
		line := fmt.Sprintf("%d/%d mutants killed=%d survived=%d timeout=%d stillborn=%d score=%s %.2f mutants/s left %s",
			len(seen), total, c.Killed, c.Survived, c.TimedOut, c.Stillborn, c.ScoreText(), rate, left)
		if bar {
			fmt.Fprintf(w, "\r%s\x1b[K", line)
		} else {
			fmt.Fprintln(w, "progress "+line)
		}
	}
	clear = func() { // before a verdict line, on the same terminal
		if bar && len(seen) > 0 {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
	end = func() {
		if bar && len(seen) > 0 {
			fmt.Fprintln(w)
		}
	}
	return show, clear, end
}

// mutationExit: interrupted (130, 143), the score below --min-score (1), or 0.
func mutationExit(f *mutateFlags, c mutate.Counts, interrupted bool, sig os.Signal) int {
	if interrupted {
		if sig == syscall.SIGTERM {
			return exitTerminated
		}
		return exitInterrupted
	}
	if p, ok := c.Score(); f.minScore > 0 && (!ok || p < f.minScore) {
		return exitFail
	}
	return exitPass
}

func printMutationJSON(w io.Writer, all []mutate.Mutant, excluded mutate.Excluded, outcomes []mutate.Outcome, stale []string, c mutate.Counts, wall time.Duration) error {
	type verdict struct {
		ID       string  `json:"id"`
		Package  string  `json:"package"`
		File     string  `json:"file"`
		Line     int     `json:"line"`
		Func     string  `json:"func"`
		Operator string  `json:"operator"`
		Original string  `json:"original"`
		Mutated  string  `json:"mutated"`
		Verdict  string  `json:"verdict"`
		Check    string  `json:"check,omitempty"`
		Scenario string  `json:"scenario,omitempty"`
		Seed     string  `json:"seed,omitempty"`
		Runs     int     `json:"runs"`
		Detail   string  `json:"detail,omitempty"`
		Repro    string  `json:"repro,omitempty"`
		Wall     float64 `json:"wall_s"`
	}
	out := struct {
		Mutants    int            `json:"mutants"`
		Excluded   map[string]int `json:"excluded"`
		Verdicts   []verdict      `json:"verdicts"`
		Stale      []string       `json:"equivalents_stale,omitempty"`
		Killed     int            `json:"killed"`
		Survived   int            `json:"survived"`
		TimedOut   int            `json:"timeout"`
		Stillborn  int            `json:"stillborn"`
		Equivalent int            `json:"equivalent"`
		Score      *float64       `json:"score_percent"`
		Wall       float64        `json:"wall_s"`
	}{Mutants: len(all), Excluded: excluded, Stale: stale, Killed: c.Killed, Survived: c.Survived, TimedOut: c.TimedOut,
		Stillborn: c.Stillborn, Equivalent: c.Equivalent, Wall: wall.Seconds(), Verdicts: []verdict{}}
	if p, ok := c.Score(); ok {
		out.Score = &p
	}
	for _, o := range outcomes {
		m := o.Mutant
		v := verdict{ID: m.ID, Package: m.Package, File: relPath(m.File), Line: m.Line, Func: m.Func, Operator: m.Operator,
			Original: m.Original, Mutated: m.Mutated, Verdict: o.Verdict, Check: o.Check, Scenario: o.Scenario, Runs: o.Runs,
			Detail: o.Detail, Repro: o.Repro, Wall: o.Wall.Seconds()}
		if o.Scenario != "" {
			v.Seed = fmt.Sprint(o.Seed)
		}
		out.Verdicts = append(out.Verdicts, v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
