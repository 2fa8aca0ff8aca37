package scenarios

import (
	"github.com/anishathalye/porcupine"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// System is what detsim knows of a system under test: everything the engine
// needs to host it, fault it, judge it, fuzz, replay and shrink it. The
// bundled Raft and key/value systems implement it exactly as a user's own
// system does; nothing gives them a door a user lacks.
//
// The engine grows by optional interfaces: a System may be a BugChecker,
// ParamChecker, ParamsLiner, Swarmer, Shrinker, HistoryRecorder or
// LegacyUpgrader; an Instance a Leadership, FaultWatcher, KVHistorian or
// ModelHistorian, Prober, Describer, Expecter or LivenessReporter. A system
// written against this set keeps compiling when a new one appears.
type System interface {
	// Name names the system in the catalogue, in repro files and in --system.
	Name() string
	// Bugs lists the planted bugs the system understands: a run switches on
	// at most one (Options.Bug), and the system reads it from its Harness. An
	// open set, switched per run: no build tag is needed.
	Bugs() []Bug
	// Start builds one run: its processes and its checks, from the resolved
	// options. It is called once per run, before the world starts.
	Start(h *Harness) (Instance, error)
}

// Bug is a planted bug a system can switch on: a classic mistake put back
// on purpose, to show that the scenarios and checks find it.
type Bug struct {
	Name        string
	Description string
}

// BugChecker is a System that says itself whether a planted bug can be
// switched on in this build (a bug compiled out of it, say). Without it, a
// bug is valid when Bugs lists its name.
type BugChecker interface {
	CheckBug(name string) error
}

// Instance is one run of a system.
type Instance interface {
	// Factories makes every node: one factory per server (nodes 0 to
	// Servers-1), then one per client. A restart calls the factory again
	// over the same disk.
	Factories() []sim.Factory
	// Live reports whether the system is live for the drain: it may end
	// once this holds and no client call is pending.
	Live() bool
	// Results are the system's own checks (online invariants, judged as the
	// run went), in the order the summary prints them; called once, when
	// the run and its drain are over. They come before the
	// engine's checks: linearizability, liveness, expectations, coverage,
	// progress, no-panic.
	Results() []checker.Result
}

// Leadership is an Instance that can say who leads: faults aimed at a role
// (TargetLeader, TargetFollower…) resolve through it, and the expectations
// about leaders (StableLeader, NewLeaderWithin, NoDisruption) read it. A
// term is whatever numbers a system's reigns: a Raft term, a view, an epoch.
type Leadership interface {
	// Leader is the node leading now as the system reports it, or -1.
	Leader() int
	// MaxTerm is the highest term any node has reported.
	MaxTerm() uint64
	// LeaderTerms is how many terms have had a leader.
	LeaderTerms() int
	// MaxLeaderTerm is the highest term that has had a leader.
	MaxLeaderTerm() uint64
}

// FaultWatcher is an Instance told of every fault as it strikes (resolved:
// a targeted fault names its node) and of every node that stops for good
// with the error it stopped with.
type FaultWatcher interface {
	Fault(at sim.Time, f sim.Fault)
	Stopped(at sim.Time, node int, err error)
}

// KVHistorian is an Instance whose clients record a key/value history for
// the linearizability check (the KV model); with Harness.NoHistory it keeps
// none and reports false.
type KVHistorian interface {
	History() ([]checker.HistoryOp, bool)
}

// ModelHistorian is an Instance whose clients record a history for any
// Porcupine model (their own operations, their own state): the engine
// checks it for linearizability with the run's budget (checker.CheckModel),
// draws it with --html (the model's DescribeOperation and DescribeState
// label the picture) and writes it with --history, one JSON object per
// operation. With Harness.NoHistory it keeps none and reports false.
type ModelHistorian interface {
	ModelHistory() (model porcupine.Model, history []porcupine.Operation, kept bool)
}

// Prober is an Instance whose checks count coverage probes of their own;
// they add to those fired through Harness.Probe.
type Prober interface {
	Probes() map[string]int
}

// Describer is an Instance that renders its messages for the trace text.
type Describer interface {
	Describe(msg []byte) string
}

// Expecter is an Instance with expectations of its own, judged by the
// `expectations` check with the engine's: each violation is one line.
type Expecter interface {
	Violations() []string
}

// Measurer is an Expecter that reports what its expectations measured:
// each figure ("name=value (at most bound)") joins the engine's on the
// expectations line when every expectation holds.
type Measurer interface {
	Figures() []string
}

// LivenessReporter is an Instance that explains a failed drain: Why is one
// clause saying what was not live (particulars after a ';'), State each
// node's state (" n0:…" per node). Without it the check says the system
// never reported itself live.
type LivenessReporter interface {
	Why(pending int) string
	State() string
}

// ParamChecker is a System with parameters of its own (Options.Params):
// CheckParams refuses, in one line, any a run cannot have. A repro file is
// checked with it before anything runs. A system without it takes no
// params.
type ParamChecker interface {
	CheckParams(o *Options) error
}

// ParamsLiner is a System that renders its parameters for the summary's
// options line (" workload=… think=5ms-50ms").
type ParamsLiner interface {
	ParamsLine(o *Options) string
}

// Swarmer is a System told when a swarm seed has chosen its own weather
// (see ResolveSwarm): the scenario's coverage probes and expectations were
// promised for the scenario's weather, so the engine drops them, and the
// system puts back what still holds (the probes any run fires, its own
// expectations that hold in any weather).
type Swarmer interface {
	Swarm(o *Options)
}

// Shrinker is a System with reductions of its own for shrink: each step
// returns the next smaller candidate of o (ops is how many operations the
// failing run completed), or false when it has none. Shrink tries a step
// until its candidate no longer fails the same way, after the engine's
// own steps on the schedule, the run's length, the clients and servers.
type Shrinker interface {
	ShrinkSteps() []ShrinkFunc
}

// ShrinkFunc is one system reduction: the candidate and a few words that
// say what it changed ("fewer operations").
type ShrinkFunc func(o Options, ops int) (smaller Options, what string, ok bool)

// HistoryRecorder is a System that says, before a run, whether its clients
// record a history for the linearizability check (its Instance is then a
// KVHistorian or a ModelHistorian): the command line refuses --history and
// --html up front for a run that will have none. Of a system that is not
// one, the command line takes both and says after the run if there was no
// history to write.
type HistoryRecorder interface {
	RecordsHistory(o *Options) bool
}

// RecordsHistory reports whether a run of o may record a client history:
// false only when its system says it will not (HistoryRecorder).
func RecordsHistory(o *Options) bool {
	scn, err := Lookup(o.Scenario)
	if err != nil {
		return false
	}
	hr, ok := scn.System.(HistoryRecorder)
	return !ok || hr.RecordsHistory(o)
}
