package cli

// The README's commands work as written: every detsim command line in its
// ```sh blocks states what it costs, in parentheses in its comment ("(0.1 s)",
// "(10 min on 2 cores)"), and the cheap ones are run here, in order, through
// the same run() the binary calls, in a directory where the clone's
// scenarios/ is at hand. A command the README gives that is bad usage (exit
// 2), or a binary it runs that it never said how to build, fails the test.
// Each sample output (a plain ``` block; ```text is for illustrations) must
// be what a command printed:
// its lines, in order, among that command's standard output, with the
// figures that vary by machine (wall, speedup, runs/s) left out and "..."
// standing for lines left out.

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/detsim/detsim/planted"
)

const readmeFile = "../../README.md"

// cheap is the most a README command may cost, by its own words, to be run here.
const cheapSeconds = 10

var (
	readmeCost  = regexp.MustCompile(`\((?:about |~)?([0-9]+(?:\.[0-9]+)?) ?(ms|s|min|h)\b[^)]*\)`)
	readmeBuild = regexp.MustCompile(`^go build (?:-tags (\S+) )?-o (\S+) \./cmd/detsim$`)
	costUnits   = map[string]float64{"ms": 0.001, "s": 1, "min": 60, "h": 3600}
)

// readmeCommand is one detsim command line of the README.
type readmeCommand struct {
	line    string // as written, without its comment
	program string // ./detsim, ./detsim-bugs, go run ./cmd/detsim
	args    []string
	cost    float64 // seconds, as the README states it
}

func TestReadmeCommandsWorkAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's cheap commands (-short skips them)")
	}
	cmds, samples := readmeCommands(t), readmeSamples(t)
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := linkTree(repo, dir); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	ran, outputs := 0, []string{}
	for _, c := range cmds {
		if c.cost > cheapSeconds {
			continue
		}
		if c.program == "./detsim-bugs" && !planted.Enabled {
			t.Logf("skipped (needs -tags detsimbugs): %s", c.line)
			continue
		}
		progName = c.program // what the binary would call itself
		code, out, errOut := runCLI(c.args...)
		progName = "detsim"
		switch code {
		case exitPass, exitFail, exitUnknown:
			ran++
			outputs = append(outputs, out)
		default:
			t.Errorf("README: %s: exit %d\n%s%s", c.line, code, out, errOut)
		}
	}
	if ran == 0 {
		t.Fatal("no README command ran")
	}
	// In the bug build every cheap command ran, so every sample must show;
	// in a normal one, those of the bug build's commands cannot.
	for _, sample := range samples {
		if !sampleProduced(sample.lines, outputs) && (planted.Enabled || sample.mustMatch(outputs)) {
			t.Errorf("README.md:%d: no command printed this sample:\n%s", sample.line, strings.Join(sample.lines, "\n"))
		}
	}
}

// readmeSample is a plain ``` block of the README: a command's output.
type readmeSample struct {
	line  int
	lines []string
}

// mustMatch: a sample whose first line some command printed must match
// that command whole, even when not every command could run.
func (s readmeSample) mustMatch(outputs []string) bool {
	for _, out := range outputs {
		if strings.Contains(out, machineFigures.ReplaceAllString(s.lines[0], "$1")) {
			return true
		}
	}
	return false
}

var machineFigures = regexp.MustCompile(`\b(wall|speedup|runs/s|seeds/s|check-wall|mutants/s|timeout|stall)=\S+`)

func readmeSamples(t *testing.T) []readmeSample {
	t.Helper()
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	var samples []readmeSample
	var cur *readmeSample
	inBlock := false
	for i, l := range strings.Split(string(b), "\n") {
		switch {
		case !strings.HasPrefix(strings.TrimSpace(l), "```"):
			if cur != nil {
				cur.lines = append(cur.lines, l)
			}
		case inBlock:
			if cur != nil {
				samples = append(samples, *cur)
			}
			inBlock, cur = false, nil
		default:
			inBlock = true
			if l == "```" {
				cur = &readmeSample{line: i + 2}
			}
		}
	}
	return samples
}

// sampleProduced reports whether some output holds the sample's lines, in
// order and one after another, but where "..." stands for lines left out
// (machine figures masked on both sides).
func sampleProduced(sample, outputs []string) bool {
	for _, out := range outputs {
		if holdsInOrder(sample, strings.Split(machineFigures.ReplaceAllString(out, "$1"), "\n")) {
			return true
		}
	}
	return false
}

func holdsInOrder(sample, lines []string) bool {
	i, skip := 0, true // the first line may be anywhere
	for _, want := range sample {
		if want == "..." {
			skip = true
			continue
		}
		want = machineFigures.ReplaceAllString(want, "$1")
		for skip && i < len(lines) && lines[i] != want {
			i++
		}
		if i == len(lines) || lines[i] != want {
			return false
		}
		i, skip = i+1, false
	}
	return true
}

// readmeCommands reads the detsim command lines of the README's sh blocks,
// checking that each states its cost and runs a binary the README builds.
func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]bool{"go run ./cmd/detsim": true}
	var cmds []readmeCommand
	inSh := false
	for i, raw := range strings.Split(string(b), "\n") {
		switch l := strings.TrimSpace(raw); {
		case strings.HasPrefix(l, "```"):
			inSh = !inSh && l == "```sh"
		case !inSh:
		default:
			line, comment, _ := strings.Cut(l, " #")
			line = strings.TrimSpace(line)
			if m := readmeBuild.FindStringSubmatch(line); m != nil {
				built["./"+m[2]] = true
				continue
			}
			c, ok := parseReadmeCommand(line)
			if !ok {
				continue
			}
			where := "README.md:" + strconv.Itoa(i+1)
			if !built[c.program] {
				t.Errorf("%s: %q runs %s, which the README has not built yet", where, line, c.program)
			}
			m := readmeCost.FindStringSubmatch(comment)
			if m == nil {
				t.Errorf("%s: %q does not say what it costs (a comment with \"(0.1 s)\", \"(2 min on 2 cores)\")", where, line)
				continue
			}
			v, _ := strconv.ParseFloat(m[1], 64)
			c.cost = v * costUnits[m[2]]
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		t.Fatal("the README has no detsim command in a sh block")
	}
	return cmds
}

// parseReadmeCommand splits a line that runs detsim into its program and
// arguments (words split on spaces; the README's lines use no quotes).
func parseReadmeCommand(line string) (readmeCommand, bool) {
	for _, p := range []string{"./detsim-bugs", "./detsim", "go run ./cmd/detsim", "go run -tags detsimbugs ./cmd/detsim"} {
		if rest, ok := strings.CutPrefix(line, p+" "); ok {
			return readmeCommand{line: line, program: p, args: strings.Fields(rest)}, true
		}
	}
	return readmeCommand{}, false
}

// linkTree links every top-level entry of the repository into dir, so that
// the README's commands see the module (mutate lists and builds packages)
// while the files they write land in dir.
func linkTree(repo, dir string) error {
	entries, err := os.ReadDir(repo)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "detsim-") {
			continue
		}
		if err := os.Symlink(filepath.Join(repo, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
