// Package realenv runs hosted code (anything written against sim.Env) for real:
// the system's monotonic clock, timers, TCP between nodes and files in a
// directory. It is exempt from the determinism rules that bind package sim;
// what it keeps is sim's promise to the hosted code: one process per node,
// called from a single goroutine, one input at a time.
package realenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/detsim/detsim/sim"
)

// Config describes one real node.
type Config struct {
	// ID is this node's index in Addrs.
	ID int
	// Addrs holds every node's TCP address ("host:port"), indexed by node ID,
	// clients included.
	Addrs []string
	// Dir is the node's data directory; it is created if missing.
	Dir string
	// Listener, if set, accepts this node's inbound connections instead of a
	// new listener on Addrs[ID] (tests bind port 0 first). Run closes it.
	Listener net.Listener
	// Logf, if set, is told of connection trouble; nothing else is logged.
	Logf func(format string, args ...any)
}

// acceptRetry is the pause after a failed Accept.
const acceptRetry = 50 * time.Millisecond

// inbound is a message that arrived for the event loop.
type inbound struct {
	from int
	msg  []byte
}

// node is the running state of Run: the network goroutines around one event
// loop, which alone touches proc, timers and nextTimer.
type node struct {
	cfg   Config
	fs    *DirFS
	ln    net.Listener
	peers []*peer // nil at cfg.ID
	inbox chan inbound
	fired chan sim.TimerID
	ctx   context.Context // canceled when Run returns
	wg    sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{} // inbound connections, closed on return

	timers    map[sim.TimerID]*time.Timer
	nextTimer sim.TimerID
}

// Run starts the node's process from factory and feeds it messages and timer
// firings until ctx is canceled (then it returns nil) or the process stops
// with an error (which Run returns). A panic in the process is returned as
// an error too. Run closes every connection, timer and file before returning.
func Run(ctx context.Context, cfg Config, factory sim.Factory) error {
	ln := cfg.Listener
	if ln != nil {
		defer ln.Close()
	}
	if cfg.ID < 0 || cfg.ID >= len(cfg.Addrs) {
		return fmt.Errorf("realenv: node id %d outside the %d addresses", cfg.ID, len(cfg.Addrs))
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	fsys, err := NewFS(cfg.Dir)
	if err != nil {
		return fmt.Errorf("realenv: n%d: %w", cfg.ID, err)
	}
	defer fsys.Close()
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addrs[cfg.ID]); err != nil {
			return fmt.Errorf("realenv: n%d: %w", cfg.ID, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	n := &node{
		cfg:    cfg,
		fs:     fsys,
		ln:     ln,
		inbox:  make(chan inbound, peerQueue),
		fired:  make(chan sim.TimerID, 64),
		ctx:    ctx,
		conns:  map[net.Conn]struct{}{},
		timers: map[sim.TimerID]*time.Timer{},
	}
	defer n.wg.Wait()
	defer cancel()
	defer n.closeConns()
	defer ln.Close()
	n.startNetwork()
	defer n.stopTimers()
	return n.loop(factory)
}

func (n *node) startNetwork() {
	n.peers = make([]*peer, len(n.cfg.Addrs))
	for to, addr := range n.cfg.Addrs {
		if to == n.cfg.ID {
			continue
		}
		p := newPeer(n.cfg.ID, to, addr, n.cfg.Logf)
		n.peers[to] = p
		n.wg.Go(func() { p.run(n.ctx) })
	}
	n.wg.Go(n.accept)
}

// loop is the one goroutine that runs the process.
func (n *node) loop(factory sim.Factory) error {
	env := newEnv(n)
	var proc sim.Process
	err := n.step(func() (err error) { proc, err = factory(env); return err })
	if err != nil {
		return fmt.Errorf("realenv: n%d: start: %w", n.cfg.ID, err)
	}
	for {
		select {
		case <-n.ctx.Done():
			return nil
		case in := <-n.inbox:
			err = n.step(func() error { return proc.Receive(in.from, in.msg) })
		case id := <-n.fired:
			if _, ok := n.timers[id]; !ok {
				continue // canceled after it fired, before it ran
			}
			delete(n.timers, id)
			err = n.step(func() error { return proc.Timer(id) })
		}
		if err != nil {
			return fmt.Errorf("realenv: n%d: stopped: %w", n.cfg.ID, err)
		}
	}
}

// step runs one input of the process, turning a panic into an error.
func (n *node) step(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return fn()
}

// accept serves inbound connections until the listener is closed.
func (n *node) accept() {
	for {
		conn, err := n.ln.Accept()
		if err != nil {
			if n.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				n.cfg.Logf("realenv: n%d: accept: %v", n.cfg.ID, err)
				time.Sleep(acceptRetry) // say, out of file descriptors
				continue
			}
			return
		}
		if !n.track(conn) {
			conn.Close()
			return
		}
		n.wg.Go(func() { n.serve(conn) })
	}
}

// track remembers conn so that Run can close it; false once Run is returning.
func (n *node) track(conn net.Conn) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conns == nil {
		return false
	}
	n.conns[conn] = struct{}{}
	return true
}

func (n *node) closeConns() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for conn := range n.conns {
		conn.Close()
	}
	n.conns = nil
}

// serve reads one inbound connection's frames into the event loop.
func (n *node) serve(conn net.Conn) {
	defer func() {
		conn.Close()
		n.mu.Lock()
		delete(n.conns, conn)
		n.mu.Unlock()
	}()
	r := bufio.NewReader(conn)
	from, err := readHello(r, len(n.cfg.Addrs))
	if err != nil {
		n.cfg.Logf("realenv: n%d: refused connection from %s: %v", n.cfg.ID, conn.RemoteAddr(), err)
		return
	}
	for {
		msg, err := readFrame(r)
		if err != nil {
			if n.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				n.cfg.Logf("realenv: n%d: receive from n%d: %v", n.cfg.ID, from, err)
			}
			return
		}
		select {
		case n.inbox <- inbound{from: from, msg: msg}:
		case <-n.ctx.Done():
			return
		}
	}
}
