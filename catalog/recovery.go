package catalog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/raft"
	"github.com/detsim/detsim/sim"
)

// RecoveryCheck names the check that a bundled server stops itself only for
// a cause the run gave it. The simulated disk tears and loses what was not
// synced, and the storage must recover from that on its own; only a failed
// sync, or damage to synced data (a "damage" or "lose-write" fault on that
// server), may stop it. A server that refuses a disk nobody damaged has
// storage that cannot read back what it wrote, a fault that otherwise shows
// only as a smaller cluster.
const RecoveryCheck = "recovery"

// stopWatch judges RecoveryCheck from the faults that struck each server and
// the errors servers stopped with.
type stopWatch struct {
	damaged, syncFailed map[int]bool
	first               string
	count               int
}

func (w *stopWatch) fault(f sim.Fault) {
	switch f.Kind {
	case sim.FaultDamage, sim.FaultLoseWrite:
		if w.damaged == nil {
			w.damaged = map[int]bool{}
		}
		w.damaged[f.Node] = true
	case sim.FaultFailSync:
		if w.syncFailed == nil {
			w.syncFailed = map[int]bool{}
		}
		w.syncFailed[f.Node] = true
	}
}

func (w *stopWatch) stopped(at sim.Time, node int, err error) {
	var why string
	switch {
	case errors.Is(err, sim.ErrSyncFailed):
		if w.syncFailed[node] {
			return
		}
		why = "a failed sync, though no fault failed one"
	case errors.Is(err, raft.ErrCorrupt):
		if w.damaged[node] {
			return
		}
		why = "a disk it called corrupt, though no fault damaged its synced data (crashes only tear and lose what was not synced)"
	default:
		why = "an error that is neither a failed sync nor damaged data"
	}
	w.count++
	if w.first == "" {
		w.first = fmt.Sprintf("n%d stopped at %s for %s: %s", node, sim.AppendTime(nil, at), why, strings.Join(strings.Fields(fmt.Sprint(err)), " "))
	}
}

func (w *stopWatch) result() checker.Result {
	res := checker.Result{Name: RecoveryCheck}
	if w.count > 0 {
		res.Status, res.Detail = checker.Fail, w.first
		if w.count > 1 {
			res.Detail += fmt.Sprintf(" (+%d more)", w.count-1)
		}
	}
	return res
}
