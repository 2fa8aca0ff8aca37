package checker

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
)

// CheckModel checks a history against any Porcupine model, for a system
// whose operations are not the key/value ones (CheckLinearizable is that
// case, with its pre-screen and picture). Calls and returns are virtual
// nanoseconds; an operation still in flight when the run ended must carry
// an endless return (math.MaxInt64), which lets it take effect at any later
// time, or be left out if it carries no information (a read). The model's
// Partition, if set, splits the check (one key at a time, say). Porcupine's
// budget is wall-clock: running out is Unknown, never a pass.
func CheckModel(model porcupine.Model, history []porcupine.Operation, budget time.Duration) Result {
	if budget <= 0 {
		budget = 10 * time.Second
	}
	switch porcupine.CheckOperationsTimeout(model, history, budget) {
	case porcupine.Ok:
		return Result{Name: Linearizability, Status: OK, Detail: fmt.Sprintf("%d operations", len(history))}
	case porcupine.Illegal:
		return Result{Name: Linearizability, Status: Fail, Detail: fmt.Sprintf("the history of %d operations is not linearizable", len(history))}
	}
	return Result{Name: Linearizability, Status: Unknown, Detail: fmt.Sprintf("Porcupine's budget of %s ran out on %d operations", budget, len(history))}
}
