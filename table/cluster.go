package table

import (
	"bytes"
	"context"
	"errors"

	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// Several Dynago nodes on one shared engine (storage/etcd).
//
// Catalog caches. Every node caches the catalog (db.tables). Item writes
// are safe with a stale cache anyway (checkTable compares the cached bytes
// inside their transaction), but reads, DescribeTable and ListTables answer
// from the cache, so on an engine that implements storage.Watcher each node
// watches the catalog keys and applies every change made by any node as it
// commits (watchCatalog). A lookup that misses the cache reads the store
// before answering ResourceNotFoundException (lookupMiss), so a table
// created through another node is usable at once, before its watch event.
//
// Leadership. Background work that must run once per cluster, not once per
// node (dropped-table cleanup, token sweeps, GSI backfill, TTL expiry,
// stream trimming), asks db.leader() before each round: true on engines
// one process owns, and on a shared engine true on the one node that holds
// the engine's lease-based leadership (storage.Leadership). A lease can
// overlap for a moment when a leader stalls, so such work must stay
// correct when two nodes run it at once: every round is made of ordinary
// storage transactions that re-read what they act on. A loop that is not
// the leader's just waits for its next tick; the new leader picks the work
// up from the store (every such loop keeps its to-do list in the store).
//
// Transaction sizes. Background transactions that handle many keys take
// their batch size from db.batch, which fits it to the engine's
// transaction limits (storage.Limits).

// leader reports whether this node should run cluster-wide background work
// now (see above).
func (db *DB) leader() bool {
	if l, ok := db.eng.(storage.Leadership); ok {
		return l.Leading()
	}
	return true
}

// batch returns how many keys one background transaction may handle when
// it reads (validates) and writes opsPerKey operations per key plus a few
// more: want, or less on an engine with a smaller transaction limit.
func (db *DB) batch(want, opsPerKey int) int {
	l, ok := db.eng.(storage.Limits)
	if !ok {
		return want
	}
	maxOps, _ := l.TxnLimits()
	return max(1, min(want, (maxOps-8)/opsPerKey))
}

// startCatalogWatch starts following catalog changes made by other nodes,
// when the engine is shared.
func (db *DB) startCatalogWatch() {
	w, ok := db.eng.(storage.Watcher)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	db.bg.Add(2)
	go func() {
		defer db.bg.Done()
		<-db.stop
		cancel()
	}()
	go func() {
		defer db.bg.Done()
		err := w.Watch(ctx, []byte{keycodec.PrefixCatalog}, func(key, value []byte, reset bool) {
			if reset {
				if err := db.reloadCatalog(ctx); err != nil && ctx.Err() == nil {
					db.log.Warn("rereading the catalog", "err", err)
				}
				return
			}
			name, err := keycodec.DecodeCatalogKey(key)
			if err != nil {
				return
			}
			db.applyCatalogChange(name, value)
		})
		if err != nil && ctx.Err() == nil && !errors.Is(err, storage.ErrClosed) {
			db.log.Warn("catalog watch ended", "err", err)
		}
	}()
}

// applyCatalogChange puts a catalog entry as committed (by any node) into
// the cache; raw nil means the table was deleted.
func (db *DB) applyCatalogChange(name string, raw []byte) {
	if raw == nil {
		if db.cached(name) != nil {
			db.setCached(name, nil, nil)
		}
		// Whichever node deleted it, the leader's cleanup starts now.
		db.wakeDropLoop()
		return
	}
	if ts := db.cached(name); ts != nil && bytes.Equal(ts.raw, raw) {
		return
	}
	m, err := unmarshalMeta(raw)
	if err != nil {
		db.log.Warn("undecodable catalog entry", "table", name, "err", err)
		return
	}
	if !db.setCached(name, m, bytes.Clone(raw)) {
		return
	}
	// An index added or removed through any node: the leader's index work
	// starts now rather than at its next tick.
	db.wakeIndexLoop()
}

// reloadCatalog replaces the cached catalog by the store's.
func (db *DB) reloadCatalog(ctx context.Context) error {
	lo := []byte{keycodec.PrefixCatalog}
	hi := []byte{keycodec.PrefixCatalog + 1}
	entries := map[string][]byte{}
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		clear(entries)
		return tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
			if name, err := keycodec.DecodeCatalogKey(k); err == nil {
				entries[name] = bytes.Clone(v)
			}
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range db.tableNames() {
		if _, ok := entries[name]; !ok {
			db.applyCatalogChange(name, nil)
		}
	}
	for name, raw := range entries {
		db.applyCatalogChange(name, raw)
	}
	return nil
}

// lookupMiss is called when a table is not in the cache: on a shared
// engine another node may have just created it, so read the store.
func (db *DB) lookupMiss(name string) *tableState {
	if _, shared := db.eng.(storage.Watcher); !shared || name == "" {
		return nil
	}
	var raw []byte
	err := db.eng.View(context.Background(), func(tx storage.ReadTx) error {
		v, err := tx.Get(catalogKey(name))
		if err != nil {
			return err
		}
		raw = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil
	}
	db.applyCatalogChange(name, raw)
	return db.cached(name)
}

// cached returns the cached catalog entry of a table, or nil.
func (db *DB) cached(name string) *tableState {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.tables[name]
}
