package sim

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stormy builds a world with jittery, lossy chatter and a few faults, whose
// run depends on its seed throughout.
func stormy(seed uint64, trace *bytes.Buffer) *World {
	net := NetParams{MinLatency: ms, MaxLatency: 9 * ms, LossPPM: 50_000, DupPPM: 50_000, ReorderPPM: 20_000, ReorderMax: 30 * ms}
	cfg := Config{Seed: seed, Net: net, TornPPM: 500_000, Describe: func(m []byte) string { return "msg=" + string(m) }}
	if trace != nil {
		cfg.Trace = trace
	}
	h := newHarness(cfg, 5, func(node int) script {
		s := chatter(5, 2_000*ms)(node)
		s.recv = func(p *probe, from int, msg []byte) error {
			fsys := p.env.FS()
			if err := fsys.Create("last"); err != nil {
				return err
			}
			if err := fsys.Append("last", msg); err != nil {
				return err
			}
			if p.env.Rand().Chance(500_000) {
				return fsys.Sync("last")
			}
			return nil
		}
		return s
	})
	h.w.Schedule([]Fault{
		{At: at(300 * ms), Kind: FaultPartition, Links: Isolate(2, []int{0, 1, 2, 3, 4})},
		{At: at(500 * ms), Kind: FaultCrash, Node: 1},
		{At: at(700 * ms), Kind: FaultRestart, Node: 1},
		{At: at(900 * ms), Kind: FaultHeal},
	})
	return h.w
}

func runStormy(t *testing.T, seed uint64, trace *bytes.Buffer) *World {
	t.Helper()
	w := stormy(seed, trace)
	if res := w.Start(); res.Failed() {
		t.Fatal(res)
	}
	if res := w.Run(at(secs(2))); res.Failed() {
		t.Fatal(res)
	}
	return w
}

// TestTraceHashDeterministic: the same seed gives the same hash and trace,
// with or without the trace text; another seed gives another hash.
func TestTraceHashDeterministic(t *testing.T) {
	var text1, text2 bytes.Buffer
	a := runStormy(t, 1, &text1)
	b := runStormy(t, 1, &text2)
	c := runStormy(t, 1, nil)
	d := runStormy(t, 2, nil)
	if a.Hash() != b.Hash() || a.Hash() != c.Hash() {
		t.Errorf("seed 1 hashed %016x, %016x and (no trace) %016x", a.Hash(), b.Hash(), c.Hash())
	}
	if text1.String() != text2.String() {
		t.Error("seed 1 wrote two different traces")
	}
	if a.Hash() == d.Hash() {
		t.Errorf("seeds 1 and 2 both hashed %016x", a.Hash())
	}
	if fmt.Sprint(a.Checkpoints()) != fmt.Sprint(c.Checkpoints()) {
		t.Error("seed 1 gave different checkpoints")
	}
	if a.Events() != c.Events() || a.Stats != c.Stats {
		t.Errorf("seed 1 ran differently: %d vs %d events", a.Events(), c.Events())
	}
}

var traceLine = regexp.MustCompile(`^(\d+) (-?\d+\.\d{9})s n(-?\d+) (deliver|timer|fault|start|stop|call|return|note) (.*)#([0-9a-f]{8})$`)

// TestTraceLines: each line is "<step> <time>s n<node> <kind> <detail> #<hash>",
// steps count from 1, time never goes back, and the last line carries the top
// of the world's running hash.
func TestTraceLines(t *testing.T) {
	var text bytes.Buffer
	w := runStormy(t, 3, &text)
	w.Record(2, TraceCall, 7, 0, func() string { return "put k=v" })
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) < CheckpointEvery {
		t.Fatalf("only %d trace lines", len(lines))
	}
	kinds := map[string]int{}
	prev := ""
	for i, line := range lines {
		m := traceLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d malformed: %q", i+1, line)
		}
		if m[1] != strconv.Itoa(i+1) {
			t.Fatalf("line %d has step %s", i+1, m[1])
		}
		if len(m[2]) < len(prev) || len(m[2]) == len(prev) && m[2] < prev {
			t.Fatalf("line %d goes back in time: %q after %ss", i+1, line, prev)
		}
		prev = m[2]
		kinds[m[4]]++
		if m[4] == "deliver" && !regexp.MustCompile(`^from=n\d msg=\d+ $`).MatchString(m[5]) {
			t.Errorf("deliver line without the described message: %q", line)
		}
	}
	for _, k := range []string{"deliver", "timer", "fault", "start", "call"} {
		if kinds[k] == 0 {
			t.Errorf("no %s lines", k)
		}
	}
	last := lines[len(lines)-1]
	if want := fmt.Sprintf("n2 call put k=v #%08x", uint32(w.Hash()>>32)); !strings.HasSuffix(last, want) {
		t.Errorf("last line %q, want it to end %q", last, want)
	}
	if cp := w.Checkpoints(); len(cp) != len(lines)/CheckpointEvery || cp[0].Step != CheckpointEvery || len(cp[0].Hash) != 16 {
		t.Errorf("%d checkpoints over %d lines: %v", len(cp), len(lines), cp[:min(len(cp), 2)])
	}
}

func TestAppendTime(t *testing.T) {
	for ns, want := range map[int64]string{
		0:                   "0.000000000s",
		1:                   "0.000000001s",
		1_500_000_000:       "1.500000000s",
		-1:                  "-0.000000001s",
		int64(secs(86_400)): "86400.000000000s",
	} {
		if got := string(AppendTime(nil, ns)); got != want {
			t.Errorf("AppendTime(%d) = %q, want %q", ns, got, want)
		}
	}
}
