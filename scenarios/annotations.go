package scenarios

import (
	"fmt"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// annotations turns the run's faults into rows of the visualization: a
// partition until the next heal or partition, a crash until the restart, a
// pause until the resume.
func (r *runner) annotations() []checker.Annotation {
	var notes []checker.Annotation
	openAt := map[string]int{}
	end := r.w.Now()
	begin := func(tag, desc string, at sim.Time) {
		openAt[tag] = len(notes)
		notes = append(notes, checker.Annotation{Tag: tag, Start: at, End: end, Description: desc})
	}
	finish := func(tag string, at sim.Time) {
		if i, ok := openAt[tag]; ok {
			notes[i].End = at
			delete(openAt, tag)
		}
	}
	for _, f := range r.struck {
		node := fmt.Sprintf("n%d", f.Node)
		switch f.Kind {
		case sim.FaultPartition:
			finish("network", f.At)
			begin("network", "partition "+sim.DescribeLinks(f.Links), f.At)
		case sim.FaultHeal:
			finish("network", f.At)
		case sim.FaultCrash:
			begin(node, "crashed "+f.Label, f.At)
		case sim.FaultRestart:
			finish(node, f.At)
		case sim.FaultPause:
			begin(node, "paused", f.At)
		case sim.FaultResume:
			finish(node, f.At)
		case sim.FaultNet:
			notes = append(notes, checker.Annotation{Tag: "network", Start: f.At, End: f.At, Description: f.String()})
		}
	}
	return notes
}
