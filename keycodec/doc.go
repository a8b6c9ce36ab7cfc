// Package keycodec encodes key values and storage keys as bytes whose order
// under bytes.Compare is the order DynamoDB gives them, and lays out the keys
// of the store (DESIGN.md section 4).
//
// # Key layout
//
// The first byte of every key says what it is:
//
//	meta:     [0x00] name                               store metadata (counters, ...)
//	catalog:  [0x01] table-name                         table metadata
//	item:     [0x02] table-id index-id hash enc(pk) [enc(sk)]
//	index:    [0x02] table-id index-id hash enc(ipk) [enc(isk)] [enc(tpk)] [enc(tsk)]
//	stream:   [0x03] ...                                stream records
//
// table-id (uint64) and index-id (uint32) are written as order-preserving
// varints (see AppendUvarint); index-id 0 is the base table, secondary
// indexes have their own ids. hash is HashPK of the (index's) partition key,
// 4 bytes big-endian. enc() is AppendValue; the sort key part is absent
// when the table or index has no sort key. An index entry is followed by the
// base table's primary key, so that items with equal index keys have
// distinct entries, ordered by table key; the table's partition key may be
// left out of an LSI's entries (it is the index's partition key).
//
// So the items of one partition key are contiguous and ordered by sort key,
// an index is one contiguous range ordered by (hash, partition key, sort
// key), and a Scan in key order runs in hash order, as DynamoDB's does.
// Parallel Scan segments are hash ranges (SegmentHashRange,
// HashRangeBounds). Ranges are half-open [lo, hi) byte ranges.
//
// # Value encodings
//
// Every encoding is self-delimiting (a decoder knows where it ends without
// a length) and order-preserving: for values a, b of one type,
// bytes.Compare(enc(a), enc(b)) has the sign of DynamoDB's comparison of a
// and b, and no encoding is a proper prefix of another. The formats are part
// of the on-disk format and must never change.
//
// S and B: the bytes (UTF-8 for S), with each 0x00 written as 0x00 0xFF,
// then the terminator 0x00 0x01. Strings order bytewise, as DynamoDB orders
// S and B values.
//
// N: numbers order by value. A number is first written as
// ±0.c1c2…cn × 100^E with base-100 digits c1…cn, c1 and cn non-zero (the
// decimal digits grouped in pairs around the decimal point). DynamoDB's range
// (1E-130 to 9.99…E+125) gives E in [-64, 63]; its 38 significant digits give
// n ≤ 20. Then:
//
//	zero:      0x02
//	positive:  0x03, byte E+64, then c1…cn with each ci written as 2·ci+1,
//	           except cn, written as 2·cn
//	negative:  0x01, then the same bytes as for the magnitude, each
//	           complemented (0xFF-b)
//
// The last digit is the only even byte of a positive mantissa (the only odd
// one of a negative), which makes the encoding self-delimiting, and a number
// whose digits run on sorts after one that stops. This follows the idea of
// the sqlite4 key encoding of numbers (public domain), simplified for
// DynamoDB's fixed range. 1000, 1e3 and 1000.0 encode alike: AppendN
// canonicalises.
package keycodec
