package catalog

import (
	"flag"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/scenarios"
	"github.com/detsim/detsim/sim"
)

var simHeapProfile = flag.String("simheapprofile", "",
	"BenchmarkMemoryFlat: write a heap profile (sampled every 4 KiB) at the end of each simulation to this path prefix, one file per case")

// BenchmarkMemoryFlat runs one seed of kv-snapshot-recover (its 30 s fault
// pattern repeated) for 10 and for 100 virtual minutes and reports the heap in
// use once the simulation and its drain are over, after a GC, with the whole
// world still live. The client history is not kept (scenarios.RunConfig.NoHistory): it
// grows with the run by design, and only the rest must stay flat. The fault
// schedule (faults, written out in full before the run) and the trace's hash
// checkpoints also grow with the run, by design: about 0.3 KB per fault. The
// nosnap case turns snapshots off (maxraftstate -1) for contrast.
//
//	go test ./catalog -run=NONE -bench=MemoryFlat -benchtime=1x -count=3
//
// What the heap holds at that point, by allocation site:
//
//	go test ./catalog -run=NONE -bench=MemoryFlat -benchtime=1x -simheapprofile=/tmp/simheap
//	go tool pprof -sample_index=inuse_space -top /tmp/simheap-100min.pprof
func BenchmarkMemoryFlat(b *testing.B) {
	if *simHeapProfile != "" {
		runtime.MemProfileRate = 4096
	}
	sc, err := scenarios.Lookup("kv-snapshot-recover")
	if err != nil {
		b.Fatal(err)
	}
	const minute = 60 * s
	for _, c := range []struct {
		name         string
		duration     sim.Duration
		maxRaftState int64 // 0: the scenario's own
	}{
		{"10min", 10 * minute, 0},
		{"100min", 100 * minute, 0},
		{"10min-nosnap", 10 * minute, -1},
	} {
		b.Run(c.name, func(b *testing.B) {
			const seed = 1
			var heap, base uint64
			var rep *scenarios.Report
			heapInUse := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapInuse
			}
			for b.Loop() {
				// The test binary's own heap (package globals, rapid's
				// tables) is not the run's: measure from it.
				base = heapInUse()
				opts := sc.ResolveFor(seed, c.duration)
				if c.maxRaftState != 0 {
					param(func(p *Params) { p.MaxRaftState = c.maxRaftState })(&opts)
				}
				rep = scenarios.Run(opts, seed, scenarios.RunConfig{NoHistory: true, OnSimEnd: func() {
					heap = heapInUse() - base
					if *simHeapProfile != "" {
						writeHeapProfile(b, *simHeapProfile+"-"+c.name+".pprof")
					}
				}})
			}
			for _, res := range rep.Results {
				// Without snapshots the snapshot probes cannot fire.
				if res.Status == checker.Fail && !(c.maxRaftState < 0 && res.Name == checker.Coverage) {
					b.Fatalf("%s", res)
				}
			}
			b.ReportMetric(float64(heap), "heap-bytes")
			b.ReportMetric(float64(rep.Events), "events")
			b.ReportMetric(float64(rep.Virtual)/1e9, "virtual-s")
			b.ReportMetric(float64(len(rep.Options.Faults)), "faults")
		})
	}
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// TestNoHistory: a run that keeps no history has the same trace as one that
// does, calls OnSimEnd once, and reports linearizability unknown, never ok.
func TestNoHistory(t *testing.T) {
	sc, err := scenarios.Lookup("kv-snapshot-recover")
	if err != nil {
		t.Fatal(err)
	}
	full := scenarios.Run(sc.Resolve(1), 1, scenarios.RunConfig{})
	ends := 0
	bare := scenarios.Run(sc.Resolve(1), 1, scenarios.RunConfig{NoHistory: true, OnSimEnd: func() { ends++ }})
	if full.TraceHash != bare.TraceHash || full.Ops != bare.Ops {
		t.Fatalf("NoHistory changed the run: hash %s ops %d, want %s ops %d", bare.TraceHash, bare.Ops, full.TraceHash, full.Ops)
	}
	if ends != 1 || len(bare.History) != 0 || bare.Lin != nil {
		t.Fatalf("OnSimEnd called %d times, %d history ops kept, lin report %v", ends, len(bare.History), bare.Lin)
	}
	for _, res := range bare.Results {
		if res.Name == checker.Linearizability && (res.Status != checker.Unknown || res.Detail == "") {
			t.Fatalf("linearizability without a history: %s", res)
		}
	}
	if full.Verdict != checker.OK || bare.Verdict != checker.Unknown {
		t.Fatalf("verdicts %s and %s, want pass and unknown", full.VerdictWord(), bare.VerdictWord())
	}
}

// TestResolveFor: the scenario's own duration resolves as Resolve does, and
// a longer one keeps the first 30 s of kv-snapshot-recover's schedule and
// repeats its pattern.
func TestResolveFor(t *testing.T) {
	sc, err := scenarios.Lookup("kv-snapshot-recover")
	if err != nil {
		t.Fatal(err)
	}
	base := sc.Resolve(7)
	if got := sc.ResolveFor(7, sc.Duration); !reflect.DeepEqual(got, base) {
		t.Fatal("ResolveFor with the scenario's duration differs from Resolve")
	}
	long := sc.ResolveFor(7, 90*s)
	if long.Duration != 90*s {
		t.Fatalf("duration %d", long.Duration)
	}
	var first, third []sim.Fault
	for _, f := range long.Faults {
		switch {
		case f.At < at(30*s):
			first = append(first, f)
		case f.At >= at(60*s) && f.At < at(90*s):
			third = append(third, f)
		}
	}
	var want []sim.Fault
	for _, f := range base.Faults {
		if f.At < at(30*s) {
			want = append(want, f)
		}
	}
	if !reflect.DeepEqual(first, want) {
		t.Fatal("a longer run changed the first 30 s of the schedule")
	}
	if len(third) < len(want)/2 {
		t.Fatalf("the pattern is not repeated: %d faults in [60 s, 90 s), %d in the first 30 s", len(third), len(want))
	}
}
