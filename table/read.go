package table

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// The read path shared by Query and Scan.
//
// A Query or Scan reads one source: the base table (index-id 0) or a
// secondary index. Every source is one contiguous range of the store whose
// keys are hash(pk) enc(pk) enc(sk) [base-table key], so a Query is the
// sub-range of one partition (narrowed by the sort-key condition), a Scan
// the whole source or, for a parallel Scan segment, a hash range of it.
// Reading streams through that range in one storage View, keeping only the
// page being built: memory is bounded by the page (1 MB of items read plus
// the item that crossed the limit), never by the table.

// maxPageBytes is DynamoDB's page size: a Query or Scan stops once the items
// it has read (before any filter) add up to 1 MB. The item that reaches the
// limit is part of the page, and LastEvaluatedKey is its key.
const maxPageBytes = 1 << 20

// readSource is what a Query or Scan reads.
//
// Secondary-index entries (written by writeIndexEntries, indexes.go)
// follow the key layout of keycodec: the
// key is keycodec.AppendIndexKey(table-id, index-id, index pk, index sk,
// table pk (left out for an LSI), table sk) and the value is the projected
// item in itemcodec form (the table and index key attributes always
// included). Reading an index is then just reading another range.
type readSource struct {
	meta  *Meta
	index *IndexMeta    // nil: the base table
	id    uint32        // index-id in the key layout; 0 for the base table
	key   ddb.KeySchema // the key the source is ordered and queried by
	// startKey lists the attributes of an ExclusiveStartKey or
	// LastEvaluatedKey: the table's key, then the index's key attributes
	// that are not part of it.
	startKey []ddb.KeyAttr
}

func (s *readSource) global() bool { return s.index != nil && s.index.Global }

// openSource looks up the table a Query or Scan reads, resolves its
// IndexName and checks ConsistentRead against it.
func (db *DB) openSource(tableName, indexName *string, consistentRead *bool) (src *readSource, consistent bool, err error) {
	ts, err := db.activeTable(wire.Deref(tableName))
	if err != nil {
		return nil, false, err
	}
	if src, err = sourceFor(ts.meta, indexName); err != nil {
		return nil, false, err
	}
	consistent = wire.Deref(consistentRead)
	if consistent && src.global() {
		return nil, false, ddb.Validation("Consistent reads are not supported on global secondary indexes")
	}
	return src, consistent, nil
}

// pageOutput renders a page as a Query answer. A Scan answer has the same
// fields: (*wire.ScanOutput)(pageOutput(...)) converts it.
func pageOutput(pg *page, returnCapacity *string, src *readSource, consistent bool) *wire.QueryOutput {
	out := &wire.QueryOutput{
		Items:            pg.items,
		EncodedItems:     pg.raw,
		Count:            int32(pg.count),
		ScannedCount:     int32(pg.scanned),
		ConsumedCapacity: readCapacity(returnCapacity, src, pg, consistent),
	}
	if pg.last != nil {
		out.LastEvaluatedKey = wire.Item(pg.last)
	}
	return out
}

// sourceFor resolves a request's IndexName.
func sourceFor(m *Meta, indexName *string) (*readSource, error) {
	src := &readSource{meta: m, key: m.Key}
	src.startKey = append(src.startKey, m.Key.Hash)
	if m.Key.HasRange() {
		src.startKey = append(src.startKey, m.Key.Range)
	}
	if indexName == nil {
		return src, nil
	}
	idx, ok := m.index(*indexName)
	if !ok {
		return nil, ddb.Validation("The table does not have the specified index: " + *indexName)
	}
	if idx.Status == StatusCreating {
		return nil, ddb.Validation("Cannot read from backfilling global secondary index: " + idx.Name)
	}
	src.index, src.id, src.key = idx, idx.ID, idx.Key
	for _, ka := range []ddb.KeyAttr{idx.Key.Hash, idx.Key.Range} {
		if ka.Name != "" && !m.Key.IsKeyAttr(ka.Name) {
			src.startKey = append(src.startKey, ka)
		}
	}
	return src, nil
}

// bounds returns the range of the whole source.
func (s *readSource) bounds() (lo, hi []byte) {
	return keycodec.IndexBounds(s.meta.ID, s.id)
}

// storageKey returns the store key of the entry a (validated) start key
// names.
func (s *readSource) storageKey(k ddb.Item) []byte {
	tk := s.meta.Key
	if s.index == nil {
		return keycodec.AppendItemKey(nil, s.meta.ID, 0, k[tk.Hash.Name], rangeValue(k, tk))
	}
	tpk := k[tk.Hash.Name]
	if !s.index.Global {
		tpk = ddb.AttributeValue{} // an LSI's partition key is the table's
	}
	return keycodec.AppendIndexKey(nil, s.meta.ID, s.id, k[s.key.Hash.Name], rangeValue(k, s.key), tpk, rangeValue(k, tk))
}

func rangeValue(k ddb.Item, ks ddb.KeySchema) ddb.AttributeValue {
	if !ks.HasRange() {
		return ddb.AttributeValue{}
	}
	return k[ks.Range.Name]
}

// lastKey returns the LastEvaluatedKey naming item.
func (s *readSource) lastKey(item ddb.Item) ddb.Item {
	k := make(ddb.Item, len(s.startKey))
	for _, ka := range s.startKey {
		if v, ok := item[ka.Name]; ok {
			k[ka.Name] = v
		}
	}
	return k
}

// baseKey returns the store key of the base-table item an index entry
// belongs to.
func (s *readSource) baseKey(entryKey []byte) ([]byte, error) {
	tk := s.meta.Key
	tpkType := tk.Hash.Type
	if !s.index.Global {
		tpkType = ddb.TypeNone
	}
	ipk, _, tpk, tsk, err := keycodec.DecodeIndexKey(entryKey, s.key.Hash.Type, s.key.Range.Type, tpkType, tk.Range.Type)
	if err != nil {
		return nil, err
	}
	if !s.index.Global {
		tpk = ipk
	}
	return keycodec.AppendItemKey(nil, s.meta.ID, 0, tpk, tsk), nil
}

// readOpts says how to read one page.
type readOpts struct {
	filter  *expr.Condition  // nil: every item read is returned
	proj    *expr.Projection // nil: whole items (or index entries)
	count   bool             // Select COUNT: count, return no items
	limit   int              // items to evaluate; 0: no limit
	reverse bool
	// fetchBase reads each index entry's base-table item and returns that
	// (Select ALL_ATTRIBUTES on an LSI that does not project everything).
	fetchBase bool
}

// page is one Query or Scan page.
type page struct {
	items []wire.Item
	// raw holds the items in their stored encoding instead of items when
	// the page returns them as stored (no filter, no projection, no base
	// fetch): they are sent as JSON straight from that encoding, and only
	// the last item read is ever decoded (for LastEvaluatedKey).
	raw            []wire.EncodedItem
	count, scanned int
	readBytes      int // size of the items (or index entries) read
	// baseBytes is the size of the base-table items fetched for index
	// entries, each rounded up to 4 KB: DynamoDB charges every fetch as a
	// read of its own, and counts it so against the 1 MB page (Developer
	// Guide, "Provisioned throughput considerations for local secondary
	// indexes").
	baseBytes int
	last      ddb.Item
}

// readPage reads one page of src in [lo, hi).
func (db *DB) readPage(ctx context.Context, src *readSource, lo, hi []byte, o readOpts) (*page, error) {
	asStored := o.filter == nil && o.proj == nil && !o.fetchBase
	var p *page
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		p = &page{}
		switch {
		case o.count:
		case asStored:
			p.raw = []wire.EncodedItem{}
		default:
			p.items = []wire.Item{}
		}
		if len(hi) > 0 && bytes.Compare(lo, hi) >= 0 {
			return nil
		}
		if asStored {
			var arena []byte // backs p.raw: v is valid only during the call
			return tx.Scan(lo, hi, o.reverse, func(k, v []byte) (bool, error) {
				size, err := itemcodec.Size(v)
				if err != nil {
					return false, err
				}
				p.scanned++
				p.count++
				p.readBytes += size
				if !o.count {
					if cap(arena)-len(arena) < len(v) { // 4 KB, doubling up to 256 KB
						arena = make([]byte, 0, max(len(v), min(256<<10, max(4<<10, 2*cap(arena)))))
					}
					start := len(arena)
					arena = append(arena, v...)
					p.raw = append(p.raw, wire.EncodedItem(arena[start:len(arena):len(arena)]))
				}
				if (o.limit > 0 && p.scanned >= o.limit) || p.readBytes >= maxPageBytes {
					item, err := decodeItem(v)
					if err != nil {
						return false, err
					}
					p.last = src.lastKey(item)
					return false, nil
				}
				return true, nil
			})
		}
		return tx.Scan(lo, hi, o.reverse, func(k, v []byte) (bool, error) {
			item, err := decodeItem(v)
			if err != nil {
				return false, err
			}
			p.scanned++
			p.readBytes += item.Size()
			out := item
			if o.fetchBase {
				bk, err := src.baseKey(k)
				if err != nil {
					return false, err
				}
				base, err := getItem(tx, bk)
				if err != nil {
					return false, err
				}
				if base != nil {
					out = base
					p.baseBytes += (base.Size() + 4095) / 4096 * 4096
				}
			}
			keep := true
			if o.filter != nil {
				if keep, err = o.filter.Eval(out); err != nil {
					return false, err
				}
			}
			if keep {
				p.count++
				if !o.count {
					if o.proj != nil {
						out = o.proj.Apply(out)
					}
					p.items = append(p.items, wire.Item(out))
				}
			}
			if (o.limit > 0 && p.scanned >= o.limit) || p.readBytes+p.baseBytes >= maxPageBytes {
				p.last = src.lastKey(item)
				return false, nil
			}
			return true, nil
		})
	})
	if err != nil {
		if errors.Is(err, itemcodec.ErrCorrupt) || errors.Is(err, keycodec.ErrCorrupt) {
			db.log.Error("corrupt entry in read", "table", src.meta.Name, "err", err)
		}
		return nil, mapStorageError(err)
	}
	return p, nil
}

// readCapacity renders the capacity a page consumed: the total size of the
// items read, in 4 KB units (rounded up once, for the whole page), halved
// for an eventually consistent read. A read of a base table costs at least
// one unit. An index read charges the index for its entries and the table
// for base items fetched.
func readCapacity(mode *string, src *readSource, p *page, consistent bool) *wire.ConsumedCapacity {
	if src.index == nil {
		return consumed(mode, src.meta.Name, readUnits(p.readBytes, consistent))
	}
	m := wire.Deref(mode)
	if m != "TOTAL" && m != "INDEXES" {
		return nil
	}
	idxUnits := readUnits(p.readBytes, consistent)
	tblUnits := 0.0
	if p.baseBytes > 0 {
		tblUnits = float64(p.baseBytes / 4096)
		if !consistent {
			tblUnits /= 2
		}
	}
	cc := &wire.ConsumedCapacity{TableName: src.meta.Name, CapacityUnits: idxUnits + tblUnits}
	if m == "INDEXES" {
		cc.Table = &wire.Capacity{CapacityUnits: tblUnits}
		byIndex := map[string]wire.Capacity{src.index.Name: {CapacityUnits: idxUnits}}
		if src.index.Global {
			cc.GlobalSecondaryIndexes = byIndex
		} else {
			cc.LocalSecondaryIndexes = byIndex
		}
	}
	return cc
}

// Select values.
const (
	selectAll          = "ALL_ATTRIBUTES"
	selectAllProjected = "ALL_PROJECTED_ATTRIBUTES"
	selectSpecific     = "SPECIFIC_ATTRIBUTES"
	selectCount        = "COUNT"
)

// checkSelect applies DynamoDB's rules for Select with the projection
// parameters (legacy tells AttributesToGet from ProjectionExpression) and
// decides whether index entries need their base items. It returns the
// effective Select.
func checkSelect(sel *string, proj *expr.Projection, legacy bool, src *readSource) (string, error) {
	param := "ProjectionExpression"
	if legacy {
		param = "AttributesToGet"
	}
	s := wire.Deref(sel)
	switch s {
	case "":
		switch {
		case proj != nil:
			s = selectSpecific
		case src.index != nil:
			s = selectAllProjected
		default:
			s = selectAll
		}
	case selectSpecific:
		if proj == nil {
			return "", ddb.Validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	case selectAll:
		if proj != nil {
			return "", ddb.Validation("Cannot specify the " + param + " when choosing to get ALL_ATTRIBUTES")
		}
	case selectCount:
		if proj != nil {
			return "", ddb.Validation("Cannot specify the " + param + " when choosing to get only the Count")
		}
	case selectAllProjected:
		if proj != nil {
			return "", ddb.Validation("Cannot specify the " + param + " when choosing to get ALL_PROJECTED_ATTRIBUTES")
		}
		if src.index == nil {
			return "", ddb.Validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
		}
	}
	if s == selectAll && src.global() && src.index.Projection.Type != ddb.ProjectAll {
		return "", invalidParams("Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", src.index.Name)
	}
	return s, nil
}

// needsBase reports whether index entries must be completed from the base
// table: ALL_ATTRIBUTES (or a projection reaching beyond the index's
// attributes) on a local index that does not project everything.
func needsBase(src *readSource, sel string, proj *expr.Projection) bool {
	if src.index == nil || src.index.Global || src.index.Projection.Type == ddb.ProjectAll {
		return false
	}
	if sel == selectAll {
		return true
	}
	if proj == nil {
		return false
	}
	for _, p := range proj.Paths() {
		if !indexHolds(src, p[0].Name) {
			return true
		}
	}
	return false
}

// indexHolds reports whether an index's entries hold attribute name.
func indexHolds(src *readSource, name string) bool {
	if src.meta.Key.IsKeyAttr(name) || src.key.IsKeyAttr(name) {
		return true
	}
	if src.index.Projection.Type == ddb.ProjectInclude {
		for _, n := range src.index.Projection.NonKeyAttributes {
			if n == name {
				return true
			}
		}
	}
	return false
}

// checkKeyPaths rejects document paths that reach into a key attribute of
// the table or of any of its indexes (key attributes are scalars): nested
// holds the top-level names of paths with more than one element.
func checkKeyPaths(m *Meta, nested map[string]bool) error {
	if len(nested) == 0 {
		return nil
	}
	const msg = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
	for _, ka := range []ddb.KeyAttr{m.Key.Hash, m.Key.Range} {
		if ka.Name != "" && nested[ka.Name] {
			return ddb.Validation(msg + "Key: " + ka.Name)
		}
	}
	for i := len(m.GSIs) - 1; i >= 0; i-- {
		for _, ka := range []ddb.KeyAttr{m.GSIs[i].Key.Hash, m.GSIs[i].Key.Range} {
			if ka.Name != "" && nested[ka.Name] {
				return ddb.Validation(msg + "IndexKey: " + ka.Name)
			}
		}
	}
	for i := len(m.LSIs) - 1; i >= 0; i-- {
		if n := m.LSIs[i].Key.Range.Name; n != "" && nested[n] {
			return ddb.Validation(msg + "IndexKey: " + n)
		}
	}
	return nil
}

// projectionNested returns the top-level names of the projection's paths that
// have more than one element.
func projectionNested(proj *expr.Projection) map[string]bool {
	if proj == nil {
		return nil
	}
	var nested map[string]bool
	for _, p := range proj.Paths() {
		if len(p) > 1 {
			if nested == nil {
				nested = map[string]bool{}
			}
			nested[p[0].Name] = true
		}
	}
	return nested
}

// filterInfo is what the table checks need to know about a filter: the
// top-level attribute names it uses and those it reaches into.
type filterInfo struct {
	heads  map[string]bool
	nested map[string]bool
	legacy bool // QueryFilter/ScanFilter rather than FilterExpression
}

func legacyFilterInfo(conds map[string]wire.Condition) *filterInfo {
	fi := &filterInfo{heads: map[string]bool{}, legacy: true}
	for name := range conds {
		fi.heads[name] = true
	}
	return fi
}

// checkStartKeyAttr checks one key attribute of an ExclusiveStartKey:
// missing is the error for an absent attribute; a value of the wrong type
// does not match the schema.
func checkStartKeyAttr(esk ddb.Item, ka ddb.KeyAttr, isHash bool, missing error) error {
	v, ok := esk[ka.Name]
	if !ok {
		return missing
	}
	if v.Type != ka.Type {
		return errKeyMismatch
	}
	_, err := keyValue(ka, esk, false, isHash)
	var de *ddb.Error
	if errors.As(err, &de) && isEmptyKeyMessage(de.Message) {
		return startKeyInvalid(de.Message)
	}
	return err
}

func isEmptyKeyMessage(msg string) bool { return strings.Contains(msg, "cannot contain an empty") }

var errStartKeyInvalid = ddb.Validation("The provided starting key is invalid")

func startKeyInvalid(msg string) error {
	return ddb.Validation("The provided starting key is invalid: " + msg)
}

// checkTableStartKey validates the table-key part of an ExclusiveStartKey
// as a key of the table; problems are reported as an invalid starting key.
func checkTableStartKey(m *Meta, esk ddb.Item) error {
	tk := make(ddb.Item, 2)
	for _, ka := range []ddb.KeyAttr{m.Key.Hash, m.Key.Range} {
		if ka.Name == "" {
			continue
		}
		if v, ok := esk[ka.Name]; ok {
			tk[ka.Name] = v
		}
	}
	if _, err := keyOf(m, tk); err != nil {
		var de *ddb.Error
		if errors.As(err, &de) {
			return startKeyInvalid(de.Message)
		}
		return err
	}
	return nil
}

// conditionsOf converts legacy QueryFilter, ScanFilter or KeyConditions.
func conditionsOf(in map[string]wire.Condition) map[string]expr.AttributeCondition {
	if in == nil {
		return nil
	}
	out := make(map[string]expr.AttributeCondition, len(in))
	for k, c := range in {
		out[k] = expr.AttributeCondition{
			ComparisonOperator: wire.Deref(c.ComparisonOperator),
			AttributeValueList: valuesOf(c.AttributeValueList),
		}
	}
	return out
}

// limitOf returns a request's Limit (0: none).
func limitOf(l *int32) int {
	if l == nil {
		return 0
	}
	return int(*l)
}

// maxKey and minKey pick the tighter bound.
func maxKey(a, b []byte) []byte {
	if bytes.Compare(a, b) >= 0 {
		return a
	}
	return b
}

func minKey(a, b []byte) []byte {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	if bytes.Compare(a, b) <= 0 {
		return a
	}
	return b
}
