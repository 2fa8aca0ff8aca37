package checker

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/detsim/detsim/sim"
)

// ModelReport is a history checked against a system's own Porcupine model:
// the verdict, and what it needs to draw the history or write it down.
type ModelReport struct {
	Result
	model   porcupine.Model
	history []porcupine.Operation
	budget  time.Duration
}

// CheckModel checks a history against any Porcupine model, for a system
// whose operations are not the key/value ones (CheckLinearizable is that
// case, with its pre-screen). Calls and returns are virtual nanoseconds; an
// operation still in flight when the run ended must carry an endless return
// (math.MaxInt64), which lets it take effect at any later time, or be left
// out if it carries no information (a read). The model's Partition, if set,
// splits the check (one key at a time, say); its DescribeOperation names
// operations in a failure's detail and in the picture. Porcupine's budget
// is wall-clock: running out is Unknown, never a pass.
func CheckModel(model porcupine.Model, history []porcupine.Operation, budget time.Duration) *ModelReport {
	if budget <= 0 {
		budget = 10 * time.Second
	}
	r := &ModelReport{model: model, history: history, budget: budget}
	r.Name = Linearizability
	switch porcupine.CheckOperationsTimeout(model, history, budget) {
	case porcupine.Ok:
		r.Status, r.Detail = OK, fmt.Sprintf("%d operations", len(history))
	case porcupine.Illegal:
		r.Status, r.Detail = Fail, r.illegalDetail()
	default:
		r.Status, r.Detail = Unknown, fmt.Sprintf("Porcupine's budget of %s ran out on %d operations", budget, len(history))
	}
	return r
}

// Recheck checks the same history again with another budget (one that
// ran out the first time, say).
func (r *ModelReport) Recheck(budget time.Duration) *ModelReport {
	return CheckModel(r.model, r.history, budget)
}

// illegalDetail names where linearization gets stuck: of the partition
// that fails, how many operations the longest linearizable prefix holds,
// and the earliest-called operation no linearization could place. Ties
// are broken by content, so the detail is the same on every run.
func (r *ModelReport) illegalDetail() string {
	plain := fmt.Sprintf("the history of %d operations is not linearizable", len(r.history))
	res, info := porcupine.CheckOperationsVerbose(r.model, r.history, r.budget)
	if res != porcupine.Illegal {
		return plain // the budget ran out: what was found so far depends on the machine
	}
	parts := [][]porcupine.Operation{r.history}
	if r.model.Partition != nil {
		parts = r.model.Partition(r.history)
	}
	for p, lins := range info.PartialLinearizations() {
		if p >= len(parts) {
			break
		}
		longest := longestLinearization(lins)
		if len(longest) == len(parts[p]) {
			continue
		}
		stuck := firstUnplaced(parts[p], longest)
		return fmt.Sprintf("%s: at most %d of %d %s linearize; no order places %s",
			plain, len(longest), len(parts[p]), plural(len(parts[p]), "operation", "operations"), r.describe(stuck))
	}
	return plain
}

// longestLinearization is the longest of Porcupine's partial
// linearizations (which come in map order), the smallest by ids on a tie.
func longestLinearization(lins [][]int) []int {
	var best []int
	for _, l := range lins {
		if len(l) > len(best) || len(l) == len(best) && slices.Compare(l, best) < 0 {
			best = l
		}
	}
	return best
}

// firstUnplaced is the operation of part, by call time then index, that
// placed does not hold.
func firstUnplaced(part []porcupine.Operation, placed []int) porcupine.Operation {
	in := make([]bool, len(part))
	for _, id := range placed {
		if id >= 0 && id < len(part) {
			in[id] = true
		}
	}
	first := -1
	for i, op := range part {
		if !in[i] && (first < 0 || op.Call < part[first].Call) {
			first = i
		}
	}
	return part[first]
}

// describe names one operation: the client, the model's description (or
// Go's %v of input and output) and when it was called and returned.
func (r *ModelReport) describe(op porcupine.Operation) string {
	what := r.describeOp(op)
	ret := "never returned"
	if op.Return != math.MaxInt64 {
		ret = "returned at " + sim.Time(op.Return).String()
	}
	return fmt.Sprintf("client %d's %s (called at %s, %s)", op.ClientId, what, sim.Time(op.Call), ret)
}

// WriteHTML writes Porcupine's picture of the checked history, with the
// run's faults on rows of their own.
func (r *ModelReport) WriteHTML(w io.Writer, notes []Annotation) error {
	_, info := porcupine.CheckOperationsVerbose(r.model, r.history, max(r.budget, time.Second))
	info.AddAnnotations(porcupineNotes(notes))
	return porcupine.Visualize(r.model, info, w)
}

// WriteHistory writes the history one operation a line, as JSON: the
// client, call and return in virtual nanoseconds (return absent for one
// still in flight), the model's description of it, and its input and
// output as encoding/json renders them (absent where it cannot).
func (r *ModelReport) WriteHistory(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, op := range r.history {
		line := modelHistoryLine{Client: op.ClientId, Call: op.Call, Op: r.describeOp(op),
			Input: rawJSON(op.Input), Output: rawJSON(op.Output)}
		if op.Return != math.MaxInt64 {
			line.Return = &op.Return
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

type modelHistoryLine struct {
	Client int             `json:"client"`
	Call   int64           `json:"call_ns"`
	Return *int64          `json:"return_ns,omitempty"`
	Op     string          `json:"op"`
	Input  json.RawMessage `json:"input,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
}

func (r *ModelReport) describeOp(op porcupine.Operation) string {
	if r.model.DescribeOperation != nil {
		return r.model.DescribeOperation(op.Input, op.Output)
	}
	return fmt.Sprintf("%v -> %v", op.Input, op.Output)
}

// rawJSON is v as JSON, or nil if encoding/json cannot render it.
func rawJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// porcupineNotes turns fault annotations into Porcupine's.
func porcupineNotes(notes []Annotation) []porcupine.Annotation {
	var as []porcupine.Annotation
	for _, n := range notes {
		as = append(as, porcupine.Annotation{Tag: n.Tag, Start: int64(n.Start), End: int64(n.End), Description: n.Description,
			BackgroundColor: "#f6d8d8"})
	}
	return as
}
