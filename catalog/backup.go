package catalog

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// backupMiss judges fast backup, in every scenario: a follower that
// refuses an append hints where its log ends or where its conflicting term
// begins, and its leader resumes where the hint sends it. A miss is safe
// but slow (an entry per round trip, or a whole log resent), so nothing
// else would name it.
func (c *cluster) backupMiss() []string {
	m := c.chk.FirstBackupMiss()
	switch {
	case m.Node < 0:
		return nil
	case m.First == 0:
		return []string{fmt.Sprintf("n%d refused n%d's append at %d hinting %d (term %d) at %s, where its log said %d (term %d): the end of a short log, or the first entry of the conflicting term",
			m.Node, m.Leader, m.Prev, m.Hint, m.HintTerm, sim.AppendTime(nil, m.At), m.WantHint, m.WantTerm)}
	}
	return []string{fmt.Sprintf("n%d answered n%d's refusal at %d (hint %d, term %d) with an append from %d at %s, where the hint sends it to %d",
		m.Leader, m.Node, m.Prev, m.Hint, m.HintTerm, m.First, sim.AppendTime(nil, m.At), m.Want)}
}
