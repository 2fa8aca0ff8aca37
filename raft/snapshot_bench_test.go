package raft

import (
	"fmt"
	"testing"

	"github.com/detsim/detsim/sim"
)

// BenchmarkSnapshotInstall measures one InstallSnapshot on the follower's
// side, as its host does it: the leader's MsgSnap encoded (AppendMessage into
// the leader's reused buffer), copied once as the network does, decoded,
// stepped into the follower's core, its Ready persisted (SaveSnapshot on a
// simulated disk: the snapshot file, a fresh log and meta generation, the old
// files removed, every sync), the reply encoded, Advance. The service's own
// restore of the snapshot is not included. Each op installs a snapshot one
// index past the last, so the follower always accepts it and its disk holds
// one snapshot in steady state.
//
//	go test ./raft -run=NONE -bench=SnapshotInstall -benchmem
func BenchmarkSnapshotInstall(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			data := make([]byte, size)
			r := sim.NewRand(sim.NameKey(1, "snapshot-data"))
			for i := range data {
				data[i] = byte(r.Uint64())
			}
			store, _, err := OpenStorage(sim.NewDisk().FS())
			if err != nil {
				b.Fatal(err)
			}
			follower := New(Config{ID: 1, Peers: []int{0, 1, 2}, ElectionTicks: 10, HeartbeatTicks: 1,
				Rand: sim.NewRand(sim.NameKey(1, "follower"))}, HardState{Vote: None}, nil)
			var leaderBuf, replyBuf []byte
			index := uint64(100)

			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				index++
				snap := &Snapshot{Index: index, Term: 1, Data: data}
				m := Message{Type: MsgSnap, From: 0, To: 1, Term: 1, Index: index, LogTerm: 1, Commit: index, Snapshot: snap}
				leaderBuf = AppendMessage(leaderBuf[:0], &m)
				wire := append([]byte(nil), leaderBuf...) // the network's one copy

				got, err := DecodeMessage(wire)
				if err != nil {
					b.Fatal(err)
				}
				follower.Step(got)
				rd := follower.Ready()
				if rd.Snapshot == nil || rd.Snapshot.Index != index || !rd.RestoreSnapshot {
					b.Fatalf("snapshot %d not installed: %+v", index, rd.Snapshot)
				}
				if err := store.SaveSnapshot(rd.HardState, rd.Snapshot, rd.Entries); err != nil {
					b.Fatal(err)
				}
				for i := range rd.Messages {
					replyBuf = AppendMessage(replyBuf[:0], &rd.Messages[i])
				}
				follower.Advance(rd)
			}
			if follower.Applied() != index || follower.SnapshotIndex() != index {
				b.Fatalf("follower applied %d, snapshot %d, want %d", follower.Applied(), follower.SnapshotIndex(), index)
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}
