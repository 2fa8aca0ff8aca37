package mutate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Baseline is the unmutated program's campaign: it must pass, or no kill
// would mean anything.
type Baseline struct {
	Wall time.Duration
	Runs int
	// Events is each scenario's event count at the campaign's first seed:
	// the campaign order, cheapest first, on every machine alike.
	Events map[string]uint64
	// LongestRun is the wall time of the slowest of those first seeds.
	LongestRun time.Duration
}

// Prepare builds the unmutated program, resolves the campaign's scenarios
// (none named: every one the program lists), orders them cheapest first
// and runs the campaign on the unmutated build. A failure there is an
// error: the campaign must pass before mutants are judged against it.
// The timeout, if unset, becomes ten times the baseline's wall time plus
// 30 s, and the stall twenty times its slowest single run plus 2 s.
// Closing cfg.Stop ends it.
func Prepare(ctx context.Context, cfg *Config) (*Baseline, error) {
	ctx, cancel := untilStop(ctx, cfg.Stop)
	defer cancel()
	bin := filepath.Join(cfg.Builder.Work, "baseline")
	if err := cfg.Builder.Build(ctx, nil, bin); err != nil {
		return nil, err
	}
	c := &cfg.Campaign
	if len(c.Scenarios) == 0 {
		names, err := listScenarios(ctx, bin)
		if err != nil {
			return nil, err
		}
		c.Scenarios = names
	}
	b := &Baseline{Events: map[string]uint64{}}
	for _, name := range c.Scenarios {
		ev, wall, err := firstSeed(ctx, bin, name, c.Start, c.Swarm)
		if err != nil {
			return nil, err
		}
		b.Events[name], b.LongestRun = ev, max(b.LongestRun, wall)
	}
	sort.SliceStable(c.Scenarios, func(i, j int) bool {
		a, z := c.Scenarios[i], c.Scenarios[j]
		if b.Events[a] != b.Events[z] {
			return b.Events[a] < b.Events[z]
		}
		return a < z
	})
	if c.Stall == 0 {
		c.Stall = 20*b.LongestRun + 2*time.Second
	}
	start := time.Now()
	r, err := c.run(ctx, bin, filepath.Join(cfg.Builder.Work, "baseline-out"), 24*time.Hour)
	if err != nil {
		return nil, err
	}
	b.Wall, b.Runs = time.Since(start), r.runs
	if r.exit == exitStalled {
		return nil, fmt.Errorf("the unmutated build stalled under the campaign's limit of %s on one simulation: the machine is too slow for it", c.Stall)
	}
	if r.exit != 0 && r.exit != 3 {
		o := judge(Mutant{}, r)
		return nil, fmt.Errorf("the unmutated build fails the campaign (%s in %s seed %d: %s): it must pass before mutants are judged",
			o.Check, o.Scenario, o.Seed, oneLine(o.Detail))
	}
	if c.Timeout == 0 {
		c.Timeout = 10*b.Wall + 30*time.Second
	}
	return b, nil
}

// listScenarios is every scenario the program lists.
func listScenarios(ctx context.Context, bin string) ([]string, error) {
	out, err := output(ctx, bin, "list")
	if err != nil {
		return nil, err
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s list: no scenarios", bin)
	}
	return names, nil
}

// firstSeed runs one seed of a scenario and returns its events and the
// simulation's wall time (the checks after it are not counted).
func firstSeed(ctx context.Context, bin, name string, seed uint64, swarm bool) (uint64, time.Duration, error) {
	args := []string{"run", "--scenario=" + name, "--seed=" + strconv.FormatUint(seed, 10), "--json"}
	if swarm {
		args = append(args, "--swarm")
	}
	out, err := output(ctx, bin, args...)
	var rep struct {
		Events uint64  `json:"events"`
		Wall   float64 `json:"wall_s"`
	}
	if jerr := json.Unmarshal(out, &rep); jerr != nil || rep.Events == 0 {
		if err == nil {
			err = fmt.Errorf("no summary (%v)", jerr)
		}
		return 0, 0, fmt.Errorf("scenario %s: %v", name, err)
	}
	return rep.Events, time.Duration(rep.Wall * float64(time.Second)), nil // a failing first seed shows in the campaign
}

// output runs the program and returns its standard output; exit statuses
// 1 and 3 (a run that failed or was inconclusive) are not errors here.
func output(ctx context.Context, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	detach(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && (ee.ExitCode() == 1 || ee.ExitCode() == 3) {
		err = nil
	}
	if err != nil {
		return out, fmt.Errorf("%s %s: %s", filepath.Base(bin), strings.Join(args, " "), firstLine(stderr.String(), err))
	}
	return out, nil
}
