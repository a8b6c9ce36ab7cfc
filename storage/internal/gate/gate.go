// Package gate counts the operations running inside an engine so that Close
// can refuse new ones and wait for the running ones to finish.
package gate

import (
	"sync"
	"sync/atomic"
)

// closedBit is set in Gate.state once Close has begun; the low bits count
// the operations inside the gate.
const closedBit = int64(1) << 62

// Gate admits operations until it is closed. The zero value is ready to use.
type Gate struct {
	state atomic.Int64
	once  sync.Once
	done  chan struct{} // closed when the last operation leaves a closed gate
	init  sync.Once
}

func (g *Gate) doneCh() chan struct{} {
	g.init.Do(func() { g.done = make(chan struct{}) })
	return g.done
}

// Enter admits one operation and reports whether it may proceed. Every
// successful Enter must be paired with one Exit.
func (g *Gate) Enter() bool {
	if g.state.Add(1)&closedBit != 0 {
		g.Exit()
		return false
	}
	return true
}

// Exit ends an operation admitted by Enter.
func (g *Gate) Exit() {
	if g.state.Add(-1) == closedBit {
		g.once.Do(func() { close(g.doneCh()) })
	}
}

// Close stops admitting operations and waits until the admitted ones have
// left. It reports false if the gate was already closed, in which case it
// does not wait.
func (g *Gate) Close() bool {
	ch := g.doneCh()
	for {
		s := g.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if g.state.CompareAndSwap(s, s|closedBit) {
			if s == 0 {
				return true
			}
			break
		}
	}
	<-ch
	return true
}

// Closed reports whether Close has begun.
func (g *Gate) Closed() bool { return g.state.Load()&closedBit != 0 }
