package gate

import (
	"sync"
	"testing"
)

func TestGateCloseWaitsForRunningOperations(t *testing.T) {
	var g Gate
	if !g.Enter() {
		t.Fatal("Enter on an open gate failed")
	}
	closed := make(chan bool)
	go func() { closed <- g.Close() }()
	// Close must not return while an operation is inside; new operations
	// are refused once Close has begun.
	for !g.Closed() {
	}
	if g.Enter() {
		t.Fatal("Enter succeeded on a closing gate")
	}
	select {
	case <-closed:
		t.Fatal("Close returned while an operation was running")
	default:
	}
	g.Exit()
	if !<-closed {
		t.Fatal("first Close reported false")
	}
	if g.Close() {
		t.Fatal("second Close reported true")
	}
	if g.Enter() {
		t.Fatal("Enter succeeded on a closed gate")
	}
}

func TestGateCloseIdle(t *testing.T) {
	var g Gate
	if !g.Close() {
		t.Fatal("Close of an idle gate reported false")
	}
}

func TestGateConcurrent(t *testing.T) {
	for range 50 {
		var g Gate
		var wg sync.WaitGroup
		var mu sync.Mutex
		inside, afterClose := 0, false
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					if !g.Enter() {
						return
					}
					mu.Lock()
					if afterClose {
						mu.Unlock()
						panic("operation admitted after Close returned")
					}
					inside++
					mu.Unlock()
					mu.Lock()
					inside--
					mu.Unlock()
					g.Exit()
				}
			}()
		}
		g.Close()
		mu.Lock()
		afterClose = true
		if inside != 0 {
			t.Fatalf("%d operations inside after Close", inside)
		}
		mu.Unlock()
		wg.Wait()
	}
}
