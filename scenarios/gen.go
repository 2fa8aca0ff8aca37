package scenarios

import "github.com/detsim/detsim/sim"

// gen writes a fault schedule from a seeded stream. Helpers return nothing:
// they append to the schedule, which is data from then on.
type gen struct {
	r        *sim.Rand
	servers  []int
	clients  []int
	duration int64
	faults   []sim.Fault
}

func newGen(r *sim.Rand, servers, clients int, duration int64) *gen {
	g := &gen{r: r, duration: duration}
	for i := 0; i < servers; i++ {
		g.servers = append(g.servers, i)
	}
	for i := 0; i < clients; i++ {
		g.clients = append(g.clients, servers+i)
	}
	return g
}

const (
	ms = int64(1_000_000)
	s  = 1000 * ms
)

func (g *gen) add(f sim.Fault) { g.faults = append(g.faults, f) }

func (g *gen) at(t int64, kind sim.FaultKind, node int) {
	g.add(sim.Fault{At: t, Kind: kind, Node: node})
}

func (g *gen) server() int { return g.servers[g.r.Pick(len(g.servers))] }

// finalHeal ends the safety phase: every partition heals, the network calms,
// every paused node resumes and every crashed node restarts.
func (g *gen) finalHeal(calmNet bool) {
	t := g.duration
	g.add(sim.Fault{At: t, Kind: sim.FaultHeal, Label: "final"})
	if calmNet {
		g.add(sim.Fault{At: t, Kind: sim.FaultNet, Net: &sim.NetFault{}})
	}
	for _, n := range g.servers {
		g.at(t, sim.FaultResume, n)
		g.at(t, sim.FaultRestart, n)
	}
}

// targeted adds a partition around the node playing role when it strikes.
func (g *gen) targeted(t int64, target sim.Target, with []int, label string) {
	g.add(sim.Fault{At: t, Kind: sim.FaultPartition, Target: target, With: with, Label: label})
}

// randomPartition draws a partition of any shape over the servers and places
// each client with a random server, so partitions cut clients off too.
func (g *gen) randomPartition() [][2]int {
	order := append([]int(nil), g.servers...)
	g.r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	n := len(order)
	var links [][2]int
	switch g.r.Pick(6) {
	case 0: // two halves, either side may hold the majority
		k := 1 + g.r.Pick(n-1)
		links = sim.Split(order[:k], order[k:])
	case 1: // one node isolated
		links = sim.Isolate(order[0], order)
	case 2: // a bridge: one node sees both sides that cannot see each other
		k := 1 + g.r.Pick(max(n-2, 1))
		links = sim.Bridge(order[1:1+k], order[1+k:])
	case 3: // a ring: each node sees only its neighbours
		links = sim.Ring(order)
	case 4: // one-way: some nodes cannot reach others, but hear them
		k := 1 + g.r.Pick(n-1)
		links = sim.OneWay(order[:k], order[k:])
	default: // three groups
		a := 1 + g.r.Pick(max(n-2, 1))
		b := a + 1 + g.r.Pick(max(n-a-1, 1))
		links = sim.Split(order[:a], order[a:min(b, n)], order[min(b, n):])
	}
	return g.withClients(links)
}

// withClients gives each client the links of a randomly chosen server.
func (g *gen) withClients(links [][2]int) [][2]int {
	blocked := map[[2]int]bool{}
	for _, l := range links {
		blocked[l] = true
	}
	for _, c := range g.clients {
		anchor := g.server()
		for _, sv := range g.servers {
			if sv == anchor {
				continue
			}
			if blocked[[2]int{anchor, sv}] {
				links = append(links, [2]int{c, sv})
			}
			if blocked[[2]int{sv, anchor}] {
				links = append(links, [2]int{sv, c})
			}
		}
	}
	return links
}

// chaos fills [from, to) with faults of the given kinds at random intervals.
// Crashes and pauses are undone later in the window so the cluster lives.
func (g *gen) chaos(from, to int64, every [2]int64, kinds ...sim.FaultKind) {
	for t := from + g.r.Range(every[0], every[1]); t < to; t += g.r.Range(every[0], every[1]) {
		kind := kinds[g.r.Pick(len(kinds))]
		switch kind {
		case sim.FaultPartition:
			g.add(sim.Fault{At: t, Kind: kind, Links: g.randomPartition()})
		case sim.FaultHeal:
			g.add(sim.Fault{At: t, Kind: kind})
		case sim.FaultCrash, sim.FaultPause:
			n := g.server()
			g.at(t, kind, n)
			undo := sim.FaultRestart
			if kind == sim.FaultPause {
				undo = sim.FaultResume
			}
			g.at(min(t+g.r.Range(every[0], 4*every[1]), to), undo, n)
		case sim.FaultCrashSync:
			n := g.server()
			g.add(sim.Fault{At: t, Kind: kind, Node: n, Before: g.r.Chance(500_000)})
			g.at(min(t+g.r.Range(every[0], 4*every[1]), to), sim.FaultRestart, n)
		case sim.FaultRestart:
			g.at(t, kind, g.server())
		}
	}
}

// crashAll crashes every server at t and restarts them all within gap.
func (g *gen) crashAll(t, gap int64) {
	for _, n := range g.servers {
		g.at(t, sim.FaultCrash, n)
		g.at(t+g.r.Range(gap/4, gap), sim.FaultRestart, n)
	}
}
