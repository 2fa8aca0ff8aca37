package checker

import (
	"reflect"
	"strings"
	"testing"
)

// staleRead is a history of one key that no linearization explains: a read,
// after the second put returned, of the first put's value.
func staleRead(key string, client int) []HistoryOp {
	return []HistoryOp{
		op(client, "put", key, key+"=1;", "", 0, ret(10)),
		op(client, "put", key, key+"=2;", "", 20, ret(30)),
		op(client+1, "get", key, "", key+"=1;", 40, ret(50)),
	}
}

// A failure names every key that failed, in sorted order, the first one with
// its description first; keys that hold are not named.
func TestLinearizabilityNamesEveryFailingKey(t *testing.T) {
	var ops []HistoryOp
	for i, k := range []string{"k3", "k0", "k5", "k1", "k4", "k2"} {
		ops = append(ops, staleRead(k, 2*i)...)
	}
	ops = append(ops, op(20, "put", "good", "v;", "", 0, ret(10)), op(21, "get", "good", "", "v;", 20, ret(30)))
	rep := check(t, ops)
	if rep.Status != Fail {
		t.Fatalf("%+v", rep.Result)
	}
	want := `key "k0": 3 operations admit no linearization; (+5 more keys: "k1" "k2" "k3" "k4" "k5")`
	if rep.Detail != want {
		t.Fatalf("detail\n got %s\nwant %s", rep.Detail, want)
	}
	if !reflect.DeepEqual(rep.KeysFailed, []string{"k0", "k1", "k2", "k3", "k4", "k5"}) {
		t.Fatalf("keys failed: %q", rep.KeysFailed)
	}
	if got := rep.String(); !strings.HasPrefix(got, `check linearizability FAIL key "k0": `) {
		t.Fatalf("check line: %s", got)
	}
}

func TestLinearizabilityOneFailingKey(t *testing.T) {
	ops := append(staleRead("x", 0), op(5, "put", "y", "v;", "", 0, ret(10)))
	rep := check(t, ops)
	if want := `key "x": 3 operations admit no linearization`; rep.Status != Fail || rep.Detail != want {
		t.Fatalf("%+v, want detail %s", rep.Result, want)
	}
	if !reflect.DeepEqual(rep.KeysFailed, []string{"x"}) {
		t.Fatalf("keys failed: %q", rep.KeysFailed)
	}
	two := append(staleRead("x", 0), staleRead("y", 2)...)
	if rep := check(t, two); rep.Detail != `key "x": 3 operations admit no linearization; (+1 more key: "y")` {
		t.Fatalf("%+v", rep.Result)
	}
}
