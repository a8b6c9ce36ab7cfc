package pebble

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestDurabilityPrefix(t *testing.T) {
	tests := []struct {
		name        string
		order       []uint64 // order in which tickets 1..n are synced
		wantDurable []uint64 // durable after each markSynced
	}{
		{"in order", []uint64{1, 2, 3}, []uint64{1, 2, 3}},
		{"reversed", []uint64{3, 2, 1}, []uint64{0, 0, 3}},
		{"gap filled", []uint64{1, 3, 4, 2, 5}, []uint64{1, 1, 1, 4, 5}},
	}
	for _, tt := range tests {
		d := newDurability()
		for range tt.order {
			d.assign()
		}
		for i, ticket := range tt.order {
			d.markSynced(ticket)
			if got := d.durable.Load(); got != tt.wantDurable[i] {
				t.Errorf("%s: after syncing %v, durable = %d, want %d", tt.name, tt.order[:i+1], got, tt.wantDurable[i])
			}
		}
		if len(d.synced) != 0 {
			t.Errorf("%s: %d tickets left above durable", tt.name, len(d.synced))
		}
	}
}

func TestDurabilityWait(t *testing.T) {
	d := newDurability()
	if err := d.wait(context.Background(), 0); err != nil {
		t.Fatalf("wait(0) = %v", err)
	}
	const n = 200
	for range n {
		d.assign()
	}
	var wg sync.WaitGroup
	for w := range uint64(n) {
		wg.Go(func() {
			if err := d.wait(context.Background(), w+1); err != nil {
				t.Errorf("wait(%d) = %v", w+1, err)
			}
			if d.durable.Load() < w+1 {
				t.Errorf("wait(%d) returned at durable %d", w+1, d.durable.Load())
			}
		})
	}
	order := rand.New(rand.NewPCG(1, 1)).Perm(n)
	for _, i := range order {
		d.markSynced(uint64(i + 1))
	}
	wg.Wait()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d.assign()
	if err := d.wait(ctx, n+1); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with canceled ctx = %v", err)
	}
	boom := errors.New("boom")
	done := make(chan error)
	go func() { done <- d.wait(context.Background(), n+1) }()
	d.fail(boom)
	if err := <-done; err != boom {
		t.Fatalf("wait after fail = %v, want boom", err)
	}
	if err := d.failure(); err != boom {
		t.Fatalf("failure() = %v", err)
	}
	if err := d.wait(context.Background(), n); err != nil {
		t.Fatalf("wait for a ticket that was durable before the failure = %v", err)
	}
}
