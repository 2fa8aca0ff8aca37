package logservice

import (
	"strconv"

	"github.com/detsim/detsim/sim"
)

// Recorder hears every client call and return (for the trace, the
// checkers and the ops count). It is the host's: the simulation's runner.
type Recorder interface {
	Call(client int, seq uint64, data []byte)
	// Return reports the command done by a reply to command seq (the
	// reply's own number, which a correct client has matched to its own).
	Return(client int, seq uint64)
}

// Client submits commands one at a time, as a 6.824 tester or clerk does:
// it remembers the leader, retries the same command through timeouts and
// leader changes, and never gives up. It stops issuing new commands at stopAt.
type Client struct {
	env     sim.Env
	servers []int
	rec     Recorder
	stopAt  sim.Time
	think   [2]sim.Duration // pause between commands, uniform in [lo, hi]
	timeout sim.Duration
	burst   int

	leader int // index into servers of the guessed leader
	seq    uint64
	busy   bool
	data   []byte
	retry  sim.TimerID
	next   sim.TimerID
	buf    []byte
}

// NewClient starts a client of servers: it issues its first command after
// a think time and stops issuing new ones at stopAt (its own clock); burst is
// how many commands each request carries.
func NewClient(env sim.Env, servers []int, rec Recorder, stopAt sim.Time, think [2]sim.Duration, burst int) *Client {
	c := &Client{env: env, servers: servers, rec: rec, stopAt: stopAt, think: think, timeout: 300 * sim.Millisecond, burst: burst}
	c.leader = env.Rand().Pick(len(servers))
	c.next = env.SetTimer(env.Rand().Duration(think[0], think[1]))
	return c
}

func (c *Client) Timer(id sim.TimerID) error {
	switch {
	case id == c.next:
		c.issue()
	case id == c.retry && c.busy:
		c.leader = (c.leader + 1) % len(c.servers)
		c.send()
	}
	return nil
}

func (c *Client) issue() {
	if c.env.Now() >= c.stopAt {
		return
	}
	c.seq++
	c.data = strconv.AppendUint(append(strconv.AppendInt(c.data[:0], int64(c.env.ID()), 10), '.'), c.seq, 10)
	c.busy = true
	c.rec.Call(c.env.ID(), c.seq, c.data)
	c.send()
}

func (c *Client) send() {
	c.env.CancelTimer(c.retry)
	c.retry = c.env.SetTimer(c.timeout)
	c.buf = encodeRequest(c.buf[:0], c.seq, c.burst, c.data)
	c.env.Send(c.servers[c.leader], c.buf)
}

func (c *Client) Receive(from int, msg []byte) error {
	seq, st, leader, err := decodeReply(msg)
	if err != nil || !c.busy || seq != c.seq {
		return nil // garbage, or a late reply to an old command
	}
	switch st {
	case cmdOK:
		c.busy = false
		c.env.CancelTimer(c.retry)
		c.rec.Return(c.env.ID(), seq)
		c.next = c.env.SetTimer(c.env.Rand().Duration(c.think[0], c.think[1]))
	case cmdNotLeader:
		if i := c.indexOf(leader); i >= 0 && c.servers[i] != from {
			c.leader = i
			c.send()
			return nil
		}
		// No better guess: back off briefly, then try the next server.
		c.env.CancelTimer(c.retry)
		c.retry = c.env.SetTimer(50 * sim.Millisecond)
	case cmdLost:
		c.send()
	}
	return nil
}

func (c *Client) indexOf(node int) int {
	for i, s := range c.servers {
		if s == node {
			return i
		}
	}
	return -1
}
