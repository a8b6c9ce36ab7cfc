package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// dropChunk is how many keys one cleanup transaction deletes: small enough
// to keep transactions short on every engine, large enough to be quick.
const dropChunk = 512

// dropLoop deletes the data of dropped tables in the background. DeleteTable
// removes the catalog entry and records the table id under prefixDropped in
// the same transaction; this loop then deletes the table's keys in chunks
// and finally the marker. Table ids are never reused, so nothing can write
// into a dropped table's key range meanwhile.
func (db *DB) dropLoop() {
	defer db.bg.Done()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		if db.leader() { // once per cluster (cluster.go)
			db.dropPending()
			db.maybeSweepTokens()
		}
		select {
		case <-db.stop:
			return
		case <-db.wakeGC:
		case <-tick.C:
		}
	}
}

func (db *DB) wakeDropLoop() {
	select {
	case db.wakeGC <- struct{}{}:
	default:
	}
}

// dropPending deletes the data of every dropped table.
func (db *DB) dropPending() {
	ctx := context.Background()
	var ids []uint64
	hi := append(append([]byte(nil), prefixDropped[:len(prefixDropped)-1]...), prefixDropped[len(prefixDropped)-1]+1)
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		ids = ids[:0]
		return tx.Scan(prefixDropped, hi, false, func(k, _ []byte) (bool, error) {
			if len(k) == len(prefixDropped)+8 {
				ids = append(ids, binary.BigEndian.Uint64(k[len(prefixDropped):]))
			}
			return true, nil
		})
	})
	if err != nil {
		db.log.Warn("listing dropped tables", "err", err)
		return
	}
	for _, id := range ids {
		if err := db.dropTableData(ctx, id); err != nil {
			db.log.Warn("deleting data of dropped table", "table_id", id, "err", err)
		}
	}
}

// dropTableData deletes every key of table id, chunk by chunk, then its marker.
func (db *DB) dropTableData(ctx context.Context, id uint64) error {
	lo := keycodec.AppendTablePrefix(nil, id, 0)
	hi := keycodec.AppendTablePrefix(nil, id+1, 0)
	chunk := db.batch(dropChunk, 1)
	for {
		select {
		case <-db.stop:
			return nil
		default:
		}
		var n int
		var last []byte
		err := db.eng.Update(ctx, func(tx storage.Tx) error {
			var err error
			if n, last, err = deleteChunk(tx, lo, hi, chunk); err != nil {
				return err
			}
			if n < chunk {
				return tx.Delete(droppedKey(id))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n < chunk {
			return nil
		}
		lo = keycodec.Successor(last)
	}
}

// deleteChunk deletes up to max keys of [lo, hi) in tx, in key order, and
// returns how many it deleted and the last of them. Background cleanups
// (dropped tables and indexes, expired items' index entries, trimmed
// stream records) delete their ranges with it, one short transaction at a
// time, each resuming after the last key the previous one deleted
// (keycodec.Successor(last)): a scan from the start of the range would
// step again over every deletion before it, and deleting a table of
// 100,000 items took 1.25 s instead of 0.07 (BenchmarkDropTableData).
func deleteChunk(tx storage.Tx, lo, hi []byte, max int) (n int, last []byte, err error) {
	var keys [][]byte
	err = tx.Scan(lo, hi, false, func(k, _ []byte) (bool, error) {
		keys = append(keys, bytes.Clone(k))
		return len(keys) < max, nil
	})
	if err != nil {
		return 0, nil, err
	}
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return 0, nil, err
		}
	}
	if len(keys) > 0 {
		last = keys[len(keys)-1]
	}
	return len(keys), last, nil
}
