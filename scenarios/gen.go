package scenarios

import "github.com/detsim/detsim/sim"

// Gen writes a scenario's fault schedule from a seeded stream, before the
// run starts. Its helpers return nothing: they append to the schedule, which
// is data from then on (what a repro file stores and shrinking cuts). A
// scenario's Faults function receives one for the safety phase [0,
// Duration()); Resolve adds the final heal after it.
type Gen struct {
	r        *sim.Rand
	servers  []int
	clients  []int
	duration sim.Duration
	faults   []sim.Fault
}

// NewGen starts a schedule for a run of servers and clients whose safety
// phase lasts duration, drawing from r (Resolve keys it by the seed and
// "faults"; a scenario that resolves itself passes its own).
func NewGen(r *sim.Rand, servers, clients int, duration sim.Duration) *Gen {
	g := &Gen{r: r, duration: duration}
	for i := 0; i < servers; i++ {
		g.servers = append(g.servers, i)
	}
	for i := 0; i < clients; i++ {
		g.clients = append(g.clients, servers+i)
	}
	return g
}

const (
	ms = sim.Millisecond
	s  = sim.Second
)

// Rand is the schedule's own stream (keyed by the seed and "faults"): draw
// from it, never from anything else, so the schedule is the seed's.
func (g *Gen) Rand() *sim.Rand { return g.r }

// Servers are the server nodes, 0 to n-1.
func (g *Gen) Servers() []int { return g.servers }

// Clients are the client nodes, numbered after the servers.
func (g *Gen) Clients() []int { return g.clients }

// Duration is the safety phase's length: faults go in [0, Duration).
func (g *Gen) Duration() sim.Duration { return g.duration }

// SafetyEnd is when the safety phase ends and the final heal strikes.
func (g *Gen) SafetyEnd() sim.Time { return sim.Time(g.duration) }

// Faults is the schedule written so far.
func (g *Gen) Faults() []sim.Fault { return g.faults }

// Add appends one fault.
func (g *Gen) Add(f sim.Fault) { g.faults = append(g.faults, f) }

// At appends a fault of kind on node at t.
func (g *Gen) At(t sim.Time, kind sim.FaultKind, node int) {
	g.Add(sim.Fault{At: t, Kind: kind, Node: node})
}

// Server draws a server.
func (g *Gen) Server() int { return g.servers[g.r.Pick(len(g.servers))] }

// FinalHeal ends the safety phase: every partition heals, the network calms,
// every paused node resumes and every crashed node restarts.
func (g *Gen) FinalHeal(calmNet bool) {
	t := g.SafetyEnd()
	g.Add(sim.Fault{At: t, Kind: sim.FaultHeal, Label: "final"})
	if calmNet {
		g.Add(sim.Fault{At: t, Kind: sim.FaultNet, Net: &sim.NetFault{}})
	}
	for _, n := range g.servers {
		g.At(t, sim.FaultResume, n)
		g.At(t, sim.FaultRestart, n)
	}
}

// Targeted adds a partition shaped around the node playing target when it
// strikes (resolved through the system: see Target*); with are nodes cut
// off together with it.
func (g *Gen) Targeted(t sim.Time, target sim.Target, with []int, label string) {
	g.Add(sim.Fault{At: t, Kind: sim.FaultPartition, Target: target, With: with, Label: label})
}

// RandomPartition draws a partition of any shape over the servers — two
// halves, one isolated, a bridge, a ring, one-way, three groups — and places
// each client with a random server, so partitions cut clients off too.
func (g *Gen) RandomPartition() [][2]int {
	if len(g.servers) < 2 { // one server: the only cut is between it and its clients
		return sim.Split(g.servers, g.clients)
	}
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
	return g.WithClients(links)
}

// WithClients adds to a partition among servers the links that cut each
// client off as a randomly chosen server is.
func (g *Gen) WithClients(links [][2]int) [][2]int {
	blocked := map[[2]int]bool{}
	for _, l := range links {
		blocked[l] = true
	}
	for _, c := range g.clients {
		anchor := g.Server()
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

// Chaos fills [from, to) with faults of the given kinds (a kind listed twice
// is drawn twice as often) at intervals drawn from every. Crashes and pauses
// are undone later in the window, so the cluster lives.
func (g *Gen) Chaos(from, to sim.Time, every [2]sim.Duration, kinds ...sim.FaultKind) {
	for t := from.Add(g.r.Duration(every[0], every[1])); t < to; t = t.Add(g.r.Duration(every[0], every[1])) {
		kind := kinds[g.r.Pick(len(kinds))]
		switch kind {
		case sim.FaultPartition:
			g.Add(sim.Fault{At: t, Kind: kind, Links: g.RandomPartition()})
		case sim.FaultHeal:
			g.Add(sim.Fault{At: t, Kind: kind})
		case sim.FaultCrash, sim.FaultPause:
			n := g.Server()
			g.At(t, kind, n)
			undo := sim.FaultRestart
			if kind == sim.FaultPause {
				undo = sim.FaultResume
			}
			g.At(min(t.Add(g.r.Duration(every[0], 4*every[1])), to), undo, n)
		case sim.FaultCrashSync:
			n := g.Server()
			g.Add(sim.Fault{At: t, Kind: kind, Node: n, Before: g.r.Chance(500_000)})
			g.At(min(t.Add(g.r.Duration(every[0], 4*every[1])), to), sim.FaultRestart, n)
		case sim.FaultRestart:
			g.At(t, kind, g.Server())
		}
	}
}

// CrashAll crashes every server at t and restarts each within gap.
func (g *Gen) CrashAll(t sim.Time, gap sim.Duration) {
	for _, n := range g.servers {
		g.At(t, sim.FaultCrash, n)
		g.At(t.Add(g.r.Duration(gap/4, gap)), sim.FaultRestart, n)
	}
}
