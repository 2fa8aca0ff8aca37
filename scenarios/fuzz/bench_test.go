package fuzz

import (
	"fmt"
	"testing"

	"github.com/detsim/detsim/scenarios"
)

// BenchmarkFuzzWorkers measures seeds/s of a campaign on 1 worker and on
// every core, over a mix of raft and key/value scenarios:
//
//	go test ./scenarios/fuzz -run=NONE -bench=FuzzWorkers -benchtime=1x
func BenchmarkFuzzWorkers(b *testing.B) {
	var scs []*scenarios.Scenario
	for _, name := range []string{"agree", "churn", "figure8", "kv-basic", "kv-unreliable", "snapshot-install"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		scs = append(scs, sc)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for range b.N {
				res, err := Run(Config{Scenarios: scs, Start: 1, Count: 24, Workers: w})
				if err != nil || res.Failures > 0 {
					b.Fatalf("%v %d failures", err, res.Failures)
				}
				b.ReportMetric(res.RunsPerSecond(), "runs/s")
			}
		})
	}
}
