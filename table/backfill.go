package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// Online creation and deletion of global secondary indexes, and the
// indexes' statistics.
//
// UpdateTable adds a new index to the catalog as CREATING (Backfilling)
// and, in the same transaction, a backfill record under prefixBackfill.
// From that commit on every write maintains the new index like any other
// (writes prepared against the older catalog entry fail checkTable and are
// prepared again). The background index loop then walks the base table in
// chunks: each chunk is one transaction that reads the catalog entry and
// the backfill record, reads up to backfillChunkItems items after the
// record's cursor, writes their entries and moves the cursor. A chunk and a
// concurrent write of the same item are ordinary serializable transactions,
// and each writes the entry from the item it read, so whichever commits
// last leaves the entry of the item's latest state. The transaction that
// finds nothing after the cursor marks the index ACTIVE and deletes the
// record. Chunks keep every transaction short (the Pebble engine runs
// writers one at a time), and the record makes the backfill resume where it
// stopped after a restart. Several nodes running the loop on one store
// would repeat or conflict on chunks, never corrupt the index.
//
// Deleting an index removes it from the catalog at once and records its id
// under prefixDroppedIndex in the same transaction; index ids are never
// reused within a table, so the loop deletes the entries in chunks at
// leisure, then the record.

var (
	// prefixBackfill + table id (8 bytes) + index id (4 bytes) -> a
	// backfillRecord.
	prefixBackfill = []byte("\x00backfill/")
	// prefixDroppedIndex + table id (8 bytes) + index id (4 bytes) -> empty:
	// the entries of a deleted index, still to delete.
	prefixDroppedIndex = []byte("\x00dropped-index/")
)

// Backfill chunk bounds: a chunk ends after this many items or this many
// bytes of items read, whichever comes first.
const (
	backfillChunkItems = 512
	backfillChunkBytes = 1 << 20
)

// backfillRecord is the progress of one index's backfill.
type backfillRecord struct {
	Table string `json:"table"`
	// After is the store key of the last base-table item indexed; empty
	// before the first chunk.
	After []byte `json:"after,omitempty"`
	Items int64  `json:"items"` // items read so far
}

func indexWorkKey(prefix []byte, tableID uint64, indexID uint32) []byte {
	k := append([]byte(nil), prefix...)
	k = binary.BigEndian.AppendUint64(k, tableID)
	return binary.BigEndian.AppendUint32(k, indexID)
}

func parseIndexWorkKey(prefix, k []byte) (tableID uint64, indexID uint32, ok bool) {
	if len(k) != len(prefix)+12 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(k[len(prefix):]), binary.BigEndian.Uint32(k[len(prefix)+8:]), true
}

// indexWork is the DB's state for secondary indexes.
type indexWork struct {
	wake  chan struct{}
	stats sync.Map // indexStatsKey -> *indexStats

	// chunkItems overrides backfillChunkItems (tests).
	chunkItems int
	// afterChunk, when set, is called after every committed backfill chunk
	// with the items read so far; returning false stops the backfill as a
	// shutdown would (tests).
	afterChunk func(items int64) bool
}

type indexStatsKey struct {
	table uint64
	index uint32
}

// indexStats are an index's approximate ItemCount and IndexSizeBytes,
// kept like the table's (tableStats).
type indexStats struct {
	items atomic.Int64
	bytes atomic.Int64
}

func (db *DB) indexStatsFor(tableID uint64, indexID uint32) *indexStats {
	k := indexStatsKey{tableID, indexID}
	if st, ok := db.ix.stats.Load(k); ok {
		return st.(*indexStats)
	}
	st, _ := db.ix.stats.LoadOrStore(k, new(indexStats))
	return st.(*indexStats)
}

// forgetIndexStats drops the statistics of the indexes of a table that is
// gone, or of one index.
func (db *DB) forgetIndexStats(tableID uint64, indexID uint32) {
	db.ix.stats.Delete(indexStatsKey{tableID, indexID})
}

// forgetAllIndexStats drops the statistics of a deleted table's indexes.
func (db *DB) forgetAllIndexStats(m *Meta) {
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		db.forgetIndexStats(m.ID, idx.ID)
		return nil
	})
}

// afterIndexChange follows a committed UpdateTable that created or deleted
// an index: the loop starts the work, the deleted index's statistics go.
func (db *DB) afterIndexChange(prev, m *Meta) {
	for i := range prev.GSIs {
		if m.indexByID(prev.GSIs[i].ID) == nil {
			db.forgetIndexStats(m.ID, prev.GSIs[i].ID)
		}
	}
	db.wakeIndexLoop()
}

// startIndexLoop starts the background index work: establishing the
// indexes' statistics, resuming backfills, deleting dropped indexes.
func (db *DB) startIndexLoop() {
	db.ix.wake = make(chan struct{}, 1)
	for _, name := range db.tableNames() {
		if ts := db.lookup(name); ts != nil && (len(ts.meta.LSIs) > 0 || len(ts.meta.GSIs) > 0) {
			db.bg.Add(1)
			go func() {
				defer db.bg.Done()
				_ = forEachIndex(ts.meta, func(idx *IndexMeta) error {
					if idx.Status != StatusCreating {
						db.countIndex(ts.meta, idx)
					}
					return nil
				})
			}()
		}
	}
	db.bg.Add(1)
	go db.indexLoop()
}

func (db *DB) wakeIndexLoop() {
	select {
	case db.ix.wake <- struct{}{}:
	default:
	}
}

func (db *DB) indexLoop() {
	defer db.bg.Done()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		if db.leader() { // see cluster.go
			db.runBackfills()
			db.dropIndexes()
		}
		select {
		case <-db.stop:
			return
		case <-db.ix.wake:
		case <-tick.C:
		}
	}
}

func (db *DB) stopped() bool {
	select {
	case <-db.stop:
		return true
	default:
		return false
	}
}

// listIndexWork returns the (table, index) ids recorded under prefix.
func (db *DB) listIndexWork(prefix []byte) ([][2]uint64, error) {
	var out [][2]uint64
	err := db.eng.View(context.Background(), func(tx storage.ReadTx) error {
		out = out[:0]
		return tx.Scan(prefix, keycodec.PrefixEnd(prefix), false, func(k, _ []byte) (bool, error) {
			if t, i, ok := parseIndexWorkKey(prefix, k); ok {
				out = append(out, [2]uint64{t, uint64(i)})
			}
			return true, nil
		})
	})
	return out, err
}

// runBackfills runs every pending backfill to its end (or until the DB
// stops).
func (db *DB) runBackfills() {
	work, err := db.listIndexWork(prefixBackfill)
	if err != nil {
		db.log.Warn("listing index backfills", "err", err)
		return
	}
	for _, w := range work {
		if db.stopped() {
			return
		}
		if err := db.backfill(w[0], uint32(w[1])); err != nil && !errors.Is(err, errStopped) {
			db.log.Warn("backfilling index", "table_id", w[0], "index_id", w[1], "err", err)
			time.AfterFunc(time.Second, db.wakeIndexLoop) // try again soon
		}
	}
}

// chunkResult is what one backfill chunk did.
type chunkResult struct {
	gone     bool // the index (or its table) no longer exists, or is built
	finished bool // this chunk completed the index
	name     string
	meta     *Meta // the catalog entry with the index ACTIVE (finished)
	raw      []byte
	items    int64 // items read so far
}

// backfill builds one index, chunk by chunk.
func (db *DB) backfill(tableID uint64, indexID uint32) error {
	ctx := context.Background()
	start := time.Now()
	// Each item of a chunk is a read and (mostly) a write.
	full := db.batch(backfillChunkItems, 2)
	if db.ix.chunkItems > 0 {
		full = db.ix.chunkItems
	}
	limit := full
	for {
		if db.stopped() {
			return errStopped
		}
		var res chunkResult
		err := db.eng.Update(ctx, func(tx storage.Tx) error {
			res = chunkResult{}
			return db.backfillChunk(tx, tableID, indexID, limit, &res)
		})
		if (errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrTooLarge)) && limit > 8 {
			// Concurrent writes kept invalidating the chunk (an optimistic
			// engine), or it was too large for one transaction (etcd): try
			// a smaller one.
			limit /= 2
			continue
		}
		if err != nil {
			return err
		}
		limit = min(limit*2, full)
		if res.gone {
			return nil
		}
		if res.finished {
			// Count the entries before this node shows the index ACTIVE, so
			// that its description is complete when it does.
			idx := res.meta.indexByID(indexID)
			db.countIndex(res.meta, idx)
			db.setCached(res.name, res.meta, res.raw)
			db.log.Info("index created", "table", res.name, "index", idx.Name,
				"items", res.items, "seconds", time.Since(start).Seconds())
			return nil
		}
		if f := db.ix.afterChunk; f != nil && !f(res.items) {
			return errStopped
		}
	}
}

// backfillChunk indexes the next chunk of items, or completes the index.
func (db *DB) backfillChunk(tx storage.Tx, tableID uint64, indexID uint32, limit int, res *chunkResult) error {
	rk := indexWorkKey(prefixBackfill, tableID, indexID)
	raw, err := tx.Get(rk)
	if errors.Is(err, storage.ErrNotFound) {
		res.gone = true
		return nil
	}
	if err != nil {
		return err
	}
	var rec backfillRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	m, _, err := db.catalogEntry(tx, rec.Table)
	if err != nil {
		return err
	}
	var idx *IndexMeta
	if m != nil && m.ID == tableID {
		idx = m.indexByID(indexID)
	}
	if idx == nil || idx.Status != StatusCreating {
		res.gone = true
		return tx.Delete(rk)
	}

	lo, hi := keycodec.IndexBounds(tableID, 0)
	if len(rec.After) > 0 {
		lo = keycodec.Successor(rec.After)
	}
	type entry struct{ k, v []byte }
	var entries []entry
	var last []byte
	n, size := 0, 0
	err = tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
		n++
		size += len(v)
		last = append(last[:0], k...)
		item, err := decodeItem(v)
		if err != nil {
			return false, err
		}
		if ek := entryKey(m, idx, item); ek != nil {
			entries = append(entries, entry{ek, itemcodec.Append(nil, projectEntry(m, idx, item))})
		}
		return n < limit && size < db.chunkBytes(), nil
	})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := tx.Set(e.k, e.v); err != nil {
			return err
		}
	}
	rec.Items += int64(n)
	res.items = rec.Items
	if n == limit || size >= db.chunkBytes() {
		rec.After = last
		raw, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		return tx.Set(rk, raw)
	}

	// Nothing after this chunk: the index is complete.
	done := m.clone()
	di := done.indexByID(indexID)
	di.Status, di.Backfilling = StatusActive, false
	done.Rev++
	draw, err := done.marshal()
	if err != nil {
		return err
	}
	if err := db.setCatalog(tx, done.Name, draw); err != nil {
		return err
	}
	res.finished, res.name, res.meta, res.raw = true, done.Name, done, draw
	return tx.Delete(rk)
}

// chunkBytes bounds the bytes of items one backfill chunk reads (and so
// about the bytes of entries it writes): backfillChunkBytes, or less on an
// engine whose transactions carry fewer bytes.
func (db *DB) chunkBytes() int {
	if l, ok := db.eng.(storage.Limits); ok {
		if _, maxBytes := l.TxnLimits(); maxBytes > 0 {
			return max(1, min(backfillChunkBytes, maxBytes/4))
		}
	}
	return backfillChunkBytes
}

// catalogEntry reads a table's catalog entry in tx (nil when there is no
// such table), parsing it only when the cache does not hold these bytes.
// The entry returned must not be modified.
func (db *DB) catalogEntry(tx storage.ReadTx, name string) (*Meta, []byte, error) {
	raw, err := tx.Get(catalogKey(name))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if ts := db.lookup(name); ts != nil && bytes.Equal(ts.raw, raw) {
		return ts.meta, ts.raw, nil
	}
	m, err := unmarshalMeta(raw)
	if err != nil {
		return nil, nil, err
	}
	return m, bytes.Clone(raw), nil
}

// dropIndexes deletes the entries of every deleted index.
func (db *DB) dropIndexes() {
	work, err := db.listIndexWork(prefixDroppedIndex)
	if err != nil {
		db.log.Warn("listing deleted indexes", "err", err)
		return
	}
	for _, w := range work {
		if db.stopped() {
			return
		}
		if err := db.dropIndexData(w[0], uint32(w[1])); err != nil {
			db.log.Warn("deleting entries of deleted index", "table_id", w[0], "index_id", w[1], "err", err)
		}
	}
}

// dropIndexData deletes the entries of one deleted index, chunk by chunk,
// then its record.
func (db *DB) dropIndexData(tableID uint64, indexID uint32) error {
	lo, hi := keycodec.IndexBounds(tableID, indexID)
	mk := indexWorkKey(prefixDroppedIndex, tableID, indexID)
	chunk := db.batch(dropChunk, 2)
	for {
		if db.stopped() {
			return nil
		}
		var n int
		var last []byte
		err := db.eng.Update(context.Background(), func(tx storage.Tx) error {
			var err error
			if n, last, err = deleteChunk(tx, lo, hi, chunk); err != nil {
				return err
			}
			if n < chunk {
				return tx.Delete(mk)
			}
			return nil
		})
		if err != nil || n < chunk {
			return err
		}
		lo = keycodec.Successor(last)
	}
}

// applyIndexChange writes, in the transaction of a catalog change from
// prev to m, what the change means for the indexes: a backfill record for
// each new global index, a deletion record for each deleted one.
func (db *DB) applyIndexChange(tx storage.Tx, prev, m *Meta) (changed bool, err error) {
	for i := range m.GSIs {
		g := &m.GSIs[i]
		if prev.indexByID(g.ID) != nil {
			continue
		}
		raw, err := json.Marshal(&backfillRecord{Table: m.Name})
		if err != nil {
			return false, err
		}
		if err := tx.Set(indexWorkKey(prefixBackfill, m.ID, g.ID), raw); err != nil {
			return false, err
		}
		changed = true
	}
	for i := range prev.GSIs {
		g := &prev.GSIs[i]
		if m.indexByID(g.ID) != nil {
			continue
		}
		if err := tx.Delete(indexWorkKey(prefixBackfill, m.ID, g.ID)); err != nil {
			return false, err
		}
		if err := tx.Set(indexWorkKey(prefixDroppedIndex, m.ID, g.ID), nil); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}

// countIndex establishes an index's statistics by scanning it, adding the
// result to whatever deltas writes have recorded meanwhile.
func (db *DB) countIndex(m *Meta, idx *IndexMeta) {
	lo, hi := keycodec.IndexBounds(m.ID, idx.ID)
	var n, size int64
	err := db.eng.View(context.Background(), func(tx storage.ReadTx) error {
		n, size = 0, 0
		return tx.Scan(lo, hi, false, func(_, v []byte) (bool, error) {
			if db.stopped() {
				return false, errStopped
			}
			n++
			if it, err := decodeItem(v); err == nil {
				size += int64(it.Size() + indexEntryOverhead)
			}
			return true, nil
		})
	})
	if err != nil {
		if !errors.Is(err, errStopped) {
			db.log.Warn("counting index entries", "table", m.Name, "index", idx.Name, "err", err)
		}
		return
	}
	st := db.indexStatsFor(m.ID, idx.ID)
	st.items.Add(n)
	st.bytes.Add(size)
}

// recordIndexWrites updates the indexes' statistics after a committed
// write (a write to an index being backfilled is left out: the index is
// counted when it is complete).
func (db *DB) recordIndexWrites(res *writeResult) {
	m := res.meta
	if res.checkOnly || (len(m.LSIs) == 0 && len(m.GSIs) == 0) {
		return
	}
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		if idx.Status == StatusCreating {
			return nil
		}
		var dn, dbytes int64
		if inIndex(idx, res.old) {
			dn--
			dbytes -= int64(entrySize(m, idx, res.old, res.oldSize) + indexEntryOverhead)
		}
		if inIndex(idx, res.new) {
			dn++
			dbytes += int64(entrySize(m, idx, res.new, res.newSize) + indexEntryOverhead)
		}
		if dn != 0 || dbytes != 0 {
			st := db.indexStatsFor(m.ID, idx.ID)
			st.items.Add(dn)
			st.bytes.Add(dbytes)
		}
		return nil
	})
}

// indexCounts returns an index's ItemCount and IndexSizeBytes.
func (db *DB) indexCounts(tableID uint64, idx *IndexMeta) (items, size int64) {
	if idx.Status == StatusCreating {
		return 0, 0
	}
	st, ok := db.ix.stats.Load(indexStatsKey{tableID, idx.ID})
	if !ok {
		return 0, 0
	}
	s := st.(*indexStats)
	return max(s.items.Load(), 0), max(s.bytes.Load(), 0)
}
