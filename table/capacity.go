package table

import "github.com/dynago/dynago/wire"

// Capacity units by DynamoDB's rules: a write unit covers 1 KB of item, a
// strongly consistent read unit 4 KB (an eventually consistent read costs
// half), each rounded up, and every request costs at least one unit (or
// half a unit for an eventually consistent read).

func writeUnits(size int) float64 {
	return float64(max(1, (size+1023)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := float64(max(1, (size+4095)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// writeCapacity is the capacity a single-item write consumed: the larger of
// the item's size before and after.
func writeCapacity(mode *string, res *writeResult) *wire.ConsumedCapacity {
	return consumed(mode, res.meta.Name, writeUnits(max(res.oldSize, res.newSize)))
}

// consumed renders consumed capacity for ReturnConsumedCapacity mode (nil
// for NONE or absent).
func consumed(mode *string, table string, units float64) *wire.ConsumedCapacity {
	switch wire.Deref(mode) {
	case "TOTAL":
		return &wire.ConsumedCapacity{TableName: table, CapacityUnits: units}
	case "INDEXES":
		return &wire.ConsumedCapacity{TableName: table, CapacityUnits: units, Table: &wire.Capacity{CapacityUnits: units}}
	}
	return nil
}
