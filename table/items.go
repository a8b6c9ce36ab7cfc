package table

import (
	"context"
	"errors"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// Return value options.
const (
	rvAllOld     = "ALL_OLD"
	rvUpdatedOld = "UPDATED_OLD"
	rvAllNew     = "ALL_NEW"
	rvUpdatedNew = "UPDATED_NEW"
)

// exprs holds the parsed expressions of one item request.
type exprs struct {
	cond   *expr.Condition
	update *expr.Update
	proj   *expr.Projection
}

// parseExprs parses a request's expressions (or translates its legacy
// parameters) in DynamoDB's order: update, condition, projection; then
// reports unused names and values. It runs before the table is looked up,
// as DynamoDB's own checks do.
type exprInput struct {
	names        map[string]string
	values       wire.Item
	update       *string
	condition    *string
	projection   *string
	expected     map[string]wire.ExpectedAttributeValue
	condOperator *string
	attrUpdates  map[string]wire.AttributeValueUpdate
	attrsToGet   []string
}

func parseExprs(in exprInput) (*exprs, error) {
	if in.names == nil && in.values == nil && in.update == nil && in.condition == nil && in.projection == nil &&
		in.expected == nil && in.condOperator == nil && in.attrUpdates == nil && in.attrsToGet == nil {
		return new(exprs), nil // a plain GetItem, PutItem or DeleteItem
	}
	var out exprs
	p, err := expr.NewParams(in.names, ddb.Item(in.values))
	if err != nil {
		return nil, err
	}
	if in.update != nil {
		if out.update, err = expr.ParseUpdate(*in.update, p); err != nil {
			return nil, err
		}
	}
	if in.condition != nil {
		if out.cond, err = expr.ParseCondition(*in.condition, p); err != nil {
			return nil, err
		}
	}
	if in.projection != nil {
		if out.proj, err = expr.ParseProjection(*in.projection, p); err != nil {
			return nil, err
		}
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	if in.expected != nil || in.condOperator != nil {
		if out.cond, err = expr.FromExpected(expectedOf(in.expected), wire.Deref(in.condOperator)); err != nil {
			return nil, err
		}
	}
	if in.attrUpdates != nil {
		if out.update, err = expr.FromAttributeUpdates(attrUpdatesOf(in.attrUpdates)); err != nil {
			return nil, err
		}
	}
	if in.attrsToGet != nil {
		if out.proj, err = expr.FromAttributesToGet(in.attrsToGet); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func valuesOf(vs []wire.Value) []ddb.AttributeValue {
	if vs == nil {
		return nil
	}
	out := make([]ddb.AttributeValue, len(vs))
	for i, v := range vs {
		out[i] = ddb.AttributeValue(v)
	}
	return out
}

func expectedOf(in map[string]wire.ExpectedAttributeValue) map[string]expr.ExpectedAttributeValue {
	out := make(map[string]expr.ExpectedAttributeValue, len(in))
	for k, e := range in {
		out[k] = expr.ExpectedAttributeValue{
			Value:              (*ddb.AttributeValue)(e.Value),
			Exists:             e.Exists,
			ComparisonOperator: wire.Deref(e.ComparisonOperator),
			AttributeValueList: valuesOf(e.AttributeValueList),
		}
	}
	return out
}

func attrUpdatesOf(in map[string]wire.AttributeValueUpdate) map[string]expr.AttributeValueUpdate {
	out := make(map[string]expr.AttributeValueUpdate, len(in))
	for k, u := range in {
		action := wire.Deref(u.Action)
		if action == "" {
			action = "PUT"
		}
		out[k] = expr.AttributeValueUpdate{Action: action, Value: (*ddb.AttributeValue)(u.Value)}
	}
	return out
}

// PutItem writes a whole item.
func (db *DB) PutItem(ctx context.Context, in *wire.PutItemInput) (*wire.PutItemOutput, error) {
	rv := wire.Deref(in.ReturnValues) // NONE or ALL_OLD (checked by wire)
	ex, err := parseExprs(exprInput{
		names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		condition: in.ConditionExpression, expected: in.Expected, condOperator: in.ConditionalOperator,
	})
	if err != nil {
		return nil, err
	}
	item := ddb.Item(in.Item)
	rvOld := wire.Deref(in.ReturnValuesOnConditionCheckFailure) == rvAllOld
	res, err := db.writeItem(ctx, wire.Deref(in.TableName), func(m *Meta) (*writePlan, error) {
		key, err := itemKeyOf(m, item)
		if err != nil {
			return nil, err
		}
		if item.Size() > MaxItemBytes {
			return nil, ddb.Validation(msgItemTooLarge)
		}
		return putPlan(key, item, ex.cond, rvOld), nil
	})
	if err != nil {
		return nil, err
	}
	out := &wire.PutItemOutput{ConsumedCapacity: writeCapacity(in.ReturnConsumedCapacity, res)}
	if out.ItemCollectionMetrics, err = db.itemCollectionMetrics(ctx, in.ReturnItemCollectionMetrics, res.meta, item[res.meta.Key.Hash.Name]); err != nil {
		return nil, err
	}
	if rv == rvAllOld && res.old != nil {
		out.Attributes = wire.Item(res.old)
	}
	return out, nil
}

// GetItem reads one item.
func (db *DB) GetItem(ctx context.Context, in *wire.GetItemInput) (*wire.GetItemOutput, error) {
	ex, err := parseExprs(exprInput{
		names: in.ExpressionAttributeNames, projection: in.ProjectionExpression, attrsToGet: in.AttributesToGet,
	})
	if err != nil {
		return nil, err
	}
	ts, err := db.activeTable(wire.Deref(in.TableName))
	if err != nil {
		return nil, err
	}
	key, err := keyOf(ts.meta, ddb.Item(in.Key))
	if err != nil {
		return nil, err
	}
	// One key on its own: the engine's point read. Without a projection
	// the item is sent as stored (wire.EncodedItem), never decoded.
	raw, err := storage.GetOne(ctx, db.eng, key)
	if errors.Is(err, storage.ErrNotFound) {
		raw, err = nil, nil
	}
	if err != nil {
		return nil, mapStorageError(err)
	}
	consistent := wire.Deref(in.ConsistentRead)
	out := &wire.GetItemOutput{}
	size := 0
	if raw != nil {
		if size, err = itemcodec.Size(raw); err != nil {
			db.log.Error("corrupt item in GetItem", "table", ts.meta.Name, "err", err)
			return nil, mapStorageError(err)
		}
		if ex.proj == nil {
			out.EncodedItem = raw
		} else {
			item, err := decodeItem(raw)
			if err != nil {
				return nil, mapStorageError(err)
			}
			out.Item = wire.Item(ex.proj.Apply(item))
		}
	}
	out.ConsumedCapacity = consumed(in.ReturnConsumedCapacity, ts.meta.Name, readUnits(size, consistent))
	return out, nil
}

// UpdateItem changes (or creates) one item.
func (db *DB) UpdateItem(ctx context.Context, in *wire.UpdateItemInput) (*wire.UpdateItemOutput, error) {
	ex, err := parseExprs(exprInput{
		names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		update: in.UpdateExpression, condition: in.ConditionExpression,
		expected: in.Expected, condOperator: in.ConditionalOperator, attrUpdates: in.AttributeUpdates,
	})
	if err != nil {
		return nil, err
	}
	rv := wire.Deref(in.ReturnValues)
	keyItem := ddb.Item(in.Key)
	var paths []expr.Path
	if ex.update != nil {
		paths = ex.update.Paths()
	}
	rvOld := wire.Deref(in.ReturnValuesOnConditionCheckFailure) == rvAllOld
	res, err := db.writeItem(ctx, wire.Deref(in.TableName), func(m *Meta) (*writePlan, error) {
		key, err := keyOf(m, keyItem)
		if err != nil {
			return nil, err
		}
		return updatePlan(m, key, keyItem, ex.update, ex.cond, rvOld)
	})
	if err != nil {
		return nil, err
	}
	out := &wire.UpdateItemOutput{ConsumedCapacity: writeCapacity(in.ReturnConsumedCapacity, res)}
	if out.ItemCollectionMetrics, err = db.itemCollectionMetrics(ctx, in.ReturnItemCollectionMetrics, res.meta, keyItem[res.meta.Key.Hash.Name]); err != nil {
		return nil, err
	}
	var attrs ddb.Item
	switch rv {
	case rvAllOld:
		attrs = res.old
	case rvAllNew:
		attrs = res.new
	case rvUpdatedOld:
		if res.old != nil {
			attrs = expr.ProjectPaths(res.old, paths)
		}
	case rvUpdatedNew:
		attrs = expr.ProjectPaths(res.new, paths)
	}
	if len(attrs) > 0 {
		out.Attributes = wire.Item(attrs)
	}
	return out, nil
}

// DeleteItem deletes one item.
func (db *DB) DeleteItem(ctx context.Context, in *wire.DeleteItemInput) (*wire.DeleteItemOutput, error) {
	rv := wire.Deref(in.ReturnValues) // NONE or ALL_OLD (checked by wire)
	ex, err := parseExprs(exprInput{
		names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		condition: in.ConditionExpression, expected: in.Expected, condOperator: in.ConditionalOperator,
	})
	if err != nil {
		return nil, err
	}
	keyItem := ddb.Item(in.Key)
	rvOld := wire.Deref(in.ReturnValuesOnConditionCheckFailure) == rvAllOld
	res, err := db.writeItem(ctx, wire.Deref(in.TableName), func(m *Meta) (*writePlan, error) {
		key, err := keyOf(m, keyItem)
		if err != nil {
			return nil, err
		}
		return deletePlan(key, ex.cond, rvOld), nil
	})
	if err != nil {
		return nil, err
	}
	out := &wire.DeleteItemOutput{ConsumedCapacity: writeCapacity(in.ReturnConsumedCapacity, res)}
	if out.ItemCollectionMetrics, err = db.itemCollectionMetrics(ctx, in.ReturnItemCollectionMetrics, res.meta, keyItem[res.meta.Key.Hash.Name]); err != nil {
		return nil, err
	}
	if rv == rvAllOld && res.old != nil {
		out.Attributes = wire.Item(res.old)
	}
	return out, nil
}
