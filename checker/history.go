package checker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// HistoryOp is one client operation of a key/value history: the format
// `detsim check` reads and `detsim run --history` writes. Times are integer
// nanoseconds; a nil Return means the outcome is unknown (still in flight when
// the run ended): the operation may take effect at any later time.
type HistoryOp struct {
	Client int    `json:"client"`
	Op     string `json:"op"` // get, put or append
	Key    string `json:"key"`
	Value  string `json:"value"`  // what a put or append wrote
	Output string `json:"output"` // what a get returned
	Call   int64  `json:"call"`
	Return *int64 `json:"return"`
}

// Unknown reports whether the operation's outcome is unknown.
func (op *HistoryOp) Unknown() bool { return op.Return == nil }

// rawOp detects missing fields: every field is a pointer.
type rawOp struct {
	Client *int64  `json:"client"`
	Op     *string `json:"op"`
	Key    *string `json:"key"`
	Value  *string `json:"value"`
	Output *string `json:"output"`
	Call   *int64  `json:"call"`
	Return **int64 `json:"return"`
}

// ParseHistory reads a JSON array of operations strictly: unknown fields,
// missing fields, bad operation names, negative or reversed times are each an
// error naming the operation (from 0) and the field.
func ParseHistory(r io.Reader) ([]HistoryOp, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '[' {
		return nil, errors.New("history: not a JSON array of operations (it does not start with '[')")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("history: %s", jsonError(data, err))
	}
	if raws == nil {
		return nil, errors.New("history: not a JSON array of operations")
	}
	ops := make([]HistoryOp, 0, len(raws))
	for i, raw := range raws {
		if err := checkKeys(raw); err != nil {
			return nil, fmt.Errorf("history: operation %d: %w", i, err)
		}
		op, err := parseOp(raw)
		if err != nil {
			return nil, fmt.Errorf("history: operation %d: %w", i, err)
		}
		ops = append(ops, op)
	}
	return ops, checkClientsSequential(ops)
}

var opFields = map[string]bool{"client": true, "op": true, "key": true, "value": true, "output": true, "call": true, "return": true}

// checkKeys refuses what encoding/json forgives: a field named in another
// case ("Op") and a field given twice (the last would silently win).
func checkKeys(raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errors.New(jsonError(raw, err))
		}
		name, _ := t.(string)
		switch {
		case !opFields[name]:
			return fmt.Errorf("unknown field %q", name)
		case seen[name]:
			return fmt.Errorf("field %q given twice", name)
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return errors.New(jsonError(raw, err))
		}
	}
	return nil
}

// checkClientsSequential: a client issues one operation at a time, so its
// operations may not overlap, and none may follow one of unknown outcome.
func checkClientsSequential(ops []HistoryOp) error {
	byClient := map[int][]int{}
	for i, op := range ops {
		byClient[op.Client] = append(byClient[op.Client], i)
	}
	clients := make([]int, 0, len(byClient))
	for c := range byClient {
		clients = append(clients, c)
	}
	sort.Ints(clients)
	for _, c := range clients {
		idx := byClient[c]
		sort.SliceStable(idx, func(a, b int) bool { return ops[idx[a]].Call < ops[idx[b]].Call })
		for k := 1; k < len(idx); k++ {
			prev, cur := ops[idx[k-1]], ops[idx[k]]
			if prev.Return == nil || *prev.Return > cur.Call {
				return fmt.Errorf("history: operation %d: field \"call\": client %d is still in operation %d at %d", idx[k], c, idx[k-1], cur.Call)
			}
		}
	}
	return nil
}
func parseOp(raw json.RawMessage) (HistoryOp, error) {
	var r rawOp
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return HistoryOp{}, errors.New(jsonError(raw, err))
	}
	switch {
	case r.Client == nil:
		return HistoryOp{}, errors.New(`field "client": missing`)
	case *r.Client < 0 || *r.Client > 1<<20:
		return HistoryOp{}, fmt.Errorf(`field "client": %d out of range`, *r.Client)
	case r.Op == nil:
		return HistoryOp{}, errors.New(`field "op": missing`)
	case *r.Op != "get" && *r.Op != "put" && *r.Op != "append":
		return HistoryOp{}, fmt.Errorf(`field "op": %q is not get, put or append`, *r.Op)
	case r.Key == nil:
		return HistoryOp{}, errors.New(`field "key": missing`)
	case r.Call == nil:
		return HistoryOp{}, errors.New(`field "call": missing`)
	case *r.Call < 0:
		return HistoryOp{}, fmt.Errorf(`field "call": negative time %d`, *r.Call)
	case *r.Op != "get" && r.Value == nil:
		return HistoryOp{}, fmt.Errorf(`field "value": missing for a %s`, *r.Op)
	case *r.Op == "get" && r.Value != nil && *r.Value != "":
		return HistoryOp{}, errors.New(`field "value": a get writes nothing`)
	}
	op := HistoryOp{Client: int(*r.Client), Op: *r.Op, Key: *r.Key, Call: *r.Call}
	if r.Value != nil {
		op.Value = *r.Value
	}
	if r.Output != nil {
		op.Output = *r.Output
	}
	if r.Return != nil && *r.Return != nil {
		ret := **r.Return
		if ret < op.Call {
			return HistoryOp{}, fmt.Errorf(`field "return": %d is before the call at %d`, ret, op.Call)
		}
		op.Return = &ret
	}
	if op.Op == "get" && op.Return != nil && r.Output == nil {
		return HistoryOp{}, errors.New(`field "output": missing for a get that returned`)
	}
	return op, nil
}

// jsonError renders a JSON error with the byte offset where it struck.
func jsonError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q: %s where %s was expected", typ.Field, typ.Value, typ.Type)
		}
		return fmt.Sprintf("%s where %s was expected (at byte %d)", typ.Value, typ.Type, typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Sprintf("truncated JSON after %d bytes", len(data))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// WriteHistory writes ops as a JSON array, one operation a line, ordered by
// call time (ties by client) so the file is stable.
func WriteHistory(w io.Writer, ops []HistoryOp) error {
	sorted := append([]HistoryOp(nil), ops...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Call != sorted[j].Call {
			return sorted[i].Call < sorted[j].Call
		}
		return sorted[i].Client < sorted[j].Client
	})
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i, op := range sorted {
		b, err := json.Marshal(op)
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(sorted)-1 {
			sep = "\n"
		}
		if _, err := w.Write(append(b, sep...)); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}
