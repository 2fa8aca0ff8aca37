// Package counter is detsim's example of a user's system: a primary–backup
// replicated counter with view changes, written only against sim.Env. The
// primary of view v is server v mod N; it answers an add or a read only
// after a majority of the servers has stored the state that follows it, and a
// new primary starts from the newest state a majority holds. The protocol,
// and why it survives crashes, loss, duplication, reordering and partitions,
// is set out in server.go.
//

package counter

import (
	"fmt"

	"github.com/detsim/detsim/sim"
)

// Config configures a server; a zero field takes its default.
type Config struct {
	Servers   int          // cluster size N; the servers are nodes 0 to N-1 (default 3)
	Heartbeat sim.Duration // how often a primary re-sends its state (default 50 ms)
	Timeout   sim.Duration // silence, between this and twice this, before a new view is proposed (default 300 ms)
	Observer  Observer
	Testing   Testing
}

// Testing holds the knobs that only tests and fuzz campaigns turn.
type Testing struct {
	Bug string // a planted bug, one of Bugs(), or "" for none
}

// BugEarlyAnswer makes the primary answer as soon as it has stored an
// operation, before a majority has: a view change that leaves the old
// primary behind (a partition) then loses an add its client saw succeed.
const BugEarlyAnswer = "primary-answers-before-backup-ack"

// Bugs lists the planted bugs a server understands.
func Bugs() []string { return []string{BugEarlyAnswer} }

// Observer hears what a server does, for invariant checks. It must not
// steer the server: its methods return nothing.
type Observer interface {
	// ViewAdopted: node has durably moved to view.
	ViewAdopted(node int, view uint64)
	// Leading: node starts serving as the primary of view from count.
	Leading(node int, view uint64, count int64)
	// Stored: node has durably stored the state count made in view.
	Stored(node int, view uint64, count int64)
}

type nopObserver struct{}

func (nopObserver) ViewAdopted(int, uint64)    {}
func (nopObserver) Leading(int, uint64, int64) {}
func (nopObserver) Stored(int, uint64, int64)  {}

func (c Config) withDefaults() Config {
	if c.Servers == 0 {
		c.Servers = 3
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 50 * sim.Millisecond
	}
	if c.Timeout == 0 {
		c.Timeout = 300 * sim.Millisecond
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

func (c Config) validate(id int) error {
	switch {
	case c.Servers < 1 || c.Servers > maxNodes:
		return fmt.Errorf("counter: %d servers (want 1 to %d)", c.Servers, maxNodes)
	case id < 0 || id >= c.Servers:
		return fmt.Errorf("counter: node %d is not one of the %d servers", id, c.Servers)
	case c.Heartbeat < 0 || c.Timeout < 0:
		return fmt.Errorf("counter: negative heartbeat or timeout")
	case c.Testing.Bug != "" && c.Testing.Bug != BugEarlyAnswer:
		return fmt.Errorf("counter: unknown planted bug %q", c.Testing.Bug)
	}
	return nil
}

// ClientConfig configures a client; a zero field takes its default.
type ClientConfig struct {
	Servers  int             // cluster size N, as the servers' Config (default 3)
	StopAt   sim.Time        // no operation starts at or after this time of the client's clock; 0: never stop
	Think    [2]sim.Duration // pause before each operation, uniform in [lo, hi] (default 10–50 ms)
	Timeout  sim.Duration    // wait for a reply before trying the next server (default 200 ms)
	ReadPPM  uint32          // share of reads, parts per million (default 300 000)
	MaxDelta int64           // adds are uniform in [1, MaxDelta] (default 100)
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.Servers == 0 {
		c.Servers = 3
	}
	if c.Think == [2]sim.Duration{} {
		c.Think = [2]sim.Duration{10 * sim.Millisecond, 50 * sim.Millisecond}
	}
	if c.Timeout == 0 {
		c.Timeout = 200 * sim.Millisecond
	}
	if c.ReadPPM == 0 {
		c.ReadPPM = 300_000
	}
	if c.MaxDelta == 0 {
		c.MaxDelta = 100
	}
	return c
}

// OpKind is what an operation does.
type OpKind uint8

const (
	OpAdd  OpKind = iota + 1 // add Delta to the counter
	OpRead                   // read the counter
)

func (k OpKind) String() string {
	switch k {
	case OpAdd:
		return "add"
	case OpRead:
		return "read"
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// Op is one client operation. Seq grows with each operation of a client.
type Op struct {
	Seq   uint64
	Kind  OpKind
	Delta int64 // adds only
}

// Recorder hears every operation a client calls and every one that returns,
// with its result: the counter right after an add took effect, or the value
// a read saw. It is the host's (a test harness, the engine's glue).
type Recorder interface {
	Call(client int, op Op)
	Return(client int, op Op, result int64)
}
