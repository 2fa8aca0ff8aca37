package realenv

import (
	"bufio"
	"context"
	"net"
	"time"
)

// Outbound connections. Each peer has one goroutine and one connection, dialed
// when there is something to send and redialed after an error, with backoff.
// Messages that cannot go out at once are dropped: the hosted protocol already
// survives a lossy network, and a queue that grows while a peer is down would
// only deliver stale messages later.

const (
	peerQueue    = 1024 // messages waiting for one peer before new ones are dropped
	dialTimeout  = time.Second
	writeTimeout = 5 * time.Second
	minBackoff   = 10 * time.Millisecond
	maxBackoff   = time.Second
)

type peer struct {
	from, to int
	addr     string
	out      chan []byte
	logf     func(format string, args ...any)

	conn    net.Conn
	w       *bufio.Writer
	backoff time.Duration
	retryAt time.Time
}

func newPeer(from, to int, addr string, logf func(string, ...any)) *peer {
	return &peer{from: from, to: to, addr: addr, out: make(chan []byte, peerQueue), logf: logf}
}

// enqueue hands msg to the peer's goroutine, or drops it if the queue is full.
func (p *peer) enqueue(msg []byte) {
	select {
	case p.out <- msg:
	default:
	}
}

// run sends queued messages until ctx is done.
func (p *peer) run(ctx context.Context) {
	defer p.disconnect()
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-p.out:
			p.send(ctx, msg)
		}
	}
}

// send writes msg and whatever else is queued, then flushes once.
func (p *peer) send(ctx context.Context, msg []byte) {
	if p.conn == nil && !p.connect(ctx) {
		return // dropped
	}
	p.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	err := writeFrame(p.w, msg)
	for more := true; more && err == nil; {
		select {
		case msg := <-p.out:
			err = writeFrame(p.w, msg)
		default:
			more = false
		}
	}
	if err == nil {
		err = p.w.Flush()
	}
	if err != nil {
		p.logf("realenv: n%d: send to n%d: %v", p.from, p.to, err)
		p.disconnect()
	}
}

func (p *peer) connect(ctx context.Context) bool {
	if time.Now().Before(p.retryAt) {
		return false
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", p.addr)
	if err == nil {
		p.w = bufio.NewWriter(conn)
		err = writeHello(p.w, p.from) // buffered: goes out with the first frame
	}
	if err != nil {
		p.backoff = min(max(2*p.backoff, minBackoff), maxBackoff)
		p.retryAt = time.Now().Add(p.backoff)
		if ctx.Err() == nil {
			p.logf("realenv: n%d: dial n%d at %s: %v", p.from, p.to, p.addr, err)
		}
		return false
	}
	p.conn = conn
	p.backoff = 0
	return true
}

func (p *peer) disconnect() {
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.w = nil, nil
	}
}
