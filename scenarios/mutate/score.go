package mutate

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Counts tallies verdicts.
type Counts struct {
	Killed, Survived, TimedOut, Stillborn, Equivalent int
}

// Tally counts the verdicts of outcomes.
func Tally(outcomes []Outcome) Counts {
	var c Counts
	for _, o := range outcomes {
		c.add(o.Verdict)
	}
	return c
}

func (c *Counts) add(verdict string) {
	switch verdict {
	case Killed:
		c.Killed++
	case Survived:
		c.Survived++
	case TimedOut:
		c.TimedOut++
	case Stillborn:
		c.Stillborn++
	case Equivalent:
		c.Equivalent++
	}
}

// Scored is how many mutants the score counts: killed, survived, timed out.
func (c Counts) Scored() int { return c.Killed + c.Survived + c.TimedOut }

// Score is (killed + timed out) ÷ (killed + survived + timed out), in
// percent; ok is false when no mutant counts.
func (c Counts) Score() (percent float64, ok bool) {
	if c.Scored() == 0 {
		return 0, false
	}
	return 100 * float64(c.Killed+c.TimedOut) / float64(c.Scored()), true
}

// ScoreText is the score as the summary prints it: "91.3%", or "n/a".
func (c Counts) ScoreText() string {
	p, ok := c.Score()
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", p)
}

// Line is the campaign's summary line, a contract with scripts.
func (c Counts) Line() string {
	return fmt.Sprintf("mutation-score killed=%d survived=%d timeout=%d stillborn=%d equivalent=%d score=%s",
		c.Killed, c.Survived, c.TimedOut, c.Stillborn, c.Equivalent, c.ScoreText())
}

// TallyBy counts verdicts per key (a package, an operator), keys sorted.
func TallyBy(outcomes []Outcome, key func(Outcome) string) (keys []string, counts map[string]Counts) {
	counts = map[string]Counts{}
	for _, o := range outcomes {
		k := key(o)
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
		}
		c := counts[k]
		c.add(o.Verdict)
		counts[k] = c
	}
	sort.Strings(keys)
	return keys, counts
}

// Select picks the mutants a campaign runs: with sample > 0, a sample of
// that many chosen by sampleSeed (the same on every machine); then the
// shard's share of them (index mod shards = shard, over the selection
// sorted by ID). The result keeps enumeration order.
func Select(mutants []Mutant, sample int, sampleSeed uint64, shard, shards int) []Mutant {
	pos := make(map[string]int, len(mutants))
	byID := make([]Mutant, len(mutants))
	copy(byID, mutants)
	for i, m := range mutants {
		pos[m.ID] = i
	}
	sort.Slice(byID, func(i, j int) bool { return byID[i].ID < byID[j].ID })
	if sample > 0 && sample < len(byID) {
		r := rand.New(rand.NewPCG(sampleSeed, 0x6d75746174650a))
		r.Shuffle(len(byID), func(i, j int) { byID[i], byID[j] = byID[j], byID[i] })
		byID = byID[:sample]
		sort.Slice(byID, func(i, j int) bool { return byID[i].ID < byID[j].ID })
	}
	var out []Mutant
	for i, m := range byID {
		if shards <= 1 || i%shards == shard {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return pos[out[i].ID] < pos[out[j].ID] })
	return out
}
