package main

// The files that run detsim sharded on engines it does not own, checked
// against the CLI: deploy/kubernetes/fuzz-job.yaml (a Kubernetes Indexed Job,
// the completion index is the shard) and .github/workflows/fuzz.yml (a GitHub
// Actions matrix, one job per shard). Every `detsim fuzz ...` line in their
// scripts is expanded with concrete shard indexes, its values are validated
// by the CLI's own parsing, and it is run through run() with a tiny campaign
// in place of the real one. The shard count N of --shard=I/N must match the
// Job's completions and the workflow's matrix, and each script, run by a
// shell against a stand-in detsim, must map exit statuses as its comments say.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	deployJobFile      = "../../deploy/kubernetes/fuzz-job.yaml"
	deployWorkflowFile = "../../.github/workflows/fuzz.yml"
)

func TestDeployKubernetesIndexedJob(t *testing.T) {
	y := loadYAML(t, deployJobFile)
	for path, want := range map[string]string{"apiVersion": "batch/v1", "kind": "Job", "spec.completionMode": "Indexed",
		"spec.template.spec.restartPolicy": "Never"} {
		if got := y.get(t, path); got != want {
			t.Errorf("%s: %s is %q, want %q", y.file, path, got, want)
		}
	}
	shards := y.number(t, "spec.completions")
	if p := y.number(t, "spec.parallelism"); p < 1 || p > shards {
		t.Errorf("%s: parallelism %d, want 1 to completions (%d)", y.file, p, shards)
	}

	// The container that runs detsim, and where its volume is mounted.
	c := ""
	for i := 0; y.has("spec.template.spec.containers." + strconv.Itoa(i) + ".name"); i++ {
		if p := "spec.template.spec.containers." + strconv.Itoa(i); strings.Contains(y.values[p+".args.0"], "detsim fuzz") {
			c = p
		}
	}
	if c == "" {
		t.Fatalf("%s: no container whose args.0 script runs detsim fuzz", y.file)
	}
	script := y.get(t, c+".args.0")
	mount := y.get(t, c+".volumeMounts.0.mountPath")
	if v := y.get(t, c+".volumeMounts.0.name"); y.get(t, "spec.template.spec.volumes.0.name") != v {
		t.Errorf("%s: volume %q is mounted but not the one declared", y.file, v)
	}

	// The exit statuses the pod failure policy names are the CLI's.
	rules := map[string][]int{}
	for i := 0; y.has("spec.podFailurePolicy.rules." + strconv.Itoa(i) + ".action"); i++ {
		p := "spec.podFailurePolicy.rules." + strconv.Itoa(i)
		if !y.has(p + ".onExitCodes.values") {
			continue
		}
		if got, want := y.get(t, p+".onExitCodes.containerName"), y.get(t, c+".name"); got != want {
			t.Errorf("%s: %s names container %q, want %q", y.file, p, got, want)
		}
		rules[y.get(t, p+".action")] = flowInts(t, y.get(t, p+".onExitCodes.values"))
	}
	want := map[string][]int{"FailJob": {exitUsage}, "FailIndex": {exitFail, exitNondeterminism}}
	if fmt.Sprint(rules) != fmt.Sprint(want) {
		t.Errorf("%s: podFailurePolicy exit codes %v, want %v", y.file, rules, want)
	}

	cmds := fuzzCommandLines(t, y.file, script)
	for _, shard := range []int{0, shards - 1} {
		vars := map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(shard)}
		for _, line := range cmds {
			args := expandCommand(t, line, vars)
			out := checkFuzzCommand(t, y.file, args, shard, shards)["out"]
			if out != mount && !strings.HasPrefix(out, strings.TrimSuffix(mount, "/")+"/") {
				t.Errorf("%s: --out=%s is not on the volume mounted at %s", y.file, out, mount)
			}
			if !strings.Contains(script, "for f in "+out+"/*.json") {
				t.Errorf("%s: the script does not print the repro files of --out=%s to the log", y.file, out)
			}
		}
	}

	// The script, against a stand-in detsim, with the volume in a temp dir.
	sh, err := exec.LookPath("sh")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("no POSIX sh to run the Job's script")
	}
	want1 := expandCommand(t, cmds[0], map[string]string{"JOB_COMPLETION_INDEX": "5"})
	for code, wantExit := range map[int]int{exitPass: 0, exitFail: 1, exitUsage: 2, exitUnknown: 0, exitNondeterminism: 4} {
		dir := t.TempDir()
		r := runWithStandIn(t, dir, code, []string{"JOB_COMPLETION_INDEX=5"},
			sh, "-c", strings.ReplaceAll(script, mount, filepath.Join(dir, "vol")))
		if r.exit != wantExit {
			t.Errorf("%s: detsim exiting %d: the script exits %d, want %d\n%s", y.file, code, r.exit, wantExit, r.output)
		}
		if !slices.Equal(r.args, replaceInArgs(want1, mount, filepath.Join(dir, "vol"))) {
			t.Errorf("%s: the shell ran detsim with %q, the test expanded %q", y.file, r.args, want1)
		}
		if code == exitFail && !strings.Contains(r.output, "detsim-repro-begin stand-in-7.json\n"+standInRepro+"detsim-repro-end stand-in-7.json\n") {
			t.Errorf("%s: the repro file is not in the log:\n%s", y.file, r.output)
		}
	}
}

func TestDeployGitHubWorkflowMatrix(t *testing.T) {
	y := loadYAML(t, deployWorkflowFile)
	for _, in := range []string{"seeds", "shards", "start"} {
		y.get(t, "on.workflow_dispatch.inputs."+in+".default")
	}
	y.get(t, "on.schedule.0.cron")
	for path, want := range map[string]string{
		"jobs.fuzz.needs":                 "plan",
		"jobs.fuzz.strategy.matrix.shard": "${{ fromJSON(needs.plan.outputs.indexes) }}",
		"jobs.fuzz.strategy.fail-fast":    "false",
	} {
		if got := y.get(t, path); got != want {
			t.Errorf("%s: %s is %q, want %q", y.file, path, got, want)
		}
	}
	for i := 0; y.has("jobs.fuzz.steps." + strconv.Itoa(i)); i++ {
		if run := "jobs.fuzz.steps." + strconv.Itoa(i) + ".run"; y.has(run) && strings.Contains(y.get(t, run), "go run") {
			t.Errorf("%s: %s uses go run, which turns every non-zero exit status into 1", y.file, run)
		}
	}

	// The plan step, run for a scheduled run (no inputs) and a manual one
	// with the inputs' defaults: its matrix is 0..N-1 and N is the same.
	plan := y.step(t, "plan", "id", "plan")
	bash, err := exec.LookPath("bash")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("no bash to run the plan step")
	}
	manual := runPlan(t, bash, y.get(t, plan+".run"), y.unquoted(t, "on.workflow_dispatch.inputs.seeds.default"),
		y.unquoted(t, "on.workflow_dispatch.inputs.shards.default"), y.unquoted(t, "on.workflow_dispatch.inputs.start.default"))
	scheduled := runPlan(t, bash, y.get(t, plan+".run"), "", "", "")
	// And a manual run with another shard count, so that an N written into
	// the command line instead of taken from the plan shows.
	other := "3"
	if manual["shards"] == other {
		other = "5"
	}
	custom := runPlan(t, bash, y.get(t, plan+".run"), "40", other, "1000")
	if custom["shards"] != other || custom["seeds"] != "40" || custom["start"] != "1000" {
		t.Errorf("%s: a manual run with seeds=40 shards=%s start=1000 plans %v", y.file, other, custom)
	}
	if manual["shards"] != scheduled["shards"] || manual["seeds"] != scheduled["seeds"] {
		t.Errorf("%s: a scheduled run plans %v, a manual run with the defaults %v", y.file, scheduled, manual)
	}
	if manual["start"] != y.unquoted(t, "on.workflow_dispatch.inputs.start.default") {
		t.Errorf("%s: a manual run starts at %s", y.file, manual["start"])
	}
	for name, outputs := range map[string]map[string]string{"manual": manual, "scheduled": scheduled, "custom": custom} {
		n, err := strconv.Atoi(outputs["shards"])
		var idx []int
		if err2 := json.Unmarshal([]byte(outputs["indexes"]), &idx); err != nil || err2 != nil || n < 1 {
			t.Fatalf("%s: %s plan outputs %v", y.file, name, outputs)
		}
		for i, v := range idx {
			if v != i {
				t.Errorf("%s: %s matrix %v is not 0..N-1", y.file, name, idx)
				break
			}
		}
		if len(idx) != n {
			t.Errorf("%s: %s matrix has %d shards, --shard's N is %d", y.file, name, len(idx), n)
		}
	}
	for _, o := range []string{"seeds", "start", "shards", "indexes"} {
		if got, want := y.get(t, "jobs.plan.outputs."+o), "${{ steps.plan.outputs."+o+" }}"; got != want {
			t.Errorf("%s: jobs.plan.outputs.%s is %q, want %q", y.file, o, got, want)
		}
	}

	// The fuzz step's command line, for the first and the last shard of both
	// manual plans. Its variables come from the step's env, which names the
	// plan's outputs or the matrix.
	fuzzStep := y.step(t, "fuzz", "name", "fuzz")
	script := y.get(t, fuzzStep+".run")
	artifact := y.step(t, "fuzz", "uses", "actions/upload-artifact@")
	if got := y.get(t, artifact+".if"); got != "always()" {
		t.Errorf("%s: the upload step runs if %q, want always()", y.file, got)
	}
	expr := regexp.MustCompile(`^\$\{\{ (matrix\.shard|needs\.plan\.outputs\.(\w+)) \}\}$`)
	for _, outputs := range []map[string]string{manual, custom} {
		shards, _ := strconv.Atoi(outputs["shards"])
		for _, shard := range []int{0, shards - 1} {
			vars := map[string]string{}
			for _, name := range y.keys(fuzzStep + ".env") {
				m := expr.FindStringSubmatch(y.get(t, fuzzStep+".env."+name))
				switch {
				case m == nil:
					t.Fatalf("%s: env %s = %q: the test knows matrix.shard and needs.plan.outputs.*", y.file, name, y.get(t, fuzzStep+".env."+name))
				case m[1] == "matrix.shard":
					vars[name] = strconv.Itoa(shard)
				default:
					vars[name] = outputs[m[2]]
				}
			}
			for _, line := range fuzzCommandLines(t, y.file, script) {
				flags := checkFuzzCommand(t, y.file, expandCommand(t, line, vars), shard, shards)
				if path := y.get(t, artifact+".with.path"); path != flags["out"] {
					t.Errorf("%s: repro files go to --out=%s, the artifact uploads %s", y.file, flags["out"], path)
				}
				if flags["seeds"] != outputs["seeds"] || flags["start"] != outputs["start"] {
					t.Errorf("%s: --seeds=%s --start=%s, the plan says %s and %s", y.file, flags["seeds"], flags["start"], outputs["seeds"], outputs["start"])
				}
			}
		}
	}

	// The step's script, as GitHub runs it, against a stand-in detsim.
	vars := []string{"SEEDS=" + manual["seeds"], "START=" + manual["start"], "SHARD=1", "SHARDS=" + manual["shards"]}
	wantArgs := expandCommand(t, fuzzCommandLines(t, y.file, script)[0], map[string]string{"SEEDS": manual["seeds"],
		"START": manual["start"], "SHARD": "1", "SHARDS": manual["shards"]})
	for code, wantExit := range map[int]int{exitPass: 0, exitFail: 1, exitUsage: 2, exitUnknown: 0, exitNondeterminism: 4} {
		dir := t.TempDir()
		env := append(slices.Clone(vars), "RUNNER_TEMP="+dir, "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"))
		r := runWithStandIn(t, dir, code, env, bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
		if r.exit != wantExit {
			t.Errorf("%s: detsim exiting %d: the step exits %d, want %d\n%s", y.file, code, r.exit, wantExit, r.output)
		}
		if !slices.Equal(r.args, wantArgs) {
			t.Errorf("%s: bash ran detsim with %q, the test expanded %q", y.file, r.args, wantArgs)
		}
		if code == exitUnknown && !strings.Contains(r.output, "::warning") {
			t.Errorf("%s: unknown passes without a warning:\n%s", y.file, r.output)
		}
	}
}

// checkFuzzCommand checks one expanded `detsim fuzz` command line of a
// deployment file, for one shard of shards: its values through the CLI's own
// parsing, and the line itself through run(), with a campaign of one seed of
// election per shard and --out in a temp dir. It returns the line's flags.
func checkFuzzCommand(t *testing.T, file string, args []string, shard, shards int) (flags map[string]string) {
	t.Helper()
	if len(args) < 2 || args[0] != "detsim" || args[1] != "fuzz" {
		t.Fatalf("%s: %q is not a detsim fuzz command", file, args)
	}
	flags = map[string]string{"scenario": "", "seeds": "", "start": "1", "shard": "0/1", "workers": "0", "out": "detsim-failures", "budget": "10s"}
	for _, a := range args[2:] {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if _, known := flags[name]; ok && known && strings.HasPrefix(a, "--") {
			flags[name] = value
		}
	}
	if got, want := flags["shard"], fmt.Sprintf("%d/%d", shard, shards); got != want {
		t.Errorf("%s: --shard=%s, want %s: N must be the number of shards", file, got, want)
	}
	workers, err1 := strconv.Atoi(flags["workers"])
	budget, err2 := time.ParseDuration(flags["budget"])
	if err1 != nil || err2 != nil {
		t.Errorf("%s: --workers=%s --budget=%s", file, flags["workers"], flags["budget"])
	}
	if _, err := fuzzConfig(flags["scenario"], flags["seeds"], flags["start"], flags["shard"], workers, budget); err != nil {
		t.Errorf("%s: %q: %v", file, args, err)
	}

	small := slices.Clone(args[1:])
	for i, a := range small {
		switch {
		case strings.HasPrefix(a, "--scenario="):
			small[i] = "--scenario=election"
		case strings.HasPrefix(a, "--seeds="):
			small[i] = fmt.Sprintf("--seeds=%d", shards) // one seed for each shard
		case strings.HasPrefix(a, "--out="):
			small[i] = "--out=" + t.TempDir()
		}
	}
	code, stdout, stderr := runCLI(small...)
	if code != exitPass || !strings.Contains(stdout, "summary runs=1 failures=0") {
		t.Errorf("%s: detsim %s: exit %d\n%s%s", file, strings.Join(small, " "), code, stdout, stderr)
	}
	return flags
}

// fuzzCommandLines returns the lines of a script that run detsim fuzz; each
// must start with it (after the indentation), one command to a line.
func fuzzCommandLines(t *testing.T, file, script string) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(script, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "detsim fuzz "):
			lines = append(lines, l)
		case strings.Contains(l, "detsim fuzz") || strings.Contains(l, "cmd/detsim fuzz"):
			t.Errorf("%s: %q: start a detsim fuzz line with `detsim fuzz` so that the test checks it", file, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s: no line runs detsim fuzz", file)
	}
	return lines
}

// expandCommand splits the first command of a shell line into words as sh
// would, with $NAME and ${NAME} taken from vars (any other is an error), up
// to an unquoted |, & or ;. It handles what the deployment files need:
// quotes, backslashes and variables; not redirections or command
// substitution.
func expandCommand(t *testing.T, line string, vars map[string]string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				w.WriteByte(c)
			}
			continue
		case c == '$':
			name, n := "", 0
			if strings.HasPrefix(line[i+1:], "{") {
				end := strings.IndexByte(line[i:], '}')
				if end < 0 {
					t.Fatalf("unclosed ${ in %q", line)
				}
				name, n = line[i+2:i+end], end
			} else {
				for n = 1; i+n < len(line) && (line[i+n] == '_' || 'A' <= line[i+n] && line[i+n] <= 'Z' ||
					'a' <= line[i+n] && line[i+n] <= 'z' || '0' <= line[i+n] && line[i+n] <= '9'); n++ {
				}
				name, n = line[i+1:i+n], n-1
			}
			v, ok := vars[name]
			if !ok || name == "" {
				t.Fatalf("%q: the test does not know the value of $%s (it knows %v)", line, name, vars)
			}
			w.WriteString(v)
			inWord = true
			i += n
			continue
		case quote == '"':
			if c == '"' {
				quote = 0
			} else if c == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`+"`", line[i+1]) >= 0 {
				i++
				w.WriteByte(line[i])
			} else {
				w.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote, inWord = c, true
		case '\\':
			if i+1 < len(line) {
				i++
				w.WriteByte(line[i])
				inWord = true
			}
		case ' ', '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case '|', '&', ';':
			if quote == 0 {
				i = len(line)
			}
		case '<', '>', '`', '(', ')':
			t.Fatalf("%q: the test reads no %c in a detsim fuzz line", line, c)
		case '#':
			if !inWord {
				i = len(line)
				continue
			}
			fallthrough
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("%q: unclosed quote", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// The stand-in detsim records its arguments one a line, exits with
// $STANDIN_EXIT, and when that is 1 writes a repro file in --out first.
const (
	standInRepro  = "{\"stand-in\": true}\n"
	standInScript = `#!/bin/sh
printf '%s\n' "$@" > "$STANDIN_ARGS"
for a; do case $a in --out=*) out=${a#--out=} ;; esac; done
if [ "$STANDIN_EXIT" = 1 ]; then mkdir -p "$out" && printf '{"stand-in": true}\n' > "$out/stand-in-7.json"; fi
exit "$STANDIN_EXIT"
`
)

type standInRun struct {
	exit   int
	args   []string
	output string
}

// runWithStandIn runs a command with the stand-in detsim first on PATH,
// exiting with code, in dir.
func runWithStandIn(t *testing.T, dir string, code int, env []string, name string, args ...string) standInRun {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "detsim"), []byte(standInScript), 0o755); err != nil {
		t.Fatal(err)
	}
	argsFile := filepath.Join(dir, "args")
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"STANDIN_ARGS="+argsFile, "STANDIN_EXIT="+strconv.Itoa(code))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	r := standInRun{output: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatalf("the stand-in detsim did not run: %v\n%s", err, out)
	}
	r.args = append([]string{"detsim"}, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
	return r
}

func replaceInArgs(args []string, old, new string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		out[i] = strings.ReplaceAll(a, old, new)
	}
	return out
}

// runPlan runs the workflow's plan step as GitHub would and returns what it
// wrote to $GITHUB_OUTPUT.
func runPlan(t *testing.T, bash, script, seeds, shards, start string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "SEEDS="+seeds, "SHARDS="+shards, "START="+start, "RUN_NUMBER=7",
		"GITHUB_OUTPUT="+filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plan step with seeds=%q shards=%q start=%q: %v\n%s", seeds, shards, start, err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		outputs[k] = v
	}
	return outputs
}

func flowInts(t *testing.T, s string) []int {
	t.Helper()
	var v []int
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q is not a list of numbers", s)
	}
	return v
}

// yamlDoc is the subset of YAML the deployment files are written in: block
// mappings and sequences indented by spaces, plain, quoted and flow scalars,
// block scalars (| and >), comments. Values are kept by path from the root,
// keys and sequence indexes joined by dots ("spec.template.spec.containers.0.name").
type yamlDoc struct {
	file   string
	values map[string]string
	order  []string
}

var (
	yamlKey   = regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_.\-/]*):(?: +(.*))?$`)
	yamlBlock = regexp.MustCompile(`^[|>][-+]?$`)
)

// loadYAML parses a deployment file, failing the test on anything outside
// the subset: tabs, a line that is neither a key nor a list item, an
// indentation that does not follow from the line before.
func loadYAML(t *testing.T, file string) *yamlDoc {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d := &yamlDoc{file: file, values: map[string]string{}}
	type frame struct {
		col  int
		name string
	}
	var stack []frame
	items := map[string]int{} // next index of the sequence at a path
	path := func(name string) string {
		var p []string
		for _, f := range stack {
			p = append(p, f.name)
		}
		return strings.Join(append(p, name), ".")
	}
	set := func(p, v string, line int) {
		if _, dup := d.values[p]; dup {
			t.Fatalf("%s:%d: %s given twice", file, line, p)
		}
		d.values[p] = v
		d.order = append(d.order, p)
	}
	lines := strings.Split(string(b), "\n")
	deeper, prevCol := true, -1 // after "key:", the next line must be deeper; else no deeper than prevCol
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		col := len(l) - len(trimmed)
		if strings.HasPrefix(trimmed, "\t") || strings.HasPrefix(trimmed, "---") {
			t.Fatalf("%s:%d: tabs and documents are outside the YAML the test reads", file, i+1)
		}
		if deeper && col <= prevCol || !deeper && col > prevCol {
			t.Fatalf("%s:%d: unexpected indentation", file, i+1)
		}
		for len(stack) > 0 && stack[len(stack)-1].col >= col {
			stack = stack[:len(stack)-1]
		}
		var key, value string
		keyCol := col
		if trimmed == "-" || strings.HasPrefix(trimmed, "- ") {
			p := path("")
			stack = append(stack, frame{col, strconv.Itoa(items[p])})
			items[p]++
			trimmed = strings.TrimLeft(strings.TrimPrefix(trimmed, "-"), " ")
			keyCol = col + 2
			if m := yamlKey.FindStringSubmatch(trimmed); m != nil && !strings.HasPrefix(trimmed, `"`) {
				key, value = m[1], m[2]
			} else {
				key, value, keyCol = "", trimmed, col
			}
		} else if m := yamlKey.FindStringSubmatch(trimmed); m != nil {
			key, value = m[1], m[2]
		} else {
			t.Fatalf("%s:%d: %q is neither key: value nor a list item", file, i+1, trimmed)
		}
		value = yamlScalar(t, file, i+1, value)
		p := strings.TrimSuffix(path(key), ".")
		switch {
		case value == "" && key != "":
			stack = append(stack, frame{keyCol, key})
			deeper, prevCol = true, keyCol
		case yamlBlock.MatchString(value):
			var text []string
			indent := -1
			for i+1 < len(lines) {
				next := lines[i+1]
				nt := strings.TrimLeft(next, " ")
				if nt != "" && len(next)-len(nt) <= keyCol {
					break
				}
				i++
				if nt == "" {
					text = append(text, "")
					continue
				}
				if indent < 0 {
					indent = len(next) - len(nt)
				}
				if len(next)-len(nt) < indent {
					t.Fatalf("%s:%d: block scalar less indented than its first line", file, i+1)
				}
				text = append(text, next[indent:])
			}
			set(p, strings.TrimRight(strings.Join(text, "\n"), "\n")+"\n", i+1)
			deeper, prevCol = false, keyCol
		default:
			set(p, value, i+1)
			deeper, prevCol = false, keyCol
		}
	}
	if deeper {
		t.Fatalf("%s: ends with a key and no value", file)
	}
	return d
}

// yamlScalar checks a value's quotes and flow brackets and drops a trailing
// comment from a plain one.
func yamlScalar(t *testing.T, file string, line int, v string) string {
	t.Helper()
	switch {
	case v == "":
	case v[0] == '"' || v[0] == '\'':
		if len(v) < 2 || v[len(v)-1] != v[0] {
			t.Fatalf("%s:%d: unclosed quote in %q", file, line, v)
		}
	case v[0] == '[' || v[0] == '{':
		closing := map[byte]byte{'[': ']', '{': '}'}[v[0]]
		if v[len(v)-1] != closing || strings.Count(v, string(v[0])) != strings.Count(v, string(closing)) {
			t.Fatalf("%s:%d: unbalanced flow value %q", file, line, v)
		}
	default:
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimRight(v[:i], " ")
		}
	}
	return v
}

func (d *yamlDoc) has(path string) bool {
	if _, ok := d.values[path]; ok {
		return true
	}
	for _, p := range d.order {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}

func (d *yamlDoc) get(t *testing.T, path string) string {
	t.Helper()
	v, ok := d.values[path]
	if !ok {
		t.Fatalf("%s: no value at %s", d.file, path)
	}
	return v
}

// unquoted is a quoted or plain scalar's text.
func (d *yamlDoc) unquoted(t *testing.T, path string) string {
	t.Helper()
	v := d.get(t, path)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

func (d *yamlDoc) number(t *testing.T, path string) int {
	t.Helper()
	n, err := strconv.Atoi(d.unquoted(t, path))
	if err != nil {
		t.Fatalf("%s: %s is %q, not a number", d.file, path, d.get(t, path))
	}
	return n
}

// keys lists the keys of the mapping at path, in file order.
func (d *yamlDoc) keys(path string) []string {
	var keys []string
	for _, p := range d.order {
		if rest, ok := strings.CutPrefix(p, path+"."); ok {
			if k, _, _ := strings.Cut(rest, "."); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// step is the path of the first step of a workflow job whose field has value
// (as a prefix, for uses: "actions/upload-artifact@").
func (d *yamlDoc) step(t *testing.T, job, field, value string) string {
	t.Helper()
	for i := 0; d.has(fmt.Sprintf("jobs.%s.steps.%d", job, i)); i++ {
		p := fmt.Sprintf("jobs.%s.steps.%d", job, i)
		if v, ok := d.values[p+"."+field]; ok && strings.HasPrefix(v, value) {
			return p
		}
	}
	t.Fatalf("%s: job %s has no step with %s: %s", d.file, job, field, value)
	return ""
}
