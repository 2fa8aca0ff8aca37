package kv

import (
	"github.com/detsim/detsim/planted"
	"strconv"

	"github.com/detsim/detsim/sim"
)

// Recorder hears each operation a clerk starts and finishes, for the
// history the linearizability checker reads.
type Recorder interface {
	Call(node int, op *Op)
	// Return reports op done by the reply to the operation numbered
	// answered (the reply's own Seq, which a correct clerk has matched to
	// op's), carrying value.
	Return(node int, op *Op, answered uint64, value string)
}

// Workload is what a clerk does: operations on its keys in a given mix, with
// a pause between them, until StopAt (its own clock) or MaxOps.
type Workload struct {
	Keys    []string
	GetPPM  uint32 // the rest of the mix after Get and Put is Append
	PutPPM  uint32
	Think   [2]sim.Duration
	StopAt  sim.Time
	MaxOps  int          // 0: no limit
	Testing TestingKnobs // for tests of the checkers only: leave zero
}

// Clerk is a client of the service and a node of the world: it remembers the
// leader, sends one request at a time, and retries the same request (same
// sequence number) through timeouts, leader changes and partitions, never
// giving up.
type Clerk struct {
	env     sim.Env
	servers []int
	rec     Recorder
	wl      Workload
	timeout sim.Duration

	client uint64 // this incarnation's client id: fresh after a restart
	leader int    // index into servers
	seq    uint64
	cur    Op
	busy   bool
	done   int
	retry  sim.TimerID
	next   sim.TimerID
	buf    []byte
}

// NewClerk starts a clerk on env.
func NewClerk(env sim.Env, servers []int, rec Recorder, wl Workload) *Clerk {
	c := &Clerk{env: env, servers: servers, rec: rec, wl: wl, timeout: 400 * sim.Millisecond}
	// A restarted clerk starts its sequence numbers again, so it must not
	// reuse the id under which the servers remember the old ones.
	c.client = env.Rand().Uint64()
	c.leader = env.Rand().Pick(len(servers))
	c.next = env.SetTimer(c.think())
	return c
}

// Timer starts the next operation or retries the current one elsewhere.
func (c *Clerk) Timer(id sim.TimerID) error {
	switch {
	case id == c.next:
		c.issue()
	case id == c.retry && c.busy && c.wl.Testing.Bugs.Has(planted.ClerkWaitsForever):
		// no retry: wait for an answer that may never come
	case id == c.retry && c.busy:
		c.leader = (c.leader + 1) % len(c.servers)
		c.send()
	}
	return nil
}

// issue starts the next operation of the workload. What it issues — when
// it stops, which key, which kind, which value — is the scenario's input,
// not the clerk's protocol: those lines are not mutated (a mutant of them
// is another workload, which no check should tell apart).
func (c *Clerk) issue() {
	//detsim:nomutate the workload's end
	if c.env.Now() >= c.wl.StopAt || c.wl.MaxOps > 0 && c.done >= c.wl.MaxOps {
		return
	}
	r := c.env.Rand()
	c.seq++
	c.cur = Op{Client: c.client, Seq: c.seq, Key: c.wl.Keys[r.Pick(len(c.wl.Keys))]}
	//detsim:nomutate the workload's mix
	switch p := uint32(r.Below(1_000_000)); {
	case p < c.wl.GetPPM: //detsim:nomutate the workload's mix
		c.cur.Kind = Get
	case p < c.wl.GetPPM+c.wl.PutPPM: //detsim:nomutate the workload's mix
		c.cur.Kind = Put
	default:
		c.cur.Kind = Append
	}
	if c.cur.Kind != Get {
		// Unique values let the checker tell every write apart.
		c.cur.Value = "c" + strconv.Itoa(c.env.ID()) + "." + strconv.FormatUint(c.seq, 10) + ";"
	}
	c.busy = true
	c.rec.Call(c.env.ID(), &c.cur)
	c.send()
}

func (c *Clerk) send() {
	c.env.CancelTimer(c.retry)
	c.retry = c.env.SetTimer(c.timeout)
	c.buf = AppendRequest(c.buf[:0], &c.cur)
	c.env.Send(c.servers[c.leader], c.buf)
}

// Receive handles a server's reply to the current request.
func (c *Clerk) Receive(from int, msg []byte) error {
	rep, err := DecodeReply(msg)
	if err != nil || !c.busy || rep.Seq != c.seq {
		return nil // garbage, or a late answer to an earlier request
	}
	switch rep.Err {
	case OK:
		c.finish(rep.Seq, rep.Value)
	case ErrBadRequest:
		c.finish(rep.Seq, "") // the reply carries the reason, not a value
	case ErrWrongLeader:
		// A server names itself only while it leads (a follower's leader
		// is another node): it refused a waiter of its earlier term, and
		// takes the retry at once.
		if i := c.indexOf(rep.Leader); i >= 0 {
			c.leader = i
			c.send()
			return nil
		}
		c.backoff()
	case ErrTimeout:
		c.leader = (c.leader + 1) % len(c.servers)
		c.send()
	}
	return nil
}

func (c *Clerk) finish(answered uint64, value string) {
	c.busy = false
	c.done++
	c.env.CancelTimer(c.retry)
	c.rec.Return(c.env.ID(), &c.cur, answered, value)
	c.next = c.env.SetTimer(c.think())
}

// think draws the pause before the next operation: the workload's input,
// like what issue issues, so a mutant of it is another workload.
//
//detsim:nomutate the workload's think time
func (c *Clerk) think() sim.Duration { return c.env.Rand().Duration(c.wl.Think[0], c.wl.Think[1]) }

// backoff waits briefly before trying the next server: nobody knows the
// leader yet, and asking again at once would only storm the network.
func (c *Clerk) backoff() {
	c.env.CancelTimer(c.retry)
	c.retry = c.env.SetTimer(50 * sim.Millisecond)
}

func (c *Clerk) indexOf(node int) int {
	for i, s := range c.servers {
		if s == node {
			return i
		}
	}
	return -1
}
