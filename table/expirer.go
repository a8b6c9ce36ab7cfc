package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// Background work of Time to Live and Streams. Each kind of work is one
// "round" function that a loop calls periodically (backgroundLoop) on the
// cluster's leader only (db.leader, cluster.go). Every round is made of
// storage transactions that re-read what they act on, so two nodes running
// it at once (a lease overlap) is only wasteful.

const (
	defaultTTLInterval = time.Second
	// expireChunk is how many expired items one deleting transaction
	// handles: each costs a few keys (item, expiry entry, stream record,
	// index entries), and etcd bounds the operations of one transaction.
	expireChunk = 25
	// expireScan is how many expiry entries one read collects.
	expireScan = 1000
	// backfillChunk is how many items one backfill step reads.
	backfillChunk = 1000
)

// startTTLAndStreamLoops starts the TTL expirer and the stream trimmer.
func (db *DB) startTTLAndStreamLoops() {
	db.ttlWake = make(chan struct{}, 1)
	db.bg.Add(2)
	go db.backgroundLoop("ttl", db.ttlInterval(), db.ttlWake, db.ttlRound)
	go db.backgroundLoop("stream trim", db.trimInterval(), nil, db.trimStreams)
}

func (db *DB) ttlInterval() time.Duration {
	if db.cfg.TTLInterval > 0 {
		return db.cfg.TTLInterval
	}
	return defaultTTLInterval
}

// trimInterval is how often stream trimming runs: often enough that
// records outlive the retention period by little.
func (db *DB) trimInterval() time.Duration {
	return min(max(db.streamRetention()/240, 50*time.Millisecond), time.Minute)
}

// wakeTTL runs a TTL round soon (after UpdateTimeToLive).
func (db *DB) wakeTTL() {
	select {
	case db.ttlWake <- struct{}{}:
	default:
	}
}

// backgroundLoop calls round every interval, and when woken, until the DB
// closes.
func (db *DB) backgroundLoop(name string, every time.Duration, wake <-chan struct{}, round func(context.Context) error) {
	defer db.bg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-db.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		case <-wake:
		}
		if !db.leader() {
			continue
		}
		if err := round(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, storage.ErrClosed) {
			db.log.Warn("background work failed", "work", name, "err", err)
		}
	}
}

// ttlRound is one round of the expirer over every table: it backfills the
// expiry index of tables whose TTL was just enabled, deletes expired items,
// and clears the index of tables whose TTL was disabled.
func (db *DB) ttlRound(ctx context.Context) error {
	var firstErr error
	for _, name := range db.tableNames() {
		if db.stopped() {
			return nil
		}
		ts := db.lookup(name)
		if ts == nil {
			continue
		}
		var err error
		switch t := ts.meta.TTL; {
		case t.Status == ttlEnabled:
			if !t.Indexed {
				err = db.backfillExpiry(ctx, ts)
				if ts = db.lookup(name); ts == nil {
					continue
				}
			}
			if err == nil {
				start := time.Now()
				var n int
				n, err = db.expireTable(ctx, ts, db.cfg.Now())
				if n > 0 {
					db.log.Debug("expired items deleted", "table", name, "items", n, "duration", time.Since(start))
				}
			}
		case t.Stale:
			err = db.clearExpiry(ctx, ts)
		}
		if errors.Is(err, errCatalogChanged) {
			err = db.refresh(ctx, name) // the next round works on the new entry
		}
		if err != nil && firstErr == nil {
			firstErr = err // the other tables still get their round
		}
	}
	return firstErr
}

// expireTable deletes the items of one table whose expiry is before now,
// through the normal write path, and returns how many it deleted. It reads
// only the due part of the expiry index, so its cost is proportional to the
// number of expired items, not to the table.
func (db *DB) expireTable(ctx context.Context, ts *tableState, now time.Time) (int, error) {
	m := ts.meta
	prefix := expiryPrefix(m.ID)
	nowSec := now.Unix()
	nowF := float64(now.UnixNano()) / 1e9
	oldest := float64(now.Add(-ttlMaxAge).Unix())
	hi := binary.BigEndian.AppendUint64(bytes.Clone(prefix), uint64(nowSec+1))
	lo := prefix
	total := 0
	for {
		var due [][]byte
		err := db.eng.View(ctx, func(tx storage.ReadTx) error {
			due = due[:0]
			return tx.Scan(lo, hi, false, func(k, _ []byte) (bool, error) {
				due = append(due, bytes.Clone(k))
				return len(due) < expireScan, nil
			})
		})
		if err != nil || len(due) == 0 {
			return total, err
		}
		// Per item: reads of the item and the entry, deletes of both, the
		// stream record, index entries.
		size := db.batch(expireChunk, 8)
		for start := 0; start < len(due); start += size {
			chunk := due[start:min(start+size, len(due))]
			var results []writeResult
			err := db.updateItemsAs(ctx, true, func(tx storage.Tx) error {
				results = results[:0]
				if err := db.checkTable(tx, ts); err != nil {
					return err
				}
				for _, ek := range chunk {
					if len(ek) < len(prefix)+8 {
						if err := tx.Delete(ek); err != nil {
							return err
						}
						continue
					}
					sec := int64(binary.BigEndian.Uint64(ek[len(prefix):]))
					itemKey := append(keycodec.AppendTablePrefix(nil, m.ID, 0), ek[len(prefix)+8:]...)
					item, err := getItem(tx, itemKey)
					if err != nil {
						return err
					}
					isec, f, ok := ttlValue(m, item)
					switch {
					case !ok || isec != sec || f < oldest:
						// Stale entry, or an expiry DynamoDB would ignore.
						if err := tx.Delete(ek); err != nil {
							return err
						}
						continue
					case f >= nowF:
						continue // expires later in this second
					}
					res := writeResult{meta: m}
					if err := db.applyWrite(tx, deletePlan(itemKey, nil, false), &res); err != nil {
						return err
					}
					results = append(results, res)
				}
				return nil
			})
			if err != nil {
				return total, mapStorageError(err)
			}
			for i := range results {
				db.recordWrite(m.ID, &results[i])
			}
			total += len(results)
		}
		if len(due) < expireScan {
			return total, nil
		}
		lo = keycodec.Successor(due[len(due)-1])
	}
}

// backfillExpiry indexes the items a table had when its TTL was enabled,
// then marks the index complete. Items written meanwhile are indexed by
// their own writes; an entry the backfill writes for an item that changed
// since is stale and harmless (the expirer checks the item).
func (db *DB) backfillExpiry(ctx context.Context, ts *tableState) error {
	m := ts.meta
	lo := keycodec.AppendTablePrefix(nil, m.ID, 0)
	hi := keycodec.AppendTablePrefix(nil, m.ID, 1)
	oldest := float64(db.cfg.Now().Add(-ttlMaxAge).Unix())
	chunk := db.batch(backfillChunk, 1)
	for {
		if db.stopped() {
			return nil
		}
		var entries [][]byte
		var last []byte
		n := 0
		err := db.eng.View(ctx, func(tx storage.ReadTx) error {
			entries, last, n = entries[:0], nil, 0
			return tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
				n++
				last = bytes.Clone(k)
				item, err := decodeItem(v)
				if err != nil {
					return false, err
				}
				if sec, f, ok := ttlValue(m, item); ok && f >= oldest {
					entries = append(entries, expiryKey(m.ID, sec, k))
				}
				return n < chunk, nil
			})
		})
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			err = db.eng.Update(ctx, func(tx storage.Tx) error {
				if err := db.checkTable(tx, ts); err != nil {
					return err
				}
				for _, e := range entries {
					if err := tx.Set(e, nil); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if n < chunk {
			break
		}
		lo = keycodec.Successor(last)
	}
	_, err := db.updateMeta(ctx, m.Name, func(cur *Meta) error {
		if cur.ID == m.ID && cur.TTL.Status == ttlEnabled && cur.TTL.Changed == m.TTL.Changed {
			cur.TTL.Indexed = true
		}
		return nil
	})
	return err
}

// clearExpiry deletes the expiry index of a table whose TTL was disabled.
func (db *DB) clearExpiry(ctx context.Context, ts *tableState) error {
	m := ts.meta
	lo := expiryPrefix(m.ID)
	hi := keycodec.PrefixEnd(lo)
	chunk := db.batch(dropChunk, 2)
	for {
		if db.stopped() {
			return nil
		}
		n := 0
		var last []byte
		err := db.eng.Update(ctx, func(tx storage.Tx) error {
			if err := db.checkTable(tx, ts); err != nil {
				return err
			}
			var err error
			n, last, err = deleteChunk(tx, lo, hi, chunk)
			return err
		})
		if err != nil {
			return err
		}
		if n < chunk {
			break
		}
		lo = keycodec.Successor(last)
	}
	_, err := db.updateMeta(ctx, m.Name, func(cur *Meta) error {
		if cur.ID == m.ID && cur.TTL.Status != ttlEnabled && cur.TTL.Changed == m.TTL.Changed {
			cur.TTL.Stale = false
		}
		return nil
	})
	return err
}
