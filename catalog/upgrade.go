package catalog

import "encoding/json"

// UpgradeParams reads the bundled params out of the options of a repro file
// older than format 3, where they sat among the engine's: the workload,
// think time, burst, snapshot settings, batch size, and the Raft and
// key/value expectations.
func (bundled) UpgradeParams(old map[string]json.RawMessage) (json.RawMessage, error) {
	var p Params
	//detsim:allow map-range each key fills its own field
	for key, dst := range map[string]any{
		"kv": &p.KV, "burst": &p.Burst, "think_ns": &p.Think, "snapshot_every": &p.SnapshotEvery,
		"max_raft_state": &p.MaxRaftState, "max_batch": &p.MaxBatch,
	} {
		if v, ok := old[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := old["expect"]; ok {
		var e struct {
			NoCommitInCut      bool `json:"no_commit_in_cut"`
			MinOpsPerHeartbeat int  `json:"min_ops_per_heartbeat"`
			SmallSnapshot      bool `json:"small_snapshot"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, err
		}
		p.NoCommitInCut, p.MinOpsPerHeartbeat, p.SmallSnapshot = e.NoCommitInCut, e.MinOpsPerHeartbeat, e.SmallSnapshot
	}
	return json.Marshal(p)
}
