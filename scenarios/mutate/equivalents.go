package mutate

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// MaxEquivalentShare is the largest share of the mutants that may be
// listed as equivalent: beyond it, the list is hiding survivors.
const MaxEquivalentShare = 0.10

// ReadEquivalents reads the list of mutants judged equivalent: one a
// line, the ID then a one-line argument for why no test could tell the
// mutant from the original; blank lines and lines starting with # are
// skipped. A line without an argument, or an ID listed twice, is an error
// naming the line.
func ReadEquivalents(r io.Reader, name string) (map[string]string, error) {
	eq := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			id, why = line[:i], strings.TrimSpace(line[i:])
		}
		switch {
		case strings.Count(id, ":") != 3:
			return nil, fmt.Errorf("%s:%d: %q is not a mutant ID (package:function:operator:hash)", name, n, id)
		case why == "":
			return nil, fmt.Errorf("%s:%d: %s has no argument for its equivalence", name, n, id)
		case eq[id] != "":
			return nil, fmt.Errorf("%s:%d: %s is listed twice", name, n, id)
		}
		eq[id] = why
	}
	return eq, sc.Err()
}

// CheckEquivalents returns the listed IDs no mutant has any more (sorted:
// code changed, and the judgement should go), and refuses a list longer
// than MaxEquivalentShare of the mutants. A listed ID of a package that is
// not being mutated is neither: one list serves campaigns over any subset
// of the packages it judges.
func CheckEquivalents(eq map[string]string, mutants []Mutant) (stale []string, err error) {
	have, pkgs := map[string]bool{}, map[string]bool{}
	for _, m := range mutants {
		have[m.ID] = true
		pkgs[path.Base(m.Package)] = true // an ID names its package so
	}
	listed := 0
	for id := range eq {
		pkg, _, _ := strings.Cut(id, ":")
		switch {
		case have[id]:
			listed++
		case pkgs[pkg]:
			stale = append(stale, id)
		}
	}
	sort.Strings(stale)
	if float64(listed) > MaxEquivalentShare*float64(len(mutants)) {
		return stale, fmt.Errorf("%d of %d mutants are listed as equivalent: more than %.0f%% hides survivors", listed, len(mutants), 100*MaxEquivalentShare)
	}
	return stale, nil
}
