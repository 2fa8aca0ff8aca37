package catalog

import (
	"testing"

	"github.com/detsim/detsim/scenarios"
)

// BenchmarkScenario runs one seed of each scenario per iteration and reports
// events per wall second and the virtual/wall speed-up.
//
//	go test ./catalog -run=^$ -bench=Scenario -benchtime=20x
func BenchmarkScenario(b *testing.B) {
	for _, sc := range catalog() {
		b.Run(sc.Name, func(b *testing.B) {
			b.ReportAllocs()
			var events, virtual uint64
			for i := 0; b.Loop(); i++ {
				seed := uint64(i + 1)
				rep := scenarios.Run(sc.Resolve(seed), seed, scenarios.RunConfig{})
				events += rep.Events
				virtual += uint64(rep.Virtual)
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(events)/secs, "events/s")
			b.ReportMetric(float64(virtual)/1e9/secs, "speedup")
			b.ReportMetric(float64(b.N)/secs, "seeds/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
