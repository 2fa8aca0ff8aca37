package sim

import (
	"fmt"
	"slices"
	"strings"
)

// FaultKind names a fault. The names are what repro files and traces use.
type FaultKind string

const (
	FaultPartition  FaultKind = "partition"  // block exactly Links (directed), replacing any earlier partition
	FaultHeal       FaultKind = "heal"       // unblock every link
	FaultCrash      FaultKind = "crash"      // Node loses its process, timers and unsynced writes
	FaultCrashSync  FaultKind = "crash-sync" // Node crashes inside its next sync (Before: before it, else after)
	FaultRestart    FaultKind = "restart"    // Node starts a new incarnation from its disk
	FaultPause      FaultKind = "pause"      // Node stops like a frozen VM; the world's clock runs on
	FaultResume     FaultKind = "resume"     // Node runs again; overdue timers fire at once
	FaultNet        FaultKind = "net"        // the network's loss, duplication and reordering change to Net
	FaultDamage     FaultKind = "damage"     // one byte of Node's synced data is flipped
	FaultLoseWrite  FaultKind = "lose-write" // a 16-byte block of Node's synced data reads back as zeros
	FaultFailSync   FaultKind = "fail-sync"  // Node's next sync fails
	FaultCheckpoint FaultKind = "checkpoint" // no fault: marks a phase (the drain) in the trace
)

// Fault is one entry of a fault schedule: what happens, when, to whom. A
// schedule is written out in full before a run starts; it is what a repro file
// stores and what shrinking cuts down.
type Fault struct {
	At     Time      `json:"at"`
	Kind   FaultKind `json:"kind"`
	Node   int       `json:"node,omitempty"`
	Before bool      `json:"before,omitempty"`
	Links  [][2]int  `json:"links,omitempty"`
	Net    *NetFault `json:"net,omitempty"`
	// Target, if set, names the node by its role when the fault strikes
	// ("leader", "follower"); the world's Config.Resolve fills in Node and,
	// for a partition, Links (isolating the target together with With).
	Target Target `json:"target,omitempty"`
	With   []int  `json:"with,omitempty"`
	Label  string `json:"label,omitempty"`
}

// Target names a node by the role it plays when a fault strikes ("the
// leader"). Which names mean anything is the system's business: sim only
// carries them to the world's Config.Resolve.
type Target string

// NetFault is the part of the network's behaviour a fault can change.
type NetFault struct {
	LossPPM    uint32 `json:"loss_ppm"`
	DupPPM     uint32 `json:"dup_ppm"`
	ReorderPPM uint32 `json:"reorder_ppm"`
	CorruptPPM uint32 `json:"corrupt_ppm,omitempty"`
}

// String renders a fault for traces and summaries.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.Kind))
	switch f.Kind {
	case FaultPartition:
		b.WriteString(" ")
		b.WriteString(DescribeLinks(f.Links))
	case FaultCrash, FaultRestart, FaultPause, FaultResume, FaultDamage, FaultLoseWrite, FaultFailSync:
		fmt.Fprintf(&b, " n%d", f.Node)
	case FaultCrashSync:
		when := "after"
		if f.Before {
			when = "before"
		}
		fmt.Fprintf(&b, " n%d %s-sync", f.Node, when)
	case FaultNet:
		if f.Net != nil {
			fmt.Fprintf(&b, " loss=%dppm dup=%dppm reorder=%dppm", f.Net.LossPPM, f.Net.DupPPM, f.Net.ReorderPPM)
			if f.Net.CorruptPPM != 0 {
				fmt.Fprintf(&b, " corrupt=%dppm", f.Net.CorruptPPM)
			}
		}
	}
	if f.Target != "" {
		b.WriteString(" target=" + string(f.Target))
	}
	if f.Label != "" {
		b.WriteString(" ")
		b.WriteString(f.Label)
	}
	return b.String()
}

// CertainPPM is a probability of one in parts per million: no probability
// (loss, duplication, reordering, a torn write) may exceed it.
const CertainPPM = 1_000_000

// Validate reports the first problem with a fault in a cluster of n nodes:
// a negative time, a node or link that does not exist, a probability over
// CertainPPM, or a field the fault's kind does not use (detsim never writes
// one, and the run would ignore it). Which roles a Target may name is the
// host's business (its Config.Resolve), not checked here.
func (f Fault) Validate(n int) error {
	switch f.Kind {
	case FaultPartition, FaultHeal, FaultNet, FaultCheckpoint:
	default:
		if !f.Kind.HasNode() {
			return fmt.Errorf("unknown fault kind %q", f.Kind)
		}
	}
	if f.At < 0 {
		return fmt.Errorf("fault %s: negative time %d", f.Kind, f.At)
	}
	for _, m := range f.With {
		if m < 0 || m >= n {
			return fmt.Errorf("fault %s: no node %d", f.Kind, m)
		}
	}
	switch {
	case f.Kind.HasNode() && (f.Node < 0 || f.Node >= n):
		return fmt.Errorf("fault %s: no node %d", f.Kind, f.Node)
	case !f.Kind.HasNode() && f.Node != 0:
		return fmt.Errorf("fault %s: a node (%d) given to a fault that strikes none", f.Kind, f.Node)
	case len(f.Links) > 0 && (f.Kind != FaultPartition || f.Target != ""):
		return fmt.Errorf("fault %s: links given to a fault that is not an explicit partition", f.Kind)
	case len(f.With) > 0 && (f.Kind != FaultPartition || f.Target == ""):
		return fmt.Errorf("fault %s: with given to a fault that is not a partition around a target", f.Kind)
	case f.Net != nil && f.Kind != FaultNet:
		return fmt.Errorf("fault %s: net given to a fault that does not change the network", f.Kind)
	case f.Before && f.Kind != FaultCrashSync:
		return fmt.Errorf("fault %s: before given to a fault that is not a crash-sync", f.Kind)
	case f.Target != "" && !f.Kind.HasNode() && f.Kind != FaultPartition:
		return fmt.Errorf("fault %s: a target (%q) given to a fault that strikes no node", f.Kind, f.Target)
	}
	switch f.Kind {
	case FaultHeal, FaultCheckpoint:
	case FaultPartition:
		for _, l := range f.Links {
			if l[0] < 0 || l[0] >= n || l[1] < 0 || l[1] >= n || l[0] == l[1] {
				return fmt.Errorf("fault partition: bad link %d->%d (nodes are 0 to %d)", l[0], l[1], n-1)
			}
		}
	case FaultNet:
		if f.Net == nil {
			return fmt.Errorf("fault net: no probabilities given")
		}
		for _, p := range []struct {
			name string
			ppm  uint32
		}{{"loss_ppm", f.Net.LossPPM}, {"dup_ppm", f.Net.DupPPM}, {"reorder_ppm", f.Net.ReorderPPM}} {
			if p.ppm > CertainPPM {
				return fmt.Errorf("fault net: %s %d is over %d (a probability of one)", p.name, p.ppm, CertainPPM)
			}
		}
	}
	return nil
}

// SortFaults orders a schedule by time, keeping the given order among equal times.
func SortFaults(fs []Fault) {
	slices.SortStableFunc(fs, func(a, b Fault) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
}

// DescribeLinks renders a set of blocked links compactly, pairing two-way cuts:
// "0|1 2>3" blocks both directions between 0 and 1 and only 2→3.
func DescribeLinks(links [][2]int) string {
	set := map[[2]int]bool{}
	for _, l := range links {
		set[l] = true
	}
	var parts []string
	for _, l := range links {
		rev := [2]int{l[1], l[0]}
		switch {
		case set[rev] && l[0] < l[1]:
			parts = append(parts, fmt.Sprintf("%d|%d", l[0], l[1]))
		case set[rev]:
		default:
			parts = append(parts, fmt.Sprintf("%d>%d", l[0], l[1]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// HasNode reports whether a fault of this kind strikes one node (Node).
func (k FaultKind) HasNode() bool {
	switch k {
	case FaultCrash, FaultCrashSync, FaultRestart, FaultPause, FaultResume, FaultDamage, FaultLoseWrite, FaultFailSync:
		return true
	}
	return false
}
