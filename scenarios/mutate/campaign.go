package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Campaign is what every mutant is run against: a fuzz campaign of the
// mutant's binary that stops at its first failure in campaign order.
type Campaign struct {
	Scenarios []string // in campaign order: the cheapest first
	Start     uint64   // the first seed
	Seeds     uint64   // seeds of each scenario: the per-mutant budget is Seeds × len(Scenarios) runs
	Swarm     bool
	Workers   int           // 0: every core
	Timeout   time.Duration // wall-clock limit on one mutant's campaign
	// Stall is the wall-clock limit on one run: a mutant that loops inside
	// a step is stopped this long after its last finished run.
	Stall time.Duration
}

// Verdicts.
const (
	Killed     = "killed"
	Survived   = "survived"
	TimedOut   = "timeout"
	Stillborn  = "stillborn"
	Equivalent = "equivalent"
)

// Outcome is the verdict on one mutant.
type Outcome struct {
	Mutant   Mutant
	Verdict  string
	Check    string // what killed it: a check, "nondeterminism", "crash" (the process died) or "refused" (exit 2)
	Scenario string // where and at which seed, for a kill by a check
	Seed     uint64
	Runs     int           // runs up to and including the kill (all of them for a survivor)
	Detail   string        // the violation, the crash, the compile error, the equivalence argument
	Repro    string        // the repro file that records a kill by a check
	Wall     time.Duration // building and running
}

// runResult is what one campaign of a binary gave.
type runResult struct {
	exit     int
	timedOut bool
	runs     int
	stderr   string
	repro    string // the repro file the campaign wrote, if any
}

// args is the fuzz command line the campaign runs.
func (c *Campaign) args(out string) []string {
	a := []string{"fuzz", "--scenario=" + strings.Join(c.Scenarios, ","), "--seeds=" + strconv.FormatUint(c.Seeds, 10),
		"--start=" + strconv.FormatUint(c.Start, 10), "--stop-at-first", "--out=" + out}
	if c.Swarm {
		a = append(a, "--swarm")
	}
	if c.Workers > 0 {
		a = append(a, "--workers="+strconv.Itoa(c.Workers))
	}
	if c.Stall > 0 {
		a = append(a, "--stall="+c.Stall.String())
	}
	return a
}

// exitStalled is fuzz's status when a run never finished (--stall).
const exitStalled = 5

var summaryRuns = regexp.MustCompile(`(?m)^summary runs=([0-9]+) `)

// run runs the campaign with binary bin, its repro files going to out.
func (c *Campaign) run(ctx context.Context, bin, out string, timeout time.Duration) (runResult, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return runResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, c.args(out)...)
	var stdout bytes.Buffer
	stderr := &tail{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	detach(cmd)
	err := cmd.Run()
	res := runResult{stderr: stderr.String()}
	if m := summaryRuns.FindSubmatch(stdout.Bytes()); m != nil {
		res.runs, _ = strconv.Atoi(string(m[1]))
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded && err != nil:
		res.timedOut = true
		return res, nil
	case ctx.Err() != nil && err != nil:
		return res, ctx.Err() // stopped: no verdict
	case errors.As(err, &exit):
		res.exit = exit.ExitCode() // -1 for a signal
	case err != nil:
		return res, err
	}
	res.repro = pickRepro(out, res.exit)
	return res, nil
}

// pickRepro is the repro file of the campaign's finding: of a
// nondeterminism (exit 4) the -nondeterminism file, else the failure's
// (a first finding that is both writes both).
func pickRepro(dir string, exit int) string {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".json") && strings.HasSuffix(name, "-nondeterminism.json") == (exit == 4) {
			return filepath.Join(dir, name)
		}
	}
	return ""
}

// judge turns a campaign's result into a verdict on m.
func judge(m Mutant, r runResult) Outcome {
	o := Outcome{Mutant: m, Runs: r.runs}
	switch {
	case r.timedOut:
		o.Verdict, o.Detail = TimedOut, "the campaign ran out of its wall-clock limit (a loop, or a mutant that made the system very slow)"
	case r.exit == exitStalled:
		o.Verdict, o.Detail = TimedOut, "a run never finished (a loop inside one step): the campaign stalled"
	case r.exit == 0 || r.exit == 3: // unknown never kills
		o.Verdict = Survived
	case (r.exit == 1 || r.exit == 4) && r.repro != "":
		o.Verdict = Killed
		o.Check, o.Scenario, o.Seed, o.Detail = reproFinding(r.repro)
		if r.exit == 4 {
			o.Check = "nondeterminism"
		}
		o.Repro = r.repro
	case isCrash(r.stderr) || r.exit < 0 || r.exit > exitStalled:
		o.Verdict, o.Check, o.Detail = Killed, "crash", crashLine(r.stderr, r.exit)
	default:
		o.Verdict, o.Check, o.Detail = Killed, "refused", crashLine(r.stderr, r.exit)
	}
	return o
}

// reproFinding reads what a repro file says failed. It decodes only the
// fields it needs, so it reads the files of any binary's scenarios.
func reproFinding(path string) (check, scenario string, seed uint64, violation string) {
	var r struct {
		Scenario  string `json:"scenario"`
		Seed      string `json:"seed"`
		Signature struct {
			Check     string `json:"check"`
			Violation string `json:"violation"`
		} `json:"signature"`
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	if err != nil {
		return "unreadable-repro", "", 0, err.Error()
	}
	seed, _ = strconv.ParseUint(r.Seed, 10, 64)
	return r.Signature.Check, r.Scenario, seed, r.Signature.Violation
}

func isCrash(stderr string) bool {
	return strings.Contains(stderr, "panic: ") || strings.Contains(stderr, "fatal error: ")
}

// crashLine is the line of stderr that says why the process ended.
func crashLine(stderr string, exit int) string {
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") || strings.HasPrefix(line, "detsim: ") {
			return oneLine(line)
		}
	}
	return fmt.Sprintf("exit status %d", exit)
}

// tail keeps the first 8 KiB written to it (where a panic says what it
// is) and the last max bytes.
type tail struct {
	max       int
	head, buf []byte
}

const headMax = 8 << 10

func (t *tail) Write(p []byte) (int, error) {
	written := len(p)
	if n := min(headMax-len(t.head), len(p)); n > 0 {
		t.head = append(t.head, p[:n]...)
		p = p[n:]
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return written, nil
}

func (t *tail) String() string { return string(t.head) + string(t.buf) }

var _ io.Writer = (*tail)(nil)
