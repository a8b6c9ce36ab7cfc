package table

import (
	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/wire"
)

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

// writeCapacity is the capacity a single-item write consumed: for the table
// the larger of the item's size before and after, plus the writes to the
// secondary indexes the change touched (see indexWriteUnits).
func writeCapacity(mode *string, res *writeResult) *wire.ConsumedCapacity {
	switch wire.Deref(mode) {
	case "TOTAL", "INDEXES":
	default:
		return nil
	}
	tableUnits := writeUnits(max(res.oldSize, res.newSize))
	total := tableUnits
	var gsis, lsis map[string]wire.Capacity
	if !res.checkOnly {
		add := func(idx *IndexMeta, into *map[string]wire.Capacity) {
			u := indexWriteUnits(res.meta, idx, res.old, res.new)
			if u == 0 {
				return
			}
			total += u
			if *into == nil {
				*into = map[string]wire.Capacity{}
			}
			(*into)[idx.Name] = wire.Capacity{CapacityUnits: u}
		}
		for i := range res.meta.GSIs {
			add(&res.meta.GSIs[i], &gsis)
		}
		for i := range res.meta.LSIs {
			add(&res.meta.LSIs[i], &lsis)
		}
	}
	out := &wire.ConsumedCapacity{TableName: res.meta.Name, CapacityUnits: total}
	if wire.Deref(mode) == "INDEXES" {
		out.Table = &wire.Capacity{CapacityUnits: tableUnits}
		out.GlobalSecondaryIndexes = gsis
		out.LocalSecondaryIndexes = lsis
	}
	return out
}

// indexWriteUnits is what a write of an item from old to new (nil: absent)
// costs on one secondary index, as DynamoDB charges it: nothing when the
// index's view of the item did not change (the item is not in the index
// before or after, or its projected attributes are the same), one write to
// put or to delete an index entry, two (a delete and a put) when the index
// key changed. Each write is rounded up to 1 KB of the index entry.
func indexWriteUnits(m *Meta, idx *IndexMeta, old, new ddb.Item) float64 {
	oldEntry := indexEntry(m, idx, old)
	newEntry := indexEntry(m, idx, new)
	switch {
	case oldEntry == nil && newEntry == nil:
		return 0
	case oldEntry == nil:
		return writeUnits(newEntry.Size())
	case newEntry == nil:
		return writeUnits(oldEntry.Size())
	case !ddb.ItemsEqual(idx.Key.Project(oldEntry), idx.Key.Project(newEntry)):
		return writeUnits(oldEntry.Size()) + writeUnits(newEntry.Size())
	case ddb.ItemsEqual(oldEntry, newEntry):
		return 0
	}
	return writeUnits(max(oldEntry.Size(), newEntry.Size()))
}

// indexEntry is the item as idx stores it: nil when the item is absent or
// is not in the index (indexes are sparse, see inIndex), else its
// projection (projectEntry).
func indexEntry(m *Meta, idx *IndexMeta, item ddb.Item) ddb.Item {
	if !inIndex(idx, item) {
		return nil
	}
	return projectEntry(m, idx, item)
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
