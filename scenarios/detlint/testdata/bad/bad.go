package bad

import (
	crand "crypto/rand"
	"math/rand/v2"
	"os"
	"sort"
	"time"
)

type set map[int]bool

type node struct {
	peers set
	log   []int
}

func (n *node) step(votes map[int]bool) int {
	go n.step(votes)     // goroutine
	ch := make(chan int) // channel
	select {             // channel
	case <-ch:
	}
	_ = time.Now()                  // wall-clock
	time.Sleep(time.Millisecond)    // wall-clock
	_ = rand.IntN(3)                // global-rand
	_ = rand.New(rand.NewPCG(1, 2)) // seeded: fine
	_, _ = crand.Read(nil)          // (the import is the finding)
	os.Exit(1)                      // os
	_ = os.ErrNotExist              // a sentinel: fine
	for p := range n.peers {        // map-range (a field of a named map type)
		_ = p
	}
	for v := range votes { // map-range (a parameter)
		_ = v
	}
	local := map[string]int{}
	for k, v := range local { // map-range (a local)
		_, _ = k, v
	}
	var keys []string
	for k := range local { // collecting keys to sort: fine
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, e := range n.log { // a slice: fine
		_ = e
	}
	//detsim:allow map-range a count: order cannot show
	for range votes {
	}
	return 0
}
