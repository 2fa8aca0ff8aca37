package scenarios

import (
	"errors"
	"io"

	"github.com/detsim/detsim/checker"
)

// errNoHistory is the refusal of a picture or history for a run whose
// clients recorded none (or whose history was not kept).
var errNoHistory = errors.New("this run has no checked client history")

// HasHistory reports whether the run checked a client history, which
// WriteHTML and WriteHistory can then write.
func (rep *Report) HasHistory() bool { return rep.Lin != nil || rep.Model != nil }

// LinFailed reports whether the history was checked and is not
// linearizable: the case the command line draws unasked.
func (rep *Report) LinFailed() bool {
	switch {
	case rep.Lin != nil:
		return rep.Lin.Status == checker.Fail
	case rep.Model != nil:
		return rep.Model.Status == checker.Fail
	}
	return false
}

// WriteHTML writes Porcupine's picture of the checked history with the
// run's faults annotated.
func (rep *Report) WriteHTML(w io.Writer) error {
	switch {
	case rep.Lin != nil:
		return rep.Lin.WriteHTML(w, rep.Notes)
	case rep.Model != nil:
		return rep.Model.WriteHTML(w, rep.Notes)
	}
	return errNoHistory
}

// WriteHistory writes the client history: the key/value format `check`
// reads for the key/value service, one JSON object per operation for a
// system's own model (checker.ModelReport.WriteHistory).
func (rep *Report) WriteHistory(w io.Writer) error {
	switch {
	case rep.Lin != nil:
		return checker.WriteHistory(w, rep.History)
	case rep.Model != nil:
		return rep.Model.WriteHistory(w)
	}
	return errNoHistory
}
