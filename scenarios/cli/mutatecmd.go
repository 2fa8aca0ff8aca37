package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/detsim/detsim/scenarios/mutate"
)

// mutateFlags are mutate's flags, parsed.
type mutateFlags struct {
	pkg, build, tags, scenario, out, shard, equivalents, show, exec string
	seeds, start, sampleSeed                                        uint64
	sample, workers                                                 int
	minScore                                                        float64
	timeout                                                         time.Duration
	swarm, list, json                                               bool
}

func parseMutateFlags(args []string) (*mutateFlags, []string, error) {
	f := &mutateFlags{}
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.StringVar(&f.pkg, "pkg", "", "the packages to mutate, comma separated (./raft,./kv)")
	fs.StringVar(&f.build, "build", "./cmd/detsim", "the main package each mutant's binary is built from")
	fs.StringVar(&f.tags, "tags", "", "build tags for the mutants' builds")
	fs.StringVar(&f.scenario, "scenario", "", "the campaign: a scenario, several joined by commas, or all")
	fs.Uint64Var(&f.seeds, "seeds", 10, "seeds of each scenario a mutant is run against")
	fs.Uint64Var(&f.start, "start", 1, "the first seed")
	fs.BoolVar(&f.swarm, "swarm", false, "let each seed choose its own fault mix")
	fs.IntVar(&f.workers, "workers", 0, "parallel simulations in a mutant's campaign (default: every core)")
	fs.DurationVar(&f.timeout, "timeout", 0, "wall-clock limit on one mutant's campaign (default: 10x the unmutated build's, plus 30s)")
	fs.StringVar(&f.out, "out", "detsim-mutants", "directory for the repro files of kills")
	fs.StringVar(&f.equivalents, "equivalents", "", "file of mutant IDs judged equivalent, each with its argument")
	fs.StringVar(&f.shard, "shard", "0/1", "I/N: judge only this shard's mutants")
	fs.IntVar(&f.sample, "sample", 0, "judge a deterministic sample of this many mutants")
	fs.Uint64Var(&f.sampleSeed, "sample-seed", 1, "the seed that draws --sample")
	fs.Float64Var(&f.minScore, "min-score", 0, "exit 1 when the score is below this percentage")
	fs.BoolVar(&f.json, "json", false, "print the verdicts and the summary as one JSON object")
	fs.BoolVar(&f.list, "list", false, "list the mutants and what was excluded, and judge none")
	fs.StringVar(&f.show, "show", "", "print mutant ID's diff and the command that replays its kill")
	fs.StringVar(&f.exec, "exec", "", "build mutant ID and run it with the arguments after the flags (after --, when they hold flags)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, nil, err
	}
	return f, rest, f.validate(rest)
}

func (f *mutateFlags) validate(rest []string) error {
	modes := 0
	for _, on := range []bool{f.list, f.show != "", f.exec != ""} {
		if on {
			modes++
		}
	}
	switch {
	case f.pkg == "":
		return usagef("mutate: need --pkg=./path[,./path...] (the packages to mutate)")
	case modes > 1:
		return usagef("mutate: --list, --show and --exec go alone")
	case f.exec == "" && len(rest) > 0:
		return usagef("mutate: unexpected argument %q", rest[0])
	case f.exec != "" && len(rest) == 0:
		return usagef("mutate: --exec=%s needs the command to run it with (as: replay FILE)", f.exec)
	case modes == 0 && f.scenario == "":
		return usagef("mutate: need --scenario=NAME[,NAME...]|all (the campaign each mutant is run against)")
	case f.seeds == 0:
		return usagef("mutate: --seeds must be at least 1")
	case f.sample < 0 || f.workers < 0 || f.timeout < 0:
		return usagef("mutate: --sample, --workers and --timeout cannot be negative")
	case f.minScore < 0 || f.minScore > 100:
		return usagef("mutate: --min-score=%g: want a percentage from 0 to 100", f.minScore)
	}
	seen := map[string]bool{}
	for _, n := range strings.Split(f.scenario, ",") {
		if seen[n] && f.scenario != "all" {
			return usagef("mutate: --scenario names %s twice", n)
		}
		seen[n] = true
	}
	return nil
}

func cmdMutate(args []string, stdout, stderr io.Writer) (int, error) {
	f, rest, err := parseMutateFlags(args)
	if err != nil {
		return 0, err
	}
	pkgs, err := mutate.ListPackages(".", strings.Split(f.pkg, ","), f.tags)
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	mutants, excluded, err := mutate.Enumerate(pkgs)
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	switch {
	case f.list:
		printMutantList(stdout, mutants, excluded)
		return exitPass, nil
	case f.show != "":
		return showMutant(stdout, f, mutants)
	case f.exec != "":
		return execMutant(stdout, stderr, f, mutants, rest)
	}
	return runMutationCampaign(stdout, stderr, f, mutants, excluded)
}

// findMutant is the mutant with this ID, or a one-line refusal.
func findMutant(mutants []mutate.Mutant, id string) (*mutate.Mutant, error) {
	for i := range mutants {
		if mutants[i].ID == id {
			return &mutants[i], nil
		}
	}
	return nil, usagef("mutate: no mutant %q in these packages (see '%s mutate --pkg=... --list')", id, progName)
}

func printMutantList(w io.Writer, mutants []mutate.Mutant, excluded mutate.Excluded) {
	for _, m := range mutants {
		fmt.Fprintf(w, "%s %s\n", m.ID, describeMutant(m))
	}
	fmt.Fprintln(w, mutantsLine(mutants, excluded))
}

// describeMutant is Describe with the file relative to the working directory.
func describeMutant(m mutate.Mutant) string {
	m.File = relPath(m.File)
	return m.Describe()
}

func relPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

// mutantsLine counts the mutants per package and what was excluded, why.
func mutantsLine(mutants []mutate.Mutant, excluded mutate.Excluded) string {
	per := map[string]int{}
	var order []string
	for _, m := range mutants {
		base := filepath.Base(m.Package)
		if per[base] == 0 {
			order = append(order, base)
		}
		per[base]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mutants %d", len(mutants))
	for _, p := range order {
		fmt.Fprintf(&b, " %s=%d", p, per[p])
	}
	b.WriteString("; excluded")
	if len(excluded) == 0 {
		b.WriteString(" none")
	}
	for _, r := range sortedKeys(excluded) {
		fmt.Fprintf(&b, " %s=%d", r, excluded[r])
	}
	return b.String()
}

func showMutant(w io.Writer, f *mutateFlags, mutants []mutate.Mutant) (int, error) {
	m, err := findMutant(mutants, f.show)
	if err != nil {
		return 0, err
	}
	src, err := os.ReadFile(m.File)
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	diff, err := m.Diff(src, relPath(m.File), 3)
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	fmt.Fprintf(w, "%s %s\n%s", m.ID, describeMutant(*m), diff)
	repro := mutate.KillReproPath(f.out, m.ID)
	fmt.Fprintf(w, "replay its kill: %s mutate --pkg=%s%s --exec=%s replay %s\n", progName, f.pkg, buildFlags(f), m.ID, repro)
	if _, err := os.Stat(repro); err != nil {
		fmt.Fprintf(w, "(%s is written when a campaign kills the mutant by a check)\n", repro)
	}
	return exitPass, nil
}

// buildFlags repeats the flags that say how a mutant is built.
func buildFlags(f *mutateFlags) string {
	s := ""
	if f.build != "./cmd/detsim" {
		s += " --build=" + f.build
	}
	if f.tags != "" {
		s += " --tags=" + f.tags
	}
	return s
}

// execMutant builds one mutant and runs it with args, passing its exit
// status on.
func execMutant(stdout, stderr io.Writer, f *mutateFlags, mutants []mutate.Mutant, args []string) (int, error) {
	m, err := findMutant(mutants, f.exec)
	if err != nil {
		return 0, err
	}
	work, err := os.MkdirTemp("", "detsim-mutant-")
	if err != nil {
		return 0, usagef("mutate: %v", err)
	}
	defer os.RemoveAll(work)
	b := mutate.Builder{Dir: ".", Main: f.build, Tags: f.tags, Work: work}
	bin := filepath.Join(work, "mutant")
	if err := b.Build(context.Background(), m, bin); err != nil {
		return 0, usagef("mutate: %s: %v", m.ID, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), programEnv+"="+fmt.Sprintf("%s mutate --pkg=%s%s --exec=%s --", progName, f.pkg, buildFlags(f), m.ID))
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), nil
		}
		return 0, usagef("mutate: %v", err)
	}
	return exitPass, nil
}

func parseShard(s string) (shard, shards int, err error) {
	i, n, ok := strings.Cut(s, "/")
	a, err1 := strconv.Atoi(i)
	b, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || b <= 0 || a < 0 || a >= b {
		return 0, 0, usagef("mutate: --shard=%q: want I/N with 0 <= I < N", s)
	}
	return a, b, nil
}
