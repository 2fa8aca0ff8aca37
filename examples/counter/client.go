package counter

import "github.com/detsim/detsim/sim"

// client issues one operation at a time to whom it thinks is the primary,
// retrying the same operation (same Seq) on the next server after each
// timeout until it is answered, and never gives up on it.
type client struct {
	env    sim.Env
	cfg    ClientConfig
	rec    Recorder
	id     int
	seq    uint64
	cur    *Op
	target int
	timer  sim.TimerID // the one timer that counts
}

// NewClient starts a client; rec hears each operation's call and return.
func NewClient(env sim.Env, cfg ClientConfig, rec Recorder) sim.Process {
	c := &client{env: env, cfg: cfg.withDefaults(), rec: rec, id: env.ID()}
	c.think()
	return c
}

func (c *client) think() {
	c.timer = c.env.SetTimer(c.env.Rand().Duration(c.cfg.Think[0], c.cfg.Think[1]))
}

func (c *client) Timer(id sim.TimerID) error {
	if id != c.timer {
		return nil
	}
	if c.cur == nil {
		if c.cfg.StopAt > 0 && c.env.Now() >= c.cfg.StopAt {
			return nil // the workload is over
		}
		c.seq++
		op := Op{Seq: c.seq, Kind: OpAdd, Delta: c.env.Rand().Range(1, c.cfg.MaxDelta)}
		if c.env.Rand().Chance(c.cfg.ReadPPM) {
			op = Op{Seq: c.seq, Kind: OpRead}
		}
		c.cur = &op
		c.rec.Call(c.id, op)
	} else {
		c.target = (c.target + 1) % c.cfg.Servers // no answer: try the next server
	}
	c.env.Send(c.target, (&msg{tag: tagRequest, Seq: c.cur.Seq, Kind: c.cur.Kind, Delta: c.cur.Delta}).encode())
	c.timer = c.env.SetTimer(c.cfg.Timeout)
	return nil
}

func (c *client) Receive(from int, p []byte) error {
	m, err := decode(p)
	if err != nil || m.tag != tagReply || c.cur == nil || m.Seq != c.cur.Seq {
		return nil
	}
	if !m.OK {
		c.target = int(m.View%uint64(c.cfg.Servers)) - 1 // the next try goes to the hinted primary
		if c.target < 0 {
			c.target += c.cfg.Servers
		}
		return nil
	}
	op := *c.cur
	c.cur = nil
	c.env.CancelTimer(c.timer)
	c.rec.Return(c.id, op, m.Result)
	c.think()
	return nil
}
