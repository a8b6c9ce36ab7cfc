package table

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// multiWrite is one write of a BatchWriteItem or TransactWriteItems
// request, prepared for its table.
type multiWrite struct {
	ts   *tableState
	plan *writePlan
	pk   ddb.AttributeValue // partition key value (for item collection metrics)
	res  writeResult
	err  *ddb.Error // why this write failed (condition, validation); nil if it succeeded
}

// errWritesFailed is returned by runWrites when a write failed with a
// *ddb.Error (see multiWrite.err); nothing was committed.
var errWritesFailed = errors.New("a write of the request failed")

// runWrites applies prepared writes, possibly to several tables, in one
// storage transaction, each through applyWrite (the path single-item writes
// take). Each table is checked once with checkTable. A write that fails with
// a *ddb.Error is recorded in its err and the later writes still run, so
// that a transaction can report every failure; then nothing is committed
// and runWrites returns errWritesFailed. before and after, when not nil,
// run in the same transaction before the first and after the last write.
//
// The engine may run the transaction more than once; each run starts from
// fresh results.
func (db *DB) runWrites(ctx context.Context, writes []multiWrite, before, after func(tx storage.Tx) error) error {
	return db.updateItems(ctx, func(tx storage.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		var checked []*tableState
		failed := false
		for i := range writes {
			w := &writes[i]
			if !containsTable(checked, w.ts) {
				if err := db.checkTable(tx, w.ts); err != nil {
					return err
				}
				checked = append(checked, w.ts)
			}
			w.res = writeResult{meta: w.ts.meta}
			w.err = nil
			if err := db.applyWrite(tx, w.plan, &w.res); err != nil {
				var de *ddb.Error
				if !errors.As(err, &de) {
					return err
				}
				w.err = de
				failed = true
			}
		}
		if failed {
			return errWritesFailed
		}
		if after != nil {
			return after(tx)
		}
		return nil
	})
}

func containsTable(list []*tableState, ts *tableState) bool {
	for _, t := range list {
		if t == ts {
			return true
		}
	}
	return false
}

// refreshTables reloads the catalog entries of the named tables (after
// errCatalogChanged); names may repeat.
func (db *DB) refreshTables(ctx context.Context, names []string) error {
	done := make(map[string]bool, len(names))
	for _, n := range names {
		if done[n] {
			continue
		}
		done[n] = true
		if err := db.refresh(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Cancellation reasons of TransactionCanceledException, as DynamoDB words
// them.
const (
	reasonNone                            = "None"
	reasonConditionalCheckFailed          = "ConditionalCheckFailed"
	reasonValidationError                 = "ValidationError"
	reasonTransactionConflict             = "TransactionConflict"
	reasonItemCollectionSizeLimitExceeded = "ItemCollectionSizeLimitExceeded"

	msgConditionalCheckFailed = "The conditional request failed"
	msgTransactionConflict    = "Transaction is ongoing for the item"
	msgMultipleOperations     = "Transaction request cannot include multiple operations on one item"
)

// reasonOf turns the error of one action into its cancellation reason;
// ok is false for an error that is not about the action (it fails the
// whole request as it is).
func reasonOf(err error) (r ddb.CancellationReason, ok bool) {
	var de *ddb.Error
	if !errors.As(err, &de) {
		return r, false
	}
	switch de.Type {
	case ddb.ErrConditionalCheckFailed:
		return ddb.CancellationReason{Code: reasonConditionalCheckFailed, Message: msgConditionalCheckFailed, Item: de.Item}, true
	case ddb.ErrValidation:
		return ddb.CancellationReason{Code: reasonValidationError, Message: de.Message}, true
	case ddb.ErrTransactionConflict:
		return ddb.CancellationReason{Code: reasonTransactionConflict, Message: msgTransactionConflict}, true
	case ddb.ErrItemCollectionSizeLimit:
		return ddb.CancellationReason{Code: reasonItemCollectionSizeLimitExceeded, Message: de.Message}, true
	}
	return r, false
}

// transactionCanceled is TransactionCanceledException with its reasons, in
// request order; an action without a reason is "None".
func transactionCanceled(reasons []ddb.CancellationReason) *ddb.Error {
	codes := make([]string, len(reasons))
	for i := range reasons {
		if reasons[i].Code == "" {
			reasons[i].Code = reasonNone
		}
		codes[i] = reasons[i].Code
	}
	return &ddb.Error{
		Type:                ddb.ErrTransactionCanceled,
		Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		CancellationReasons: reasons,
	}
}

// conflictCanceled answers a transaction that the storage engine could not
// serialize with concurrent ones (storage.ErrConflict). The engine does not
// say which key conflicted, so every action carries TransactionConflict.
func conflictCanceled(n int) *ddb.Error {
	reasons := make([]ddb.CancellationReason, n)
	for i := range reasons {
		reasons[i] = ddb.CancellationReason{Code: reasonTransactionConflict, Message: msgTransactionConflict}
	}
	return transactionCanceled(reasons)
}

// topLevelKeyError reports the problems with an item's (or key's) key
// values that DynamoDB rejects before it runs a batch or a transaction,
// whatever the action: an empty string or binary key value, a key value
// over its size limit. Missing key attributes and wrong types are left to
// keyOf and itemKeyOf (in a transaction they cancel the one action).
func topLevelKeyError(m *Meta, item ddb.Item) error {
	check := func(ka ddb.KeyAttr, isHash bool) error {
		if v, ok := item[ka.Name]; ok && v.Type == ka.Type {
			_, err := keyValue(ka, item, true, isHash)
			return err
		}
		return nil
	}
	if err := check(m.Key.Hash, true); err != nil {
		return err
	}
	if m.Key.HasRange() {
		return check(m.Key.Range, false)
	}
	return nil
}

// batchItemKey validates the key attributes of a BatchWriteItem put and
// returns its storage key. Unlike PutItem, a missing key attribute or one
// of the wrong type is "The provided key element does not match the
// schema".
func batchItemKey(m *Meta, item ddb.Item) ([]byte, error) {
	pk, sk, err := keyValues(m.Key, item, false)
	if err != nil {
		return nil, err
	}
	if err := checkIndexKeyTypes(m, item); err != nil {
		return nil, err
	}
	return keycodec.AppendItemKey(nil, m.ID, 0, pk, sk), nil
}

// capacityTally sums capacity units per table, in the order the tables
// were first seen, and the units of each table's secondary indexes.
type capacityTally struct {
	tables []string
	units  map[string]float64
	gsis   map[string]map[string]float64 // table -> index -> units
	lsis   map[string]map[string]float64
}

func (c *capacityTally) add(table string, units float64) {
	if c.units == nil {
		c.units = make(map[string]float64)
	}
	if _, ok := c.units[table]; !ok {
		c.tables = append(c.tables, table)
	}
	c.units[table] += units
}

// addWrite adds a committed write: the table's write units and those of
// the secondary indexes it changed (see indexWriteUnits), each times
// factor (2 in a transaction).
func (c *capacityTally) addWrite(res *writeResult, factor float64) {
	m := res.meta
	c.add(m.Name, factor*writeUnits(max(res.oldSize, res.newSize)))
	if res.checkOnly {
		return
	}
	add := func(into *map[string]map[string]float64, idx *IndexMeta) {
		u := indexWriteUnits(m, idx, res.old, res.new)
		if u == 0 {
			return
		}
		c.units[m.Name] += factor * u
		if *into == nil {
			*into = make(map[string]map[string]float64)
		}
		if (*into)[m.Name] == nil {
			(*into)[m.Name] = make(map[string]float64)
		}
		(*into)[m.Name][idx.Name] += factor * u
	}
	for i := range m.GSIs {
		add(&c.gsis, &m.GSIs[i])
	}
	for i := range m.LSIs {
		add(&c.lsis, &m.LSIs[i])
	}
}

// list returns the tally as tableCapacity entries.
func (c *capacityTally) list() []tableCapacity {
	out := make([]tableCapacity, len(c.tables))
	for i, t := range c.tables {
		out[i] = tableCapacity{Table: t, Units: c.units[t], GSIs: c.gsis[t], LSIs: c.lsis[t]}
	}
	return out
}

// indexesOut renders per-index units; w selects write units for a
// transaction's breakdown (r read units), neither for a batch.
func indexesOut(units map[string]float64, r, w bool) map[string]wire.Capacity {
	if len(units) == 0 {
		return nil
	}
	out := make(map[string]wire.Capacity, len(units))
	for name, u := range units {
		c := wire.Capacity{CapacityUnits: u}
		if w {
			c.WriteCapacityUnits = u
		} else if r {
			c.ReadCapacityUnits = u
		}
		out[name] = c
	}
	return out
}

// tableOnly is the units of c spent on the table itself.
func (c tableCapacity) tableOnly() float64 {
	u := c.Units
	for _, v := range c.GSIs {
		u -= v
	}
	for _, v := range c.LSIs {
		u -= v
	}
	return u
}

// batchCapacity renders the consumed capacity of a batch operation: per
// table, the total and (INDEXES) the table's and each index's share.
func batchCapacity(mode *string, caps []tableCapacity) []wire.ConsumedCapacity {
	var out []wire.ConsumedCapacity
	for _, c := range caps {
		if cc := consumed(mode, c.Table, c.Units); cc != nil {
			if cc.Table != nil {
				cc.Table.CapacityUnits = c.tableOnly()
				cc.GlobalSecondaryIndexes = indexesOut(c.GSIs, false, false)
				cc.LocalSecondaryIndexes = indexesOut(c.LSIs, false, false)
			}
			out = append(out, *cc)
		}
	}
	return out
}

// transactCapacity renders the consumed capacity of a transaction:
// DynamoDB reports transactional capacity split into read or write units
// at the top level, and (INDEXES) in the table and index breakdown.
func transactCapacity(mode *string, caps []tableCapacity, write bool) []wire.ConsumedCapacity {
	m := wire.Deref(mode)
	if m != "TOTAL" && m != "INDEXES" {
		return nil
	}
	out := make([]wire.ConsumedCapacity, 0, len(caps))
	for _, c := range caps {
		cc := wire.ConsumedCapacity{TableName: c.Table, CapacityUnits: c.Units}
		tu := c.tableOnly()
		t := wire.Capacity{CapacityUnits: tu}
		if write {
			cc.WriteCapacityUnits, t.WriteCapacityUnits = c.Units, tu
		} else {
			cc.ReadCapacityUnits, t.ReadCapacityUnits = c.Units, tu
		}
		if m == "INDEXES" {
			cc.Table = &t
			cc.GlobalSecondaryIndexes = indexesOut(c.GSIs, !write, write)
			cc.LocalSecondaryIndexes = indexesOut(c.LSIs, !write, write)
		}
		out = append(out, cc)
	}
	return out
}

// collectionMetrics returns the ItemCollectionMetrics of committed writes
// (ReturnItemCollectionMetrics=SIZE): one entry per partition key written,
// for the tables that have local secondary indexes (DynamoDB reports item
// collections only for those). The sizes are the collections' size
// counters (indexes.go), read after the commit.
func (db *DB) collectionMetrics(ctx context.Context, writes []multiWrite) (map[string][]wire.ItemCollectionMetrics, error) {
	type collection struct {
		m  *Meta
		pk ddb.AttributeValue
	}
	var cols []collection
	for i := range writes {
		w := &writes[i]
		if len(w.ts.meta.LSIs) == 0 || w.res.checkOnly {
			continue
		}
		dup := false
		for _, c := range cols {
			if c.m.ID == w.ts.meta.ID && ddb.Equal(c.pk, w.pk) {
				dup = true
				break
			}
		}
		if !dup {
			cols = append(cols, collection{w.ts.meta, w.pk})
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	sizes := make([]int64, len(cols))
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		for i, c := range cols {
			var err error
			if sizes[i], err = readCollectionSize(tx, collectionKey(c.m, c.pk)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	out := make(map[string][]wire.ItemCollectionMetrics)
	for i, c := range cols {
		out[c.m.Name] = append(out[c.m.Name], collectionMetric(c.m, c.pk, sizes[i]))
	}
	return out, nil
}

// collectionMetric renders one item collection's metrics:
// SizeEstimateRangeGB is the whole-gigabyte range its size falls in
// ([0, 1] for a collection under 1 GB).
func collectionMetric(m *Meta, pk ddb.AttributeValue, size int64) wire.ItemCollectionMetrics {
	lo := math.Floor(float64(size) / (1 << 30))
	return wire.ItemCollectionMetrics{
		ItemCollectionKey:   wire.Item{m.Key.Hash.Name: pk},
		SizeEstimateRangeGB: []float64{lo, lo + 1},
	}
}

// itemCollectionMetrics is the ItemCollectionMetrics of a committed
// single-item write to the collection pk (nil for a table without local
// secondary indexes).
func (db *DB) itemCollectionMetrics(ctx context.Context, mode *string, m *Meta, pk ddb.AttributeValue) (*wire.ItemCollectionMetrics, error) {
	if wire.Deref(mode) != "SIZE" || len(m.LSIs) == 0 {
		return nil, nil
	}
	var size int64
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		var err error
		size, err = readCollectionSize(tx, collectionKey(m, pk))
		return err
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	icm := collectionMetric(m, pk, size)
	return &icm, nil
}
