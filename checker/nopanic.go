package checker

import (
	"strings"

	"github.com/detsim/detsim/sim"
)

// No-panic contract: a panic inside a run (in the system's code, a
// checker's, or the world's) is recovered into this failed check, so one
// seed never kills a campaign. The detail is the panic's first line, which
// names the value and the innermost frame of the system's code; the stack
// goes to the trace text only, never the trace hash.

// NoPanicResult judges a world's run.
func NoPanicResult(res sim.Result) Result {
	if res.Panic == "" {
		return Result{Name: NoPanic, Status: OK}
	}
	return Result{Name: NoPanic, Status: Fail, Detail: strings.SplitN(res.Panic, "\n", 2)[0]}
}
