package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// Report is the outcome of one run.
type Report struct {
	Scenario    string
	Seed        uint64
	Options     Options
	TraceHash   string
	Checkpoints []sim.Checkpoint
	Virtual     sim.Duration // the virtual time the run lasted
	Wall        time.Duration
	Events      uint64
	Ops         int
	Stats       sim.Stats
	Results     []checker.Result
	Verdict     checker.Status
	Probes      map[string]int // every coverage probe that fired, and how often

	// For key/value scenarios: the client history, the linearizability
	// report (for the visualization) and the faults to annotate it with.
	History []checker.HistoryOp
	Lin     *checker.LinReport
	Notes   []checker.Annotation
	// Model is the check of a system's own model's history (a
	// ModelHistorian), for its picture and its history file.
	Model     *checker.ModelReport
	CheckWall time.Duration // the linearizability check's own wall time

	// HTMLPath is where the visualization was written, if it was: the
	// command line sets it after writing the file, and the summary names it.
	HTMLPath string
}

func (r *runner) report(res sim.Result, live bool, wall time.Duration, cfg RunConfig) *Report {
	rep := &Report{
		Scenario: r.opts.Scenario, Seed: r.seed, Options: r.opts,
		TraceHash: fmt.Sprintf("%016x", r.w.Hash()), Checkpoints: r.w.Checkpoints(),
		Virtual: r.w.Now().Sub(0), Wall: wall, Events: r.w.Events(), Ops: r.ops, Stats: r.w.Stats,
		Probes: r.firedProbes(),
	}
	rep.Results = append(rep.Results, r.inst.Results()...)
	if hist, ok := r.inst.(KVHistorian); ok {
		rep.Results = append(rep.Results, r.linearizability(rep, hist, cfg))
	} else if mh, ok := r.inst.(ModelHistorian); ok {
		rep.Results = append(rep.Results, r.modelLinearizability(rep, mh, cfg))
	}
	if cr, ok := r.replies.Result(); ok {
		rep.Results = append(rep.Results, cr)
	}
	rep.Results = append(rep.Results, r.liveness(live, res), r.exp.Result(r.ownExpectations(), r.ownFigures()...),
		checker.CoverageResult(r.opts.Probes, rep.Probes), checker.ProgressResult(res, r.w.Now()), checker.NoPanicResult(res))
	rep.Verdict = checker.Verdict(rep.Results)
	return rep
}

// modelLinearizability checks a history of the system's own model.
func (r *runner) modelLinearizability(rep *Report, mh ModelHistorian, cfg RunConfig) checker.Result {
	model, h, kept := mh.ModelHistory()
	if !kept {
		return checker.Result{Name: checker.Linearizability, Status: checker.Unknown,
			Detail: "not checked: the history was not kept (RunConfig.NoHistory)"}
	}
	rep.Notes = r.annotations()
	start := time.Now()
	rep.Model = checker.CheckModel(model, h, cfg.LinBudget)
	rep.CheckWall = time.Since(start)
	return rep.Model.Result
}

// linearizability checks the history the system's clients recorded.
func (r *runner) linearizability(rep *Report, hist KVHistorian, cfg RunConfig) checker.Result {
	h, kept := hist.History()
	if !kept {
		return checker.Result{Name: checker.Linearizability, Status: checker.Unknown,
			Detail: "not checked: the history was not kept (RunConfig.NoHistory)"}
	}
	rep.History, rep.Notes = h, r.annotations()
	budget := cfg.LinBudget
	if budget == 0 {
		budget = 10 * time.Second
	}
	start := time.Now()
	rep.Lin = checker.CheckLinearizable(rep.History, checker.LinConfig{Budget: budget})
	rep.CheckWall = time.Since(start)
	return rep.Lin.Result
}

// OptionsLine renders the resolved options on one line.
func (o *Options) OptionsLine() string {
	counts := map[sim.FaultKind]int{}
	var kinds []string
	for _, f := range o.Faults {
		if counts[f.Kind] == 0 {
			kinds = append(kinds, string(f.Kind))
		}
		counts[f.Kind]++
	}
	var mix []string
	for _, k := range kinds {
		mix = append(mix, fmt.Sprintf("%s=%d", k, counts[sim.FaultKind(k)]))
	}
	n := o.Net
	params := ""
	if scn, err := Lookup(o.Scenario); err == nil {
		if pl, ok := scn.System.(ParamsLiner); ok {
			params = pl.ParamsLine(o)
		}
	}
	extra := ""
	if n.CorruptPPM != 0 {
		extra += fmt.Sprintf(" corrupt=%dppm", n.CorruptPPM)
	}
	if o.Swarm != "" {
		extra += " swarm=" + o.Swarm
	}
	if o.Bug != "" {
		extra += " bug=" + o.Bug
	}
	return fmt.Sprintf("system=%s servers=%d clients=%d duration=%v bound=%v latency=%v-%v loss=%dppm dup=%dppm reorder=%dppm/%v torn=%dppm skewed-clocks=%d%s%s faults=%d [%s]",
		o.System, o.Servers, o.Clients, dur(o.Duration), dur(o.Bound),
		dur(n.MinLatency), dur(n.MaxLatency), n.LossPPM, n.DupPPM, n.ReorderPPM,
		dur(n.ReorderMax), o.TornPPM, len(o.Clocks), params, extra, len(o.Faults), strings.Join(mix, " "))
}

// dur renders nanoseconds (a span, or an instant as the span since the run
// began) compactly ("1.5s", "200ms"): exact integer arithmetic, the same on
// every machine.
func dur[T ~int64](ns T) string { return sim.Duration(ns).String() }

// Text renders the summary, one fact per line, as the CLI contract fixes it.
func (rep *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario=%s seed=%d\n", rep.Scenario, rep.Seed)
	fmt.Fprintf(&b, "options %s\n", rep.Options.OptionsLine())
	fmt.Fprintf(&b, "trace-hash=%s\n", rep.TraceHash)
	fmt.Fprintf(&b, "virtual=%.3fs wall=%.3fs events=%d speedup=%.0fx\n", float64(rep.Virtual)/1e9, rep.Wall.Seconds(), rep.Events, rep.Speedup())
	st := rep.Stats
	corrupted := ""
	if st.Corrupted != 0 {
		corrupted = fmt.Sprintf(" corrupted=%d", st.Corrupted)
	}
	fmt.Fprintf(&b, "ops=%d messages=%d dropped=%d duplicated=%d%s crashes=%d partitions=%d\n", rep.Ops, st.Sent, st.Dropped, st.Duplicated, corrupted, st.Crashes, st.Partitions)
	for _, res := range rep.Results {
		fmt.Fprintln(&b, res.String())
	}
	if rep.Lin != nil || rep.Model != nil || rep.CheckWall > 0 {
		fmt.Fprintf(&b, "check-wall=%.3fs\n", rep.CheckWall.Seconds())
	}
	fmt.Fprintf(&b, "verdict %s\n", rep.VerdictWord())
	if rep.HTMLPath != "" {
		fmt.Fprintf(&b, "html=%s\n", rep.HTMLPath)
	}
	return b.String()
}

// Speedup is virtual time over wall time.
func (rep *Report) Speedup() float64 {
	if rep.Wall <= 0 {
		return 0
	}
	return float64(rep.Virtual) / float64(rep.Wall.Nanoseconds())
}

// VerdictWord is pass, fail or unknown.
func (rep *Report) VerdictWord() string {
	return [...]string{"pass", "fail", "unknown"}[rep.Verdict]
}

// JSON renders the summary as one JSON object.
func (rep *Report) JSON() ([]byte, error) {
	type check struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Detail string `json:"detail,omitempty"`
		// KeysFailed: on a failed linearizability check, every key that
		// failed, sorted.
		KeysFailed []string `json:"keys_failed,omitempty"`
	}
	out := struct {
		Scenario  string         `json:"scenario"`
		Seed      string         `json:"seed"`
		Options   Options        `json:"options"`
		TraceHash string         `json:"trace_hash"`
		Virtual   float64        `json:"virtual_s"`
		Wall      float64        `json:"wall_s"`
		Events    uint64         `json:"events"`
		Speedup   float64        `json:"speedup"`
		Ops       int            `json:"ops"`
		Messages  uint64         `json:"messages"`
		Dropped   uint64         `json:"dropped"`
		Dup       uint64         `json:"duplicated"`
		Corrupted uint64         `json:"corrupted,omitempty"`
		Crashes   int            `json:"crashes"`
		Parts     int            `json:"partitions"`
		Checks    []check        `json:"checks"`
		Probes    map[string]int `json:"probes"`
		CheckWall float64        `json:"check_wall_s,omitempty"`
		Verdict   string         `json:"verdict"`
		HTML      string         `json:"html,omitempty"`
	}{
		Scenario: rep.Scenario, Seed: fmt.Sprint(rep.Seed), Options: rep.Options, TraceHash: rep.TraceHash,
		Virtual: float64(rep.Virtual) / 1e9, Wall: rep.Wall.Seconds(), Events: rep.Events, Speedup: rep.Speedup(),
		Ops: rep.Ops, Messages: rep.Stats.Sent, Dropped: rep.Stats.Dropped, Dup: rep.Stats.Duplicated, Corrupted: rep.Stats.Corrupted,
		Crashes: rep.Stats.Crashes, Parts: rep.Stats.Partitions, Verdict: rep.VerdictWord(), Probes: rep.Probes,
		CheckWall: rep.CheckWall.Seconds(), HTML: rep.HTMLPath,
	}
	for _, res := range rep.Results {
		c := check{Name: res.Name, Status: strings.ToLower(res.Status.String()), Detail: res.Detail}
		if res.Name == checker.Linearizability && rep.Lin != nil && res.Status == checker.Fail {
			c.KeysFailed = rep.Lin.KeysFailed
		}
		out.Checks = append(out.Checks, c)
	}
	return json.Marshal(out)
}

// Recheck runs the linearizability check again with a larger budget (a
// verdict left unknown by the first budget), and judges the run anew.
func (rep *Report) Recheck(budget time.Duration) {
	var again checker.Result
	start := time.Now()
	switch {
	case rep.Lin != nil && rep.Lin.Status == checker.Unknown:
		rep.Lin = checker.CheckLinearizable(rep.History, checker.LinConfig{Budget: budget})
		again = rep.Lin.Result
	case rep.Model != nil && rep.Model.Status == checker.Unknown:
		rep.Model = rep.Model.Recheck(budget)
		again = rep.Model.Result
	default:
		return
	}
	rep.CheckWall += time.Since(start)
	for i := range rep.Results {
		if rep.Results[i].Name == checker.Linearizability {
			rep.Results[i] = again
		}
	}
	rep.Verdict = checker.Verdict(rep.Results)
}

// SeedString renders a seed as its digits.
func SeedString(seed uint64) string { return fmt.Sprint(seed) }

// ownFigures are the system's own measurements (Measurer).
func (r *runner) ownFigures() []string {
	if sys, ok := r.inst.(Measurer); ok {
		return sys.Figures()
	}
	return nil
}

// ownExpectations are the system's own expectation violations (Expecter).
func (r *runner) ownExpectations() []string {
	if sys, ok := r.inst.(Expecter); ok {
		return sys.Violations()
	}
	return nil
}
