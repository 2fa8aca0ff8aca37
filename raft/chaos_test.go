package raft

import (
	"flag"
	"fmt"
	"slices"
	"testing"

	"github.com/detsim/detsim/sim"
)

// TestRandomizedSafety drives clusters of cores through random weather:
// messages lost, duplicated and reordered, partitions, crashes (also inside a
// step, just before or after a sync) and restarts from what was durable. The
// harness checks on every step that no message promised what was not durable,
// election safety, leader completeness, state machine safety and in-order
// application; at the end of each run log matching, and liveness: once the
// weather clears, a leader appears and a new command is applied everywhere.
func TestRandomizedSafety(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 30
	}
	if *chaosSeeds > 0 {
		seeds = *chaosSeeds
	}
	for seed := range seeds {
		runChaos(t, *chaosFirst+seed, 4000, 0)
	}
}

// Longer hunts: go test ./raft -run Randomized -chaos.seeds=100000.
var (
	chaosSeeds = flag.Uint64("chaos.seeds", 0, "seeds for TestRandomizedSafety (0: the default)")
	chaosFirst = flag.Uint64("chaos.first", 0, "first seed for TestRandomizedSafety")
	chaosTrace = flag.Bool("chaos.trace", false, "log every delivery of TestRandomizedSafety (with -v, for one seed)")
)

// chaos is the random weather of one run.
type chaos struct {
	rng                      *sim.Rand
	lossPPM, dupPPM          uint32
	crashPPM, stepCrashPPM   uint32
	partitionPPM, proposePPM uint32
}

// runChaos runs one seed; compactEvery (0: never) makes every service
// snapshot its state that often. It returns the network after the run.
func runChaos(t *testing.T, seed uint64, steps int, compactEvery uint64) *network {
	rng := sim.NewRand(sim.Key(seed, 0xc4a05))
	size := []int{3, 5}[rng.Pick(2)]
	prevote, checkQuorum := rng.Chance(500_000), rng.Chance(500_000)
	opt := func(c *Config) {
		c.PreVote, c.CheckQuorum = prevote, checkQuorum
		c.MaxBatch = 1 + int(sim.NewRand(sim.Key(seed, 1)).Below(4))
		c.MaxInflight = 1 + int(sim.NewRand(sim.Key(seed, 2)).Below(4))
		c.HeartbeatTicks = 1 + int(sim.NewRand(sim.Key(seed, 3)).Below(3))
		c.ElectionTicks = 6 + int(sim.NewRand(sim.Key(seed, 4)).Below(6))
	}
	ch := chaos{
		rng:          rng,
		lossPPM:      uint32(rng.Below(200_000)),
		dupPPM:       uint32(rng.Below(50_000)),
		crashPPM:     uint32(rng.Below(5_000)),
		stepCrashPPM: uint32(rng.Below(20_000)),
		partitionPPM: uint32(rng.Below(10_000)),
		proposePPM:   uint32(rng.Below(100_000)),
	}
	name := fmt.Sprintf("seed=%d size=%d prevote=%v checkquorum=%v loss=%d dup=%d crash=%d stepcrash=%d partition=%d propose=%d compact=%d",
		seed, size, prevote, checkQuorum, ch.lossPPM, ch.dupPPM, ch.crashPPM, ch.stepCrashPPM, ch.partitionPPM, ch.proposePPM, compactEvery)
	nw := newNetwork(&namedTB{TB: t, name: name}, size, seed, opt)
	nw.compactEvery = compactEvery
	if *chaosTrace {
		nw.step = func(to int, m Message) {
			r := nw.core(to)
			t.Logf("deliver %v to n%d (%v t%d commit %d last %d)", m, to, r.Role(), r.Term(), r.Commit(), r.LastIndex())
		}
	}
	nw.crashAt = func(id int) crashPoint {
		if !rng.Chance(ch.stepCrashPPM) {
			return noCrash
		}
		return crashPoint(1 + rng.Below(2))
	}
	proposals := 0
	for range steps {
		switch x := rng.Below(100); {
		case x < 40:
			nw.tick(nw.ids[rng.Pick(size)])
		case x < 90:
			deliverRandom(nw, &ch)
		default:
			switch {
			case rng.Chance(ch.crashPPM * 20):
				nw.crash(nw.ids[rng.Pick(size)])
			case rng.Chance(ch.partitionPPM * 20):
				randomPartition(nw, rng)
			case rng.Chance(200_000):
				for _, id := range nw.ids {
					if nw.down(id) {
						nw.restart(id)
						break
					}
				}
			case rng.Chance(100_000):
				nw.heal()
			}
		}
		if rng.Chance(ch.proposePPM) {
			for _, id := range nw.ids {
				if !nw.down(id) && nw.core(id).Role() == Leader {
					proposals++
					nw.propose(id, fmt.Sprintf("s%d.p%d", seed, proposals))
				}
			}
		}
	}
	nw.checkLogMatching()

	// Liveness: heal everything, restart everyone, deliver reliably.
	nw.crashAt = nil
	lead := converge(nw, "final")
	nw.checkLogMatching()
	nw.checkLogsEqual(lead)
	if testing.Verbose() && seed%100 == 0 {
		t.Logf("%s: %d leaders, %d committed, %d delivered, %d dropped, %d proposals", name, len(nw.leaders), len(nw.commits), nw.delivered, nw.dropped, proposals)
	}
	return nw
}

// converge heals the network, restarts every node that is down and delivers
// reliably until one leader is followed by all and a command (marker)
// proposed through it is applied everywhere; it returns the leader.
func converge(nw *network, marker string) int {
	nw.t.Helper()
	nw.heal()
	for _, id := range nw.ids {
		if nw.down(id) {
			nw.restart(id)
		}
	}
	e := nw.core(0).cfg.ElectionTicks
	for ticks := 0; !settled(nw); ticks++ {
		if ticks > 20*e {
			nw.t.Fatalf("no stable leader %d ticks after the weather cleared: %s", ticks, status(nw))
		}
		nw.tickAll()
		nw.stabilize()
	}
	// A command proposed now is applied everywhere; a leader change may lose
	// it (it was never committed), and then it is proposed again, as a
	// client would retry.
	var final struct{ index, term uint64 }
	lead := None
	applied := func(id int) bool {
		return slices.ContainsFunc(nw.nodes[id].applied, func(e Entry) bool { return string(e.Data) == marker })
	}
	for ticks := 0; ; ticks++ {
		done := true
		for _, id := range nw.ids {
			done = done && applied(id)
		}
		if done {
			return lead
		}
		if ticks > 30*e {
			nw.t.Fatalf("command %q %+v not applied everywhere %d ticks later: %s", marker, final, ticks, status(nw))
		}
		if settled(nw) {
			for _, id := range nw.ids {
				if nw.core(id).Role() == Leader {
					lead = id
				}
			}
			// (Once applied it may be compacted away: no longer in the log.)
			if r := nw.core(lead); final.index == 0 || !applied(lead) && !r.log.matchTerm(final.index, final.term) {
				index, term, err := r.Propose([]byte(marker))
				if err != nil {
					nw.t.Fatalf("propose on the leader n%d: %v", lead, err)
				}
				final.index, final.term = index, term
				nw.flush(lead)
			}
		}
		nw.tickAll()
		nw.stabilize()
	}
}

func deliverRandom(nw *network, ch *chaos) {
	if len(nw.queue) == 0 {
		return
	}
	// Mostly the oldest messages, sometimes any: reordering.
	i := 0
	if ch.rng.Chance(300_000) {
		i = ch.rng.Pick(len(nw.queue))
	} else {
		i = ch.rng.Pick(min(len(nw.queue), 3))
	}
	m := nw.queue[i]
	if !ch.rng.Chance(ch.dupPPM) {
		nw.queue = append(nw.queue[:i], nw.queue[i+1:]...)
	}
	if nw.lost(m) || ch.rng.Chance(ch.lossPPM) {
		nw.dropped++
		return
	}
	nw.deliver(m)
}

func randomPartition(nw *network, rng *sim.Rand) {
	nw.heal()
	switch rng.Below(3) {
	case 0: // halves
		var a, b []int
		for _, id := range nw.ids {
			if rng.Chance(500_000) {
				a = append(a, id)
			} else {
				b = append(b, id)
			}
		}
		nw.partition(a, b)
	case 1: // one node alone
		nw.isolate(nw.ids[rng.Pick(len(nw.ids))])
	case 2: // one-way links
		for range 1 + rng.Below(3) {
			a, b := nw.ids[rng.Pick(len(nw.ids))], nw.ids[rng.Pick(len(nw.ids))]
			if a != b {
				nw.cut[[2]int{a, b}] = true
			}
		}
	}
}

func status(nw *network) string {
	s := ""
	for _, id := range nw.ids {
		r := nw.core(id)
		s += fmt.Sprintf("\n  n%d %v t%d lead %d commit %d last %d/t%d applied %d down %v",
			id, r.Role(), r.Term(), r.Lead(), r.Commit(), r.LastIndex(), r.log.lastTerm(), len(nw.nodes[id].applied), nw.down(id))
	}
	return s
}

// namedTB prefixes every failure with the run's parameters.
type namedTB struct {
	testing.TB
	name string
}

func (tb *namedTB) Fatalf(format string, args ...any) {
	tb.TB.Helper()
	tb.TB.Fatalf("%s: "+format, append([]any{tb.name}, args...)...)
}
