package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// blockedSet renders links as sorted "a>b" strings.
func blockedSet(links [][2]int) string {
	var s []string
	for _, l := range links {
		s = append(s, fmt.Sprintf("%d>%d", l[0], l[1]))
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func TestPartitionShapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links [][2]int
		want  string
	}{
		{"split", Split([]int{0, 1}, []int{2}), "0>2 1>2 2>0 2>1"},
		{"split three ways", Split([]int{0}, []int{1}, []int{2}), "0>1 0>2 1>0 1>2 2>0 2>1"},
		{"split leaves 3 free", Split([]int{0}, []int{1, 2}), "0>1 0>2 1>0 2>0"},
		{"isolate", Isolate(1, []int{0, 1, 2}), "0>1 1>0 1>2 2>1"},
		{"bridge", Bridge([]int{0}, []int{2}), "0>2 2>0"},
		{"ring of 5", Ring([]int{0, 1, 2, 3, 4}), "0>2 0>3 1>3 1>4 2>0 2>4 3>0 3>1 4>1 4>2"},
		{"ring in another order", Ring([]int{0, 2, 1, 3}), "0>1 1>0 2>3 3>2"},
		{"ring of 3 blocks nothing", Ring([]int{0, 1, 2}), ""},
		{"one way", OneWay([]int{0}, []int{1, 2}), "0>1 0>2"},
		{"one way skips self", OneWay([]int{0, 1}, []int{1}), "0>1"},
	} {
		if got := blockedSet(tc.links); got != tc.want {
			t.Errorf("%s: blocks %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDescribeLinks(t *testing.T) {
	for _, tc := range []struct {
		links [][2]int
		want  string
	}{
		{nil, "none"},
		{[][2]int{{0, 1}, {1, 0}, {2, 3}}, "0|1 2>3"},
		{Isolate(2, []int{0, 1, 2}), "0|2 1|2"},
	} {
		if got := DescribeLinks(tc.links); got != tc.want {
			t.Errorf("DescribeLinks(%v) = %q, want %q", tc.links, got, tc.want)
		}
	}
}

// chatter scripts every node to send one message to every other node each
// 10ms, from time 0 until stop; message "T" names the tick.
func chatter(n int, stop Duration) func(int) script {
	return func(int) script {
		return script{
			start: func(p *probe) error { p.env.SetTimer(0); return nil },
			timer: func(p *probe, id TimerID) error {
				now := p.h.w.Now()
				for to := range n {
					if to != p.node {
						p.env.Send(to, []byte(fmt.Sprint(int64(now.Sub(0)/ms))))
					}
				}
				if now.Add(10*ms) < at(stop) {
					p.env.SetTimer(10 * ms)
				}
				return nil
			},
		}
	}
}

// TestPartitionsInWorld runs a schedule of partitions under steady chatter
// with a fixed 1ms latency and checks every delivery against the partition in
// force: exactly the messages whose link was open at send are delivered.
func TestPartitionsInWorld(t *testing.T) {
	const n = 4
	all := []int{0, 1, 2, 3}
	faults := []Fault{
		{At: at(15 * ms), Kind: FaultPartition, Links: OneWay([]int{0}, []int{1})},
		{At: at(35 * ms), Kind: FaultPartition, Links: Split([]int{0, 1}, []int{2, 3})},
		{At: at(55 * ms), Kind: FaultHeal},
		{At: at(75 * ms), Kind: FaultPartition, Links: Isolate(3, all)},
		{At: at(95 * ms), Kind: FaultPartition, Links: Ring(all)},
		{At: at(115 * ms), Kind: FaultPartition, Links: Bridge([]int{0}, []int{2})},
		{At: at(135 * ms), Kind: FaultHeal},
	}
	h := newHarness(Config{Seed: 9, Net: fixedNet(ms)}, n, chatter(n, 150*ms))
	for _, f := range faults {
		if err := f.Validate(n); err != nil {
			t.Fatal(err)
		}
	}
	h.w.Schedule(faults)
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	blockedAt := func(t Time, from, to int) bool {
		var links [][2]int
		for _, f := range faults {
			if f.At <= t {
				links = f.Links // heal has none
			}
		}
		return slices.Contains(links, [2]int{from, to})
	}
	var want, got []string
	for tick := Time(0); tick < at(150*ms); tick = tick.Add(10 * ms) {
		for from := range n {
			for to := range n {
				if from != to && !blockedAt(tick, from, to) {
					want = append(want, fmt.Sprintf("%d>%d@%d", from, to, tick.Sub(0)/ms))
				}
			}
		}
	}
	for _, in := range h.log {
		if in.kind == "msg" {
			got = append(got, fmt.Sprintf("%d>%d@%s", in.from, in.node, in.msg))
			if in.at != at(Duration(parseTick(in.msg))*ms+ms) {
				t.Errorf("%v arrived late", in)
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("deliveries differ from the partitions:\ngot  %v\nwant %v", got, want)
	}
	if h.w.Stats.Partitions != 5 {
		t.Errorf("Stats.Partitions = %d, want 5", h.w.Stats.Partitions)
	}
}

func parseTick(s string) int64 {
	var v int64
	fmt.Sscan(s, &v)
	return v
}

// TestPartitionDropsInFlight: a link cut while a message is on it loses the
// message, and a link healed while one is on it does not bring it back.
func TestPartitionDropsInFlight(t *testing.T) {
	h := newHarness(Config{Seed: 10, Net: fixedNet(10 * ms)}, 2, chatter(2, 30*ms))
	h.w.Schedule([]Fault{
		{At: at(5 * ms), Kind: FaultPartition, Links: OneWay([]int{0}, []int{1})}, // the tick-0 message 0→1 is in flight
		{At: at(12 * ms), Kind: FaultHeal},                                        // the tick-10 one was dropped at send
	})
	if err := h.run(secs(1)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range h.log {
		if in.kind == "msg" {
			got = append(got, fmt.Sprintf("%d>%d@%s", in.from, in.node, in.msg))
		}
	}
	want := []string{"1>0@0", "1>0@10", "0>1@20", "1>0@20"}
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}
