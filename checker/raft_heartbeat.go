package checker

import "github.com/detsim/detsim/sim"

// Heartbeat rate (heartbeat-rate): a leader sends each follower at most 10
// heartbeats a second. The checker keeps the last 11 send times of each
// (leader, follower) pair and fails when 11 fall within one second.

// beats is a ring of the latest heartbeat send times from one leader to
// one follower: a fixed array, so watching costs no allocation per send.
type beats struct {
	at   [11]sim.Time
	n    int // how many of at are set
	next int // where the next goes: once full, the oldest
}

// HeartbeatSent is reported as node, leading, sends follower a heartbeat.
func (c *Raft) HeartbeatSent(node, follower int) {
	c.settle(node)
	key := [2]int{node, follower}
	now := c.now()
	b := c.hb[key]
	if b == nil {
		b = new(beats)
		c.hb[key] = b
	}
	b.at[b.next] = now
	b.next = (b.next + 1) % len(b.at)
	b.n = min(b.n+1, len(b.at))
	if oldest := b.at[b.next]; b.n == len(b.at) && now.Sub(oldest) < sim.Second {
		c.v.add(HeartbeatRate, "n%d sent n%d 11 heartbeats within %s ending at %s", node, follower,
			sim.AppendTime(nil, now.Sub(oldest)), sim.AppendTime(nil, now))
	}
}

// HeartbeatResult is the heartbeat-rate verdict.
func (c *Raft) HeartbeatResult() Result { return c.v.result(HeartbeatRate) }
