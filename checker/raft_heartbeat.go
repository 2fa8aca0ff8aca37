package checker

import "github.com/detsim/detsim/sim"

// Heartbeat rate (heartbeat-rate): a leader sends each follower at most 10
// heartbeats a second. The checker keeps the last 11 send times of each
// (leader, follower) pair and fails when 11 fall within one second.

// HeartbeatSent reports that node sent a heartbeat to follower.
func (c *Raft) HeartbeatSent(node, follower int) {
	key := [2]int{node, follower}
	now := c.now()
	times := append(c.hb[key], now)
	if len(times) > 11 {
		times = times[1:]
	}
	if len(times) == 11 && now-times[0] < 1e9 {
		c.v.add(HeartbeatRate, "n%d sent n%d 11 heartbeats within %s ending at %s", node, follower,
			sim.AppendTime(nil, now-times[0]), sim.AppendTime(nil, now))
	}
	c.hb[key] = times
}

// HeartbeatResult is the heartbeat-rate verdict.
func (c *Raft) HeartbeatResult() Result { return c.v.result(HeartbeatRate) }
