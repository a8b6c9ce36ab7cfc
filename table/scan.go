package table

import (
	"context"
	"strconv"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/wire"
)

// Scan reads a whole table or index, or one segment of a parallel scan, in
// partition-key hash order, one page at a time.
func (db *DB) Scan(ctx context.Context, in *wire.ScanInput) (*wire.ScanOutput, error) {
	p, err := expr.NewParams(in.ExpressionAttributeNames, ddb.Item(in.ExpressionAttributeValues))
	if err != nil {
		return nil, err
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
	if in.ScanFilter != nil || in.ConditionalOperator != nil {
		if filter, err = expr.FromConditions(conditionsOf(in.ScanFilter), wire.Deref(in.ConditionalOperator)); err != nil {
			return nil, err
		}
		fi = nil // legacy filters name top-level attributes only
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

	esk := ddb.Item(in.ExclusiveStartKey)
	if esk != nil {
		if len(esk) != len(src.startKey) {
			if src.index != nil {
				return nil, errStartKeyInvalid
			}
			return nil, startKeyInvalid(errKeyMismatch.Message)
		}
		if src.index != nil {
			if err := checkStartKeyAttr(esk, src.key.Hash, true, errStartKeyInvalid); err != nil {
				return nil, err
			}
			if src.key.HasRange() {
				if err := checkStartKeyAttr(esk, src.key.Range, false, errStartKeyInvalid); err != nil {
					return nil, err
				}
			}
		}
	}
	sel, err := checkSelect(in.Select, proj, in.AttributesToGet != nil, src)
	if err != nil {
		return nil, err
	}
	if esk != nil {
		if err := checkTableStartKey(m, esk); err != nil {
			return nil, err
		}
	}

	lo, hi := src.bounds()
	if in.TotalSegments != nil {
		segment, total := int(wire.Deref(in.Segment)), int(*in.TotalSegments)
		hlo, hhi := keycodec.SegmentHashRange(segment, total)
		lo, hi = keycodec.HashRangeBounds(m.ID, src.id, hlo, hhi)
		if esk != nil {
			if h := uint64(keycodec.HashPK(esk[src.key.Hash.Name])); h < hlo || h >= hhi {
				return nil, startKeyInvalid("Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: " +
					strconv.Itoa(total) + " Segment: " + strconv.Itoa(segment))
			}
		}
	}
	if esk != nil {
		lo = maxKey(lo, keycodec.Successor(src.storageKey(esk)))
	}

	if err := checkKeyPaths(m, projectionNested(proj)); err != nil {
		return nil, err
	}
	if fi != nil {
		if err := checkKeyPaths(m, fi.nested); err != nil {
			return nil, err
		}
	}
	if err := checkGSIProjection(src, proj); err != nil {
		return nil, err
	}

	pg, err := db.readPage(ctx, src, lo, hi, readOpts{
		filter:    filter,
		proj:      proj,
		count:     sel == selectCount,
		limit:     limitOf(in.Limit),
		fetchBase: needsBase(src, sel, proj),
	})
	if err != nil {
		return nil, err
	}
	return (*wire.ScanOutput)(pageOutput(pg, in.ReturnConsumedCapacity, src, consistent)), nil
}
