package scenarios

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// RunConfig is how a run reports, never what it does.
type RunConfig struct {
	Trace io.Writer // the trace text, if wanted
	// MaxEvents overrides the world's event cap (0: its default). A run
	// that hits it fails the progress check.
	MaxEvents uint64
	// LinBudget is Porcupine's wall-clock budget (0: 10 s).
	LinBudget time.Duration
	// NoHistory: the key/value recorder keeps no operations (for long runs
	// that measure memory). The run and its trace hash are unchanged, but
	// linearizability is reported unknown, never ok, and SmallSnapshot is
	// not judged.
	NoHistory bool
	// OnSimEnd, if set, is called once the simulation and its drain are
	// over, before any check runs, with the whole world still live (a
	// memory benchmark reads the heap there).
	OnSimEnd func()
}

// runner is one run in progress: the world, the system's instance in it,
// and what the engine itself watches (client calls, faults, probes).
type runner struct {
	opts    Options
	seed    uint64
	w       *sim.World
	inst    Instance
	lead    Leadership // nil: the system names no leader
	exp     *checker.ExpectWatch
	pending map[int]pendingCall // client → its call in flight
	replies checker.ClientReplies
	ops     int
	probes  map[string]int // fired through Harness.Probe
	keepLog bool           // keep the struck faults, to annotate a history
	struck  []sim.Fault    // faults as they struck, resolved, for the history's annotations
}

type pendingCall struct {
	seq uint64
	at  sim.Time
}

// Run executes one seeded run of opts and judges it.
func Run(opts Options, seed uint64, cfg RunConfig) *Report {
	r := &runner{opts: opts, seed: seed, pending: map[int]pendingCall{}, probes: map[string]int{}}
	inst, err := r.start(cfg)
	if err != nil {
		return r.refused(err)
	}
	r.inst = inst
	r.lead, _ = inst.(Leadership)
	_, r.keepLog = inst.(KVHistorian)
	r.keepLog = r.keepLog && !cfg.NoHistory
	describe := func([]byte) string { return "message" }
	if d, ok := inst.(Describer); ok {
		describe = d.Describe
	}
	r.w = sim.New(sim.Config{
		Seed: seed, Nodes: inst.Factories(), Net: opts.Net, Clocks: opts.Clocks, TornPPM: opts.TornPPM,
		Describe: describe, Trace: cfg.Trace, MaxEvents: cfg.MaxEvents, OnFault: r.onFault, OnStop: r.onStop, Resolve: r.resolveTarget,
	})
	r.w.Schedule(opts.Faults)
	x := opts.Expect
	r.exp = checker.NewExpectWatch(checker.ExpectConfig{StableLeader: x.StableLeader, NewLeaderWithin: x.NewLeaderWithin,
		NoDisruption: x.NoDisruption, MinorityIdle: x.MinorityIdle, MaxLatency: x.MaxLatency, LatencyAfter: sim.Time(x.LatencyAfter), MaxLeaderTerms: x.MaxLeaderTerms,
		MaxMessagesPerOp: x.MaxMessagesPerOp, Sent: func() uint64 { return r.w.Stats.Sent },
		Servers: opts.Servers, Nodes: opts.Nodes(), Leaders: r.lead, At: r.w.At})

	start := time.Now()
	res := r.w.Start()
	if !res.Failed() {
		res = r.w.Run(sim.Time(opts.Duration))
	}
	live := r.drain(&res)
	wall := time.Since(start)
	if cfg.OnSimEnd != nil {
		cfg.OnSimEnd()
	}
	return r.report(res, live, wall, cfg)
}

// start asks the scenario's system for this run's instance. The world is
// made after it (its factories are the world's nodes), so the harness reads
// the world through the runner once it exists.
func (r *runner) start(cfg RunConfig) (Instance, error) {
	scn, err := Lookup(r.opts.Scenario)
	if err != nil {
		return nil, err
	}
	if scn.System == nil {
		return nil, fmt.Errorf("scenario %q names no system", scn.Name)
	}
	h := &Harness{Options: r.opts, Seed: r.seed, NoHistory: cfg.NoHistory, r: r}
	inst, err := scn.System.Start(h)
	if err == nil && len(inst.Factories()) != r.opts.Nodes() {
		err = fmt.Errorf("system %s made %d nodes for %d servers and %d clients", scn.System.Name(), len(inst.Factories()), r.opts.Servers, r.opts.Clients)
	}
	return inst, err
}

// drain runs the liveness phase: every fault has healed at Duration (the
// schedule says so); clients issue nothing new; within Bound every client must
// finish and the system must report itself live. It stops as soon as both hold.
func (r *runner) drain(res *sim.Result) bool {
	heal := sim.Time(r.opts.Duration)
	deadline := heal.Add(r.opts.Bound)
	for t := heal; !res.Failed(); {
		if len(r.pending) == 0 && r.inst.Live() {
			return true
		}
		if t >= deadline {
			return false
		}
		t = min(t.Add(50*ms), deadline)
		*res = r.w.Run(t)
	}
	return false
}

func (r *runner) onFault(at sim.Time, f sim.Fault) {
	f.At = at
	if r.keepLog { // only the history's annotations read it
		r.struck = append(r.struck, f)
	}
	switch {
	case f.Kind == sim.FaultCrash && f.Label == "in-step":
		r.probes["crash-in-step"]++
	case f.Kind == sim.FaultPartition:
		r.probes["partition"]++
	}
	if fw, ok := r.inst.(FaultWatcher); ok {
		fw.Fault(at, f)
	}
	r.exp.Fault(at, f)
}

func (r *runner) onStop(at sim.Time, node int, err error) {
	if node >= r.opts.Servers {
		return
	}
	r.probes["node-stopped"]++
	if fw, ok := r.inst.(FaultWatcher); ok {
		fw.Stopped(at, node, err)
	}
	if errors.Is(err, sim.ErrSyncFailed) {
		r.probes["sync-failed-stopped"]++
	}
}

// firedProbes is every probe fired in the run: the engine's and the
// system's own.
func (r *runner) firedProbes() map[string]int {
	out := maps.Clone(r.probes)
	if p, ok := r.inst.(Prober); ok {
		//detsim:allow map-range sums into a map: order cannot show
		for name, n := range p.Probes() {
			out[name] += n
		}
	}
	return out
}

func (r *runner) liveness(live bool, res sim.Result) checker.Result {
	l := checker.LivenessReport{Live: live, StoppedBy: checker.StoppedBy(res), Now: r.w.Now(), FinalHeal: sim.Time(r.opts.Duration), Bound: r.opts.Bound}
	if lr, ok := r.inst.(LivenessReporter); ok {
		l.Why, l.State = lr.Why(len(r.pending)), lr.State()
	} else if r.inst.Live() {
		l.Why = "clients still waiting"
	} else {
		l.Why = "the system never reported itself live"
	}
	var clients []int
	//detsim:allow map-range sorted just below
	for c := range r.pending {
		clients = append(clients, c)
	}
	sort.Ints(clients)
	for _, c := range clients {
		p := r.pending[c]
		l.Pending = append(l.Pending, checker.PendingCall{Client: c, Seq: p.seq, Since: p.at})
	}
	return checker.LivenessResult(l)
}

func (r *runner) servers() []int {
	out := make([]int, r.opts.Servers)
	for i := range out {
		out[i] = i
	}
	return out
}

// refused is the report of a run whose system could not start: a bug in the
// system's glue, failed as a panic would be.
func (r *runner) refused(err error) *Report {
	res := checker.Result{Name: checker.NoPanic, Status: checker.Fail, Detail: "the system did not start: " + oneLine(err.Error())}
	return &Report{Scenario: r.opts.Scenario, Seed: r.seed, Options: r.opts, Results: []checker.Result{res}, Verdict: checker.Fail}
}

// oneLine folds an error's text onto one line of the summary.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
