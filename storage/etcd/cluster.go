package etcd

import (
	"context"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/dynago/dynago/storage"
)

// leadership is the state of this process's campaign.
type leadership struct {
	leading atomic.Bool
}

// Leading implements storage.Leadership. The processes sharing a store
// campaign in an etcd election (etcd's concurrency package) under Prefix +
// "leader/", each with a session lease of Options.LeaseTTL; the oldest
// campaigner leads until its lease ends (Close resigns at once; a killed
// process's lease expires after LeaseTTL). The first call starts the
// campaign.
func (e *Engine) Leading() bool {
	e.leaderOnce.Do(func() {
		if !e.gate.Enter() {
			return
		}
		defer e.gate.Exit()
		e.bg.Add(1)
		go e.campaign()
	})
	return e.leader.leading.Load()
}

// campaign runs until Close: it keeps a session, campaigns, and records
// whether this process leads.
func (e *Engine) campaign() {
	defer e.bg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-e.stop
		cancel()
	}()
	ttl := max(int(e.opts.LeaseTTL/time.Second), 1)
	for ctx.Err() == nil {
		s, err := concurrency.NewSession(e.cli, concurrency.WithTTL(ttl), concurrency.WithContext(ctx))
		if err != nil {
			e.pause(ctx, time.Second)
			continue
		}
		el := concurrency.NewElection(s, e.opts.Prefix+"leader/")
		if err := el.Campaign(ctx, e.opts.NodeName); err != nil {
			s.Close()
			e.pause(ctx, time.Second)
			continue
		}
		e.leader.leading.Store(true)
		e.log.Info("leading background work", "node", e.opts.NodeName)
		select {
		case <-s.Done(): // the lease ended: someone else may lead now
			e.leader.leading.Store(false)
			e.log.Warn("lost leadership (lease expired)", "node", e.opts.NodeName)
		case <-ctx.Done():
			e.leader.leading.Store(false)
			rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
			el.Resign(rctx)
			rcancel()
		}
		s.Close()
	}
}

func (e *Engine) pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Watch implements storage.Watcher with an etcd watch on the prefix. It
// starts with a reset (so the caller reads what it caches after the watch
// began). The client resumes a watch across reconnections from the last
// revision it delivered; when etcd has compacted that revision, or the
// member lost its leader, the watch starts again with another reset.
func (e *Engine) Watch(ctx context.Context, prefix []byte, fn func(key, value []byte, reset bool)) error {
	// Close ends the watch (through e.stop) and waits for it (e.bg).
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	e.bg.Add(1)
	e.gate.Exit()
	defer e.bg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	ep := string(e.key(prefix))
	for ctx.Err() == nil {
		resp, err := e.cli.Get(ctx, ep, clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			e.pause(ctx, time.Second)
			continue
		}
		// Watch from just after revision R, then have the caller reread:
		// what it reads is at R or later, and every change after R comes
		// as an event, so nothing falls in between.
		wch := e.cli.Watch(clientv3.WithRequireLeader(ctx), ep, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1))
		fn(nil, nil, true)
		for wr := range wch {
			if err := wr.Err(); err != nil {
				if wr.CompactRevision != 0 {
					e.log.Warn("catalog watch fell behind compaction; rereading", "prefix", ep)
				}
				break
			}
			for _, ev := range wr.Events {
				k := ev.Kv.Key[len(e.data):]
				if ev.Type == clientv3.EventTypeDelete {
					fn(k, nil, false)
				} else {
					v := ev.Kv.Value
					if v == nil {
						v = []byte{}
					}
					fn(k, v, false)
				}
			}
		}
		// The watch ended (compaction, lost leader, ctx): events may have
		// been missed; the next round resets.
		e.pause(ctx, 100*time.Millisecond)
	}
	return ctx.Err()
}
