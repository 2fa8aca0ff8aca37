//go:build detsimbugs

package catalog

import (
	"testing"
	"time"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/planted"
	"github.com/detsim/detsim/scenarios"
)

// BenchmarkPlantedBugs measures, for each planted bug, how many seeds of its
// battery scenario a campaign runs from seed 1 to the first failure, the
// wall time that takes on one core, and how far shrink cuts that failure:
//
//	go test -tags detsimbugs ./catalog -run=NONE -bench=PlantedBugs -benchtime=1x
func BenchmarkPlantedBugs(b *testing.B) {
	for _, bug := range planted.All() {
		b.Run(bug.Name(), func(b *testing.B) {
			r, err := scenarios.ReadRepro("testdata/bugs/" + bug.Name() + ".json")
			if err != nil {
				b.Fatal(err)
			}
			sc, _ := scenarios.Lookup(r.Scenario)
			for range b.N {
				start := time.Now()
				var first *scenarios.Report
				seeds := 0
				for seed := uint64(1); seed <= 1000 && first == nil; seed++ {
					seeds++
					o := sc.Resolve(seed)
					o.Bug = bug.Name()
					if rep := scenarios.Run(o, seed, scenarios.RunConfig{}); rep.Verdict == checker.Fail {
						first = rep
					}
				}
				if first == nil {
					b.Fatalf("not found in 1000 seeds of %s", r.Scenario)
				}
				found := time.Since(start)
				rp, _ := scenarios.NewRepro(first)
				start = time.Now()
				res, err := scenarios.Shrink(rp, scenarios.ShrinkConfig{Budget: 150})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(seeds), "seeds-to-find")
				b.ReportMetric(found.Seconds(), "s-to-find")
				b.ReportMetric(float64(res.Before.Faults), "faults-before")
				b.ReportMetric(float64(res.After.Faults), "faults-after")
				b.ReportMetric(float64(res.Before.Ops), "ops-before")
				b.ReportMetric(float64(res.After.Ops), "ops-after")
				b.ReportMetric(float64(res.Runs), "shrink-runs")
				b.ReportMetric(time.Since(start).Seconds(), "s-to-shrink")
			}
		})
	}
}
