package sim

import (
	"math"
	"testing"
)

// ticker re-arms its timer forever; with send set it also sends a tiny message
// to the next node at each tick, and answers nothing.
type ticker struct {
	env    Env
	period Duration
	send   bool
	msg    [8]byte
}

func (p *ticker) Timer(TimerID) error {
	p.env.SetTimer(p.period)
	if p.send {
		p.env.Send((p.env.ID()+1)%8, p.msg[:])
	}
	return nil
}

func (p *ticker) Receive(int, []byte) error { return nil }

// benchWorld builds 8 nodes with timers timers each, periods spread over
// 1–2ms so that the queue keeps reordering.
func benchWorld(b *testing.B, timers int, send bool) *World {
	var nodes []Factory
	for range 8 {
		nodes = append(nodes, func(env Env) (Process, error) {
			p := &ticker{env: env, period: ms + Duration(env.ID())*ms/8, send: send}
			for i := range timers {
				env.SetTimer(Duration(i) * Microsecond)
			}
			return p, nil
		})
	}
	w := New(Config{Seed: 1, Nodes: nodes, Net: DefaultNet, MaxEvents: uint64(b.N)})
	if res := w.Start(); res.Failed() {
		b.Fatal(res)
	}
	return w
}

// BenchmarkEventLoop measures the bare event loop: one op is one event. The
// timers case is nothing but timers re-arming; the messages case adds a tiny
// message per timer (a copy, a keyed random draw, a delivery).
func BenchmarkEventLoop(b *testing.B) {
	for _, bc := range []struct {
		name   string
		timers int
		send   bool
	}{
		{"timers", 16, false},
		{"messages", 16, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := benchWorld(b, bc.timers, bc.send)
			b.ReportAllocs()
			b.ResetTimer()
			res := w.Run(math.MaxInt64)
			b.StopTimer()
			if res.Panic != "" || res.Stalled {
				b.Fatal(res)
			}
			events := min(w.Events(), uint64(b.N))
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(w.Now())/1e9/b.Elapsed().Seconds(), "virtual-s/s")
		})
	}
}
