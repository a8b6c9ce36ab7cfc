package keycodec

import (
	"encoding/binary"

	"github.com/dynago/dynago/ddb"
)

// Key prefixes.
const (
	PrefixMeta    = 0x00
	PrefixCatalog = 0x01
	PrefixItem    = 0x02
	PrefixStream  = 0x03
)

// HashSpace is the number of partition-key hash values: hashes are in
// [0, HashSpace).
const HashSpace = 1 << 32

// The order-preserving varint: a value below uvarintOneByte is one byte;
// a larger value is a byte uvarintOneByte-1+n followed by its n big-endian
// bytes, n being the fewest bytes that hold it (1 to 8). Larger values
// have longer encodings and greater lead bytes, so byte order is numeric
// order.
const uvarintOneByte = 0xF8

// AppendUvarint appends the order-preserving varint encoding of v.
func AppendUvarint(dst []byte, v uint64) []byte {
	if v < uvarintOneByte {
		return append(dst, byte(v))
	}
	n := 1
	for x := v >> 8; x != 0; x >>= 8 {
		n++
	}
	dst = append(dst, byte(uvarintOneByte-1+n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// DecodeUvarint decodes an order-preserving varint from the front of src.
// It refuses encodings that are not the shortest.
func DecodeUvarint(src []byte) (uint64, []byte, error) {
	if len(src) == 0 {
		return 0, src, corrupt("empty varint")
	}
	b := src[0]
	if b < uvarintOneByte {
		return uint64(b), src[1:], nil
	}
	n := int(b) - (uvarintOneByte - 1)
	if len(src) < 1+n {
		return 0, src, corrupt("short varint")
	}
	var v uint64
	for _, c := range src[1 : 1+n] {
		v = v<<8 | uint64(c)
	}
	if (n == 1 && v < uvarintOneByte) || (n > 1 && v>>(8*(n-1)) == 0) {
		return 0, src, corrupt("varint not in shortest form")
	}
	return v, src[1+n:], nil
}

// HashPK returns the partition key's hash: a stable function of the key's
// encoding (AppendValue) that is the same on every platform, in every
// version, forever. It is FNV-1a (64-bit) over the encoded bytes, mixed by
// the MurmurHash3 64-bit finalizer, whose upper 32 bits are the hash. The
// mixing spreads even sequential keys evenly over the hash space.
func HashPK(pk ddb.AttributeValue) uint32 {
	var buf [128]byte
	return hashEncoded(AppendValue(buf[:0], pk))
}

func hashEncoded(enc []byte) uint32 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for _, c := range enc {
		h ^= uint64(c)
		h *= prime64
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return uint32(h >> 32)
}

// AppendTablePrefix appends [0x02] table-id index-id: the prefix of every
// key of one index (or the base table, index-id 0).
func AppendTablePrefix(dst []byte, tableID uint64, indexID uint32) []byte {
	dst = append(dst, PrefixItem)
	dst = AppendUvarint(dst, tableID)
	return AppendUvarint(dst, uint64(indexID))
}

// AppendPartitionPrefix appends the prefix shared by the keys of one
// partition: the table prefix, the hash of pk, and enc(pk).
func AppendPartitionPrefix(dst []byte, tableID uint64, indexID uint32, pk ddb.AttributeValue) []byte {
	dst = AppendTablePrefix(dst, tableID, indexID)
	return appendHashedPK(dst, pk)
}

// appendHashedPK appends hash(pk) and enc(pk), encoding pk only once.
func appendHashedPK(dst []byte, pk ddb.AttributeValue) []byte {
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendValue(dst, pk)
	binary.BigEndian.PutUint32(dst[at:], hashEncoded(dst[at+4:]))
	return dst
}

// AppendItemKey appends the key of a base-table item (indexID 0) or, with
// another indexID, of anything keyed like one: prefix, hash(pk), enc(pk),
// and enc(sk) unless sk is the zero value (no sort key).
func AppendItemKey(dst []byte, tableID uint64, indexID uint32, pk, sk ddb.AttributeValue) []byte {
	dst = AppendPartitionPrefix(dst, tableID, indexID, pk)
	if sk.Type != ddb.TypeNone {
		dst = AppendValue(dst, sk)
	}
	return dst
}

// AppendIndexKey appends the key of a secondary-index entry: the index key
// (prefix, hash(ipk), enc(ipk), enc(isk) when present) followed by the base
// table's primary key (enc(tpk), enc(tsk), each when present). Leave tpk
// out (the zero value) for a local secondary index, whose partition key is
// the table's.
func AppendIndexKey(dst []byte, tableID uint64, indexID uint32, ipk, isk, tpk, tsk ddb.AttributeValue) []byte {
	dst = AppendItemKey(dst, tableID, indexID, ipk, isk)
	if tpk.Type != ddb.TypeNone {
		dst = AppendValue(dst, tpk)
	}
	if tsk.Type != ddb.TypeNone {
		dst = AppendValue(dst, tsk)
	}
	return dst
}

// DecodeTablePrefix decodes the table and index ids at the front of an item
// or index key and returns the bytes after them.
func DecodeTablePrefix(key []byte) (tableID uint64, indexID uint32, rest []byte, err error) {
	if len(key) == 0 || key[0] != PrefixItem {
		return 0, 0, key, corrupt("not an item key")
	}
	tableID, rest, err = DecodeUvarint(key[1:])
	if err != nil {
		return 0, 0, key, err
	}
	iid, rest, err := DecodeUvarint(rest)
	if err != nil {
		return 0, 0, key, err
	}
	if iid > 1<<32-1 {
		return 0, 0, key, corrupt("index id out of range")
	}
	return tableID, uint32(iid), rest, nil
}

// decodeHashedPK decodes hash(pk) enc(pk), checking the hash.
func decodeHashedPK(src []byte, t ddb.Type) (ddb.AttributeValue, []byte, error) {
	if len(src) < 4 {
		return ddb.AttributeValue{}, src, corrupt("short key")
	}
	pk, rest, err := DecodeValue(src[4:], t)
	if err != nil {
		return ddb.AttributeValue{}, src, err
	}
	if hashEncoded(src[4:len(src)-len(rest)]) != binary.BigEndian.Uint32(src) {
		return ddb.AttributeValue{}, src, corrupt("partition key hash mismatch")
	}
	return pk, rest, nil
}

// decodeOptional decodes a value of type t, or nothing if t is TypeNone.
func decodeOptional(src []byte, t ddb.Type) (ddb.AttributeValue, []byte, error) {
	if t == ddb.TypeNone {
		return ddb.AttributeValue{}, src, nil
	}
	return DecodeValue(src, t)
}

// DecodeItemKey decodes the primary key of a key built by AppendItemKey
// (of any index id). skType is TypeNone when there is no sort key. The whole
// key must be consumed.
func DecodeItemKey(key []byte, pkType, skType ddb.Type) (pk, sk ddb.AttributeValue, err error) {
	_, _, rest, err := DecodeTablePrefix(key)
	if err != nil {
		return pk, sk, err
	}
	if pk, rest, err = decodeHashedPK(rest, pkType); err != nil {
		return pk, sk, err
	}
	if sk, rest, err = decodeOptional(rest, skType); err != nil {
		return pk, sk, err
	}
	if len(rest) != 0 {
		return pk, sk, corrupt("trailing bytes after key")
	}
	return pk, sk, nil
}

// DecodeIndexKey decodes the key of an index entry built by AppendIndexKey.
// A type of TypeNone means that part is absent (an index without sort key,
// an LSI entry without the table's partition key, a table without sort
// key).
func DecodeIndexKey(key []byte, ipkType, iskType, tpkType, tskType ddb.Type) (ipk, isk, tpk, tsk ddb.AttributeValue, err error) {
	_, _, rest, err := DecodeTablePrefix(key)
	if err != nil {
		return
	}
	if ipk, rest, err = decodeHashedPK(rest, ipkType); err != nil {
		return
	}
	if isk, rest, err = decodeOptional(rest, iskType); err != nil {
		return
	}
	if tpk, rest, err = decodeOptional(rest, tpkType); err != nil {
		return
	}
	if tsk, rest, err = decodeOptional(rest, tskType); err != nil {
		return
	}
	if len(rest) != 0 {
		err = corrupt("trailing bytes after key")
	}
	return
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix: the exclusive upper bound of the prefix's range. It returns
// nil (no upper bound) if prefix is empty or all 0xFF. prefix is not
// modified.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}

// Successor returns the smallest key greater than key (key followed by a
// 0x00 byte): the lower bound that resumes a scan after key, e.g. after an
// ExclusiveStartKey. key is not modified.
func Successor(key []byte) []byte {
	s := make([]byte, len(key)+1)
	copy(s, key)
	return s
}

// TableBounds returns the range holding every item and index key of a
// table.
func TableBounds(tableID uint64) (lo, hi []byte) {
	lo = AppendUvarint([]byte{PrefixItem}, tableID)
	return lo, PrefixEnd(lo)
}

// IndexBounds returns the range of one index (or the base table, index-id
// 0).
func IndexBounds(tableID uint64, indexID uint32) (lo, hi []byte) {
	lo = AppendTablePrefix(nil, tableID, indexID)
	return lo, PrefixEnd(lo)
}

// PartitionBounds returns the range of the keys of one partition key in an
// index (or the base table), ordered by sort key.
func PartitionBounds(tableID uint64, indexID uint32, pk ddb.AttributeValue) (lo, hi []byte) {
	lo = AppendPartitionPrefix(nil, tableID, indexID, pk)
	return lo, PrefixEnd(lo)
}

// HashRangeBounds returns the range of the keys of an index whose
// partition-key hash h is in [lo, hi), with 0 ≤ lo ≤ hi ≤ HashSpace. An
// empty interval gives an empty range.
func HashRangeBounds(tableID uint64, indexID uint32, lo, hi uint64) (loKey, hiKey []byte) {
	prefix := AppendTablePrefix(nil, tableID, indexID)
	bound := func(h uint64) []byte {
		if h >= HashSpace {
			return PrefixEnd(prefix)
		}
		return binary.BigEndian.AppendUint32(prefix[:len(prefix):len(prefix)], uint32(h))
	}
	hi = min(hi, HashSpace)
	lo = min(lo, hi)
	return bound(lo), bound(hi)
}

// SegmentHashRange returns the hash interval [lo, hi) of parallel Scan
// segment `segment` of `total` (0 ≤ segment < total ≤ 1,000,000 in
// DynamoDB). The segments partition [0, HashSpace) into nearly equal parts.
func SegmentHashRange(segment, total int) (lo, hi uint64) {
	lo = uint64(segment) * HashSpace / uint64(total)
	hi = uint64(segment+1) * HashSpace / uint64(total)
	return lo, hi
}

// SortOp is a key condition on the sort key, for SortKeyBounds.
type SortOp uint8

// Sort key conditions, as in a KeyConditionExpression.
const (
	SortEQ         SortOp = iota // sk = a
	SortLT                       // sk < a
	SortLE                       // sk <= a
	SortGT                       // sk > a
	SortGE                       // sk >= a
	SortBetween                  // sk BETWEEN a AND b (a ≤ b)
	SortBeginsWith               // begins_with(sk, a); S or B only
	SortAny                      // no condition: the whole partition
)

// SortKeyBounds returns the range of the keys of partition pk (in an index
// or the base table) whose sort key satisfies the condition op with
// operands a (and b for SortBetween). For SortBetween with a > b the range
// is empty.
func SortKeyBounds(tableID uint64, indexID uint32, pk ddb.AttributeValue, op SortOp, a, b ddb.AttributeValue) (lo, hi []byte) {
	p := AppendPartitionPrefix(nil, tableID, indexID, pk)
	n := len(p)
	withValue := func(v ddb.AttributeValue) []byte {
		return AppendValue(p[:n:n], v)
	}
	switch op {
	case SortEQ:
		k := withValue(a)
		return k, PrefixEnd(k)
	case SortLT:
		return p, withValue(a)
	case SortLE:
		return p, PrefixEnd(withValue(a))
	case SortGT:
		return PrefixEnd(withValue(a)), PrefixEnd(p)
	case SortGE:
		return withValue(a), PrefixEnd(p)
	case SortBetween:
		lo, hi = withValue(a), PrefixEnd(withValue(b))
		if string(lo) > string(hi) {
			hi = lo
		}
		return lo, hi
	case SortBeginsWith:
		k := AppendValuePrefix(p[:n:n], a)
		return k, PrefixEnd(k)
	}
	return p, PrefixEnd(p)
}

// AppendCatalogKey appends the catalog key of a table: [0x01] table-name.
// Table names ([a-zA-Z0-9_.-]{3,255}) need no escaping.
func AppendCatalogKey(dst []byte, tableName string) []byte {
	dst = append(dst, PrefixCatalog)
	return append(dst, tableName...)
}

// DecodeCatalogKey returns the table name of a catalog key.
func DecodeCatalogKey(key []byte) (string, error) {
	if len(key) == 0 || key[0] != PrefixCatalog {
		return "", corrupt("not a catalog key")
	}
	return string(key[1:]), nil
}

// CatalogBounds returns the range of all catalog keys, in table-name order.
func CatalogBounds() (lo, hi []byte) {
	return []byte{PrefixCatalog}, []byte{PrefixCatalog + 1}
}

// AppendMetaKey appends a store-metadata key: [0x00] name.
func AppendMetaKey(dst []byte, name string) []byte {
	dst = append(dst, PrefixMeta)
	return append(dst, name...)
}
