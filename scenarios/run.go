package scenarios

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/kv"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/raft/logservice"
	"github.com/detsim/detsim/raft/raftcheck"
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

// runner is one run in progress.
type runner struct {
	opts    Options
	seed    uint64
	w       *sim.World
	chk     *checker.Raft
	exp     expectWatch
	pending map[int]pendingCall // client → its call in flight
	ops     int
	kvRec   *kvRecorder // the key/value history, for KV scenarios
	struck  []sim.Fault // faults as they struck, resolved, for the history's annotations
}

type pendingCall struct {
	seq uint64
	at  int64
}

// Run executes one seeded run of opts and judges it.
func Run(opts Options, seed uint64, cfg RunConfig) *Report {
	r := &runner{opts: opts, seed: seed, pending: map[int]pendingCall{}}
	r.chk = checker.NewRaft(opts.Servers, func() int64 { return r.w.Now() })
	r.exp = expectWatch{r: r}
	r.w = sim.New(sim.Config{
		Seed: seed, Nodes: r.factories(), Net: opts.Net, Clocks: opts.Clocks, TornPPM: opts.TornPPM,
		Describe: describe, Trace: cfg.Trace, MaxEvents: cfg.MaxEvents, OnFault: r.onFault, OnStop: r.onStop, Resolve: r.resolveTarget,
	})
	r.w.Schedule(opts.Faults)
	if r.kvRec != nil {
		r.kvRec.noHistory = cfg.NoHistory
	}

	start := time.Now()
	res := r.w.Start()
	if !res.Failed() {
		res = r.w.Run(opts.Duration)
	}
	live := r.drain(&res)
	wall := time.Since(start)
	if cfg.OnSimEnd != nil {
		cfg.OnSimEnd()
	}
	return r.report(res, live, wall, cfg)
}

func (r *runner) factories() []sim.Factory {
	servers := r.servers()
	if r.opts.KV != nil {
		return r.kvFactories(servers)
	}
	hostCfg := raft.DefaultHostConfig(servers)
	hostCfg.Testing.Bugs = r.opts.bugSet()
	if r.opts.MaxBatch > 0 {
		hostCfg.MaxBatch = r.opts.MaxBatch
	}
	var fs []sim.Factory
	for range servers {
		fs = append(fs, func(env sim.Env) (sim.Process, error) {
			return logservice.NewServer(env, hostCfg, r.opts.SnapshotEvery, raftcheck.Observe(r.chk))
		})
	}
	for range r.opts.Clients {
		fs = append(fs, func(env sim.Env) (sim.Process, error) {
			return logservice.NewClient(env, servers, r, r.opts.Duration, r.opts.Think, r.opts.Burst), nil
		})
	}
	return fs
}

func (r *runner) kvFactories(servers []int) []sim.Factory {
	r.kvRec = &kvRecorder{r: r, open: map[int]int{}}
	cfg := kv.DefaultServerConfig(servers)
	cfg.MaxRaftState = r.opts.MaxRaftState
	cfg.Testing.Bugs, cfg.Raft.Testing.Bugs = r.opts.bugSet(), r.opts.bugSet()
	if r.opts.MaxBatch > 0 {
		cfg.Raft.MaxBatch = r.opts.MaxBatch
	}
	if cfg.MaxRaftState > 0 {
		r.chk.SetStateLimit(cfg.MaxRaftState, cfg.Raft.MaxBatch)
	}
	var fs []sim.Factory
	for range servers {
		fs = append(fs, func(env sim.Env) (sim.Process, error) { return kv.NewServer(env, cfg, raftcheck.Observe(r.chk)) })
	}
	w := r.opts.KV
	for i := range r.opts.Clients {
		wl := kv.Workload{Keys: w.keysFor(i), GetPPM: w.GetPPM, PutPPM: w.PutPPM, Think: r.opts.Think,
			StopAt: r.opts.Duration, MaxOps: w.MaxOps, Testing: kv.TestingKnobs{Bugs: r.opts.bugSet()}}
		fs = append(fs, func(env sim.Env) (sim.Process, error) { return kv.NewClerk(env, servers, r.kvRec, wl), nil })
	}
	return fs
}

// drain runs the liveness phase: every fault has healed at Duration (the
// schedule says so); clients issue nothing new; within Bound every client must
// finish and a leader must hold a working quorum. It stops as soon as both hold.
func (r *runner) drain(res *sim.Result) bool {
	deadline := r.opts.Duration + r.opts.Bound
	for t := r.opts.Duration; !res.Failed(); {
		if r.live() {
			return true
		}
		if t >= deadline {
			return false
		}
		t = min(t+50*ms, deadline)
		*res = r.w.Run(t)
	}
	return false
}

// live: no client waits, a running leader has committed in its term, and
// every running server has applied everything the leader committed.
func (r *runner) live() bool {
	if len(r.pending) > 0 {
		return false
	}
	lead := r.chk.Leader()
	if lead == checker.NoNode || r.w.Status(lead) != sim.StatusUp || !r.chk.CommittedInTerm(lead) {
		return false
	}
	_, _, commit, _ := r.chk.Node(lead)
	for _, n := range r.servers() {
		if r.w.Status(n) == sim.StatusStopped {
			continue
		}
		if _, _, _, applied := r.chk.Node(n); r.w.Status(n) != sim.StatusUp || applied < commit {
			return false
		}
	}
	return true
}

// Call and Return implement recorder for the clients.
func (r *runner) Call(client int, seq uint64, data []byte) {
	r.pending[client] = pendingCall{seq: seq, at: r.w.Now()}
	r.exp.onCall(r.w.Now())
	r.w.Record(client, sim.TraceCall, seq, sim.Digest(data), func() string { return fmt.Sprintf("cmd %q", data) })
}

func (r *runner) Return(client int, seq uint64) {
	r.exp.onReturn(client, r.pending[client].at, r.w.Now())
	delete(r.pending, client)
	r.ops++
	r.w.Record(client, sim.TraceReturn, seq, 0, func() string { return fmt.Sprintf("seq=%d ok", seq) })
}

func (r *runner) onFault(at int64, f sim.Fault) {
	f.At = at
	if r.kvRec != nil && !r.kvRec.noHistory { // only the history's annotations read it
		r.struck = append(r.struck, f)
	}
	switch f.Kind {
	case sim.FaultCrash:
		r.chk.Down(f.Node)
		if f.Label == "in-step" {
			r.chk.Probe(f.Node, "crash-in-step")
		}
	case sim.FaultPartition:
		r.chk.Probe(f.Node, "partition")
	}
	r.exp.onFault(at, f)
}

func (r *runner) onStop(at int64, node int, err error) {
	if node >= r.opts.Servers {
		return
	}
	r.chk.Down(node)
	r.chk.Probe(node, "node-stopped")
	if errors.Is(err, raft.ErrCorrupt) {
		r.chk.Probe(node, "node-stopped-corrupt")
	}
	if errors.Is(err, sim.ErrSyncFailed) {
		r.chk.Probe(node, "sync-failed-stopped")
	}
}

func (r *runner) livenessResult(live bool, res sim.Result) checker.Result {
	if live {
		return checker.Result{Name: checker.Liveness, Status: checker.OK}
	}
	if res.Failed() {
		// The run ended before its drain could: liveness cannot be judged,
		// and the check that ended it says why.
		ended := "no-panic"
		if res.CapHit || res.Stalled {
			ended = "progress"
		}
		return checker.Result{Name: checker.Liveness, Status: checker.Unknown, Detail: fmt.Sprintf("not judged: the run stopped at %s, before its drain ended (%s failed)",
			sim.AppendTime(nil, r.w.Now()), ended)}
	}
	// The first clause says why (what a failure signature keeps); the
	// particulars follow after a ';'.
	why := "servers behind the leader's commit index"
	switch lead := r.chk.Leader(); {
	case lead == checker.NoNode:
		why = r.noLeader()
	case len(r.pending) > 0:
		why = "clients still waiting"
	case !r.chk.CommittedInTerm(lead):
		why = "the leader has committed nothing in its term"
	}
	d := fmt.Sprintf("not live %s after the final heal at %s: %s;", sim.AppendTime(nil, r.opts.Bound), sim.AppendTime(nil, r.opts.Duration), why)
	var clients []int
	for c := range r.pending {
		clients = append(clients, c)
	}
	sort.Ints(clients)
	for _, c := range clients {
		p := r.pending[c]
		d += fmt.Sprintf(" n%d call %d pending since %s;", c, p.seq, sim.AppendTime(nil, p.at))
	}
	d += r.nodeDump()
	return checker.Result{Name: checker.Liveness, Status: checker.Fail, Detail: d}
}

// nodeDump is every server's state as the liveness check saw it last, with
// the error a stopped server stopped with:
// " n0:up/t3/leader/commit=9/applied=9 n1:stopped/t2/follower/commit=7/applied=7 (sync failed)".
func (r *runner) nodeDump() string {
	var b strings.Builder
	for _, n := range r.servers() {
		t, role, commit, applied := r.chk.Node(n)
		fmt.Fprintf(&b, " n%d:%s/t%d/%s/commit=%d/applied=%d", n, r.w.Status(n), t, role, commit, applied)
		if err := r.w.StopError(n); err != nil && r.w.Status(n) == sim.StatusStopped {
			fmt.Fprintf(&b, " (%s)", oneLine(err.Error()))
		}
	}
	return b.String()
}

// noLeader says why there is no leader. A leader, for liveness, is a server
// that calls itself leader in the highest term any server has reported (a
// crashed or stopped server's last report counts too); a server still
// leading an older term is stale, and the most recent such one is named.
func (r *runner) noLeader() string {
	top, stale, staleTerm, reached := uint64(0), -1, uint64(0), false
	for _, n := range r.servers() {
		t, role, _, _ := r.chk.Node(n)
		switch {
		case t > top:
			top, reached = t, false
			fallthrough
		case t == top:
			reached = reached || r.w.Status(n) != sim.StatusStopped
		}
		if role == checker.Leader && (stale < 0 || t > staleTerm) {
			stale, staleTerm = n, t
		}
	}
	if top == 0 {
		return "no leader: none ever elected (every server is in term 0)"
	}
	// What may differ between two runs of one bug comes after a ';', out of
	// the failure's signature.
	why := fmt.Sprintf("no leader: none in the highest term %d", top)
	if !reached {
		why += "; only stopped servers reached it"
	}
	if stale >= 0 && staleTerm < top {
		why += fmt.Sprintf("; n%d still calls itself leader of term %d", stale, staleTerm)
	}
	return why
}

// oneLine folds an error's text onto one line of the summary.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (r *runner) coverageResult() checker.Result {
	var missing []string
	for _, p := range r.opts.Probes {
		if r.chk.Fired(p) == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return checker.Result{Name: checker.Coverage, Status: checker.Fail, Detail: fmt.Sprintf("never fired: %v", missing)}
	}
	var counts []string
	for _, p := range r.opts.Probes {
		counts = append(counts, fmt.Sprintf("%s=%d", p, r.chk.Fired(p)))
	}
	return checker.Result{Name: checker.Coverage, Status: checker.OK, Detail: strings.Join(counts, " ")}
}

func describe(msg []byte) string {
	if len(msg) == 0 {
		return "empty"
	}
	if text, ok := logservice.Describe(msg); ok {
		return text
	}
	switch msg[0] {
	case raft.WireTag:
		return raft.DescribeMessage(msg)
	case kv.RequestTag:
		op, err := kv.DecodeRequest(msg)
		if err != nil {
			return "bad kv request"
		}
		return fmt.Sprintf("%s(%q, %q) client=%d seq=%d", op.Kind, op.Key, op.Value, op.Client, op.Seq)
	case kv.ReplyTag:
		rep, err := kv.DecodeReply(msg)
		if err != nil {
			return "bad kv reply"
		}
		return fmt.Sprintf("reply seq=%d %s leader=%d %q", rep.Seq, rep.Err, rep.Leader, rep.Value)
	}
	return "unknown message"
}
