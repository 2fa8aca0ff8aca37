// Package planted holds detsim's planted bugs: switches that re-introduce
// classic Raft and key/value bugs, so that the checkers and the fuzz driver
// can be shown to find them (as etcd's robustness tests re-introduce theirs).
//
// A Set travels in each node's configuration, never in a global, because
// parallel runs share the process. In a build without the detsimbugs tag,
// Set is empty and Has is the constant false: the compiler removes every
// bug path, and normal builds carry none of them.
package planted

// BuildCommand builds a detsim binary with the bugs compiled in, named so
// that it does not overwrite a normal ./detsim.
const BuildCommand = "go build -tags detsimbugs -o detsim-bugs ./cmd/detsim"

// Bug names one planted bug.
type Bug uint8

const (
	none Bug = iota
	VoteWithoutLogCheck
	VoteNotPersisted
	CommitOldTermByCounting
	QuorumOffByOne
	TruncateOnStaleAppend
	AckBeforeSync
	HeartbeatStorm
	StaleSnapshotInstalled
	DedupMissingFromSnapshot
	AppendExecutedTwice
	StaleLocalRead
	ClerkWaitsForever
	bugEnd
)

var catalog = [...]struct{ name, desc string }{
	{},
	{"vote-without-log-check", "election: a vote is granted without the candidate's log being up to date (§5.4.1)"},
	{"vote-not-persisted", "persistence: the vote is not made durable before it is granted, so a restarted node votes twice in a term"},
	{"commit-old-term-by-counting", "commit: an entry of an older term is committed by counting replicas (the Figure 8 bug)"},
	{"quorum-off-by-one", "commit and election: a majority is computed as half the cluster (n/2), so two disjoint groups can each decide"},
	{"truncate-on-stale-append", "replication: a stale AppendEntries truncates the log after its entries even without a conflict"},
	{"ack-before-sync", "persistence: messages (acknowledgements, votes) are sent before the state they promise is synced"},
	{"heartbeat-storm", "election: the leader sends a heartbeat on every tick, far above 10 a second"},
	{"stale-snapshot-installed", "snapshots: a stale or duplicated InstallSnapshot at or below the commit index is installed, rolling state back"},
	{"dedup-missing-from-snapshot", "KV dedup: the deduplication table is left out of snapshots"},
	{"append-executed-twice", "KV dedup: a retried Append is executed again instead of answered from the table"},
	{"stale-local-read", "reads: a leader answers Get from its own state without going through the log, though it may be deposed"},
	{"clerk-waits-forever", "clerk: a request that gets no answer is never retried, so a clerk in a minority waits forever"},
}

// Name is the bug's name, as --bug takes it.
func (b Bug) Name() string { return catalog[b].name }

// Description says what the bug does, in one line.
func (b Bug) Description() string { return catalog[b].desc }

// KV reports whether the bug lives in the key/value service or its clerk
// (a run of raw Raft commands cannot show it).
func (b Bug) KV() bool { return b >= DedupMissingFromSnapshot && b < bugEnd }

// All lists every planted bug, in catalogue order.
func All() []Bug {
	var out []Bug
	for b := none + 1; b < bugEnd; b++ {
		out = append(out, b)
	}
	return out
}

// Lookup finds a bug by name.
func Lookup(name string) (Bug, bool) {
	for _, b := range All() {
		if b.Name() == name {
			return b, true
		}
	}
	return none, false
}
