package table

import (
	"context"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/wire"
)

// Query reads the items of one partition key of a table or index, in
// sort-key order, one page at a time.
//
// Checks run in DynamoDB's order: the expressions (or legacy parameters)
// before the table is looked up; then the index, the ExclusiveStartKey
// interleaved with the key condition's checks against the key schema, the
// start key's bounds, the key attributes used in the projection and the
// filter, and Select.
func (db *DB) Query(ctx context.Context, in *wire.QueryInput) (*wire.QueryOutput, error) {
	p, err := expr.NewParams(in.ExpressionAttributeNames, ddb.Item(in.ExpressionAttributeValues))
	if err != nil {
		return nil, err
	}
	var kce *expr.KeyConditionExpr
	if in.KeyConditionExpression != nil {
		if kce, err = expr.ParseKeyConditionExpression(*in.KeyConditionExpression, p); err != nil {
			return nil, err
		}
	}
	var filter *expr.Condition
	var fi *filterInfo
	if in.FilterExpression != nil {
		if filter, err = expr.ParseFilter(*in.FilterExpression, p); err != nil {
			return nil, err
		}
		fi = filterExprInfo(filter)
	}
	var proj *expr.Projection
	if in.ProjectionExpression != nil {
		if proj, err = expr.ParseProjection(*in.ProjectionExpression, p); err != nil {
			return nil, err
		}
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	if in.QueryFilter != nil || in.ConditionalOperator != nil {
		if filter, err = expr.FromConditions(conditionsOf(in.QueryFilter), wire.Deref(in.ConditionalOperator)); err != nil {
			return nil, err
		}
		fi = legacyFilterInfo(in.QueryFilter)
	}
	if in.KeyConditions != nil {
		if kce, err = expr.FromKeyConditions(conditionsOf(in.KeyConditions)); err != nil {
			return nil, err
		}
	}
	if in.AttributesToGet != nil {
		if proj, err = expr.FromAttributesToGet(in.AttributesToGet); err != nil {
			return nil, err
		}
	}

	src, consistent, err := db.openSource(in.TableName, in.IndexName, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	m := src.meta

	// The start key's shape and partition key, then the key condition,
	// then the start key's sort key: the order DynamoDB reports them in.
	esk := ddb.Item(in.ExclusiveStartKey)
	if esk != nil && len(esk) != len(src.startKey) {
		return nil, errStartKeyInvalid
	}
	if esk != nil {
		if err := checkStartKeyAttr(esk, src.key.Hash, true, errStartKeyInvalid); err != nil {
			return nil, err
		}
	}
	if kce == nil {
		return nil, ddb.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	kc, err := kce.ForKey(src.key)
	if err != nil {
		return nil, err
	}
	if err := checkKeyConditionValues(kc, src.key); err != nil {
		return nil, err
	}
	if esk != nil {
		if src.key.HasRange() {
			if err := checkStartKeyAttr(esk, src.key.Range, false, errStartKeyInvalid); err != nil {
				return nil, err
			}
		}
		if src.index != nil {
			if err := checkTableStartKey(m, esk); err != nil {
				return nil, err
			}
		}
		if err := checkQueryStartKey(kc, esk); err != nil {
			return nil, err
		}
	}

	if err := checkKeyPaths(m, projectionNested(proj)); err != nil {
		return nil, err
	}
	if fi != nil {
		for _, ka := range []ddb.KeyAttr{src.key.Hash, src.key.Range} {
			if ka.Name != "" && fi.heads[ka.Name] {
				what := "Filter Expression"
				if fi.legacy {
					what = "QueryFilter"
				}
				return nil, ddb.Validation(what + " can only contain non-primary key attributes: Primary key attribute: " + ka.Name)
			}
		}
	}
	if fi != nil {
		if err := checkKeyPaths(m, fi.nested); err != nil {
			return nil, err
		}
	}
	if err := checkIndexFilter(src, fi); err != nil {
		return nil, err
	}
	sel, err := checkSelect(in.Select, proj, in.AttributesToGet != nil, src)
	if err != nil {
		return nil, err
	}
	if err := checkGSIProjection(src, proj); err != nil {
		return nil, err
	}

	lo, hi := queryBounds(src, kc)
	reverse := in.ScanIndexForward != nil && !*in.ScanIndexForward
	if esk != nil {
		at := src.storageKey(esk)
		if reverse {
			hi = minKey(hi, at)
		} else {
			lo = maxKey(lo, keycodec.Successor(at))
		}
	}
	pg, err := db.readPage(ctx, src, lo, hi, readOpts{
		filter:    filter,
		proj:      proj,
		count:     sel == selectCount,
		limit:     limitOf(in.Limit),
		reverse:   reverse,
		fetchBase: needsBase(src, sel, proj),
	})
	if err != nil {
		return nil, err
	}
	return pageOutput(pg, in.ReturnConsumedCapacity, src, consistent), nil
}

// checkKeyConditionValues rejects key values no item can have: empty
// strings and binaries, and sort-key values over the size limit.
func checkKeyConditionValues(kc *expr.KeyCondition, key ddb.KeySchema) error {
	empty := func(v ddb.AttributeValue, name string) error {
		if (v.Type == ddb.TypeS && v.S == "") || (v.Type == ddb.TypeB && len(v.B) == 0) {
			return ddb.Validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyKind(v.Type), name)
		}
		return nil
	}
	if err := empty(kc.HashValue, kc.HashName); err != nil {
		return err
	}
	for _, v := range kc.RangeValues {
		if err := empty(v, kc.RangeName); err != nil {
			return err
		}
		if (v.Type == ddb.TypeS && len(v.S) > maxRangeKeyBytes) || (v.Type == ddb.TypeB && len(v.B) > maxRangeKeyBytes) {
			return ddb.Validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
		}
	}
	return nil
}

// checkQueryStartKey checks that an ExclusiveStartKey lies within the
// query's key condition.
func checkQueryStartKey(kc *expr.KeyCondition, esk ddb.Item) error {
	sameHash := ddb.Equal(esk[kc.HashName], kc.HashValue)
	if kc.RangeName == "" {
		if !sameHash {
			return ddb.Validation("The provided starting key is outside query boundaries based on provided conditions")
		}
		return nil
	}
	if !kc.MatchRange(esk[kc.RangeName]) {
		return ddb.Validation("The provided starting key does not match the range key predicate")
	}
	if !sameHash {
		return ddb.Validation("The query can return at most one row and cannot be restarted")
	}
	return nil
}

var sortOps = map[string]keycodec.SortOp{
	expr.RangeEQ: keycodec.SortEQ, expr.RangeLT: keycodec.SortLT, expr.RangeLE: keycodec.SortLE,
	expr.RangeGT: keycodec.SortGT, expr.RangeGE: keycodec.SortGE, expr.RangeBetween: keycodec.SortBetween,
	expr.RangeBeginsWith: keycodec.SortBeginsWith,
}

// queryBounds returns the range of the entries the key condition selects.
func queryBounds(src *readSource, kc *expr.KeyCondition) (lo, hi []byte) {
	if kc.RangeName == "" {
		return keycodec.PartitionBounds(src.meta.ID, src.id, kc.HashValue)
	}
	var a, b ddb.AttributeValue
	a = kc.RangeValues[0]
	if len(kc.RangeValues) > 1 {
		b = kc.RangeValues[1]
	}
	return keycodec.SortKeyBounds(src.meta.ID, src.id, kc.HashValue, sortOps[kc.RangeOp], a, b)
}
