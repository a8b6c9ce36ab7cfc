package table

import (
	"context"
	"errors"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// Transactions.
//
// A TransactWriteItems request runs in one storage transaction: every
// action's item is read, its condition evaluated and its new item written
// through applyWrite, the path single-item writes take, and the commit
// makes all of it visible at once or none of it. TransactGetItems reads its
// items from one snapshot (storage View). Both are therefore serializable
// with every other operation, as DynamoDB's transactions are.
//
// Conflicts. DynamoDB runs a transaction as a protocol over many storage
// nodes, and an operation that meets a transaction in progress on the same
// item is rejected: TransactionConflictException for a single-item write,
// a TransactionConflict cancellation reason for a transaction. Here a
// transaction is never "in progress" where another operation could see or
// touch it: it is one storage transaction, and the engines serialize
// overlapping ones (Pebble runs writers one at a time; the memory engine
// validates optimistically and finally runs the writer alone). An operation
// that would have conflicted in DynamoDB waits its turn instead (for as long
// as the storage transaction ahead of it runs, well under a millisecond even
// for 100 items) and then sees the transaction either whole or not at all;
// DynamoDB allows that outcome (a conflict is something that may happen, not
// something that must). A conflict is reported only when the storage
// engine gives up on serializing (storage.ErrConflict, which engines that
// validate optimistically across nodes may return): TransactWriteItems and
// TransactGetItems then answer TransactionCanceledException with
// TransactionConflict for every action (the engine does not say which key
// conflicted), single-item writes TransactionConflictException
// (mapStorageError), and BatchWriteItem hands its writes back unprocessed.
// The one request that is refused for running concurrently is a repeat of a
// ClientRequestToken still in flight (TransactionInProgressException, see
// idempotency.go).

// Limits of TransactWriteItems.
const (
	maxTransactBytes = 4 << 20
	// msgTransactTooLarge: DynamoDB documents the limit but not the
	// wording of its error; this wording is unverified.
	msgTransactTooLarge = "Transaction failed: The total size of all items in the transaction request cannot exceed 4 MB"
)

// txWrite is one action of a TransactWriteItems request, checked and
// parsed before any table is looked up.
type txWrite struct {
	kind  string // Put, Update, Delete or ConditionCheck
	table string
	item  ddb.Item // Put: the item; the others: the key
	ex    *exprs
	rvOld bool // ReturnValuesOnConditionCheckFailure=ALL_OLD
}

func newTxWrite(ti *wire.TransactWriteItem) (txWrite, int, error) {
	var (
		a   txWrite
		in  exprInput
		rv  *string
		err error
	)
	switch {
	case ti.Put != nil:
		p := ti.Put
		a = txWrite{kind: "Put", table: wire.Deref(p.TableName), item: ddb.Item(p.Item)}
		in = exprInput{names: p.ExpressionAttributeNames, values: p.ExpressionAttributeValues, condition: p.ConditionExpression}
		rv = p.ReturnValuesOnConditionCheckFailure
	case ti.Update != nil:
		p := ti.Update
		a = txWrite{kind: "Update", table: wire.Deref(p.TableName), item: ddb.Item(p.Key)}
		in = exprInput{names: p.ExpressionAttributeNames, values: p.ExpressionAttributeValues, update: p.UpdateExpression, condition: p.ConditionExpression}
		rv = p.ReturnValuesOnConditionCheckFailure
	case ti.Delete != nil:
		p := ti.Delete
		a = txWrite{kind: "Delete", table: wire.Deref(p.TableName), item: ddb.Item(p.Key)}
		in = exprInput{names: p.ExpressionAttributeNames, values: p.ExpressionAttributeValues, condition: p.ConditionExpression}
		rv = p.ReturnValuesOnConditionCheckFailure
	default: // ConditionCheck (wire.Validate ensures exactly one action)
		p := ti.ConditionCheck
		a = txWrite{kind: "ConditionCheck", table: wire.Deref(p.TableName), item: ddb.Item(p.Key)}
		in = exprInput{names: p.ExpressionAttributeNames, values: p.ExpressionAttributeValues, condition: p.ConditionExpression}
		rv = p.ReturnValuesOnConditionCheckFailure
	}
	a.rvOld = wire.Deref(rv) == rvAllOld
	if a.ex, err = parseExprs(in); err != nil {
		return a, 0, err
	}
	size := a.item.Size()
	if a.kind == "Put" && size > MaxItemBytes {
		return a, 0, ddb.Validation(msgItemTooLarge)
	}
	return a, size, nil
}

// plan prepares the action for table m. topErr fails the whole request (a
// ValidationException); actionErr cancels the transaction with this
// action's ValidationError reason.
func (a *txWrite) plan(m *Meta) (plan *writePlan, pk ddb.AttributeValue, topErr, actionErr error) {
	if err := topLevelKeyError(m, a.item); err != nil {
		return nil, pk, err, nil
	}
	pk = a.item[m.Key.Hash.Name]
	var key []byte
	var err error
	if a.kind == "Put" {
		key, err = itemKeyOf(m, a.item)
	} else {
		key, err = keyOf(m, a.item)
	}
	if err != nil {
		return nil, pk, nil, err
	}
	switch a.kind {
	case "Put":
		plan = putPlan(key, a.item, a.ex.cond, a.rvOld)
	case "Update":
		if plan, err = updatePlan(m, key, a.item, a.ex.update, a.ex.cond, a.rvOld); err != nil {
			return nil, pk, nil, err
		}
	case "Delete":
		plan = deletePlan(key, a.ex.cond, a.rvOld)
	default: // ConditionCheck
		plan = conditionCheckPlan(key, a.ex.cond, a.rvOld)
	}
	return plan, pk, nil, nil
}

// TransactWriteItems runs up to 100 actions on distinct items, possibly in
// several tables, all or nothing.
func (db *DB) TransactWriteItems(ctx context.Context, in *wire.TransactWriteItemsInput) (*wire.TransactWriteItemsOutput, error) {
	// Request-level checks, before any table is looked up: expressions
	// (syntax, names and values used), item sizes.
	acts := make([]txWrite, len(in.TransactItems))
	total := 0
	for i := range in.TransactItems {
		a, size, err := newTxWrite(&in.TransactItems[i])
		if err != nil {
			return nil, err
		}
		acts[i] = a
		total += size
	}
	if total > maxTransactBytes {
		return nil, ddb.Validation(msgTransactTooLarge)
	}
	names := make([]string, 0, len(acts))
	for _, a := range acts {
		names = append(names, a.table)
	}

	token := wire.Deref(in.ClientRequestToken)
	var hash []byte
	if token != "" {
		end, err := db.beginToken(token)
		if err != nil {
			return nil, err
		}
		defer end()
		hash = requestHash(in.TransactItems)
	}

	for attempt := 0; ; attempt++ {
		writes, err := db.prepareTxWrites(acts)
		if err != nil {
			return nil, err
		}
		var before, after func(storage.Tx) error
		if token != "" {
			now := db.cfg.Now()
			before = func(tx storage.Tx) error { return checkToken(tx, token, hash, now) }
			after = func(tx storage.Tx) error {
				rec := &tokenRecord{Hash: hash, Expires: now.Add(tokenTTL).UnixNano(), Replay: replayCapacity(writes)}
				return putToken(tx, token, rec)
			}
		}
		err = db.runWrites(ctx, writes, before, after)
		var replay *errTokenReplay
		switch {
		case err == nil:
		case errors.As(err, &replay):
			return &wire.TransactWriteItemsOutput{
				ConsumedCapacity: transactCapacity(in.ReturnConsumedCapacity, replay.rec.Replay, false),
			}, nil
		case errors.Is(err, errWritesFailed):
			reasons := make([]ddb.CancellationReason, len(writes))
			for i := range writes {
				if writes[i].err == nil {
					continue
				}
				r, ok := reasonOf(writes[i].err)
				if !ok {
					return nil, writes[i].err
				}
				reasons[i] = r
			}
			return nil, transactionCanceled(reasons)
		case errors.Is(err, errCatalogChanged) && attempt < maxPrepareAttempts:
			if err := db.refreshTables(ctx, names); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, storage.ErrConflict):
			return nil, conflictCanceled(len(acts))
		default:
			return nil, mapStorageError(err)
		}

		var tally capacityTally
		for i := range writes {
			w := &writes[i]
			db.recordWrite(w.ts.meta.ID, &w.res)
			tally.addWrite(&w.res, 2)
		}
		out := &wire.TransactWriteItemsOutput{ConsumedCapacity: transactCapacity(in.ReturnConsumedCapacity, tally.list(), true)}
		if wire.Deref(in.ReturnItemCollectionMetrics) == "SIZE" {
			if out.ItemCollectionMetrics, err = db.collectionMetrics(ctx, writes); err != nil {
				return nil, err
			}
		}
		if token != "" {
			db.maybeSweepTokens()
		}
		return out, nil
	}
}

// prepareTxWrites looks up every action's table and prepares its write.
// A missing table, a bad key value or a repeated item fails the request;
// actions that cannot run on their table cancel the transaction.
func (db *DB) prepareTxWrites(acts []txWrite) ([]multiWrite, error) {
	writes := make([]multiWrite, len(acts))
	for i := range acts {
		ts, err := db.activeTable(acts[i].table)
		if err != nil {
			return nil, err
		}
		writes[i].ts = ts
	}
	var reasons []ddb.CancellationReason
	for i := range acts {
		plan, pk, topErr, actionErr := acts[i].plan(writes[i].ts.meta)
		if topErr != nil {
			return nil, topErr
		}
		if actionErr != nil {
			r, ok := reasonOf(actionErr)
			if !ok {
				return nil, actionErr
			}
			if reasons == nil {
				reasons = make([]ddb.CancellationReason, len(acts))
			}
			reasons[i] = r
			continue
		}
		writes[i].plan, writes[i].pk = plan, pk
	}
	if reasons != nil {
		return nil, transactionCanceled(reasons)
	}
	seen := make(map[string]bool, len(writes))
	for i := range writes {
		k := string(writes[i].plan.key)
		if seen[k] {
			return nil, ddb.Validation(msgMultipleOperations)
		}
		seen[k] = true
	}
	return writes, nil
}

// replayCapacity is what a repeat of a committed tokened transaction
// consumes: DynamoDB answers it as a transactional read of the items (two
// strongly consistent read units per 4 KB, rounded up per item), computed
// from their sizes after the commit.
func replayCapacity(writes []multiWrite) []tableCapacity {
	var tally capacityTally
	for i := range writes {
		tally.add(writes[i].ts.meta.Name, 2*readUnits(writes[i].res.newSize, true))
	}
	return tally.list()
}

// txGet is one Get of a TransactGetItems request.
type txGet struct {
	table string
	key   ddb.Item
	proj  *expr.Projection
}

// TransactGetItems reads up to 100 items, possibly from several tables,
// from one consistent snapshot.
func (db *DB) TransactGetItems(ctx context.Context, in *wire.TransactGetItemsInput) (*wire.TransactGetItemsOutput, error) {
	gets := make([]txGet, len(in.TransactItems))
	names := make([]string, len(gets))
	for i, ti := range in.TransactItems {
		g := ti.Get
		ex, err := parseExprs(exprInput{names: g.ExpressionAttributeNames, projection: g.ProjectionExpression})
		if err != nil {
			return nil, err
		}
		gets[i] = txGet{table: wire.Deref(g.TableName), key: ddb.Item(g.Key), proj: ex.proj}
		names[i] = gets[i].table
	}
	for attempt := 0; ; attempt++ {
		tables := make([]*tableState, len(gets))
		for i := range gets {
			ts, err := db.activeTable(gets[i].table)
			if err != nil {
				return nil, err
			}
			tables[i] = ts
		}
		keys := make([][]byte, len(gets))
		var reasons []ddb.CancellationReason
		for i := range gets {
			m := tables[i].meta
			if err := topLevelKeyError(m, gets[i].key); err != nil {
				return nil, err
			}
			k, err := keyOf(m, gets[i].key)
			if err != nil {
				r, ok := reasonOf(err)
				if !ok {
					return nil, err
				}
				if reasons == nil {
					reasons = make([]ddb.CancellationReason, len(gets))
				}
				reasons[i] = r
				continue
			}
			keys[i] = k
		}
		if reasons != nil {
			return nil, transactionCanceled(reasons)
		}
		seen := make(map[string]bool, len(keys))
		for _, k := range keys {
			if seen[string(k)] {
				return nil, ddb.Validation(msgMultipleOperations)
			}
			seen[string(k)] = true
		}

		items := make([]ddb.Item, len(gets))
		err := db.eng.View(ctx, func(tx storage.ReadTx) error {
			var checked []*tableState
			for i := range gets {
				if !containsTable(checked, tables[i]) {
					if err := db.checkTable(tx, tables[i]); err != nil {
						return err
					}
					checked = append(checked, tables[i])
				}
				it, err := getItem(tx, keys[i])
				if err != nil {
					return err
				}
				items[i] = it
			}
			return nil
		})
		if errors.Is(err, errCatalogChanged) && attempt < maxPrepareAttempts {
			if err := db.refreshTables(ctx, names); err != nil {
				return nil, err
			}
			continue
		}
		if errors.Is(err, storage.ErrConflict) {
			return nil, conflictCanceled(len(gets))
		}
		if err != nil {
			return nil, mapStorageError(err)
		}

		out := &wire.TransactGetItemsOutput{Responses: make([]wire.ItemResponse, len(gets))}
		var tally capacityTally
		for i, it := range items {
			size := 0
			if it != nil {
				size = it.Size()
				if gets[i].proj != nil {
					it = gets[i].proj.Apply(it)
				}
				out.Responses[i].Item = wire.Item(it)
			}
			tally.add(tables[i].meta.Name, 2*readUnits(size, true))
		}
		out.ConsumedCapacity = transactCapacity(in.ReturnConsumedCapacity, tally.list(), false)
		return out, nil
	}
}
