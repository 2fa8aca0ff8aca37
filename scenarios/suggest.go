package scenarios

import (
	"fmt"
	"strings"
)

// unknownName is the one-line refusal of a name that is not among known
// (where says of what, as " for system counter", or ""): the nearest known
// name when one is a likely typo, and how many there are. It names no
// program: a user's own binary prints it as well as detsim.
func unknownName(what, name, where string, known []string) error {
	head := fmt.Sprintf("unknown %s %q%s", what, name, where)
	switch near := nearest(name, known); {
	case len(known) == 0:
		return fmt.Errorf("%s (there are none)", head)
	case near != "":
		return fmt.Errorf("%s (did you mean %q? the list command shows all %d)", head, near, len(known))
	case len(known) <= 6:
		return fmt.Errorf("%s (known: %s)", head, strings.Join(known, ", "))
	default:
		return fmt.Errorf("%s (the list command shows all %d)", head, len(known))
	}
}

// nearest is the known name within a third of name's length in edits, or "".
func nearest(name string, known []string) string {
	best, bestDist := "", len(name)/3+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
