package realenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/detsim/detsim/sim"
)

// These tests run real nodes on 127.0.0.1. They never assert how long anything
// takes; a generous context bounds each test instead.

const testTimeout = 30 * time.Second

// exclusive records whether a process was ever entered by two goroutines at once.
type exclusive struct {
	active  atomic.Int32
	overlap atomic.Bool
}

func (x *exclusive) enter() func() {
	if x.active.Add(1) > 1 {
		x.overlap.Store(true)
	}
	return func() { x.active.Add(-1) }
}

// pinger sends "ping N" to its peer every few milliseconds and reports every
// pong, and every message it sends itself, on out.
type pinger struct {
	env  sim.Env
	peer int
	seq  int
	out  chan<- string
	x    *exclusive
}

func (p *pinger) Timer(sim.TimerID) error {
	defer p.x.enter()()
	p.seq++
	p.env.Send(p.peer, fmt.Appendf(nil, "ping %d", p.seq))
	p.env.SetTimer(sim.Duration(5 * time.Millisecond))
	return nil
}

func (p *pinger) Receive(from int, msg []byte) error {
	defer p.x.enter()()
	select {
	case p.out <- fmt.Sprintf("n%d: %s", from, msg):
	default:
	}
	return nil
}

// echo answers "ping N" with "pong N".
type echo struct {
	env sim.Env
	x   *exclusive
}

func (e *echo) Receive(from int, msg []byte) error {
	defer e.x.enter()()
	if n, ok := strings.CutPrefix(string(msg), "ping "); ok {
		e.env.Send(from, []byte("pong "+n))
	}
	return nil
}

func (e *echo) Timer(sim.TimerID) error { return nil }

func newPinger(peer int, out chan<- string, x *exclusive) sim.Factory {
	return func(env sim.Env) (sim.Process, error) {
		p := &pinger{env: env, peer: peer, out: out, x: x}
		env.Send(env.ID(), []byte("self"))
		env.SetTimer(0)
		return p, nil
	}
}

func newEcho(x *exclusive) sim.Factory {
	return func(env sim.Env) (sim.Process, error) {
		// Touch the disk, as a real node would at start.
		fsys := env.FS()
		if err := fsys.Create("boot"); err != nil {
			return nil, err
		}
		if err := fsys.Sync("boot"); err != nil {
			return nil, err
		}
		return &echo{env: env, x: x}, fsys.SyncDir()
	}
}

// listen binds n listeners on ephemeral ports of 127.0.0.1.
func listen(t *testing.T, n int) ([]net.Listener, []string) {
	t.Helper()
	var lns []net.Listener
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return lns, addrs
}

// start runs a node in the background; its result arrives on the channel.
func start(ctx context.Context, cfg Config, f sim.Factory) <-chan error {
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, f) }()
	return done
}

// await reads out until it sees want, failing the test if ctx ends first.
func await(t *testing.T, ctx context.Context, out <-chan string, want func(string) bool, what string) {
	t.Helper()
	for {
		select {
		case s := <-out:
			if want(s) {
				return
			}
		case <-ctx.Done():
			t.Fatalf("never saw %s", what)
		}
	}
}

func stop(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func isPong(s string) bool { return strings.HasPrefix(s, "n1: pong ") }

// pongSeq is the N of a pong line, or -1.
func pongSeq(s string) int {
	var n int
	if _, err := fmt.Sscanf(s, "n1: pong %d", &n); err != nil {
		return -1
	}
	return n
}

func TestPingPong(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	lns, addrs := listen(t, 2)
	out := make(chan string, 100)
	x0, x1 := &exclusive{}, &exclusive{}
	ctx0, cancel0 := context.WithCancel(ctx)
	ctx1, cancel1 := context.WithCancel(ctx)
	done0 := start(ctx0, Config{ID: 0, Addrs: addrs, Dir: t.TempDir(), Listener: lns[0], Logf: t.Logf}, newPinger(1, out, x0))
	done1 := start(ctx1, Config{ID: 1, Addrs: addrs, Dir: t.TempDir(), Listener: lns[1], Logf: t.Logf}, newEcho(x1))

	await(t, ctx, out, func(s string) bool { return s == "n0: self" }, "the message n0 sent itself")
	// A stranger is refused without disturbing the node.
	if c, err := net.Dial("tcp", addrs[1]); err == nil {
		c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		c.Close()
	}
	for range 3 {
		await(t, ctx, out, isPong, "a pong")
	}
	stop(t, cancel1, done1)
	stop(t, cancel0, done0)
	if x0.overlap.Load() || x1.overlap.Load() {
		t.Error("a process was entered by two goroutines at once")
	}
}

// TestPeerRestart: when a peer goes away and comes back on its address, the
// sender redials and messages flow again.
func TestPeerRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	lns, addrs := listen(t, 2)
	out := make(chan string, 100)
	x := &exclusive{}
	ctx0, cancel0 := context.WithCancel(ctx)
	done0 := start(ctx0, Config{ID: 0, Addrs: addrs, Dir: t.TempDir(), Listener: lns[0], Logf: t.Logf}, newPinger(1, out, x))
	dir1 := t.TempDir()

	ctx1, cancel1 := context.WithCancel(ctx)
	done1 := start(ctx1, Config{ID: 1, Addrs: addrs, Dir: dir1, Listener: lns[1], Logf: t.Logf}, newEcho(x))
	last := -1
	await(t, ctx, out, func(s string) bool { last = pongSeq(s); return last >= 0 }, "a pong before the restart")
	stop(t, cancel1, done1)

	ctx1, cancel1 = context.WithCancel(ctx)
	done1 = start(ctx1, Config{ID: 1, Addrs: addrs, Dir: dir1, Logf: t.Logf}, newEcho(x))
	await(t, ctx, out, func(s string) bool { return pongSeq(s) > last+1 }, "a pong after the restart")
	stop(t, cancel1, done1)
	stop(t, cancel0, done0)
}

var errBoom = errors.New("boom")

// single runs a one-node cluster until its process stops.
func single(t *testing.T, dir string, f sim.Factory) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	lns, addrs := listen(t, 1)
	err := Run(ctx, Config{ID: 0, Addrs: addrs, Dir: dir, Listener: lns[0]}, f)
	if ctx.Err() != nil {
		t.Fatal("the node never stopped")
	}
	return err
}

// timed is a process that runs onTimer at each timer.
type timed struct{ onTimer func() error }

func (p timed) Receive(int, []byte) error { return nil }
func (p timed) Timer(sim.TimerID) error   { return p.onTimer() }

func TestProcessErrorStopsRun(t *testing.T) {
	err := single(t, t.TempDir(), func(env sim.Env) (sim.Process, error) {
		env.SetTimer(1)
		return timed{func() error { return errBoom }}, nil
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Run = %v, want an error wrapping %v", err, errBoom)
	}
}

func TestFactoryErrorStopsRun(t *testing.T) {
	err := single(t, t.TempDir(), func(sim.Env) (sim.Process, error) { return nil, errBoom })
	if !errors.Is(err, errBoom) {
		t.Errorf("Run = %v, want an error wrapping %v", err, errBoom)
	}
}

func TestPanicStopsRun(t *testing.T) {
	err := single(t, t.TempDir(), func(env sim.Env) (sim.Process, error) {
		env.SetTimer(1)
		return timed{func() error { panic("kaput") }}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "panic: kaput") {
		t.Errorf("Run = %v, want the panic", err)
	}
}

// TestCanceledTimer: a canceled timer never fires, and the others fire in the
// order of their deadlines.
func TestCanceledTimer(t *testing.T) {
	var fired []sim.TimerID
	var cancelMe sim.TimerID
	err := single(t, t.TempDir(), func(env sim.Env) (sim.Process, error) {
		cancelMe = env.SetTimer(sim.Duration(time.Millisecond))
		env.SetTimer(sim.Duration(50 * time.Millisecond)) // the last: stops the node
		env.CancelTimer(cancelMe)
		return timedIDs{&fired}, nil
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Run = %v, want %v", err, errBoom)
	}
	if len(fired) != 1 || fired[0] == cancelMe {
		t.Errorf("fired %v; timer %d was canceled", fired, cancelMe)
	}
}

// timedIDs records each timer and stops the node at the first.
type timedIDs struct{ fired *[]sim.TimerID }

func (p timedIDs) Receive(int, []byte) error { return nil }
func (p timedIDs) Timer(id sim.TimerID) error {
	*p.fired = append(*p.fired, id)
	return errBoom
}

// TestRestartKeepsFiles: a second run over the same directory sees what the
// first made durable.
func TestRestartKeepsFiles(t *testing.T) {
	dir := t.TempDir()
	var seen []int
	factory := func(env sim.Env) (sim.Process, error) {
		fsys := env.FS()
		b, err := fsys.ReadFile("runs")
		if err != nil {
			if err := fsys.Create("runs"); err != nil {
				return nil, err
			}
		}
		seen = append(seen, len(b))
		if err := fsys.Append("runs", []byte{1}); err != nil {
			return nil, err
		}
		if err := fsys.Sync("runs"); err != nil {
			return nil, err
		}
		if err := fsys.SyncDir(); err != nil {
			return nil, err
		}
		env.SetTimer(0)
		return timed{func() error { return errBoom }}, nil
	}
	for range 2 {
		if err := single(t, dir, factory); !errors.Is(err, errBoom) {
			t.Fatalf("Run = %v, want %v", err, errBoom)
		}
	}
	if fmt.Sprint(seen) != "[0 1]" {
		t.Errorf("runs saw %v bytes, want [0 1]", seen)
	}
}

func TestNowAdvances(t *testing.T) {
	var first, second sim.Time
	err := single(t, t.TempDir(), func(env sim.Env) (sim.Process, error) {
		first = env.Now()
		env.SetTimer(sim.Duration(time.Millisecond))
		return timed{func() error { second = env.Now(); return errBoom }}, nil
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Run = %v, want %v", err, errBoom)
	}
	if second <= first {
		t.Errorf("Now went from %d to %d across a timer", first, second)
	}
}

func TestBadConfig(t *testing.T) {
	err := Run(context.Background(), Config{ID: 2, Addrs: []string{"127.0.0.1:0"}, Dir: t.TempDir()}, nil)
	if err == nil {
		t.Error("Run accepted node 2 of 1")
	}
}
