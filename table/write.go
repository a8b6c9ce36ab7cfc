package table

import (
	"context"
	"errors"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/storage"
)

// writePlan is a single-item write prepared outside its transaction, for
// one version of the table's catalog entry.
type writePlan struct {
	key  []byte          // storage key of the item
	cond *expr.Condition // nil: unconditional
	// next computes the new item from the current one (nil when absent);
	// returning nil deletes the item. A nil next makes the plan a pure
	// condition check (TransactWriteItems' ConditionCheck): nothing is
	// written.
	next func(old ddb.Item) (ddb.Item, error)
	// returnOldOnFail attaches the current item to ConditionalCheckFailedException
	// (ReturnValuesOnConditionCheckFailure=ALL_OLD).
	returnOldOnFail bool
	// sizeError is the message for a new item over the size limit.
	sizeError string
}

// writeResult is what a committed single-item write did.
type writeResult struct {
	meta             *Meta
	old, new         ddb.Item
	oldSize, newSize int
	checkOnly        bool // a condition check: new is old, nothing was written
}

const (
	msgItemTooLarge       = "Item size has exceeded the maximum allowed size"
	msgUpdateItemTooLarge = "Item size to update has exceeded the maximum allowed size"
	msgKeyAttrNotUpdated  = "One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key"
)

// maxPrepareAttempts bounds how often an operation re-prepares because the
// table changed under it (a table recreated with another schema, say).
const maxPrepareAttempts = 5

// writeItem prepares and runs one single-item write on table name. prepare
// is called with the current catalog entry and may be called again if the
// catalog changes while the write runs.
func (db *DB) writeItem(ctx context.Context, name string, prepare func(m *Meta) (*writePlan, error)) (*writeResult, error) {
	for attempt := 0; ; attempt++ {
		ts, err := db.activeTable(name)
		if err != nil {
			return nil, err
		}
		plan, err := prepare(ts.meta)
		if err != nil {
			return nil, err
		}
		var res writeResult
		err = db.updateItems(ctx, func(tx storage.Tx) error {
			res = writeResult{meta: ts.meta}
			if err := db.checkTable(tx, ts); err != nil {
				return err
			}
			return db.applyWrite(tx, plan, &res)
		})
		if errors.Is(err, errCatalogChanged) && attempt < maxPrepareAttempts {
			if err := db.refresh(ctx, name); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, mapStorageError(err)
		}
		db.recordWrite(ts.meta.ID, &res)
		return &res, nil
	}
}

// applyWrite runs one prepared write inside tx: it reads the current item,
// evaluates the condition, computes the new item and stores it (or deletes
// the item). The caller has verified the item's table in tx with
// checkTable, and sets res.meta.
//
// applyWrite is the one path every item write takes: PutItem, UpdateItem
// and DeleteItem (writeItem, one write per transaction), BatchWriteItem and
// TransactWriteItems (runWrites, several writes in one transaction).
// Whatever must change together with an item (index entries, stream
// records) belongs here, so that it commits with the item in every case.
//
// An error that is a *ddb.Error (the condition failed, the new item is
// invalid) leaves tx untouched by this write; the multi-item callers rely
// on that to go on with the other writes and report every failure.
func (db *DB) applyWrite(tx storage.Tx, plan *writePlan, res *writeResult) error {
	old, err := getItem(tx, plan.key)
	if err != nil {
		return err
	}
	if plan.cond != nil {
		ok, err := plan.cond.Eval(old)
		if err != nil {
			return err
		}
		if !ok {
			var item ddb.Item
			if plan.returnOldOnFail {
				item = old
			}
			return ddb.ConditionalCheckFailed(item)
		}
	}
	res.old = old
	if old != nil {
		res.oldSize = old.Size()
	}
	if plan.next == nil { // condition check only
		res.new, res.newSize = old, res.oldSize
		res.checkOnly = true
		return nil
	}
	next, err := plan.next(old)
	if err != nil {
		return err
	}
	if next == nil {
		if old == nil {
			return nil
		}
		if err := tx.Delete(plan.key); err != nil {
			return err
		}
		return db.afterWrite(tx, res.meta, old, nil)
	}
	res.new = next
	res.newSize = next.Size()
	if res.newSize > MaxItemBytes {
		return ddb.Validation(plan.sizeError)
	}
	if err := tx.Set(plan.key, itemcodec.Append(nil, next)); err != nil {
		return err
	}
	return db.afterWrite(tx, res.meta, old, next)
}

// afterWrite writes, in the item's own transaction, everything else one
// item change implies: the entries of the table's secondary indexes, its
// expiry-index entry (ttl.go) and the table's stream record. old is nil for an insert, next nil for a
// delete. Every writing operation (single items, batches, transactions,
// TTL deletions) reaches the store through applyWrite and so through here.
func (db *DB) afterWrite(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	if err := db.writeIndexEntries(tx, m, old, next); err != nil {
		return err
	}
	if err := db.writeExpiryEntry(tx, m, old, next); err != nil {
		return err
	}
	return db.writeStreamRecord(tx, m, old, next)
}

// recordWrite updates the table's approximate statistics after a commit.
func (db *DB) recordWrite(tableID uint64, res *writeResult) {
	db.recordIndexWrites(res)
	st := db.statsFor(tableID)
	if st == nil || res.checkOnly {
		return
	}
	var dn int64
	if res.old == nil && res.new != nil {
		dn = 1
	} else if res.old != nil && res.new == nil {
		dn = -1
	}
	if dn != 0 {
		st.items.Add(dn)
	}
	if d := int64(res.newSize - res.oldSize); d != 0 {
		st.bytes.Add(d)
	}
}

// getItem reads and decodes the item at key; nil when absent.
func getItem(tx storage.ReadTx, key []byte) (ddb.Item, error) {
	raw, err := tx.Get(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeItem(raw)
}

func decodeItem(raw []byte) (ddb.Item, error) { return itemcodec.Decode(raw) }

// activeTable returns the cached catalog entry of a table that item
// operations may use, or ResourceNotFoundException.
func (db *DB) activeTable(name string) (*tableState, error) {
	ts := db.lookup(name)
	if ts == nil || ts.meta.Status == StatusCreating || ts.meta.Status == StatusDeleting {
		return nil, ddb.ResourceNotFound()
	}
	return ts, nil
}

// mapStorageError turns engine errors into DynamoDB's answers: a
// transaction that kept conflicting is reported as DynamoDB reports
// contention; ddb errors pass through; anything else is a bug or an I/O
// failure and becomes InternalServerError (logged by the api layer).
func mapStorageError(err error) error {
	var de *ddb.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, storage.ErrConflict) {
		return ddb.Errorf(ddb.ErrTransactionConflict, "Transaction is ongoing for the item")
	}
	return err
}

// Plans of the four kinds of single-item write. Every operation that
// writes items (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// TransactWriteItems) builds its plans with these, from a storage key its
// caller validated with the caller's own wording.

// putPlan replaces the item at key with item.
func putPlan(key []byte, item ddb.Item, cond *expr.Condition, returnOldOnFail bool) *writePlan {
	return &writePlan{
		key:             key,
		cond:            cond,
		next:            func(ddb.Item) (ddb.Item, error) { return item, nil },
		returnOldOnFail: returnOldOnFail,
		sizeError:       msgItemTooLarge,
	}
}

// updatePlan applies u to the item at key (to keyItem when there is none).
// It refuses updates of key attributes, as DynamoDB does.
func updatePlan(m *Meta, key []byte, keyItem ddb.Item, u *expr.Update, cond *expr.Condition, returnOldOnFail bool) (*writePlan, error) {
	if u != nil {
		for _, p := range u.Paths() {
			if len(p) > 0 && !p[0].IsIndex && m.Key.IsKeyAttr(p[0].Name) {
				return nil, ddb.Validationf(msgKeyAttrNotUpdated, p[0].Name)
			}
		}
	}
	return &writePlan{
		key:  key,
		cond: cond,
		next: func(old ddb.Item) (ddb.Item, error) {
			base := old
			if base == nil {
				base = keyItem
			}
			if u == nil {
				return base, nil
			}
			next, err := u.Apply(base)
			if err != nil {
				return nil, err
			}
			if err := checkIndexKeys(m, next, true); err != nil {
				return nil, err
			}
			return next, nil
		},
		returnOldOnFail: returnOldOnFail,
		sizeError:       msgUpdateItemTooLarge,
	}, nil
}

// deletePlan deletes the item at key.
func deletePlan(key []byte, cond *expr.Condition, returnOldOnFail bool) *writePlan {
	return &writePlan{
		key:             key,
		cond:            cond,
		next:            func(ddb.Item) (ddb.Item, error) { return nil, nil },
		returnOldOnFail: returnOldOnFail,
	}
}

// conditionCheckPlan only evaluates cond on the item at key.
func conditionCheckPlan(key []byte, cond *expr.Condition, returnOldOnFail bool) *writePlan {
	return &writePlan{key: key, cond: cond, returnOldOnFail: returnOldOnFail}
}
