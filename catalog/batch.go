package catalog

import (
	"fmt"

	"github.com/detsim/detsim/raft"
)

// batchLimit: no AppendEntries carries more entries than the run's batch
// size (max_batch, or the host's default), so a scenario that sets one
// entry per append tests that path and not a silently restored default.
func (c *cluster) batchLimit() []string {
	limit := c.params.MaxBatch
	if limit <= 0 {
		limit = raft.DefaultHostConfig(nil).MaxBatch
	}
	if b := c.chk.LargestAppend(); b.Entries > limit {
		return []string{fmt.Sprintf("n%d sent n%d an AppendEntries of %d entries; the batch size is %d", b.Node, b.To, b.Entries, limit)}
	}
	return nil
}
