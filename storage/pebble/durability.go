package pebble

import (
	"context"
	"sync"
	"sync/atomic"
)

// durability tracks which commits are known to be on disk, so that nothing
// becomes observable (to a View, to a read-only Update, or through an
// acknowledgement) before it is durable.
//
// Pebble publishes a batch to readers before the fsync of its WAL record
// completes. So every commit takes a ticket, in commit order, before its
// batch is applied; when its fsync has completed the ticket is marked
// synced. durable is the longest prefix of tickets that are all synced. A
// reader loads assigned after taking its snapshot, so every commit its
// snapshot can contain has a ticket <= that value, and waits until durable
// reaches it. When no commit is in flight, durable == assigned and the
// check costs two atomic loads.
type durability struct {
	assigned atomic.Uint64 // the newest ticket handed out
	durable  atomic.Uint64 // every ticket <= durable is synced

	mu      sync.Mutex
	synced  map[uint64]bool // synced tickets above durable
	changed chan struct{}   // closed and replaced when durable or err changes
	err     error           // set once a sync failed; permanent
	failed  atomic.Bool
}

func newDurability() *durability {
	return &durability{synced: map[uint64]bool{}, changed: make(chan struct{})}
}

// assign returns the ticket of the next commit. Callers serialize assign
// with the commits themselves, so tickets follow commit order.
func (d *durability) assign() uint64 { return d.assigned.Add(1) }

// markSynced records that ticket t's commit is on disk.
func (d *durability) markSynced(t uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t != d.durable.Load()+1 {
		d.synced[t] = true
		return
	}
	for {
		t++
		if !d.synced[t] {
			break
		}
		delete(d.synced, t)
	}
	d.durable.Store(t - 1)
	close(d.changed)
	d.changed = make(chan struct{})
}

// fail records a permanent failure: tickets from now on may never become
// durable, and every waiter that needs one gets err.
func (d *durability) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return
	}
	d.err = err
	d.failed.Store(true)
	close(d.changed)
	d.changed = make(chan struct{})
}

// failure returns the error passed to fail, if any.
func (d *durability) failure() error {
	if !d.failed.Load() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// wait returns when ticket t is durable, or with the failure error, or with
// ctx's error.
func (d *durability) wait(ctx context.Context, t uint64) error {
	if d.durable.Load() >= t {
		return nil
	}
	for {
		d.mu.Lock()
		if d.durable.Load() >= t {
			d.mu.Unlock()
			return nil
		}
		if d.err != nil {
			err := d.err
			d.mu.Unlock()
			return err
		}
		ch := d.changed
		d.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
