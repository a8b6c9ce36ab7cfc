package table

import (
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
// the wrong type (an item without the attribute is simply not indexed).
func checkIndexKeyTypes(m *Meta, item ddb.Item) error {
	check := func(idx *IndexMeta, ka ddb.KeyAttr) error {
		if ka.Name == "" {
			return nil
		}
		v, ok := item[ka.Name]
		if ok && v.Type != ka.Type {
			return ddb.Validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
				ka.Name, ka.Type, v.Type, idx.Name)
		}
		return nil
	}
	for i := range m.GSIs {
		if err := check(&m.GSIs[i], m.GSIs[i].Key.Hash); err != nil {
			return err
		}
		if err := check(&m.GSIs[i], m.GSIs[i].Key.Range); err != nil {
			return err
		}
	}
	for i := range m.LSIs {
		if err := check(&m.LSIs[i], m.LSIs[i].Key.Range); err != nil {
			return err
		}
	}
	return nil
}
