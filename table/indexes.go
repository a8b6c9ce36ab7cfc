package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// Secondary indexes.
//
// An index entry is an ordinary key of the store, written in the same
// transaction as the item it belongs to (afterWrite), so an index never
// shows a state of an item that the table never had. Its key is
// keycodec.AppendIndexKey(table-id, index-id, index pk, index sk, table pk,
// table sk) — the table's partition key is left out for a local index,
// whose partition key is the table's — and its value is the item as the
// index projects it (the table's and the index's key attributes, plus the
// NonKeyAttributes of an INCLUDE projection, or everything for ALL), in
// itemcodec form.
//
// Indexes are sparse: an item is in an index only when it has every key
// attribute of the index with the declared type, not empty and within
// DynamoDB's key size limits. Writes refuse items that violate an index's
// key schema (checkIndexKeys), but items written before a global index was
// added may violate it; they are simply not in that index, as in DynamoDB.
//
// Tables with local secondary indexes also keep, per partition key, the
// size of the item collection (the partition's items plus their entries in
// the local indexes), under the pseudo index-id collectionIndexID, updated
// in the same transaction; a write that would take a collection past the
// limit fails with ItemCollectionSizeLimitExceededException.

const (
	// collectionIndexID is the index-id under which a table with local
	// secondary indexes keeps its item collection sizes: key
	// [0x02] table-id collectionIndexID hash(pk) enc(pk), value the size in
	// bytes (8 bytes, big-endian). Real index ids are allocated from 1 up
	// and never come near it; the ids at the top are reserved for such
	// pseudo indexes (ttlIndexID, the expiry index, is math.MaxUint32).
	collectionIndexID = math.MaxUint32 - 1

	// indexEntryOverhead is what DynamoDB adds to the size of every index
	// entry when it accounts for index storage (Developer Guide, "Storage
	// considerations for local secondary indexes": 100 bytes of overhead per
	// index item). It counts in IndexSizeBytes and in item collection
	// sizes.
	indexEntryOverhead = 100

	// DefaultItemCollectionLimit is DynamoDB's limit on the size of an item
	// collection of a table with local secondary indexes: 10 GB.
	DefaultItemCollectionLimit = 10 << 30

	msgCollectionSizeExceeded = "Collection size exceeded"
)

// forEachIndex calls fn for every secondary index of m that writes
// maintain: the local indexes, then the global ones (including one being
// backfilled).
func forEachIndex(m *Meta, fn func(idx *IndexMeta) error) error {
	for i := range m.LSIs {
		if err := fn(&m.LSIs[i]); err != nil {
			return err
		}
	}
	for i := range m.GSIs {
		if err := fn(&m.GSIs[i]); err != nil {
			return err
		}
	}
	return nil
}

// indexByID returns the secondary index with that index-id.
func (m *Meta) indexByID(id uint32) *IndexMeta {
	for i := range m.LSIs {
		if m.LSIs[i].ID == id {
			return &m.LSIs[i]
		}
	}
	for i := range m.GSIs {
		if m.GSIs[i].ID == id {
			return &m.GSIs[i]
		}
	}
	return nil
}

// indexKeyValue returns item's value of an index key attribute when the
// item can be indexed by it: present, of the declared type, not an empty
// string or binary, and within DynamoDB's key size limits (2048 bytes for
// a partition key, 1024 for a sort key).
func indexKeyValue(ka ddb.KeyAttr, item ddb.Item, isHash bool) (ddb.AttributeValue, bool) {
	v, ok := item[ka.Name]
	if !ok || v.Type != ka.Type {
		return v, false
	}
	var size int
	switch v.Type {
	case ddb.TypeS:
		size = len(v.S)
	case ddb.TypeB:
		size = len(v.B)
	default:
		return v, true
	}
	if size == 0 || (isHash && size > maxHashKeyBytes) || (!isHash && size > maxRangeKeyBytes) {
		return v, false
	}
	return v, true
}

// inIndex reports whether item (nil: absent) has an entry in idx.
func inIndex(idx *IndexMeta, item ddb.Item) bool {
	if item == nil {
		return false
	}
	if _, ok := indexKeyValue(idx.Key.Hash, item, true); !ok {
		return false
	}
	if idx.Key.HasRange() {
		if _, ok := indexKeyValue(idx.Key.Range, item, false); !ok {
			return false
		}
	}
	return true
}

// entryKey returns the store key of item's entry in idx, or nil when the
// item is not in the index.
func entryKey(m *Meta, idx *IndexMeta, item ddb.Item) []byte {
	if !inIndex(idx, item) {
		return nil
	}
	var isk, tpk ddb.AttributeValue
	if idx.Key.HasRange() {
		isk = item[idx.Key.Range.Name]
	}
	if idx.Global {
		tpk = item[m.Key.Hash.Name]
	}
	return keycodec.AppendIndexKey(nil, m.ID, idx.ID, item[idx.Key.Hash.Name], isk, tpk, rangeValue(item, m.Key))
}

// projectEntry returns item as idx holds it: everything for an ALL
// projection, else the table's and the index's key attributes and, for
// INCLUDE, the NonKeyAttributes the item has.
func projectEntry(m *Meta, idx *IndexMeta, item ddb.Item) ddb.Item {
	if idx.Projection.Type == ddb.ProjectAll {
		return item
	}
	out := make(ddb.Item, 4+len(idx.Projection.NonKeyAttributes))
	for _, ka := range [...]ddb.KeyAttr{m.Key.Hash, m.Key.Range, idx.Key.Hash, idx.Key.Range} {
		if v, ok := item[ka.Name]; ok && ka.Name != "" {
			out[ka.Name] = v
		}
	}
	if idx.Projection.Type == ddb.ProjectInclude {
		for _, a := range idx.Projection.NonKeyAttributes {
			if v, ok := item[a]; ok {
				out[a] = v
			}
		}
	}
	return out
}

// entrySize is the size (DynamoDB's item size rules) of item's entry in
// idx, without building it; itemSize is item.Size() for an ALL
// projection. The item must be in the index.
func entrySize(m *Meta, idx *IndexMeta, item ddb.Item, itemSize int) int {
	if idx.Projection.Type == ddb.ProjectAll {
		return itemSize
	}
	var seen [4]string
	n, size := 0, 0
	add := func(name string) {
		if name == "" {
			return
		}
		for _, s := range seen[:n] {
			if s == name {
				return
			}
		}
		if v, ok := item[name]; ok {
			size += len(name) + v.Size()
		}
		if n < len(seen) {
			seen[n] = name
			n++
		}
	}
	add(m.Key.Hash.Name)
	add(m.Key.Range.Name)
	add(idx.Key.Hash.Name)
	add(idx.Key.Range.Name)
	if idx.Projection.Type == ddb.ProjectInclude {
		for _, a := range idx.Projection.NonKeyAttributes {
			if m.Key.IsKeyAttr(a) || idx.Key.IsKeyAttr(a) {
				continue
			}
			if v, ok := item[a]; ok {
				size += len(a) + v.Size()
			}
		}
	}
	return size
}

// sameEntry reports whether idx's view of an item is the same before and
// after a write that kept its index key: the entry need not be rewritten.
func sameEntry(idx *IndexMeta, old, next ddb.Item) bool {
	switch idx.Projection.Type {
	case ddb.ProjectKeysOnly:
		return true
	case ddb.ProjectInclude:
		for _, a := range idx.Projection.NonKeyAttributes {
			ov, ook := old[a]
			nv, nok := next[a]
			if ook != nok || (ook && !ddb.Equal(ov, nv)) {
				return false
			}
		}
		return true
	}
	return ddb.ItemsEqual(old, next)
}

// writeIndexEntries keeps the table's secondary indexes in step with one
// item change (see afterWrite): it deletes the entry the old item had when
// the new one has another key or none, and writes the new entry unless it
// is unchanged. For a table with local secondary indexes it first updates
// the item collection's size, refusing a write that takes the collection
// past the limit.
func (db *DB) writeIndexEntries(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	if len(m.LSIs) == 0 && len(m.GSIs) == 0 {
		return nil
	}
	if len(m.LSIs) > 0 {
		if err := db.addCollectionSize(tx, m, old, next); err != nil {
			return err
		}
	}
	var buf []byte
	return forEachIndex(m, func(idx *IndexMeta) error {
		ok := entryKey(m, idx, old)
		nk := entryKey(m, idx, next)
		same := ok != nil && nk != nil && bytes.Equal(ok, nk)
		if ok != nil && !same {
			if err := tx.Delete(ok); err != nil {
				return err
			}
		}
		if nk == nil || (same && sameEntry(idx, old, next)) {
			return nil
		}
		buf = itemcodec.Append(buf[:0], projectEntry(m, idx, next))
		return tx.Set(nk, buf)
	})
}

// collectionKey is the key of the size counter of the item collection pk.
func collectionKey(m *Meta, pk ddb.AttributeValue) []byte {
	return keycodec.AppendPartitionPrefix(nil, m.ID, collectionIndexID, pk)
}

// collectionShare is what one item (nil: absent) contributes to its item
// collection: its size and the sizes of its entries in the local indexes.
func collectionShare(m *Meta, item ddb.Item) int64 {
	if item == nil {
		return 0
	}
	size := item.Size()
	n := int64(size)
	for i := range m.LSIs {
		if idx := &m.LSIs[i]; inIndex(idx, item) {
			n += int64(entrySize(m, idx, item, size) + indexEntryOverhead)
		}
	}
	return n
}

// addCollectionSize updates the size of the item collection an item
// change belongs to. Growing a collection past the limit is refused;
// writes that shrink it always pass.
func (db *DB) addCollectionSize(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	delta := collectionShare(m, next) - collectionShare(m, old)
	if delta == 0 {
		return nil
	}
	item := next
	if item == nil {
		item = old
	}
	key := collectionKey(m, item[m.Key.Hash.Name])
	cur, err := readCollectionSize(tx, key)
	if err != nil {
		return err
	}
	size := cur + delta
	if delta > 0 && size > db.collectionLimit() {
		return ddb.Errorf(ddb.ErrItemCollectionSizeLimit, msgCollectionSizeExceeded)
	}
	if size <= 0 {
		return tx.Delete(key)
	}
	return tx.Set(key, binary.BigEndian.AppendUint64(nil, uint64(size)))
}

// readCollectionSize reads an item collection's size counter (0 when
// absent).
func readCollectionSize(tx storage.ReadTx, key []byte) (int64, error) {
	v, err := tx.Get(key)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, errors.New("corrupt item collection size")
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// collectionLimit is the item collection size limit in bytes.
func (db *DB) collectionLimit() int64 {
	if db.cfg.ItemCollectionLimit > 0 {
		return db.cfg.ItemCollectionLimit
	}
	return DefaultItemCollectionLimit
}
