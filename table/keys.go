package table

import (
	"sort"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
)

// Key size limits (bytes) and the item size limit, as DynamoDB's.
const (
	maxHashKeyBytes  = 2048
	maxRangeKeyBytes = 1024
	MaxItemBytes     = 400 * 1024
)

var errKeyMismatch = ddb.Validation("The provided key element does not match the schema")

// keyOf validates a Key parameter against the table's key schema and
// returns its storage key. The key must hold exactly the key attributes,
// with the right types.
func keyOf(m *Meta, key ddb.Item) ([]byte, error) {
	n := 1
	if m.Key.HasRange() {
		n = 2
	}
	if len(key) != n {
		return nil, errKeyMismatch
	}
	pk, sk, err := keyValues(m.Key, key, false)
	if err != nil {
		return nil, err
	}
	return keycodec.AppendItemKey(nil, m.ID, 0, pk, sk), nil
}

// itemKeyOf validates the key attributes of a whole item (PutItem) and
// returns its storage key.
func itemKeyOf(m *Meta, item ddb.Item) ([]byte, error) {
	pk, sk, err := keyValues(m.Key, item, true)
	if err != nil {
		return nil, err
	}
	if err := checkIndexKeyTypes(m, item); err != nil {
		return nil, err
	}
	return keycodec.AppendItemKey(nil, m.ID, 0, pk, sk), nil
}

// keyValues extracts and checks the partition and sort key values. inItem
// selects PutItem's messages (missing key / type mismatch) over the generic
// "does not match the schema" of Key parameters.
func keyValues(ks ddb.KeySchema, item ddb.Item, inItem bool) (pk, sk ddb.AttributeValue, err error) {
	pk, err = keyValue(ks.Hash, item, inItem, true)
	if err != nil {
		return
	}
	if ks.HasRange() {
		sk, err = keyValue(ks.Range, item, inItem, false)
	}
	return
}

func keyValue(ka ddb.KeyAttr, item ddb.Item, inItem, isHash bool) (ddb.AttributeValue, error) {
	v, ok := item[ka.Name]
	if !ok {
		if inItem {
			return v, ddb.Validationf("One or more parameter values were invalid: Missing the key %s in the item", ka.Name)
		}
		return v, errKeyMismatch
	}
	if v.Type != ka.Type {
		if inItem {
			return v, ddb.Validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", ka.Name, ka.Type, v.Type)
		}
		return v, errKeyMismatch
	}
	var size int
	switch v.Type {
	case ddb.TypeS:
		size = len(v.S)
	case ddb.TypeB:
		size = len(v.B)
	}
	if size == 0 && v.Type != ddb.TypeN {
		return v, ddb.Validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyKind(v.Type), ka.Name)
	}
	if isHash && size > maxHashKeyBytes {
		return v, ddb.Validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if !isHash && size > maxRangeKeyBytes {
		return v, ddb.Validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return v, nil
}

func emptyKind(t ddb.Type) string {
	if t == ddb.TypeB {
		return "binary"
	}
	return "string"
}

// checkIndexKeyTypes rejects an item whose secondary-index key attribute has
// the wrong type (an item without the attribute is simply not indexed) or is
// an empty string or binary. Indexes are checked in name order, every type
// first, then emptiness; the first offender is reported.
func checkIndexKeyTypes(m *Meta, item ddb.Item) error { return checkIndexKeys(m, item, false) }

// checkIndexKeys is checkIndexKeyTypes; byUpdate selects the wording
// DynamoDB uses when an update expression produced an empty key value.
func checkIndexKeys(m *Meta, item ddb.Item, byUpdate bool) error {
	idxs := make([]*IndexMeta, 0, len(m.GSIs)+len(m.LSIs))
	for i := range m.GSIs {
		idxs = append(idxs, &m.GSIs[i])
	}
	for i := range m.LSIs {
		idxs = append(idxs, &m.LSIs[i])
	}
	sort.SliceStable(idxs, func(a, b int) bool { return idxs[a].Name < idxs[b].Name })
	attrs := func(idx *IndexMeta) []ddb.KeyAttr {
		if idx.Global {
			return []ddb.KeyAttr{idx.Key.Hash, idx.Key.Range}
		}
		return []ddb.KeyAttr{idx.Key.Range}
	}
	for _, idx := range idxs {
		for _, ka := range attrs(idx) {
			if v, ok := item[ka.Name]; ok && ka.Name != "" && v.Type != ka.Type {
				return ddb.Validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
					ka.Name, ka.Type, v.Type, idx.Name)
			}
		}
	}
	for _, idx := range idxs {
		for _, ka := range attrs(idx) {
			v, ok := item[ka.Name]
			if !ok || ka.Name == "" || !(v.Type == ddb.TypeS && len(v.S) == 0 || v.Type == ddb.TypeB && len(v.B) == 0) {
				continue
			}
			if byUpdate {
				return ddb.Validation("One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.")
			}
			return ddb.Validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s",
				idx.Name, ka.Name)
		}
	}
	// Index keys have the table's key size limits (2048 bytes for a
	// partition key, 1024 for a sort key).
	for _, idx := range idxs {
		for _, ka := range attrs(idx) {
			if ka.Name == "" {
				continue
			}
			isHash := ka.Name == idx.Key.Hash.Name
			if _, ok := item[ka.Name]; ok {
				if _, ok := indexKeyValue(ka, item, isHash); !ok {
					if isHash {
						return ddb.Validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
					}
					return ddb.Validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
				}
			}
		}
	}
	return nil
}
