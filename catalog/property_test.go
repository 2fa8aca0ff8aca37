package catalog

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/internal/rapidenv"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/scenarios/simtest"
	"github.com/detsim/detsim/sim"
)

// DrawOptions draws a whole run from rapid (see drawOptions).
func DrawOptions(t *rapid.T, kv bool) scenarios.Options {
	return drawOptions(simtest.RapidDrawer(t), kv)
}

// PropertyOptions is DrawOptions as a generator, for Draw and Example.
func PropertyOptions(kv bool) *rapid.Generator[scenarios.Options] {
	return rapid.Custom(func(t *rapid.T) scenarios.Options { return DrawOptions(t, kv) })
}

// Property tests: rapid draws a whole run (DrawOptions), the run must pass
// every check, and a failing draw is shrunk by rapid to a minimal one and
// written as a detsim repro file. Each check costs one short simulation;
// -rapid.checks or RAPID_CHECKS sets how many (100 by default, a fifth
// with -short), -rapid.seed or RAPID_SEED pins the draws (the variables
// read at run time: see rapidenv.Use). See the README for a campaign and
// for `go test -fuzz=FuzzProperty`.

// propertyLinBudget bounds Porcupine per run: an unknown is no failure,
// and a property check must stay short.
const propertyLinBudget = 2 * time.Second

func TestPropertyRaftSafety(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine) // before t.Parallel: it may set flags
	t.Parallel()
	sink := newRunner(t)
	rapid.Check(t, func(rt *rapid.T) { checkDrawnRun(rt, sink, false) })
}

func TestPropertyKVLinearizable(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine)
	t.Parallel()
	sink := newRunner(t)
	rapid.Check(t, func(rt *rapid.T) { checkDrawnRun(rt, sink, true) })
}

// fuzzInputLen covers every draw of a run (at most a few hundred).
const fuzzInputLen = 8 * 1024

// FuzzProperty is the soak entry point: go test ./catalog
// -run='^$' -fuzz=FuzzProperty -fuzztime=1h. The fuzzer's bytes feed
// rapid's draws; without -fuzz only the seed inputs below run.
func FuzzProperty(f *testing.F) {
	// All zeros: every draw its simplest, a calm 3-node raft run. Then
	// two inputs whose draws are of every kind.
	f.Add(make([]byte, 8*64))
	for seed := uint64(1); seed <= 2; seed++ {
		r, data := sim.NewRand(seed), make([]byte, 8*512)
		for i := 0; i < len(data); i += 8 {
			binary.LittleEndian.PutUint64(data[i:], r.Uint64())
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Rapid skips an input its draws run past the end of, which most
		// of the fuzzer's inputs would; zeros after it draw the simplest
		// values instead, so every input is a run.
		if len(data) < fuzzInputLen {
			data = append(data, make([]byte, fuzzInputLen-len(data))...)
		}
		sink := newRunner(t)
		rapid.MakeFuzz(func(rt *rapid.T) {
			sink.Check(rt, drawRun(simtest.RapidDrawer(rt), 0)) // the property scenario's draw
		})(t, data)
	})
}

// checkDrawnRun draws a run and checks it.
func checkDrawnRun(t *rapid.T, sink *simtest.Runner, kv bool) { sink.Check(t, DrawOptions(t, kv)) }

// TestPropertyShrinksToOneFault shows that the generator and rapid shrink:
// with a planted property that fails whenever the schedule has a crash (no
// run, no bug: a fake property), rapid's minimal failing draw has exactly
// one fault before the final heal, a crash, and nothing else drawn away
// from its simplest value.
func TestPropertyShrinksToOneFault(t *testing.T) {
	// Rapid's flags are global: pin enough checks to find a crash, a
	// fresh search rather than someone's -rapid.failfile, and no fail file
	// in testdata for this fake property.
	rapidenv.Use(t, flag.CommandLine)
	setFlag(t, "rapid.checks", "1000")
	setFlag(t, "rapid.failfile", "")
	setFlag(t, "rapid.nofailfile", "true")

	var last scenarios.Options
	rec := &recordingTB{name: t.Name()}
	rapid.Check(rec, func(rt *rapid.T) {
		o := DrawOptions(rt, false)
		last = o
		var before []string
		crash := false
		for _, f := range o.Faults {
			if f.At < at(o.Duration) {
				before = append(before, f.String())
				crash = crash || f.Kind == sim.FaultCrash
			}
		}
		if crash {
			rt.Fatalf("planted: a crash in %d faults: %s", len(before), strings.Join(before, ", "))
		}
	})
	if !rec.failed {
		t.Fatalf("rapid found no draw with a crash:\n%s", strings.Join(rec.logs, "\n"))
	}
	// Rapid reports the minimized draw's failure, and replays it last.
	if !strings.Contains(rec.errors, "planted: a crash in 1 faults: crash n0") {
		t.Fatalf("rapid's minimal failure is not one crash of n0:\n%s", rec.errors)
	}
	var before []sim.Fault
	for _, f := range last.Faults {
		if f.At < at(last.Duration) {
			before = append(before, f)
		}
	}
	if len(before) != 1 || before[0].Kind != sim.FaultCrash || before[0].Node != 0 || before[0].At != 0 {
		t.Fatalf("last draw (the minimal one) has faults %v, want one crash of n0 at 0", before)
	}
	if last.Servers != 3 || last.Clients != 1 || last.Net.Unreliable() ||
		last.TornPPM != 0 || len(last.Clocks) != 0 || last.Duration != propMinDuration || last.Bound != propMinBound {
		t.Fatalf("minimal draw not simplest elsewhere: %s", last.OptionsLine())
	}
}

func setFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("no flag -%s", name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}

// recordingTB stands in for *testing.T under rapid.Check, so a test can
// look at what rapid reported instead of failing.
type recordingTB struct {
	name   string
	failed bool
	errors string
	logs   []string
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Name() string { return r.name }
func (r *recordingTB) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Log(args ...any)                  { r.logs = append(r.logs, fmt.Sprint(args...)) }
func (r *recordingTB) Skipf(format string, args ...any) { panic("recordingTB: skip") }
func (r *recordingTB) Skip(args ...any)                 { panic("recordingTB: skip") }
func (r *recordingTB) SkipNow()                         { panic("recordingTB: skip") }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.failed = true
	r.errors += fmt.Sprintf(format, args...) + "\n"
}
func (r *recordingTB) Error(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recordingTB) Fatal(args ...any)                 { r.Error(args...) }
func (r *recordingTB) FailNow()                          { r.failed = true }
func (r *recordingTB) Fail()                             { r.failed = true }
func (r *recordingTB) Failed() bool                      { return r.failed }

// TestPropertyReproReplays: a failing draw goes through the whole path
// of the property tests: rapid shrinks it, checkRun writes each failing
// candidate as a repro and names it in the failure, and when the test ends
// only the minimal one is left; it parses (naming the property scenario)
// and replays with the same failure and trace hash, as `detsim replay`
// does it.
func TestPropertyReproReplays(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine)
	setFlag(t, "rapid.failfile", "")
	setFlag(t, "rapid.nofailfile", "true")
	t.Setenv(simtest.FailuresDirEnv, t.TempDir())
	for _, kv := range []bool{false, true} {
		t.Run(fmt.Sprintf("kv=%v", kv), func(t *testing.T) {
			rec := &recordingTB{name: t.Name()}
			sink := newRunner(t)
			rapid.Check(rec, func(rt *rapid.T) {
				o := DrawOptions(rt, kv)
				o.Probes = append(o.Probes, "never-fires") // a planted failure
				sink.Check(rt, o)
			})
			sink.KeepLast()
			m := regexp.MustCompile(`coverage failed: never fired: \[never-fires\]\nsignature: coverage: .*\nrepro: (\S+)\n`).FindStringSubmatch(rec.errors)
			if m == nil {
				t.Fatalf("rapid's failure names no repro:\n%s", rec.errors)
			}
			if len(sink.Written()) != 1 || sink.Written()[0] != m[1] {
				t.Fatalf("kept %v, want only %s, the minimal draw's", sink.Written(), m[1])
			}
			if entries, _ := os.ReadDir(filepath.Dir(m[1])); len(entries) != 1 {
				t.Fatalf("%d files in %s, want 1", len(entries), filepath.Dir(m[1]))
			}
			r, err := scenarios.ReadRepro(m[1])
			if err != nil {
				t.Fatal(err)
			}
			o := r.Options
			if r.Scenario != PropertyScenario || r.Signature.Check != checker.Coverage || (paramsOf(&o).KV != nil) != kv {
				t.Fatalf("repro %s: scenario %q signature %+v", m[1], r.Scenario, r.Signature)
			}
			// The failure does not depend on the draw: it shrinks to the
			// simplest run.
			if o.Servers != 3 || o.Clients != 1 || len(o.Faults) != 1+2*o.Servers || r.Seed != "0" {
				t.Fatalf("not shrunk to the simplest draw: seed %s %s", r.Seed, o.OptionsLine())
			}
			res := scenarios.Replay(r, scenarios.RunConfig{LinBudget: propertyLinBudget})
			if !res.SameFailure || !res.HashMatch {
				t.Fatalf("replay: same failure %v, hash match %v\n%s", res.SameFailure, res.HashMatch, res.Report.Text())
			}
		})
	}
}

// TestPropertyDrawsAreWellFormed: every draw validates, keeps Porcupine's
// limit of 4 clerks to a key, and ends with the final heal the drain needs
// (every partition healed, every server resumed and restarted, the network
// calm) with no other fault at or after it.
func TestPropertyDrawsAreWellFormed(t *testing.T) {
	rapidenv.Use(t, flag.CommandLine)
	rapid.Check(t, func(rt *rapid.T) {
		o := PropertyOptions(rapid.Bool().Draw(rt, "kv")).Draw(rt, "options")
		if err := o.Validate(); err != nil {
			rt.Fatal(err)
		}
		if o.Servers != 3 && o.Servers != 5 && o.Servers != 7 || o.Clients < 1 {
			rt.Fatalf("%d servers, %d clients", o.Servers, o.Clients)
		}
		if w := paramsOf(&o).KV; w != nil && w.ClerksPerKey > 4 {
			rt.Fatalf("%d clerks to a key", w.ClerksPerKey)
		}
		restarted, resumed, healed, calm := map[int]bool{}, map[int]bool{}, false, false
		for i, f := range o.Faults {
			if i > 0 && f.At < o.Faults[i-1].At {
				rt.Fatalf("schedule out of order at %d", i)
			}
			if f.At > at(o.Duration) {
				rt.Fatalf("fault %s after the final heal", f)
			}
			if f.At < at(o.Duration) {
				continue
			}
			switch f.Kind {
			case sim.FaultHeal:
				healed = true
			case sim.FaultNet:
				calm = *f.Net == sim.NetFault{}
			case sim.FaultRestart:
				restarted[f.Node] = true
			case sim.FaultResume:
				resumed[f.Node] = true
			default:
				rt.Fatalf("fault %s at the final heal", f)
			}
		}
		unreliable := o.Net.Unreliable()
		if !healed || len(restarted) != o.Servers || len(resumed) != o.Servers || unreliable != calm {
			rt.Fatalf("final heal incomplete: heal %v restarts %d resumes %d calm %v", healed, len(restarted), len(resumed), calm)
		}
	})
}

// TestPropertyScenarioBySeed: run by seed, as `detsim run` and `detsim
// fuzz` do, the property scenario draws faults, passes, validates and gives
// the same trace hash twice.
func TestPropertyScenarioBySeed(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		o := propertyScenario.Resolve(seed)
		if err := o.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		n := 0
		for _, f := range o.Faults {
			if f.At < at(o.Duration) {
				n++
			}
		}
		if n == 0 && seed == 1 {
			t.Errorf("seed %d drew no fault", seed)
		}
		a, b := scenarios.Run(o, seed, scenarios.RunConfig{}), scenarios.Run(o, seed, scenarios.RunConfig{})
		if a.Verdict != checker.OK {
			t.Errorf("seed %d failed:\n%s", seed, a.Text())
		}
		if a.TraceHash != b.TraceHash {
			t.Errorf("seed %d: trace hashes %s and %s", seed, a.TraceHash, b.TraceHash)
		}
	}
}

// recordDrawer passes draws through and keeps, for each label with its
// numbers folded ("slot 3 kind" is "slot # kind"), the range asked (and
// whether it was always the same) and every value drawn.
type recordDrawer struct {
	d    scenarios.Drawer
	seen map[string]*drawnValues
}

type drawnValues struct {
	lo, hi int
	varies bool // the range depends on other draws (the cluster's size)
	values map[int]bool
}

var labelNumbers = regexp.MustCompile(`[0-9]+`)

func (r recordDrawer) Draw(lo, hi int, label string) int {
	v := r.d.Draw(lo, hi, label)
	key := labelNumbers.ReplaceAllString(label, "#")
	dv := r.seen[key]
	if dv == nil {
		dv = &drawnValues{lo: lo, hi: hi, values: map[int]bool{}}
		r.seen[key] = dv
	}
	dv.varies = dv.varies || lo != dv.lo || hi != dv.hi
	dv.values[v] = true
	return v
}

// slotKindOf names the fault slot kind that wrote a fault of the safety
// phase (a disk slot's crash and restart read as a crash's).
func slotKindOf(f sim.Fault) string {
	if f.Target != "" {
		return string(f.Kind) + " " + string(f.Target)
	}
	switch f.Kind {
	case sim.FaultDamage, sim.FaultLoseWrite:
		return "disk"
	}
	return string(f.Kind)
}

// TestPropertyScenarioCoversTheSpace: run by seed, the property scenario
// draws from the property tests' whole space. Over 200 seeds it reaches
// 3, 5 and 7 servers and no other size, raft and key/value workloads,
// network weather and a calm network, clock skew and none, and every kind
// of fault slot; every choice of at most 11 values whose range is fixed
// (the workload's kind, each slot's kind, each partition's shape, the mix,
// snapshots, batch size, clients...) takes every value. Each draw
// validates, is the same twice, and is what drawRun draws from the seed's
// drawer; a safety phase asked of ResolveFor is kept.
func TestPropertyScenarioCoversTheSpace(t *testing.T) {
	const seeds = 200
	rec := recordDrawer{seen: map[string]*drawnValues{}}
	servers, kinds := map[int]int{}, map[string]int{}
	var kv, raft, weather, calm, skew, noSkew int
	for seed := uint64(1); seed <= seeds; seed++ {
		o := propertyScenario.Resolve(seed)
		if err := o.Validate(); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, o.OptionsLine())
		}
		if again := propertyScenario.Resolve(seed); !reflect.DeepEqual(o, again) {
			t.Fatalf("seed %d drew twice:\n%s\n%s", seed, o.OptionsLine(), again.OptionsLine())
		}
		rec.d = scenarios.NewSeedDrawer(seed, "property")
		if rd := drawRun(rec, 0); !reflect.DeepEqual(o, rd) {
			t.Fatalf("seed %d: the scenario is not drawRun's draw:\n%s\n%s", seed, o.OptionsLine(), rd.OptionsLine())
		}
		servers[o.Servers]++
		if paramsOf(&o).KV != nil {
			kv++
		} else {
			raft++
		}
		if o.Net.Unreliable() {
			weather++
		} else {
			calm++
		}
		if len(o.Clocks) > 0 {
			skew++
		} else {
			noSkew++
		}
		for _, f := range o.Faults {
			if f.At < at(o.Duration) {
				kinds[slotKindOf(f)]++
			}
		}
	}
	t.Logf("servers %v; raft %d kv %d; weather %d calm %d; skew %d none %d; faults %v", servers, raft, kv, weather, calm, skew, noSkew, kinds)
	if long := propertyScenario.ResolveFor(1, 30*s); long.Duration != 30*s || long.Validate() != nil {
		t.Errorf("ResolveFor(1, 30 s): duration %s, %v", dur(long.Duration), long.Validate())
	}
	if len(servers) != 3 || servers[3] == 0 || servers[5] == 0 || servers[7] == 0 {
		t.Errorf("cluster sizes %v, want 3, 5 and 7", servers)
	}
	if kv == 0 || raft == 0 || weather == 0 || calm == 0 || skew == 0 || noSkew == 0 {
		t.Errorf("raft %d kv %d, weather %d calm %d, skew %d none %d: want each", raft, kv, weather, calm, skew, noSkew)
	}
	for _, k := range []string{"crash", "partition", "pause", "crash-sync", "crash leader", "partition leader", "pause leader", "disk", "fail-sync"} {
		if kinds[k] == 0 {
			t.Errorf("no %s fault in %d seeds", k, seeds)
		}
	}
	var labels []string
	for l := range rec.seen {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		dv := rec.seen[l]
		if dv.varies || dv.hi-dv.lo > 10 {
			continue
		}
		for v := dv.lo; v <= dv.hi; v++ {
			if !dv.values[v] {
				t.Errorf("%q never drew %d in [%d, %d]", l, v, dv.lo, dv.hi)
			}
		}
	}
	if len(rec.seen["slot # kind"].values) != 10 || len(rec.seen["slot # shape (isolate, halves, one-way, bridge, ring, three)"].values) != 6 { // scenarios.DrawSchedule's slot kinds and shapes
		t.Errorf("slot kinds or partition shapes not all drawn: %v", labels)
	}
}

// TestPropertyReadsRapidEnvAtRunTime: rapidenv.Use reads rapid's variables
// while the test runs (a t.Setenv after init is seen), applies them to
// rapid's flags unless the command line gave the flag, restores the flags
// when the test ends, and rapid then runs with what was read: as many
// checks as RAPID_CHECKS says, from the seed RAPID_SEED says.
func TestPropertyReadsRapidEnvAtRunTime(t *testing.T) {
	fs := flag.NewFlagSet("rapid", flag.ContinueOnError)
	fs.Uint64("rapid.seed", 0, "")
	fs.Int("rapid.checks", 100, "")
	fs.String("rapid.failfile", "", "")
	if err := fs.Parse([]string{"-rapid.failfile=given"}); err != nil {
		t.Fatal(err)
	}
	t.Run("flags", func(t *testing.T) {
		t.Setenv("RAPID_SEED", "0x10")
		t.Setenv("RAPID_CHECKS", "3")
		t.Setenv("RAPID_FAILFILE", "from-env")
		seed, checks := rapidenv.Use(t, fs)
		if seed != "16" || checks != "3" || fs.Lookup("rapid.failfile").Value.String() != "given" {
			t.Fatalf("seed %s checks %s failfile %s, want 16, 3 and the command line's", seed, checks, fs.Lookup("rapid.failfile").Value)
		}
	})
	if seed, checks := fs.Lookup("rapid.seed").Value.String(), fs.Lookup("rapid.checks").Value.String(); seed != "0" || checks != "100" {
		t.Fatalf("flags not restored: seed %s checks %s", seed, checks)
	}

	// The real flags, and rapid itself. A flag given to this test binary
	// wins over the variable, in rapid as here.
	given := map[string]string{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })
	t.Setenv("RAPID_SEED", "4242")
	t.Setenv("RAPID_CHECKS", "7")
	seed, checks := rapidenv.Use(t, flag.CommandLine)
	wantSeed, wantChecks := "4242", "7"
	if v, ok := given["rapid.seed"]; ok {
		wantSeed = v
	}
	if v, ok := given["rapid.checks"]; ok {
		wantChecks = v
	}
	if seed != wantSeed || checks != wantChecks {
		t.Fatalf("seed %s checks %s, want %s and %s", seed, checks, wantSeed, wantChecks)
	}
	setFlag(t, "rapid.failfile", "")
	setFlag(t, "rapid.nofailfile", "true")
	calls := 0
	rapid.Check(t, func(*rapid.T) { calls++ })
	n, _ := strconv.Atoi(wantChecks)
	if testing.Short() {
		n /= 5
	}
	if calls != n {
		t.Errorf("rapid ran %d checks, want %d", calls, n)
	}
	// Rapid names the seed of a failure; failing at once, that is its
	// starting seed.
	rec := &recordingTB{name: t.Name()}
	rapid.Check(rec, func(rt *rapid.T) { rt.Fatal("planted") })
	if !strings.Contains(rec.errors, "-rapid.seed="+wantSeed+"\n") {
		t.Errorf("rapid's failure does not name seed %s:\n%s", wantSeed, rec.errors)
	}
}

// newRunner is the property tests' simtest.Runner, with their budget.
func newRunner(t *testing.T) *simtest.Runner {
	r := simtest.NewRunner(t)
	r.LinBudget = propertyLinBudget
	return r
}
