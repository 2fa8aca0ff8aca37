package cli

// The files that run detsim sharded on engines it does not own, checked
// against the CLI: deploy/kubernetes/fuzz-job.yaml (a Kubernetes Indexed Job,
// the completion index is the shard) and .github/workflows/fuzz.yml (a GitHub
// Actions matrix, one job per shard). Both are read with a YAML library, not
// by hand. Every `detsim fuzz ...` line in their scripts is expanded with
// concrete shard indexes, its values are validated by the CLI's own parsing,
// and it is run through run() with a tiny campaign in place of the real one.
// The shard count N of --shard=I/N must match the Job's completions and the
// workflow's matrix, and each script, run by the shell its engine runs it
// with against a stand-in detsim, must map exit statuses as its comments say.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	deployJobFile      = "../../deploy/kubernetes/fuzz-job.yaml"
	deployWorkflowFile = "../../.github/workflows/fuzz.yml"
)

// The statuses of a detsim fuzz interrupted before it found a failure
// (DESIGN.md, "Command-line contract"): 128 + the signal's number.
const (
	deployExitSIGINT  = 130
	deployExitSIGTERM = 143
)

// k8sJob is the part of a batch/v1 Job the test reads.
type k8sJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		CompletionMode       string `yaml:"completionMode"`
		Completions          int    `yaml:"completions"`
		Parallelism          int    `yaml:"parallelism"`
		BackoffLimitPerIndex *int   `yaml:"backoffLimitPerIndex"`
		PodFailurePolicy     struct {
			Rules []k8sPodFailureRule `yaml:"rules"`
		} `yaml:"podFailurePolicy"`
		Template struct {
			Spec struct {
				RestartPolicy string         `yaml:"restartPolicy"`
				Containers    []k8sContainer `yaml:"containers"`
				Volumes       []struct {
					Name string `yaml:"name"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Name         string   `yaml:"name"`
	Command      []string `yaml:"command"`
	Args         []string `yaml:"args"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type k8sPodFailureRule struct {
	Action      string `yaml:"action"`
	OnExitCodes *struct {
		ContainerName string `yaml:"containerName"`
		Operator      string `yaml:"operator"`
		Values        []int  `yaml:"values"`
	} `yaml:"onExitCodes"`
	OnPodConditions []struct {
		Type   string `yaml:"type"`
		Status string `yaml:"status"`
	} `yaml:"onPodConditions"`
}

// podFailureAction is what the Job controller does with a failed pod whose
// container exited with code and whose conditions are given: the action of
// the first rule that matches, Count (toward backoffLimitPerIndex) when none
// does.
func podFailureAction(t *testing.T, rules []k8sPodFailureRule, container string, code int, conditions []string) string {
	t.Helper()
	for i, r := range rules {
		if (r.OnExitCodes == nil) == (len(r.OnPodConditions) == 0) {
			t.Fatalf("podFailurePolicy rule %d: want exactly one of onExitCodes and onPodConditions", i)
		}
		if e := r.OnExitCodes; e != nil {
			if e.ContainerName != "" && e.ContainerName != container {
				continue
			}
			in := slices.Contains(e.Values, code)
			switch e.Operator {
			case "In":
			case "NotIn":
				in = !in
			default:
				t.Fatalf("podFailurePolicy rule %d: operator %q", i, e.Operator)
			}
			if in {
				return r.Action
			}
			continue
		}
		for _, c := range r.OnPodConditions {
			if (c.Status == "" || c.Status == "True") && slices.Contains(conditions, c.Type) {
				return r.Action
			}
		}
	}
	return "Count"
}

func TestDeployKubernetesIndexedJob(t *testing.T) {
	var job k8sJob
	file := deployJobFile
	loadYAML(t, file, &job)
	spec := &job.Spec
	for _, f := range []struct{ name, got, want string }{
		{"apiVersion", job.APIVersion, "batch/v1"},
		{"kind", job.Kind, "Job"},
		{"spec.completionMode", spec.CompletionMode, "Indexed"},
		{"spec.template.spec.restartPolicy", spec.Template.Spec.RestartPolicy, "Never"},
	} {
		if f.got != f.want {
			t.Errorf("%s: %s is %q, want %q", file, f.name, f.got, f.want)
		}
	}
	shards := spec.Completions
	if shards < 1 {
		t.Fatalf("%s: completions %d", file, shards)
	}
	if p := spec.Parallelism; p < 1 || p > shards {
		t.Errorf("%s: parallelism %d, want 1 to completions (%d)", file, p, shards)
	}

	// The container that runs detsim: a sh -c script, and where its volume
	// is mounted.
	c := -1
	for i, ct := range spec.Template.Spec.Containers {
		if len(ct.Args) > 0 && strings.Contains(ct.Args[0], "detsim fuzz") {
			c = i
		}
	}
	if c < 0 {
		t.Fatalf("%s: no container whose args[0] script runs detsim fuzz", file)
	}
	container := spec.Template.Spec.Containers[c]
	if !slices.Equal(container.Command, []string{"/bin/sh", "-c"}) || len(container.Args) != 1 {
		t.Fatalf("%s: container %s runs %q %q, want the command /bin/sh -c and one script in args (the test runs it so)",
			file, container.Name, container.Command, container.Args)
	}
	script := container.Args[0]
	if len(container.VolumeMounts) == 0 {
		t.Fatalf("%s: container %s mounts no volume for the repro files", file, container.Name)
	}
	mount := container.VolumeMounts[0].MountPath
	declared := false
	for _, vol := range spec.Template.Spec.Volumes {
		declared = declared || vol.Name == container.VolumeMounts[0].Name
	}
	if !declared {
		t.Errorf("%s: volume %q is mounted but not declared", file, container.VolumeMounts[0].Name)
	}

	// The exit statuses the pod failure policy names are the CLI's.
	rules := map[string][]int{}
	for i, r := range spec.PodFailurePolicy.Rules {
		if r.OnExitCodes == nil {
			continue
		}
		if got := r.OnExitCodes.ContainerName; got != container.Name {
			t.Errorf("%s: podFailurePolicy rule %d names container %q, want %q", file, i, got, container.Name)
		}
		if r.OnExitCodes.Operator != "In" {
			t.Errorf("%s: podFailurePolicy rule %d: operator %s, want In", file, i, r.OnExitCodes.Operator)
		}
		rules[r.Action] = append(rules[r.Action], r.OnExitCodes.Values...)
	}
	want := map[string][]int{"FailJob": {exitUsage}, "FailIndex": {exitFail, exitNondeterminism},
		"Count": {deployExitSIGINT, deployExitSIGTERM}}
	if fmt.Sprint(rules) != fmt.Sprint(want) {
		t.Errorf("%s: podFailurePolicy exit codes %v, want %v", file, rules, want)
	}
	if b := spec.BackoffLimitPerIndex; b == nil || *b < 1 {
		t.Errorf("%s: backoffLimitPerIndex is not 1 or more: an interrupted or crashed shard gets no retry", file)
	}

	cmds := fuzzCommandLines(t, file, script)
	for _, shard := range []int{0, shards - 1} {
		vars := map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(shard)}
		for _, line := range cmds {
			args := expandCommand(t, line, vars)
			out := checkFuzzCommand(t, file, args, shard, shards)["out"]
			if out != mount && !strings.HasPrefix(out, strings.TrimSuffix(mount, "/")+"/") {
				t.Errorf("%s: --out=%s is not on the volume mounted at %s", file, out, mount)
			}
			if !strings.Contains(script, "for f in "+out+"/*.json") {
				t.Errorf("%s: the script does not print the repro files of --out=%s to the log", file, out)
			}
		}
	}

	// The script, against a stand-in detsim, with the volume in a temp dir:
	// what it exits with for each status of detsim, and what the Job then
	// does with the pod (the first podFailurePolicy rule that matches), when
	// the pod ended by itself and when it was evicted or preempted (it has
	// the DisruptionTarget condition). An interrupted shard did not run all
	// its seeds: it is not a pass, and it is retried.
	sh, err := exec.LookPath("sh")
	if err != nil || runtime.GOOS == "windows" {
		t.Skip("no POSIX sh to run the Job's script")
	}
	type outcome struct {
		exit              int
		action, disrupted string // "" for a pod that succeeded
	}
	wantOutcome := map[int]outcome{
		exitPass:           {0, "", ""},
		exitFail:           {exitFail, "FailIndex", "FailIndex"},
		exitUsage:          {exitUsage, "FailJob", "FailJob"},
		exitUnknown:        {0, "", ""},
		exitNondeterminism: {exitNondeterminism, "FailIndex", "FailIndex"},
		deployExitSIGINT:   {deployExitSIGINT, "Count", "Ignore"},
		deployExitSIGTERM:  {deployExitSIGTERM, "Count", "Ignore"},
		137:                {137, "Count", "Ignore"}, // SIGKILL: the OOM killer, or the end of the grace period
	}
	actions := func(exit int) (action, disrupted string) {
		if exit == 0 {
			return "", ""
		}
		return podFailureAction(t, spec.PodFailurePolicy.Rules, container.Name, exit, nil),
			podFailureAction(t, spec.PodFailurePolicy.Rules, container.Name, exit, []string{"DisruptionTarget"})
	}
	want5 := expandCommand(t, cmds[0], map[string]string{"JOB_COMPLETION_INDEX": "5"})
	for _, code := range slices.Sorted(maps.Keys(wantOutcome)) {
		dir := t.TempDir()
		vol := filepath.Join(dir, "vol")
		r := runWithStandIn(t, dir, strconv.Itoa(code), []string{"JOB_COMPLETION_INDEX=5"},
			sh, "-c", strings.ReplaceAll(script, mount, vol))
		got := outcome{exit: r.exit}
		got.action, got.disrupted = actions(r.exit)
		if got != wantOutcome[code] {
			t.Errorf("%s: detsim exiting %d: the script exits %d, and the Job does %q (%q when evicted); want %d, %q, %q\n%s",
				file, code, got.exit, got.action, got.disrupted, wantOutcome[code].exit, wantOutcome[code].action,
				wantOutcome[code].disrupted, r.output)
		}
		if !slices.Equal(r.args, replaceInArgs(want5, mount, vol)) {
			t.Errorf("%s: the shell ran detsim with %q, the test expanded %q", file, r.args, want5)
		}
		if code == exitFail && !strings.Contains(r.output, standInReproLog) {
			t.Errorf("%s: the repro file is not in the log:\n%s", file, r.output)
		}
		if code == exitUnknown && !strings.Contains(r.output, "unknown") {
			t.Errorf("%s: unknown passes without a warning:\n%s", file, r.output)
		}
	}

	// Stopping: Kubernetes sends SIGTERM to the container's main process, the
	// shell. The shell must pass it to detsim as SIGTERM and exit with
	// detsim's status: 143 when detsim had found nothing, 1 (with the repro
	// files in the log) when it had.
	for _, found := range []bool{false, true} {
		dir := t.TempDir()
		vol := filepath.Join(dir, "vol")
		r := runStopped(t, dir, found, syscall.SIGTERM, []string{"JOB_COMPLETION_INDEX=5"},
			sh, "-c", strings.ReplaceAll(script, mount, vol))
		wantExit := deployExitSIGTERM
		if found {
			wantExit = exitFail
		}
		if r.signal != "TERM" {
			t.Errorf("%s: the shell got SIGTERM; detsim got %q, want TERM\n%s", file, r.signal, r.output)
		}
		if r.exit != wantExit {
			t.Errorf("%s: stopped with SIGTERM, detsim (found a failure: %v) exiting %d: the script exits %d, want %d\n%s",
				file, found, wantExit, r.exit, wantExit, r.output)
		}
		if found && !strings.Contains(r.output, standInReproLog) {
			t.Errorf("%s: stopped after a failure: the repro file is not in the log:\n%s", file, r.output)
		}
		if !slices.Equal(r.args, replaceInArgs(want5, mount, vol)) {
			t.Errorf("%s: the shell ran detsim with %q, the test expanded %q", file, r.args, want5)
		}
	}
}

// ghWorkflow is the part of a GitHub Actions workflow the test reads.
type ghWorkflow struct {
	On struct {
		WorkflowDispatch struct {
			Inputs map[string]struct {
				Default string `yaml:"default"`
			} `yaml:"inputs"`
		} `yaml:"workflow_dispatch"`
		Schedule []struct {
			Cron string `yaml:"cron"`
		} `yaml:"schedule"`
	} `yaml:"on"`
	Defaults ghDefaults        `yaml:"defaults"`
	Jobs     map[string]*ghJob `yaml:"jobs"`
}

type ghDefaults struct {
	Run struct {
		Shell string `yaml:"shell"`
	} `yaml:"run"`
}

type ghJob struct {
	Needs    yaml.Node         `yaml:"needs"` // a job's name or a list of them
	Outputs  map[string]string `yaml:"outputs"`
	Defaults ghDefaults        `yaml:"defaults"`
	Strategy struct {
		FailFast *bool          `yaml:"fail-fast"`
		Matrix   map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []*ghStep `yaml:"steps"`
}

type ghStep struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name"`
	Uses  string            `yaml:"uses"`
	If    string            `yaml:"if"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

// step is the first step of a workflow job for which match holds.
func (w *ghWorkflow) step(t *testing.T, file, job, what string, match func(*ghStep) bool) *ghStep {
	t.Helper()
	j := w.Jobs[job]
	if j == nil {
		t.Fatalf("%s: no job %s", file, job)
	}
	for _, s := range j.Steps {
		if match(s) {
			return s
		}
	}
	t.Fatalf("%s: job %s has no step %s", file, job, what)
	return nil
}

// The shell lines GitHub runs a run: step with on a Linux runner, {0} being
// the file the script is written to: with no shell: anywhere, bash -e
// (without pipefail); with shell: bash, pipefail too.
var (
	ghShellDefault = []string{"bash", "-e", "{0}"}
	ghShellBash    = []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"}
	ghShellSh      = []string{"sh", "-e", "{0}"}
)

// shell is the shell line GitHub runs a step of job with: the step's
// shell:, else the job's defaults.run.shell, else the workflow's.
func (w *ghWorkflow) shell(t *testing.T, file, job string, s *ghStep) []string {
	t.Helper()
	shell := s.Shell
	if shell == "" {
		shell = w.Jobs[job].Defaults.Run.Shell
	}
	if shell == "" {
		shell = w.Defaults.Run.Shell
	}
	switch {
	case shell == "":
		return ghShellDefault
	case shell == "bash":
		return ghShellBash
	case shell == "sh":
		return ghShellSh
	case strings.Contains(shell, "{0}"): // a custom shell: command [options] {0}
		return strings.Fields(shell)
	}
	t.Fatalf("%s: job %s: the test runs no steps with shell %q", file, job, shell)
	return nil
}

// ghCommand is the command GitHub runs for a step's script with a shell
// line: the script written to a file in dir, named where {0} is.
func ghCommand(t *testing.T, dir string, shell []string, script string) (name string, args []string) {
	t.Helper()
	if strings.Contains(script, "${{") {
		t.Fatalf("the script has a ${{ }} expression, which GitHub would replace before running it and the test does not:\n%s", script)
	}
	f := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	name, err := exec.LookPath(shell[0])
	if err != nil || runtime.GOOS == "windows" {
		t.Skipf("no %s to run a workflow step", shell[0])
	}
	for _, a := range shell[1:] {
		args = append(args, strings.ReplaceAll(a, "{0}", f))
	}
	return name, args
}

func TestDeployGitHubWorkflowMatrix(t *testing.T) {
	var wf ghWorkflow
	file := deployWorkflowFile
	root := loadYAML(t, file, &wf)
	// GitHub reads the key on as the string "on"; a YAML 1.1 reader makes it
	// the boolean true. The library reads it as GitHub does.
	if k := mappingKey(root, "on"); k == nil || k.ShortTag() != "!!str" {
		t.Fatalf("%s: the key on is not read as the string \"on\": %v", file, k)
	}
	inputs := wf.On.WorkflowDispatch.Inputs
	for _, in := range []string{"seeds", "shards", "start"} {
		if _, ok := inputs[in]; !ok || inputs[in].Default == "" {
			t.Fatalf("%s: no on.workflow_dispatch.inputs.%s.default", file, in)
		}
	}
	if len(wf.On.Schedule) == 0 || wf.On.Schedule[0].Cron == "" {
		t.Errorf("%s: no on.schedule[0].cron", file)
	}
	fuzzJob, planJob := wf.Jobs["fuzz"], wf.Jobs["plan"]
	if fuzzJob == nil || planJob == nil {
		t.Fatalf("%s: jobs plan and fuzz, got %v", file, slices.Sorted(maps.Keys(wf.Jobs)))
	}
	var needs []string
	if fuzzJob.Needs.Kind == yaml.ScalarNode {
		needs = []string{fuzzJob.Needs.Value}
	} else if err := fuzzJob.Needs.Decode(&needs); err != nil {
		t.Errorf("%s: jobs.fuzz.needs: %v", file, err)
	}
	if !slices.Equal(needs, []string{"plan"}) {
		t.Errorf("%s: jobs.fuzz.needs is %q, want plan", file, needs)
	}
	if got, want := fuzzJob.Strategy.Matrix["shard"], any("${{ fromJSON(needs.plan.outputs.indexes) }}"); got != want {
		t.Errorf("%s: jobs.fuzz.strategy.matrix.shard is %v, want %q", file, got, want)
	}
	if ff := fuzzJob.Strategy.FailFast; ff == nil || *ff {
		t.Errorf("%s: jobs.fuzz.strategy.fail-fast is not false: one shard's bug would cancel the others", file)
	}
	for name, j := range wf.Jobs {
		for i, s := range j.Steps {
			if strings.Contains(s.Run, "go run") {
				t.Errorf("%s: jobs.%s.steps[%d] uses go run, which turns every non-zero exit status into 1", file, name, i)
			}
		}
	}

	// The plan step, run as GitHub runs it, for a scheduled run (no inputs)
	// and a manual one with the inputs' defaults: its matrix is 0..N-1 and N
	// is the same.
	plan := wf.step(t, file, "plan", "with id plan", func(s *ghStep) bool { return s.ID == "plan" })
	planShell := wf.shell(t, file, "plan", plan)
	manual := runPlan(t, planShell, plan.Run, inputs["seeds"].Default, inputs["shards"].Default, inputs["start"].Default)
	scheduled := runPlan(t, planShell, plan.Run, "", "", "")
	// And a manual run with another shard count, so that an N written into
	// the command line instead of taken from the plan shows.
	other := "3"
	if manual["shards"] == other {
		other = "5"
	}
	custom := runPlan(t, planShell, plan.Run, "40", other, "1000")
	if custom["shards"] != other || custom["seeds"] != "40" || custom["start"] != "1000" {
		t.Errorf("%s: a manual run with seeds=40 shards=%s start=1000 plans %v", file, other, custom)
	}
	if manual["shards"] != scheduled["shards"] || manual["seeds"] != scheduled["seeds"] {
		t.Errorf("%s: a scheduled run plans %v, a manual run with the defaults %v", file, scheduled, manual)
	}
	if manual["start"] != inputs["start"].Default {
		t.Errorf("%s: a manual run starts at %s", file, manual["start"])
	}
	for name, outputs := range map[string]map[string]string{"manual": manual, "scheduled": scheduled, "custom": custom} {
		n, err := strconv.Atoi(outputs["shards"])
		var idx []int
		if err2 := json.Unmarshal([]byte(outputs["indexes"]), &idx); err != nil || err2 != nil || n < 1 {
			t.Fatalf("%s: %s plan outputs %v", file, name, outputs)
		}
		for i, v := range idx {
			if v != i {
				t.Errorf("%s: %s matrix %v is not 0..N-1", file, name, idx)
				break
			}
		}
		if len(idx) != n {
			t.Errorf("%s: %s matrix has %d shards, --shard's N is %d", file, name, len(idx), n)
		}
	}
	for _, o := range []string{"seeds", "start", "shards", "indexes"} {
		if got, want := planJob.Outputs[o], "${{ steps.plan.outputs."+o+" }}"; got != want {
			t.Errorf("%s: jobs.plan.outputs.%s is %q, want %q", file, o, got, want)
		}
	}

	// The fuzz step's command line, for the first and the last shard of both
	// manual plans. Its variables come from the step's env, which names the
	// plan's outputs or the matrix.
	fuzzStep := wf.step(t, file, "fuzz", "named fuzz", func(s *ghStep) bool { return s.Name == "fuzz" })
	script := fuzzStep.Run
	artifact := wf.step(t, file, "fuzz", "that uses actions/upload-artifact", func(s *ghStep) bool {
		return strings.HasPrefix(s.Uses, "actions/upload-artifact@")
	})
	if artifact.If != "always()" {
		t.Errorf("%s: the upload step runs if %q, want always()", file, artifact.If)
	}
	expr := regexp.MustCompile(`^\$\{\{ (matrix\.shard|needs\.plan\.outputs\.(\w+)) \}\}$`)
	for _, outputs := range []map[string]string{manual, custom} {
		shards, _ := strconv.Atoi(outputs["shards"])
		for _, shard := range []int{0, shards - 1} {
			vars := map[string]string{}
			for name, value := range fuzzStep.Env {
				m := expr.FindStringSubmatch(value)
				switch {
				case m == nil:
					t.Fatalf("%s: env %s = %q: the test knows matrix.shard and needs.plan.outputs.*", file, name, value)
				case m[1] == "matrix.shard":
					vars[name] = strconv.Itoa(shard)
				default:
					vars[name] = outputs[m[2]]
				}
			}
			for _, line := range fuzzCommandLines(t, file, script) {
				flags := checkFuzzCommand(t, file, expandCommand(t, line, vars), shard, shards)
				if path := artifact.With["path"]; path != flags["out"] {
					t.Errorf("%s: repro files go to --out=%s, the artifact uploads %s", file, flags["out"], path)
				}
				if flags["seeds"] != outputs["seeds"] || flags["start"] != outputs["start"] {
					t.Errorf("%s: --seeds=%s --start=%s, the plan says %s and %s", file, flags["seeds"], flags["start"], outputs["seeds"], outputs["start"])
				}
			}
		}
	}

	// The step's script against a stand-in detsim, run as GitHub runs it:
	// written to a file, which the shell line of the step runs. It must not
	// depend on the shell line (GitHub's default, bash -e, has no pipefail:
	// a pipeline's status is its last command's), so it is also run with
	// each of the others.
	vars := []string{"SEEDS=" + manual["seeds"], "START=" + manual["start"], "SHARD=1", "SHARDS=" + manual["shards"]}
	wantArgs := expandCommand(t, fuzzCommandLines(t, file, script)[0], map[string]string{"SEEDS": manual["seeds"],
		"START": manual["start"], "SHARD": "1", "SHARDS": manual["shards"]})
	shells := [][]string{wf.shell(t, file, "fuzz", fuzzStep)}
	for _, s := range [][]string{ghShellDefault, ghShellBash, ghShellSh} {
		if !slices.ContainsFunc(shells, func(have []string) bool { return slices.Equal(have, s) }) {
			shells = append(shells, s)
		}
	}
	wantExit := map[int]int{exitPass: 0, exitFail: exitFail, exitUsage: exitUsage, exitUnknown: 0,
		exitNondeterminism: exitNondeterminism, deployExitSIGINT: deployExitSIGINT, deployExitSIGTERM: deployExitSIGTERM}
	for i, shell := range shells {
		how := strings.Join(shell, " ")
		if i == 0 {
			how += " (as GitHub runs this step)"
		}
		for _, code := range slices.Sorted(maps.Keys(wantExit)) {
			dir := t.TempDir()
			summary := filepath.Join(dir, "summary")
			env := append(slices.Clone(vars), "RUNNER_TEMP="+dir, "GITHUB_STEP_SUMMARY="+summary)
			name, args := ghCommand(t, dir, shell, script)
			r := runWithStandIn(t, dir, strconv.Itoa(code), env, name, args...)
			if r.exit != wantExit[code] {
				t.Errorf("%s: with %s, detsim exiting %d: the step exits %d, want %d\n%s", file, how, code, r.exit, wantExit[code], r.output)
			}
			if !slices.Equal(r.args, wantArgs) {
				t.Errorf("%s: with %s, the shell ran detsim with %q, the test expanded %q", file, how, r.args, wantArgs)
			}
			annotation := "::error" // and none for a pass
			switch code {
			case exitPass:
				annotation = ""
			case exitUnknown:
				annotation = "::warning"
			}
			if annotation == "" && strings.Contains(r.output, "::") || !strings.Contains(r.output, annotation) {
				t.Errorf("%s: with %s, detsim exiting %d: want the annotation %q\n%s", file, how, code, annotation, r.output)
			}
			b, err := os.ReadFile(summary)
			if err != nil || !strings.Contains(string(b), standInOutput) {
				t.Errorf("%s: with %s, the job summary lacks detsim's output (%v):\n%s", file, how, err, b)
			}
		}
	}
}

// mappingKey is the key node named key of the document's top mapping.
func mappingKey(doc *yaml.Node, key string) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == key {
			return doc.Content[i]
		}
	}
	return nil
}

// loadYAML reads a deployment file, which must be one YAML document, into v
// and returns its node tree.
func loadYAML(t *testing.T, file string, v any) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: more than one YAML document (%v)", file, err)
	}
	if err := doc.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &doc
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

// The stand-in detsim records its arguments one a line in $STANDIN_ARGS,
// prints a line, and exits with $STANDIN_EXIT, writing a repro file in --out
// first when that is 1. With STANDIN_EXIT=signal it runs until it gets
// SIGTERM or SIGINT, records which in $STANDIN_SIGNAL and exits as an
// interrupted detsim does: 143 or 130, or 1 when it had found a failure
// (STANDIN_FOUND=1: it writes its repro file first). $STANDIN_READY appears
// once its traps are set.
const (
	standInOutput   = "summary stand-in"
	standInReproLog = "detsim-repro-begin stand-in-7.json\n{\"stand-in\": true}\ndetsim-repro-end stand-in-7.json\n"
	standInScript   = `#!/bin/sh
printf '%s\n' "$@" > "$STANDIN_ARGS"
for a; do case $a in --out=*) out=${a#--out=} ;; esac; done
echo "summary stand-in"
if [ "$STANDIN_EXIT" = 1 ] || [ "${STANDIN_FOUND:-}" = 1 ]; then
	mkdir -p "$out" && printf '{"stand-in": true}\n' > "$out/stand-in-7.json"
fi
if [ "$STANDIN_EXIT" = signal ]; then
	found=${STANDIN_FOUND:-}
	sleep 100000 &
	s=$!
	trap 'kill "$s"; echo TERM > "$STANDIN_SIGNAL"; [ "$found" = 1 ] && exit 1; exit 143' TERM
	trap 'kill "$s"; echo INT > "$STANDIN_SIGNAL"; [ "$found" = 1 ] && exit 1; exit 130' INT
	echo $$ > "$STANDIN_READY"
	wait "$s"
	echo none > "$STANDIN_SIGNAL"
	exit 0
fi
exit "$STANDIN_EXIT"
`
)

type standInRun struct {
	exit   int
	args   []string
	output string
	signal string // the signal the stand-in got, for runStopped
}

// standInCmd is a command with the stand-in detsim first on PATH, exiting
// with code (or "signal"), in dir.
func standInCmd(t *testing.T, dir, code string, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "detsim"), []byte(standInScript), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"STANDIN_ARGS="+filepath.Join(dir, "args"), "STANDIN_EXIT="+code,
		"STANDIN_READY="+filepath.Join(dir, "ready"), "STANDIN_SIGNAL="+filepath.Join(dir, "signal"))
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// standInArgs is the command line the stand-in ran with.
func standInArgs(t *testing.T, dir string, out []byte) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatalf("the stand-in detsim did not run: %v\n%s", err, out)
	}
	return append([]string{"detsim"}, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
}

func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()) // as a shell reports it
		}
		return ee.ExitCode()
	}
	t.Fatal(err)
	return 0
}

// runWithStandIn runs a command with the stand-in detsim exiting with code.
func runWithStandIn(t *testing.T, dir, code string, env []string, name string, args ...string) standInRun {
	t.Helper()
	out, err := standInCmd(t, dir, code, env, name, args...).CombinedOutput()
	return standInRun{exit: exitStatus(t, err), args: standInArgs(t, dir, out), output: string(out)}
}

// runStopped runs a command with the stand-in detsim running until a
// signal, and once the stand-in runs, sends sig to the command's process
// alone (as the kubelet signals a container's main process). The stand-in
// exits when it gets a signal, so the command only ends if it passed one on:
// the test waits for that with a generous polling loop, not a time limit on
// the script, and then kills what is left.
func runStopped(t *testing.T, dir string, found bool, sig syscall.Signal, env []string, name string, args ...string) standInRun {
	t.Helper()
	if found {
		env = append(slices.Clone(env), "STANDIN_FOUND=1")
	}
	cmd := standInCmd(t, dir, "signal", env, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, so that the test can end all of it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	exited := false
	appeared := func(file string) bool {
		for range 3000 { // 5 minutes
			if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
				return true
			}
			select {
			case waitErr = <-done:
				exited = true
				_, err := os.Stat(filepath.Join(dir, file))
				return err == nil
			case <-time.After(100 * time.Millisecond):
			}
		}
		return false
	}
	if !appeared("ready") {
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Fatalf("the stand-in detsim did not start (the command exited: %v, %v)\n%s", exited, waitErr, out.String())
	}
	if exited {
		t.Fatalf("the command ended before it was signalled: %v\n%s", waitErr, out.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	if !appeared("signal") {
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		t.Fatalf("sent %v: the stand-in detsim got no signal\n%s", sig, out.String())
	}
	if !exited {
		waitErr = <-done
	}
	syscall.Kill(-pgid, syscall.SIGKILL) // anything left in the group (nothing, when all went well)
	r := standInRun{exit: exitStatus(t, waitErr), args: standInArgs(t, dir, out.Bytes()), output: out.String()}
	b, err := os.ReadFile(filepath.Join(dir, "signal"))
	if err != nil {
		t.Fatal(err)
	}
	r.signal = strings.TrimSpace(string(b))
	return r
}

func replaceInArgs(args []string, old, new string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		out[i] = strings.ReplaceAll(a, old, new)
	}
	return out
}

// runPlan runs the workflow's plan step as GitHub would, with its shell
// line, and returns what it wrote to $GITHUB_OUTPUT.
func runPlan(t *testing.T, shell []string, script, seeds, shards, start string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	name, args := ghCommand(t, dir, shell, script)
	cmd := exec.Command(name, args...)
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
