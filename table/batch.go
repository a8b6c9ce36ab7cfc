package table

import (
	"context"
	"errors"
	"sort"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// Batch operations.
//
// BatchWriteItem applies its puts and deletes in one storage transaction,
// through applyWrite like every write: DynamoDB promises only that each
// write is atomic, and one commit (one fsync on Pebble) for the whole batch
// is both that and cheaper. BatchGetItem reads every key from one snapshot.
// Neither is throttled, so UnprocessedItems is always empty, and
// UnprocessedKeys holds only the keys beyond the response size limit.

const (
	// maxBatchGetBytes is how much item data one BatchGetItem returns.
	// DynamoDB documents 16 MB, with the example that 100 items of 300 KB
	// come back as 52 (52 x 307,200 bytes fits in 16,000,000; 53 does not).
	maxBatchGetBytes = 16_000_000

	msgBatchDuplicates = "Provided list of item keys contains duplicates"
)

func sortedTableNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// BatchWriteItem puts and deletes up to 25 items in one or more tables.
func (db *DB) BatchWriteItem(ctx context.Context, in *wire.BatchWriteItemInput) (*wire.BatchWriteItemOutput, error) {
	names := sortedTableNames(in.RequestItems)
	// An item over the size limit is refused before any table is looked up.
	for _, t := range names {
		for _, w := range in.RequestItems[t] {
			if w.PutRequest != nil && ddb.Item(w.PutRequest.Item).Size() > MaxItemBytes {
				return nil, ddb.Validation(msgItemTooLarge)
			}
		}
	}
	for attempt := 0; ; attempt++ {
		writes, err := db.prepareBatchWrites(names, in.RequestItems)
		if err != nil {
			return nil, err
		}
		err = db.runWrites(ctx, writes, nil, nil)
		switch {
		case err == nil:
		case errors.Is(err, errWritesFailed):
			for i := range writes {
				if writes[i].err != nil {
					return nil, writes[i].err
				}
			}
			return nil, err
		case errors.Is(err, errCatalogChanged) && attempt < maxPrepareAttempts:
			if err := db.refreshTables(ctx, names); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, storage.ErrConflict):
			// The engine could not serialize the batch with concurrent
			// writes: nothing was written, and DynamoDB's answer for writes
			// it could not process is to hand them back.
			return &wire.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
		default:
			return nil, mapStorageError(err)
		}

		var tally capacityTally
		for i := range writes {
			w := &writes[i]
			db.recordWrite(w.ts.meta.ID, &w.res)
			tally.addWrite(&w.res, 1)
		}
		out := &wire.BatchWriteItemOutput{
			UnprocessedItems: map[string][]wire.WriteRequest{},
			ConsumedCapacity: batchCapacity(in.ReturnConsumedCapacity, tally.list()),
		}
		if wire.Deref(in.ReturnItemCollectionMetrics) == "SIZE" {
			if out.ItemCollectionMetrics, err = db.collectionMetrics(ctx, writes); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// prepareBatchWrites looks up the tables and prepares every write request,
// in table-name order.
func (db *DB) prepareBatchWrites(names []string, reqs map[string][]wire.WriteRequest) ([]multiWrite, error) {
	tables := make([]*tableState, len(names))
	n := 0
	for i, t := range names {
		ts, err := db.activeTable(t)
		if err != nil {
			return nil, err
		}
		tables[i] = ts
		n += len(reqs[t])
	}
	writes := make([]multiWrite, 0, n)
	for i, t := range names {
		m := tables[i].meta
		seen := make(map[string]bool, len(reqs[t]))
		for _, r := range reqs[t] {
			var (
				plan *writePlan
				item ddb.Item
			)
			if r.PutRequest != nil {
				item = ddb.Item(r.PutRequest.Item)
				key, err := batchItemKey(m, item)
				if err != nil {
					return nil, err
				}
				plan = putPlan(key, item, nil, false)
			} else {
				item = ddb.Item(r.DeleteRequest.Key)
				key, err := keyOf(m, item)
				if err != nil {
					return nil, err
				}
				plan = deletePlan(key, nil, false)
			}
			if seen[string(plan.key)] {
				return nil, ddb.Validation(msgBatchDuplicates)
			}
			seen[string(plan.key)] = true
			writes = append(writes, multiWrite{ts: tables[i], plan: plan, pk: item[m.Key.Hash.Name]})
		}
	}
	return writes, nil
}

// batchGetTable is the part of a BatchGetItem request for one table.
type batchGetTable struct {
	name       string
	req        wire.KeysAndAttributes
	proj       *expr.Projection
	consistent bool
	ts         *tableState
	keys       [][]byte
}

// BatchGetItem reads up to 100 items from one or more tables.
func (db *DB) BatchGetItem(ctx context.Context, in *wire.BatchGetItemInput) (*wire.BatchGetItemOutput, error) {
	names := sortedTableNames(in.RequestItems)
	// The legacy and the expression projection may not be mixed, even
	// across tables.
	var withExpr, withLegacy bool
	for _, t := range names {
		withExpr = withExpr || in.RequestItems[t].ProjectionExpression != nil
		withLegacy = withLegacy || in.RequestItems[t].AttributesToGet != nil
	}
	if withExpr && withLegacy {
		return nil, ddb.Validation("Can not use both expression and non-expression parameters in the same request: " +
			"Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	tables := make([]batchGetTable, len(names))
	for i, t := range names {
		req := in.RequestItems[t]
		ex, err := parseExprs(exprInput{names: req.ExpressionAttributeNames, projection: req.ProjectionExpression, attrsToGet: req.AttributesToGet})
		if err != nil {
			return nil, err
		}
		tables[i] = batchGetTable{name: t, req: req, proj: ex.proj, consistent: wire.Deref(req.ConsistentRead)}
	}
	for attempt := 0; ; attempt++ {
		if err := db.prepareBatchGet(tables); err != nil {
			return nil, err
		}
		items := make([][]ddb.Item, len(tables))
		sizes := make([][]int, len(tables))
		done := make([]int, len(tables)) // keys read, per table; the rest are unprocessed
		err := db.eng.View(ctx, func(tx storage.ReadTx) error {
			for i := range tables {
				if err := db.checkTable(tx, tables[i].ts); err != nil {
					return err
				}
			}
			total := 0
			for i := range tables {
				items[i] = make([]ddb.Item, 0, len(tables[i].keys))
				sizes[i] = make([]int, 0, len(tables[i].keys))
				done[i] = 0
			}
			for i := range tables {
				for _, k := range tables[i].keys {
					it, err := getItem(tx, k)
					if err != nil {
						return err
					}
					size := 0
					if it != nil {
						size = it.Size()
						if total+size > maxBatchGetBytes {
							return nil
						}
						total += size
					}
					items[i] = append(items[i], it)
					sizes[i] = append(sizes[i], size)
					done[i]++
				}
			}
			return nil
		})
		if errors.Is(err, errCatalogChanged) && attempt < maxPrepareAttempts {
			if err := db.refreshTables(ctx, names); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, mapStorageError(err)
		}

		out := &wire.BatchGetItemOutput{
			Responses:       make(map[string][]wire.Item, len(tables)),
			UnprocessedKeys: map[string]wire.KeysAndAttributes{},
		}
		var tally capacityTally
		for i := range tables {
			t := &tables[i]
			found := make([]wire.Item, 0, len(items[i]))
			for j, it := range items[i] {
				if it != nil {
					if t.proj != nil {
						it = t.proj.Apply(it)
					}
					found = append(found, wire.Item(it))
				}
				tally.add(t.name, readUnits(sizes[i][j], t.consistent))
			}
			out.Responses[t.name] = found
			if done[i] < len(t.keys) {
				rest := t.req
				rest.Keys = t.req.Keys[done[i]:]
				out.UnprocessedKeys[t.name] = rest
			}
		}
		out.ConsumedCapacity = batchCapacity(in.ReturnConsumedCapacity, tally.list())
		return out, nil
	}
}

// prepareBatchGet looks up the tables and computes the storage keys.
func (db *DB) prepareBatchGet(tables []batchGetTable) error {
	for i := range tables {
		ts, err := db.activeTable(tables[i].name)
		if err != nil {
			return err
		}
		tables[i].ts = ts
	}
	for i := range tables {
		t := &tables[i]
		t.keys = make([][]byte, len(t.req.Keys))
		seen := make(map[string]bool, len(t.req.Keys))
		for j, key := range t.req.Keys {
			k, err := keyOf(t.ts.meta, ddb.Item(key))
			if err != nil {
				return err
			}
			if seen[string(k)] {
				return ddb.Validation(msgBatchDuplicates)
			}
			seen[string(k)] = true
			t.keys[j] = k
		}
	}
	return nil
}
