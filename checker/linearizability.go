package checker

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/detsim/detsim/sim"
)

// The pre-screen's limits. Porcupine's search explodes with the number of
// operations that overlap on one key and, above all, with appends whose
// outcome is unknown (each may land anywhere later, in any order): past these
// limits a check is reported unknown, with the reason, rather than started.
const (
	MaxOverlapPerKey        = 16
	MaxPendingAppendsPerKey = 8
)

// LinConfig bounds a linearizability check.
type LinConfig struct {
	// Budget is Porcupine's wall-clock budget for the whole history. Its
	// verdict can therefore differ between machines only as ok-or-unknown
	// versus unknown, never as pass versus fail.
	Budget time.Duration
}

// LinReport is the outcome of a linearizability check.
type LinReport struct {
	Result
	Ops, Keys int
	// KeysFailed names, sorted, every key whose history admits no
	// linearization (on a failure; the detail names the first and lists
	// the rest). A key the budget left unchecked is not among them.
	KeysFailed []string
	history    []porcupine.Operation
	budget     time.Duration
}

type kvInput struct {
	op    string
	key   string
	value string
	vhash uint64 // rolling hash of value (of the output, for a get)
	vpow  uint64 // hashBase^len(value)
	vlen  int
	// For an append whose place some get observed: the write it must
	// directly follow (predStart: it must go onto an empty value).
	pred      string
	hasPred   bool
	predStart bool
}

// kvState is one key's value, represented so that a step costs O(1) however
// long appends have made the value: a rolling hash and length identify it
// (Equal and Hash use only those), and a persistent list of the writes that
// built it spells it out for the visualization.
type kvState struct {
	hash uint64
	n    int
	last *kvWrite
}

type kvWrite struct {
	prev  *kvWrite // nil after a put
	value string
}

func (s kvState) String() string {
	var parts []string
	for w := s.last; w != nil; w = w.prev {
		parts = append(parts, w.value)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

// spells reports whether the state's value is exactly v, walking the writes
// from the end: the hash and length only make a mismatch unlikely (crafted
// strings collide a polynomial hash), so a match is confirmed byte by byte.
func (s kvState) spells(v string) bool {
	if len(v) != s.n {
		return false
	}
	end := len(v)
	for w := s.last; w != nil; w = w.prev {
		start := end - len(w.value)
		if start < 0 || v[start:end] != w.value {
			return false
		}
		end = start
	}
	return end == 0
}

const hashBase = 0x100000001b3

// rolling returns the polynomial hash of s and hashBase^len(s), so that
// hash(a+b) = hash(a)·pow(b) + hash(b).
func rolling(s string) (hash, pow uint64) {
	pow = 1
	for i := 0; i < len(s); i++ {
		hash = hash*hashBase + uint64(s[i]) + 1
		pow *= hashBase
	}
	return hash, pow
}

// kvModel is Porcupine's model of one key: its state is the key's value.
var kvModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in := state.(kvState), input.(kvInput)
		switch in.op {
		case "get":
			return in.vhash == s.hash && in.vlen == s.n && s.spells(output.(string)), s
		case "put":
			return true, kvState{hash: in.vhash, n: in.vlen, last: &kvWrite{value: in.value}}
		default:
			if in.hasPred && !followsPred(s, in) {
				return false, s
			}
			return true, kvState{hash: s.hash*in.vpow + in.vhash, n: s.n + in.vlen, last: &kvWrite{prev: s.last, value: in.value}}
		}
	},
	Equal: func(a, b any) bool {
		x, y := a.(kvState), b.(kvState)
		return x.hash == y.hash && x.n == y.n && (x.last == y.last || x.spells(y.String()))
	},
	Hash: func(state any) uint64 { return state.(kvState).hash },
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.op == "get" {
			return fmt.Sprintf("get(%q) → %q", in.key, output)
		}
		return fmt.Sprintf("%s(%q, %q)", in.op, in.key, in.value)
	},
	DescribeState: func(state any) string { return fmt.Sprintf("%q", state.(kvState).String()) },
}

func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := op.Input.(kvInput).key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, byKey[k])
	}
	return parts
}

// CheckLinearizable checks a key/value history one key at a time. Unknown
// gets carry no information and are left out; unknown puts and appends may
// take effect at any time after their call.
func CheckLinearizable(ops []HistoryOp, cfg LinConfig) *LinReport {
	rep := &LinReport{Result: Result{Name: Linearizability}}
	history, keys := toPorcupine(ops)
	rep.Ops, rep.Keys = len(history), keys
	if reason := prescreen(history); reason != "" {
		rep.Status, rep.Detail = Unknown, reason
		return rep
	}
	// The verbose check, which records partial linearizations for the
	// picture, costs quadratic time on long histories: it runs only when
	// someone asks for the picture.
	rep.history, rep.budget = history, cfg.Budget
	switch porcupine.CheckOperationsTimeout(kvModel, history, cfg.Budget) {
	case porcupine.Ok:
		rep.Status, rep.Detail = OK, fmt.Sprintf("%d operations on %d keys", rep.Ops, rep.Keys)
	case porcupine.Illegal:
		rep.Status = Fail
		rep.Detail, rep.KeysFailed = illegalDetail(history, cfg.Budget)
	default:
		rep.Status = Unknown
		rep.Detail = fmt.Sprintf("Porcupine's budget of %s ran out on %d operations over %d keys", cfg.Budget, rep.Ops, rep.Keys)
	}
	return rep
}

// toPorcupine converts the history, dropping unknown gets and giving unknown
// writes an endless return; clients are renumbered from 0 for the picture.
func toPorcupine(ops []HistoryOp) ([]porcupine.Operation, int) {
	clients := map[int]int{}
	var ids []int
	for _, op := range ops {
		if _, ok := clients[op.Client]; !ok {
			clients[op.Client] = 0
			ids = append(ids, op.Client)
		}
	}
	sort.Ints(ids)
	for i, id := range ids {
		clients[id] = i
	}
	preds := observedOrder(ops)
	keys := map[string]bool{}
	var out []porcupine.Operation
	for _, op := range ops {
		ret := int64(math.MaxInt64)
		if op.Return != nil {
			ret = *op.Return
		} else if op.Op == "get" {
			continue
		}
		keys[op.Key] = true
		in := kvInput{op: op.Op, key: op.Key, value: op.Value}
		if op.Op == "get" {
			in.vhash, in.vpow = rolling(op.Output)
			in.vlen = len(op.Output)
		} else {
			in.vhash, in.vpow = rolling(op.Value)
			in.vlen = len(op.Value)
		}
		if p, ok := preds[op.Key][op.Value]; ok && op.Op == "append" {
			in.hasPred, in.pred, in.predStart = true, p, p == ""
		}
		out = append(out, porcupine.Operation{
			ClientId: clients[op.Client], Input: in, Call: op.Call, Output: op.Output, Return: ret,
		})
	}
	return out, len(keys)
}

// prescreen measures each key's largest overlap and its appends of unknown
// outcome, and says why a check could not finish, or "".
func prescreen(history []porcupine.Operation) string {
	for _, part := range partitionByKey(history) {
		key := part[0].Input.(kvInput).key
		type edge struct {
			at    int64
			delta int
		}
		var edges []edge
		pending := 0
		for _, op := range part {
			edges = append(edges, edge{op.Call, +1})
			if op.Return == math.MaxInt64 {
				if op.Input.(kvInput).op == "append" {
					pending++
				}
				continue
			}
			edges = append(edges, edge{op.Return, -1})
		}
		if pending > MaxPendingAppendsPerKey {
			return fmt.Sprintf("key %q has %d appends of unknown outcome (limit %d)", key, pending, MaxPendingAppendsPerKey)
		}
		// Intervals are closed: at equal times, calls count before returns.
		sort.Slice(edges, func(i, j int) bool {
			if edges[i].at != edges[j].at {
				return edges[i].at < edges[j].at
			}
			return edges[i].delta > edges[j].delta
		})
		open, most := 0, 0
		for _, e := range edges {
			open += e.delta
			most = max(most, open)
		}
		if most > MaxOverlapPerKey {
			return fmt.Sprintf("key %q has %d operations overlapping at once (limit %d)", key, most, MaxOverlapPerKey)
		}
	}
	return ""
}

// illegalDetail names every key, in sorted order, whose history is not
// linearizable, spending at most budget on the search. The first key's
// description comes first and the others follow a ';', so a failure's
// signature (its first clause) is the same however many keys failed.
func illegalDetail(history []porcupine.Operation, budget time.Duration) (string, []string) {
	deadline := time.Now().Add(budget)
	var failed []string
	first, unchecked := "", 0
	for _, part := range partitionByKey(history) {
		left := time.Until(deadline)
		if left <= 0 {
			unchecked++
			continue
		}
		switch porcupine.CheckOperationsTimeout(kvModel, part, left) {
		case porcupine.Illegal:
			key := part[0].Input.(kvInput).key
			if failed == nil {
				first = fmt.Sprintf("key %q: %d operations admit no linearization", key, len(part))
			}
			failed = append(failed, key)
		case porcupine.Unknown:
			unchecked++
		}
	}
	if failed == nil {
		return "no linearization (the failing key was not pinned down within the budget)", nil
	}
	var b strings.Builder
	b.WriteString(first)
	if more := failed[1:]; len(more) > 0 {
		fmt.Fprintf(&b, "; (+%d more %s:", len(more), plural(len(more), "key", "keys"))
		for _, k := range more {
			fmt.Fprintf(&b, " %q", k)
		}
		b.WriteByte(')')
	}
	if unchecked > 0 {
		fmt.Fprintf(&b, "; %d more %s not rechecked within the budget", unchecked, plural(unchecked, "key", "keys"))
	}
	return b.String(), failed
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Annotation marks a fault on the visualization's timeline.
type Annotation struct {
	Tag         string // the row: a node, or "network"
	Start, End  sim.Time
	Description string
}

// WriteHTML writes Porcupine's visualization of the checked history, with the
// run's faults on rows of their own.
func (r *LinReport) WriteHTML(w io.Writer, notes []Annotation) error {
	_, info := porcupine.CheckOperationsVerbose(kvModel, r.history, max(r.budget, time.Second))
	info.AddAnnotations(porcupineNotes(notes))
	return porcupine.Visualize(kvModel, info, w)
}
