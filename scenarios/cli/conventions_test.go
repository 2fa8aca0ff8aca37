package cli

// Conventions a Go or Unix user expects of the command line: flag forms,
// help, version, where usage goes, "-" for standard input and output, exit
// statuses of an interrupted campaign, no control sequences off a terminal.

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/scenarios/fuzz"
)

func TestFlagValueAsSeparateArgument(t *testing.T) {
	c1, out1, _ := runCLI("run", "--scenario=election", "--seed=3")
	c2, out2, err2 := runCLI("run", "--scenario", "election", "--seed", "3")
	c3, out3, _ := runCLI("run", "-seed", "3", "-scenario", "election")
	if c1 != exitPass || c2 != exitPass || c3 != exitPass {
		t.Fatalf("exits %d %d %d: %s", c1, c2, c3, err2)
	}
	trim := func(s string) string { // the wall-clock line differs
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "virtual=") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if trim(out1) != trim(out2) || trim(out1) != trim(out3) {
		t.Fatalf("--flag value gave another run:\n%s\n---\n%s", out1, out2)
	}
	// A boolean flag takes no separate value: "--json extra" leaves extra positional.
	if code, _, errOut := runCLI("run", "--scenario", "election", "--seed", "3", "--json", "extra"); code != exitUsage || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI("run", "--scenario=election", "--seed"); code != exitUsage || !strings.Contains(errOut, "needs a value") {
		t.Fatalf("a flag without its value: exit %d, stderr %q", code, errOut)
	}
}

func TestHelpForEachCommand(t *testing.T) {
	for _, cmd := range []string{"list", "run", "fuzz", "replay", "shrink", "diff", "check"} {
		c1, out1, e1 := runCLI("help", cmd)
		c2, out2, _ := runCLI(cmd, "-h")
		if c1 != exitPass || c2 != exitPass || e1 != "" || out1 != out2 || !strings.HasPrefix(out1, "usage of detsim "+cmd+":") {
			t.Errorf("help %s: exit %d stderr %q\n%s\n--- %s -h:\n%s", cmd, c1, e1, out1, cmd, out2)
		}
	}
	if code, out, errOut := runCLI("help", "frobnicate"); code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
		t.Errorf("help of an unknown command: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, args := range [][]string{{"help", "run", "extra"}, {"--version", "extra"}, {"version", "x"}} {
		if code, out, errOut := runCLI(args...); code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{{"help", "help"}, {"help", "version"}} {
		if code, out, _ := runCLI(args...); code != exitPass || !strings.Contains(out, "commands:") {
			t.Errorf("%q: exit %d", args, code)
		}
	}
	if code, out, _ := runCLI("help"); code != exitPass || !strings.Contains(out, "commands:") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}

func TestUsageAfterAnErrorGoesToStderr(t *testing.T) {
	code, out, errOut := runCLI()
	if code != exitUsage || out != "" || !strings.Contains(errOut, "commands:") || !strings.HasSuffix(errOut, "detsim: no command given (see the usage above)\n") {
		t.Fatalf("bare detsim: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version", "-version"} {
		code, out, errOut := runCLI(arg)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != exitPass || errOut != "" || len(lines) < 3 || !strings.HasPrefix(lines[0], "detsim ") ||
			!strings.HasPrefix(lines[1], "revision ") || !strings.HasPrefix(lines[2], "go go1.") {
			t.Errorf("%s: exit %d, stderr %q\n%s", arg, code, errOut, out)
		}
	}
}

func TestProgramNameNamesABinaryThatRuns(t *testing.T) {
	const goRun = "go run -tags detsimbugs ./cmd/detsim"
	for _, c := range []struct{ argv0, want string }{
		{"./detsim-bugs", "./detsim-bugs"},
		{"detsim", "detsim"},
		{"/usr/local/bin/detsim", "/usr/local/bin/detsim"},
		{"/tmp/go-build123/b001/exe/detsim", goRun},
		{"", "detsim"},
	} {
		if got := programName(c.argv0, goRun); got != c.want {
			t.Errorf("programName(%q) = %q, want %q", c.argv0, got, c.want)
		}
	}
}

// list --bugs --system names one system's bugs, and refuses one the binary
// does not hold.
func TestListBugsOfOneSystem(t *testing.T) {
	code, out, _ := runCLI("list", "--bugs", "--system=kv")
	if code != exitPass || !strings.Contains(out, "commit-old-term-by-counting") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, _, errOut := runCLI("list", "--bugs", "--system=nope")
	if code != exitUsage || !strings.Contains(errOut, `unknown system "nope" (this binary has: kv, raft, raft+kv)`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestListBugsSaysTheyNeedTheBugBuild(t *testing.T) {
	code, out, errOut := runCLI("list", "--bugs")
	if code != exitPass || !strings.Contains(out, "commit-old-term-by-counting") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if planted.Enabled {
		if errOut != "" {
			t.Fatalf("the bug build's list --bugs: stderr %q", errOut)
		}
		return
	}
	if !strings.Contains(errOut, "go build -tags detsimbugs -o detsim-bugs ./cmd/detsim") {
		t.Fatalf("a normal build's list --bugs does not say how to get the bug build: stderr %q", errOut)
	}
}

// withStdin runs f with the CLI's standard input reading data.
func withStdin(t *testing.T, data []byte, f func()) {
	t.Helper()
	old := stdin
	stdin = bytes.NewReader(data)
	defer func() { stdin = old }()
	f()
}

func TestDashIsStandardInputForCheckAndReplay(t *testing.T) {
	hist := `[{"client": 1, "op": "put", "key": "k0", "value": "v1", "call": 0, "return": 10},
	{"client": 2, "op": "get", "key": "k0", "output": "v1", "call": 20, "return": 30}]`
	path := filepath.Join(t.TempDir(), "h.txt")
	os.WriteFile(path, []byte(hist), 0o644)
	cFile, outFile, _ := runCLI("check", path)
	var cStdin int
	var outStdin string
	withStdin(t, []byte(hist), func() { cStdin, outStdin, _ = runCLI("check", "-") })
	first := func(s string) string { return strings.SplitN(s, "\n", 3)[1] }
	if cFile != cStdin || first(outFile) != first(outStdin) {
		t.Fatalf("check FILE: exit %d\n%s\ncheck -: exit %d\n%s", cFile, outFile, cStdin, outStdin)
	}

	repro := fuzzOnce(t)
	b, _ := os.ReadFile(repro)
	var code int
	var out string
	withStdin(t, b, func() { code, out, _ = runCLI("replay", "-") })
	if code != exitFail || !strings.Contains(out, "same-failure yes") {
		t.Fatalf("replay -: exit %d\n%s", code, out)
	}
	withStdin(t, []byte("{not json"), func() { code, out, _ = runCLI("replay", "-") })
	if code != exitUsage {
		t.Fatalf("replay - of junk: exit %d\n%s", code, out)
	}
}

func TestDashIsStandardOutputForTraceAndHistory(t *testing.T) {
	code, out, errOut := runCLI("run", "--scenario=election", "--seed=1", "--trace=-")
	if code != exitPass || !strings.HasPrefix(out, "1 0.000000000s n0 start") || strings.Contains(out, "verdict") ||
		!strings.Contains(errOut, "verdict pass") {
		t.Fatalf("--trace=-: exit %d\nstdout %.200q\nstderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI("run", "--scenario=kv-basic", "--seed=1", "--history=-")
	if code != exitPass || !strings.Contains(errOut, "verdict pass") {
		t.Fatalf("--history=-: exit %d\nstderr %q", code, errOut)
	}
	path := filepath.Join(t.TempDir(), "h.txt")
	os.WriteFile(path, []byte(out), 0o644)
	if c, o, e := runCLI("check", path); c != exitPass {
		t.Fatalf("the history written to standard output does not check: exit %d\n%s%s", c, o, e)
	}
	if code, _, _ := runCLI("run", "--scenario=kv-basic", "--seed=1", "--history=-", "--trace=-"); code != exitUsage {
		t.Fatalf("both to standard output: exit %d", code)
	}
}

func TestReplayTakesRunsOutputFlags(t *testing.T) {
	repro := fuzzOnce(t)
	dir := t.TempDir()
	trace := filepath.Join(dir, "replay.trace")
	code, out, errOut := runCLI("replay", repro, "--trace", trace, "--json")
	if code != exitFail || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{`"verdict":"fail"`, `"replay":{`, `"same_failure":true`, `"trace_hash_verdict":"match"`} {
		if !strings.Contains(out, want) {
			t.Errorf("replay --json lacks %s:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(trace)
	if err != nil || !strings.Contains(string(b), " fault partition") {
		t.Fatalf("replay --trace: %v\n%.200s", err, b)
	}
	// The trace is the run's own: run with the repro's seed writes the same.
	if code, _, _ := runCLI("replay", repro, "--history="+filepath.Join(dir, "h")); code != exitUsage {
		t.Fatalf("--history on a raft repro: exit %d, want 2", code)
	}
}

func TestBadOutputDestinationsAreRefusedBeforeAnyWork(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	repro := fuzzOnce(t)
	for _, args := range [][]string{
		{"fuzz", "--scenario=election", "--seeds=3", "--out=" + file},
		{"fuzz", "--scenario=election", "--seeds=3", "--out=" + filepath.Join(file, "sub")},
		{"shrink", repro, "--out=" + dir},
		{"shrink", repro, "--out=" + filepath.Join(file, "x.json")},
		{"shrink", repro, "--out=" + filepath.Join(dir, "missing", "x.json")},
		{"run", "--scenario=election", "--seed=1", "--trace=" + dir},
		{"run", "--scenario=kv-basic", "--seed=1", "--history=" + filepath.Join(file, "h")},
		{"run", "--scenario=kv-basic", "--seed=1", "--html=" + dir},
		{"replay", repro, "--trace=" + dir},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q (want nothing: no work done), stderr %q", args, code, out, errOut)
		}
	}
}

func TestFuzzFindingsSurviveAReproThatCannotBeWritten(t *testing.T) {
	old := writeGroupRepro
	writeGroupRepro = func(*fuzz.Group, string) (string, error) { return "", errors.New("no space left on device") }
	defer func() { writeGroupRepro = old }()
	code, out, errOut := runCLI("fuzz", "--scenario=test-cli-isolated-leader", "--seeds=2", "--workers=1", "--out="+t.TempDir())
	if code != exitFail {
		t.Fatalf("exit %d, want 1: a bug was found\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"failure ", "repro-not-written: no space left on device",
		"rerun: detsim run --scenario=test-cli-isolated-leader --seed=", "summary runs=2 failures=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "could not be written") {
		t.Errorf("stderr %q", errOut)
	}
	// The rerun line reproduces the failure without the file.
	m := regexp.MustCompile(`rerun: detsim (run .*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no rerun line:\n%s", out)
	}
	code, out, _ = runCLI(strings.Fields(m[1])...)
	if code != exitFail {
		t.Fatalf("the rerun line passes: exit %d\n%s", code, out)
	}
}

func TestFuzzOutputHasNoStrayBlankLineAndCountsRuns(t *testing.T) {
	code, out, errOut := runCLI("fuzz", "--scenario=election", "--seeds=2", "--workers=1", "--out="+t.TempDir())
	if code != exitPass || strings.HasPrefix(out, "\n") || !strings.HasPrefix(out, "summary runs=2 ") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "progress 2/2 runs") || strings.Contains(errOut, "\x1b") {
		t.Fatalf("stderr %q", errOut)
	}
}

func TestProgressUsesNoControlSequencesWhenAskedNot(t *testing.T) {
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()
	p := fuzz.Progress{Done: 1020, Total: 34000, Elapsed: time.Second}
	for _, env := range []map[string]string{{"TERM": "dumb"}, {"TERM": "xterm", "NO_COLOR": "1"}, {"TERM": "xterm"}} {
		var w bytes.Buffer
		show, _, end := progressPrinter(&w, func(k string) string { return env[k] })
		show(p)
		end()
		plain := env["TERM"] == "dumb" || env["NO_COLOR"] != ""
		if got := strings.Contains(w.String(), "\x1b"); got == plain {
			t.Errorf("env %v: output %q", env, w.String())
		}
		if !strings.Contains(w.String(), "1020/34000 runs") {
			t.Errorf("env %v: %q does not count runs", env, w.String())
		}
	}
}

func TestInterruptedFuzzIsNotAPass(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, exitInterrupted}, {syscall.SIGTERM, exitTerminated}} {
		old := signalsReady
		signalsReady = func(<-chan struct{}) { syscall.Kill(os.Getpid(), c.sig) }
		code, out, _ := runCLI("fuzz", "--scenario=election", "--seeds=100000", "--workers=1", "--out="+t.TempDir())
		signalsReady = old
		if code != c.want || !strings.Contains(out, "interrupted") {
			t.Errorf("%v: exit %d, want %d\n%s", c.sig, code, c.want, out)
		}
	}
	// A failure found before the signal keeps its status.
	res := &fuzz.Result{Interrupted: true, Failures: 1}
	if got := fuzzExit(res, syscall.SIGTERM); got != exitFail {
		t.Errorf("interrupted after a failure: exit %d, want 1", got)
	}
	res = &fuzz.Result{Interrupted: true, Nondet: []fuzz.Nondeterminism{{}}}
	if got := fuzzExit(res, syscall.SIGINT); got != exitNondeterminism {
		t.Errorf("interrupted after nondeterminism: exit %d, want 4", got)
	}
	res = &fuzz.Result{Interrupted: true, Unknown: []string{"x/1"}}
	if got := fuzzExit(res, syscall.SIGINT); got != exitInterrupted {
		t.Errorf("interrupted with an unknown: exit %d, want 130", got)
	}
}

// A mutation campaign stopped by a signal in its first phase (caught as
// the handler is installed, before the work directory exists) exits as
// interrupted and leaves no work directory behind.
func TestMutateStoppedEarlyLeavesNoWorkDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Chdir("../..") // the module's root, where mutate reads packages
	old := signalsReady
	signalsReady = func(<-chan struct{}) { syscall.Kill(os.Getpid(), syscall.SIGTERM) }
	defer func() { signalsReady = old }()
	code, out, errOut := runCLI("mutate", "--pkg=./kv", "--scenario=kv-basic", "--seeds=1", "--sample=1", "--build=./cmd/detsim", "--out="+filepath.Join(t.TempDir(), "m"))
	if code != exitTerminated {
		t.Errorf("exit %d, want %d\n%s%s", code, exitTerminated, out, errOut)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

func TestDiffRefusesAFileThatIsNotATrace(t *testing.T) {
	dir := t.TempDir()
	trace, junk, empty := filepath.Join(dir, "t"), filepath.Join(dir, "junk"), filepath.Join(dir, "empty")
	runCLI("run", "--scenario=election", "--seed=1", "--trace="+trace)
	os.WriteFile(junk, []byte("hello\nworld\n"), 0o644)
	os.WriteFile(empty, nil, 0o644)
	for _, pair := range [][2]string{{trace, junk}, {junk, trace}, {junk, junk}, {empty, empty}, {trace, empty}} {
		code, out, errOut := runCLI("diff", pair[0], pair[1])
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "is not a detsim trace") {
			t.Errorf("diff %s %s: exit %d, stdout %q, stderr %q", filepath.Base(pair[0]), filepath.Base(pair[1]), code, out, errOut)
		}
	}
}

// A second SIGINT is not caught: it ends the process at once, for a user
// who will not wait for the runs in hand. The campaign runs in a child (this
// test binary again), which signals itself twice.
func TestSecondSignalEndsTheProcess(t *testing.T) {
	if os.Getenv("DETSIM_SECOND_SIGNAL_CHILD") == "1" {
		signalsReady = func(stop <-chan struct{}) {
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			<-stop                                    // the first is caught, and the handler is gone
			syscall.Kill(os.Getpid(), syscall.SIGINT) // ends the process, unless caught
			// Delivery is asynchronous: wait for it here, or the campaign,
			// already stopped, could end before the signal lands.
			time.Sleep(5 * time.Second)
		}
		// The signal kills the child before its own cleanup could run:
		// it writes into the parent's temporary directory.
		runCLI("fuzz", "--scenario=election", "--seeds=1000", "--workers=1", "--out="+os.Getenv("DETSIM_SECOND_SIGNAL_OUT"))
		t.Fatal("the campaign ended on its own")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondSignalEndsTheProcess$")
	cmd.Env = append(os.Environ(), "DETSIM_SECOND_SIGNAL_CHILD=1", "DETSIM_SECOND_SIGNAL_OUT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("child ended with %v, want killed by the second SIGINT\n%s", ee, out)
	}
}

// A refused destination leaves an existing file named by another flag as it
// was: every destination is checked before any is created.
func TestARefusedOutputTruncatesNoOther(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "a.trace")
	os.WriteFile(trace, []byte("keep me\n"), 0o644)
	code, _, _ := runCLI("run", "--scenario=kv-basic", "--seed=1", "--trace="+trace, "--html="+filepath.Join(dir, "missing", "x.html"))
	if b, _ := os.ReadFile(trace); code != exitUsage || string(b) != "keep me\n" {
		t.Fatalf("exit %d, the trace file now holds %q", code, b)
	}
}

// check's visualization is written whole, and losing it keeps the verdict
// when the history is not linearizable.
func TestCheckKeepsItsVerdictWhenTheVisualizationIsLost(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	bad := `[{"client": 1, "op": "put", "key": "k", "value": "a", "call": 0, "return": 10},
	{"client": 2, "op": "get", "key": "k", "output": "b", "call": 20, "return": 30}]`
	path := filepath.Join(t.TempDir(), "h.json")
	os.WriteFile(path, []byte(bad), 0o644)
	code, out, errOut := runCLI("check", path, "--html=/dev/full")
	if code != exitFail || !strings.Contains(out, "verdict fail") || !strings.Contains(errOut, "writing html") {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	if code, _, _ := runCLI("check", path, "--html=-"); code != exitUsage {
		t.Fatalf("--html=-: exit %d", code)
	}
}

// A finding is on disk as soon as it is found, and a group's file follows
// its best run: a campaign killed outright still leaves what it found.
func TestFuzzWritesEachFindingAsItIsFound(t *testing.T) {
	dir := t.TempDir()
	var cfg fuzz.Config
	writeAsFound(&cfg, dir)
	sc, _ := scenarios.Lookup("test-cli-isolated-leader")
	g := &fuzz.Group{}
	for _, seed := range []uint64{1, 2} {
		g.Best = scenarios.Run(sc.Resolve(seed), seed, scenarios.RunConfig{})
		sig, failed := scenarios.SignatureOf(g.Best)
		if !failed {
			t.Fatalf("seed %d passed", seed)
		}
		g.Signature, g.Seeds = sig, g.Seeds+1
		cfg.OnBetter(g)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "test-cli-isolated-leader-2.json" {
		t.Fatalf("files %v, want only the latest best's", entries)
	}
}

// Two outputs naming one file, or an output naming the input, are refused
// before any work: either would destroy a file without a word.
func TestOutputsMayNotOverwriteEachOtherOrTheInput(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "same.out")
	repro := fuzzOnce(t)
	before, _ := os.ReadFile(repro)
	for _, args := range [][]string{
		{"run", "--scenario=kv-basic", "--seed=1", "--trace=" + same, "--history=" + same},
		{"run", "--scenario=kv-basic", "--seed=1", "--trace=" + same, "--history=" + filepath.Join(dir, ".", "same.out")},
		{"replay", repro, "--trace=" + repro},
		{"shrink", repro, "--out=" + repro},
	} {
		code, out, errOut := runCLI(args...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if after, _ := os.ReadFile(repro); string(after) != string(before) {
		t.Fatal("the repro file was written over")
	}
}

// A key/value bug is no bug of the raft system: list --bugs --system=raft
// leaves it out, run refuses it there, fuzz over all runs it on the
// scenarios that can show it.
func TestBugsBelongToTheirSystem(t *testing.T) {
	_, out, _ := runCLI("list", "--bugs", "--system=raft")
	if strings.Contains(out, "append-executed-twice") || !strings.Contains(out, "commit-old-term-by-counting") {
		t.Fatalf("raft's bugs:\n%s", out)
	}
	if !planted.Enabled {
		return
	}
	code, _, errOut := runCLI("run", "--scenario=election", "--seed=1", "--bug=append-executed-twice")
	if code != exitUsage || !strings.Contains(errOut, "runs no key/value service") {
		t.Fatalf("run: exit %d %q", code, errOut)
	}
	kept, err := scenariosWithBug(scenarios.All(), "append-executed-twice", true)
	if err != nil || len(kept) == 0 || len(kept) == len(scenarios.All()) {
		t.Fatalf("kept %d of %d, %v", len(kept), len(scenarios.All()), err)
	}
}

// mutate refuses bad input with one line and exit 2 before it builds
// anything.
func TestMutateBadInput(t *testing.T) {
	eq := filepath.Join(t.TempDir(), "eq.txt")
	os.WriteFile(eq, []byte("raft:x:y:00000000\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"mutate", "--scenario=agree"}, "need --pkg"},
		{[]string{"mutate", "--pkg=./raft"}, "need --scenario"},
		{[]string{"mutate", "--pkg=./raft", "--scenario=agree", "--shard=2/2"}, "--shard=\"2/2\""},
		{[]string{"mutate", "--pkg=./raft", "--scenario=agree", "--min-score=120"}, "--min-score=120"},
		{[]string{"mutate", "--pkg=./raft", "--scenario=agree", "--equivalents=" + eq}, "has no argument for its equivalence"},
		{[]string{"mutate", "--pkg=./raft", "--show=raft:nope:cmp-negate:00000000"}, `no mutant "raft:nope:cmp-negate:00000000"`},
		{[]string{"mutate", "--pkg=./nosuchdir", "--list"}, "mutate: "},
		{[]string{"mutate", "--pkg=./raft", "--list", "--show=x"}, "go alone"},
		{[]string{"mutate", "--pkg=./raft", "--exec=x"}, "needs the command"},
	} {
		withDir(t, "../..", func() {
			code, _, errOut := runCLI(c.args...)
			if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
			}
		})
	}
}

// --list enumerates without building: every mutant with its ID, then the
// count per package and the exclusions by reason.
func TestMutateList(t *testing.T) {
	withDir(t, "../..", func() {
		code, out, _ := runCLI("mutate", "--pkg=./kv", "--list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if code != exitPass || !strings.HasPrefix(last, "mutants ") || !strings.Contains(last, " kv=") || !strings.Contains(last, "excluded ") {
			t.Fatalf("exit %d, last line %q", code, last)
		}
		if !strings.HasPrefix(lines[0], "kv:") || !strings.Contains(lines[0], "kv/") {
			t.Fatalf("first line %q", lines[0])
		}
	})
}

// withDir runs f with the working directory at dir.
func withDir(t *testing.T, dir string, f func()) {
	t.Helper()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	f()
}
