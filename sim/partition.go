package sim

// Partition shapes. Each returns the directed links to block; a FaultPartition
// with them replaces whatever partition was in force.

// Split blocks every link between two different groups, both ways. Nodes in
// no group can talk to everyone.
func Split(groups ...[]int) [][2]int {
	var links [][2]int
	for g, members := range groups {
		for h, others := range groups {
			if g == h {
				continue
			}
			for _, a := range members {
				for _, b := range others {
					links = append(links, [2]int{a, b})
				}
			}
		}
	}
	return links
}

// Isolate cuts node off from all of nodes, both ways.
func Isolate(node int, nodes []int) [][2]int {
	var rest []int
	for _, n := range nodes {
		if n != node {
			rest = append(rest, n)
		}
	}
	return Split([]int{node}, rest)
}

// Bridge splits nodes into left and right that cannot talk to each other, while
// bridge talks to both.
func Bridge(left, right []int) [][2]int {
	return Split(left, right)
}

// Ring lets each node talk only to its neighbours in the given cyclic order.
func Ring(order []int) [][2]int {
	n := len(order)
	var links [][2]int
	for i, a := range order {
		for j, b := range order {
			d := (j - i + n) % n
			if a != b && d != 1 && d != n-1 {
				links = append(links, [2]int{a, b})
			}
		}
	}
	return links
}

// OneWay blocks messages from each of from to each of to, but not back.
func OneWay(from, to []int) [][2]int {
	var links [][2]int
	for _, a := range from {
		for _, b := range to {
			if a != b {
				links = append(links, [2]int{a, b})
			}
		}
	}
	return links
}
