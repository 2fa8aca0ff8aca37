package mutate

import (
	"fmt"
	"strings"
	"testing"
)

func someMutants(n int) []Mutant {
	var ms []Mutant
	for i := range n {
		ms = append(ms, Mutant{ID: fmt.Sprintf("p:f:op:%08x", (i*2654435761)%1000003), Package: "example.com/p", Offset: i})
	}
	return ms
}

// A sample is the same for the same seed, another for another; shards
// split a selection exactly; enumeration order is kept.
func TestSelectSamplesAndShards(t *testing.T) {
	ms := someMutants(100)
	a, b := Select(ms, 10, 7, 0, 1), Select(ms, 10, 7, 0, 1)
	if len(a) != 10 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("the sample is not deterministic: %d mutants", len(a))
	}
	if c := Select(ms, 10, 8, 0, 1); fmt.Sprint(c) == fmt.Sprint(a) {
		t.Fatal("two sample seeds drew the same sample")
	}
	seen := map[string]int{}
	for i := range 3 {
		part := Select(ms, 10, 7, i, 3)
		for j := 1; j < len(part); j++ {
			if part[j].Offset < part[j-1].Offset {
				t.Fatal("a shard is not in enumeration order")
			}
		}
		for _, m := range part {
			seen[m.ID]++
		}
	}
	for _, m := range a {
		if seen[m.ID] != 1 {
			t.Fatalf("%s is in %d shards", m.ID, seen[m.ID])
		}
	}
	if len(seen) != 10 {
		t.Fatalf("the shards hold %d mutants, the sample 10", len(seen))
	}
	if all := Select(ms, 0, 1, 0, 1); len(all) != 100 {
		t.Fatalf("no sample: %d of 100", len(all))
	}
}

// The score counts timeouts as kills and leaves stillborn and equivalent
// mutants out.
func TestScore(t *testing.T) {
	c := Tally([]Outcome{{Verdict: Killed}, {Verdict: Killed}, {Verdict: TimedOut}, {Verdict: Survived},
		{Verdict: Stillborn}, {Verdict: Equivalent}})
	want := "mutation-score killed=2 survived=1 timeout=1 stillborn=1 equivalent=1 score=75.0%"
	if c.Line() != want {
		t.Fatalf("got  %s\nwant %s", c.Line(), want)
	}
	if _, ok := (Counts{Stillborn: 3}).Score(); ok {
		t.Fatal("a score with nothing scored")
	}
	if got := (Counts{Equivalent: 1}).Line(); !strings.HasSuffix(got, "score=n/a") {
		t.Fatalf("nothing scored: %s", got)
	}
}

func TestReadEquivalents(t *testing.T) {
	good := "# judged by hand\n\nraft:logName:const-change:8070ffbb  file names only: any width reads back\n"
	eq, err := ReadEquivalents(strings.NewReader(good), "eq.txt")
	if err != nil || eq["raft:logName:const-change:8070ffbb"] != "file names only: any width reads back" {
		t.Fatalf("%v %v", eq, err)
	}
	for in, want := range map[string]string{
		"raft:logName:const-change:8070ffbb\n": "eq.txt:1: raft:logName:const-change:8070ffbb has no argument",
		"nonsense because\n":                   `eq.txt:1: "nonsense" is not a mutant ID`,
		"a:b:c:d one\n# x\na:b:c:d two\n":      "eq.txt:3: a:b:c:d is listed twice",
	} {
		if _, err := ReadEquivalents(strings.NewReader(in), "eq.txt"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

// A listed ID no mutant has is stale, unless its package is not being
// mutated; more than a tenth listed is refused.
func TestCheckEquivalents(t *testing.T) {
	ms := someMutants(20)
	stale, err := CheckEquivalents(map[string]string{ms[0].ID: "x", "p:f:op:gone": "y", "q:f:op:elsewhere": "z"}, ms)
	if err != nil || len(stale) != 1 || stale[0] != "p:f:op:gone" {
		t.Fatalf("stale %v, %v", stale, err)
	}
	three := map[string]string{ms[0].ID: "x", ms[1].ID: "x", ms[2].ID: "x"}
	if _, err := CheckEquivalents(three, ms); err == nil || !strings.Contains(err.Error(), "3 of 20 mutants") {
		t.Fatalf("three of twenty listed: %v", err)
	}
}
