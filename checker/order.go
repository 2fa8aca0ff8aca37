package checker

import "strings"

// Observed-order pruning. Between two reads, appends racing on one key can be
// ordered in factorially many ways, and Porcupine's search only learns which
// was right at the next read: with four clerks appending, a few rounds without
// a read already cost it minutes. But a read shows the key's whole value, and
// when every write is unique and ends with a terminator that occurs nowhere
// else in it, the value splits into the writes that made it: "…u;v;…" says
// that in any linearization v was appended directly onto a value ending with
// u (a put in between would have erased u, an append would stand between
// them). So the model may refuse to append v anywhere else. This refuses only
// orders that every later read contradicts: a linearizable history stays
// linearizable, an illegal one stays illegal, and the search becomes nearly
// linear. Where the preconditions fail for a key, it is not pruned.

const terminator = ";"

// observedOrder returns, per key, the write each observed append must follow
// ("" for an append observed first in the value).
func observedOrder(ops []HistoryOp) map[string]map[string]string {
	writes := map[string]map[string]int{} // key → value → how many writes of it
	for _, op := range ops {
		if op.Op == "get" {
			continue
		}
		if writes[op.Key] == nil {
			writes[op.Key] = map[string]int{}
		}
		writes[op.Key][op.Value]++
	}
	preds := map[string]map[string]string{}
	conflict := map[string]map[string]bool{}
	for key, vals := range writes {
		if !prunable(vals) {
			continue
		}
		preds[key], conflict[key] = map[string]string{}, map[string]bool{}
	}
	for _, op := range ops {
		if op.Op != "get" || op.Return == nil || preds[op.Key] == nil {
			continue
		}
		learnOrder(op.Output, writes[op.Key], preds[op.Key], conflict[op.Key])
	}
	for key, bad := range conflict {
		for v := range bad {
			delete(preds[key], v)
		}
	}
	return preds
}

// prunable: every write is unique, non-empty and ends with the terminator,
// which occurs nowhere else in it.
func prunable(vals map[string]int) bool {
	for v, n := range vals {
		if n != 1 || !strings.HasSuffix(v, terminator) || strings.Count(v, terminator) != 1 {
			return false
		}
	}
	return true
}

// learnOrder records what a read's value says of the order of appends. A
// value that does not split into known writes teaches nothing (it is wrong,
// and Porcupine will say so); a write seen with two different predecessors
// is not pruned.
func learnOrder(output string, writes map[string]int, preds map[string]string, conflict map[string]bool) {
	if output == "" {
		return
	}
	parts := strings.SplitAfter(output, terminator)
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if writes[p] == 0 || seen[p] {
			return
		}
		seen[p] = true
	}
	for i, p := range parts {
		prev := ""
		if i > 0 {
			prev = parts[i-1]
		}
		if old, ok := preds[p]; ok && old != prev {
			conflict[p] = true
		}
		preds[p] = prev
	}
}

// followsPred reports whether appending in onto s keeps the observed order.
func followsPred(s kvState, in kvInput) bool {
	if in.predStart {
		return s.n == 0
	}
	return s.last != nil && s.last.value == in.pred
}
