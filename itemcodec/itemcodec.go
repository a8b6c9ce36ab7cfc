// Package itemcodec is the compact binary encoding of items as stored.
//
// # Format (version 1)
//
//	item   = version attrs              version is the byte 0x01
//	attrs  = count {name value}         names strictly increasing (bytewise)
//	name   = len bytes
//	value  = 0x01 len bytes             S
//	       | 0x02 len bytes             N, canonical text
//	       | 0x03 len bytes             B
//	       | 0x04 | 0x05                BOOL false | true
//	       | 0x06                       NULL
//	       | 0x07 attrs                 M
//	       | 0x08 count {value}         L
//	       | 0x09 count {len bytes}     SS, members strictly increasing
//	       | 0x0A count {len bytes}     NS, canonical texts, strictly increasing
//	       | 0x0B count {len bytes}     BS, members strictly increasing
//
// count and len are unsigned LEB128 varints (encoding/binary) in their
// shortest form. Map attributes are sorted by name and set members
// sorted (bytewise) and de-duplicated, so the encoding is deterministic:
// items equal by ddb.ItemsEqual encode to equal bytes. Decode accepts
// exactly what Append produces.
package itemcodec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// Version is the format version Append writes and Decode reads.
const Version = 1

// MaxDepth is the deepest nesting of maps and lists Decode accepts (an
// item's attributes are at depth 1). DynamoDB allows 32.
const MaxDepth = 64

const (
	tagS     = 0x01
	tagN     = 0x02
	tagB     = 0x03
	tagFalse = 0x04
	tagTrue  = 0x05
	tagNULL  = 0x06
	tagM     = 0x07
	tagL     = 0x08
	tagSS    = 0x09
	tagNS    = 0x0A
	tagBS    = 0x0B
)

// ErrCorrupt is returned (wrapped) for bytes that are not a valid encoding.
var ErrCorrupt = errors.New("itemcodec: corrupt item")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Append appends the encoding of item to dst.
func Append(dst []byte, item ddb.Item) []byte {
	dst = append(dst, Version)
	return appendAttrs(dst, item)
}

// Encode returns the encoding of item.
func Encode(item ddb.Item) []byte { return Append(nil, item) }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// attrsSize returns the encoded size of a map's attributes (an upper
// bound where sets hold duplicates).
func attrsSize(m map[string]ddb.AttributeValue) int {
	n := uvarintLen(uint64(len(m)))
	for k, v := range m {
		n += uvarintLen(uint64(len(k))) + len(k) + valueSize(v)
	}
	return n
}

func valueSize(v ddb.AttributeValue) int {
	switch v.Type {
	case ddb.TypeS, ddb.TypeN:
		return 1 + uvarintLen(uint64(len(v.S))) + len(v.S)
	case ddb.TypeB:
		return 1 + uvarintLen(uint64(len(v.B))) + len(v.B)
	case ddb.TypeM:
		return 1 + attrsSize(v.M)
	case ddb.TypeL:
		n := 1 + uvarintLen(uint64(len(v.L)))
		for _, e := range v.L {
			n += valueSize(e)
		}
		return n
	case ddb.TypeSS, ddb.TypeNS:
		n := 1 + uvarintLen(uint64(len(v.SS)))
		for _, s := range v.SS {
			n += uvarintLen(uint64(len(s))) + len(s)
		}
		return n
	case ddb.TypeBS:
		n := 1 + uvarintLen(uint64(len(v.BS)))
		for _, b := range v.BS {
			n += uvarintLen(uint64(len(b))) + len(b)
		}
		return n
	}
	return 1
}

// smallAttrs is how many attributes appendAttrs sorts on the stack.
const smallAttrs = 16

func appendAttrs(dst []byte, m map[string]ddb.AttributeValue) []byte {
	if len(m) > smallAttrs {
		return appendManyAttrs(dst, m)
	}
	// One pass over the map collects the names and values (a copy of a
	// value is cheaper than looking it up again) and the size; an
	// insertion sort of their indexes by name puts them in order.
	var names [smallAttrs]string
	var vals [smallAttrs]ddb.AttributeValue
	var order [smallAttrs]uint8
	n, size := 0, 0
	for k, v := range m {
		names[n], vals[n] = k, v
		size += uvarintLen(uint64(len(k))) + len(k) + valueSize(v)
		j := n
		for ; j > 0 && less(k, names[order[j-1]]); j-- {
			order[j] = order[j-1]
		}
		order[j] = uint8(n)
		n++
	}
	dst = slices.Grow(dst, 1+size)
	dst = append(dst, byte(n)) // the count, a one-byte varint
	for _, i := range order[:n] {
		k := names[i]
		dst = appendUvarint(dst, len(k))
		dst = append(dst, k...)
		dst = appendValue(dst, vals[i])
	}
	return dst
}

// less is a < b, with the first bytes compared inline (names mostly differ there).
func less(a, b string) bool {
	if len(a) > 0 && len(b) > 0 && a[0] != b[0] {
		return a[0] < b[0]
	}
	return a < b
}

func appendManyAttrs(dst []byte, m map[string]ddb.AttributeValue) []byte {
	dst = slices.Grow(dst, attrsSize(m))
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		dst = appendUvarint(dst, len(k))
		dst = append(dst, k...)
		dst = appendValue(dst, m[k])
	}
	return dst
}

// appendUvarint appends n as a varint, with the one-byte case inline.
func appendUvarint(dst []byte, n int) []byte {
	if n < 0x80 {
		return append(dst, byte(n))
	}
	return binary.AppendUvarint(dst, uint64(n))
}

func appendValue(dst []byte, v ddb.AttributeValue) []byte {
	switch v.Type {
	case ddb.TypeS:
		dst = append(dst, tagS)
		dst = appendUvarint(dst, len(v.S))
		return append(dst, v.S...)
	case ddb.TypeN:
		dst = append(dst, tagN)
		dst = appendUvarint(dst, len(v.S))
		return append(dst, v.S...)
	case ddb.TypeB:
		dst = append(dst, tagB)
		dst = appendUvarint(dst, len(v.B))
		return append(dst, v.B...)
	case ddb.TypeBOOL:
		if v.BOOL {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case ddb.TypeNULL:
		return append(dst, tagNULL)
	case ddb.TypeM:
		dst = append(dst, tagM)
		return appendAttrs(dst, v.M)
	case ddb.TypeL:
		dst = append(dst, tagL)
		dst = binary.AppendUvarint(dst, uint64(len(v.L)))
		for _, e := range v.L {
			dst = appendValue(dst, e)
		}
		return dst
	case ddb.TypeSS:
		return appendStringSet(append(dst, tagSS), v.SS)
	case ddb.TypeNS:
		return appendStringSet(append(dst, tagNS), v.SS)
	case ddb.TypeBS:
		return appendBytesSet(append(dst, tagBS), v.BS)
	}
	panic("itemcodec: cannot encode a value of type " + v.Type.String())
}

// appendStringSet writes members sorted and without duplicates. Values are
// shared and immutable: an unsorted set is sorted in a copy.
func appendStringSet(dst []byte, set []string) []byte {
	if !slices.IsSorted(set) {
		set = slices.Clone(set)
		slices.Sort(set)
	}
	n := len(set)
	for i := 1; i < len(set); i++ {
		if set[i] == set[i-1] {
			n--
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for i, s := range set {
		if i > 0 && s == set[i-1] {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func appendBytesSet(dst []byte, set [][]byte) []byte {
	if !slices.IsSortedFunc(set, bytes.Compare) {
		set = slices.Clone(set)
		slices.SortFunc(set, bytes.Compare)
	}
	n := len(set)
	for i := 1; i < len(set); i++ {
		if bytes.Equal(set[i], set[i-1]) {
			n--
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for i, b := range set {
		if i > 0 && bytes.Equal(b, set[i-1]) {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	}
	return dst
}

// Decode decodes an item. The item shares nothing with src. Its strings
// (names, S and N values) are substrings of one copy of src, and its
// binaries sub-slices of another (made only if there are binaries), so a
// decoded item costs two allocations plus one per map, list and set; a
// value kept alone keeps its whole item's copy alive. Corrupt input gives
// an error wrapping ErrCorrupt, never a panic, and no length field makes
// Decode allocate more than the input's size allows.
func Decode(src []byte) (ddb.Item, error) {
	if len(src) == 0 {
		return nil, corrupt("empty")
	}
	if src[0] != Version {
		return nil, corrupt("unknown format version %d", src[0])
	}
	d := decoder{src: src, pos: 1}
	if len(src) > 1 {
		d.str = string(src)
	}
	m, err := d.attrs(1)
	if err != nil {
		return nil, err
	}
	if d.pos != len(src) {
		return nil, corrupt("%d trailing bytes", len(src)-d.pos)
	}
	return m, nil
}

type decoder struct {
	src []byte
	str string // a copy of src, for strings
	bin []byte // a copy of src, for binaries (made on first use)
	pos int
}

func (d *decoder) uvarint() (uint64, error) {
	if d.pos < len(d.src) && d.src[d.pos] < 0x80 { // one byte: most lengths and counts
		d.pos++
		return uint64(d.src[d.pos-1]), nil
	}
	v, n := binary.Uvarint(d.src[d.pos:])
	if n <= 0 {
		return 0, corrupt("bad varint at %d", d.pos)
	}
	if n > 1 && d.src[d.pos+n-1] == 0 {
		return 0, corrupt("varint not in shortest form at %d", d.pos)
	}
	d.pos += n
	return v, nil
}

// count reads an element count; each element takes at least min bytes.
func (d *decoder) count(min int) (int, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64((len(d.src)-d.pos)/min) {
		return 0, corrupt("count %d exceeds the input at %d", v, d.pos)
	}
	return int(v), nil
}

// span reads a length and returns the [start, end) of that many bytes.
func (d *decoder) span() (int, int, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, 0, err
	}
	if v > uint64(len(d.src)-d.pos) {
		return 0, 0, corrupt("length %d exceeds the input at %d", v, d.pos)
	}
	start := d.pos
	d.pos += int(v)
	return start, d.pos, nil
}

func (d *decoder) string() (string, error) {
	start, end, err := d.span()
	if err != nil {
		return "", err
	}
	return d.str[start:end], nil
}

func (d *decoder) bytes() ([]byte, error) {
	start, end, err := d.span()
	if err != nil {
		return nil, err
	}
	if d.bin == nil {
		d.bin = bytes.Clone(d.src)
	}
	return d.bin[start:end:end], nil
}

func (d *decoder) attrs(depth int) (map[string]ddb.AttributeValue, error) {
	if depth > MaxDepth {
		return nil, corrupt("nesting deeper than %d", MaxDepth)
	}
	n, err := d.count(2) // a name length and a tag at least
	if err != nil {
		return nil, err
	}
	m := make(map[string]ddb.AttributeValue, n)
	prev := ""
	for i := range n {
		name, err := d.string()
		if err != nil {
			return nil, err
		}
		if i > 0 && name <= prev {
			return nil, corrupt("attribute names out of order at %d", d.pos)
		}
		prev = name
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		m[name] = v
	}
	return m, nil
}

func (d *decoder) value(depth int) (ddb.AttributeValue, error) {
	if d.pos >= len(d.src) {
		return ddb.AttributeValue{}, corrupt("missing value")
	}
	tag := d.src[d.pos]
	d.pos++
	switch tag {
	case tagS:
		s, err := d.string()
		return ddb.AttributeValue{Type: ddb.TypeS, S: s}, err
	case tagN:
		s, err := d.string()
		if err == nil && !number.IsCanonical(s) {
			err = corrupt("bad number %q", s)
		}
		return ddb.AttributeValue{Type: ddb.TypeN, S: s}, err
	case tagB:
		b, err := d.bytes()
		return ddb.AttributeValue{Type: ddb.TypeB, B: b}, err
	case tagFalse, tagTrue:
		return ddb.AttributeValue{Type: ddb.TypeBOOL, BOOL: tag == tagTrue}, nil
	case tagNULL:
		return ddb.AttributeValue{Type: ddb.TypeNULL}, nil
	case tagM:
		m, err := d.attrs(depth + 1)
		return ddb.AttributeValue{Type: ddb.TypeM, M: m}, err
	case tagL:
		if depth+1 > MaxDepth {
			return ddb.AttributeValue{}, corrupt("nesting deeper than %d", MaxDepth)
		}
		n, err := d.count(1)
		if err != nil {
			return ddb.AttributeValue{}, err
		}
		l := make([]ddb.AttributeValue, n)
		for i := range l {
			if l[i], err = d.value(depth + 1); err != nil {
				return ddb.AttributeValue{}, err
			}
		}
		return ddb.AttributeValue{Type: ddb.TypeL, L: l}, nil
	case tagSS, tagNS:
		n, err := d.count(1)
		if err != nil {
			return ddb.AttributeValue{}, err
		}
		ss := make([]string, n)
		for i := range ss {
			if ss[i], err = d.string(); err != nil {
				return ddb.AttributeValue{}, err
			}
			if i > 0 && ss[i] <= ss[i-1] {
				return ddb.AttributeValue{}, corrupt("set members out of order at %d", d.pos)
			}
			if tag == tagNS && !number.IsCanonical(ss[i]) {
				return ddb.AttributeValue{}, corrupt("bad number %q", ss[i])
			}
		}
		t := ddb.TypeSS
		if tag == tagNS {
			t = ddb.TypeNS
		}
		return ddb.AttributeValue{Type: t, SS: ss}, nil
	case tagBS:
		n, err := d.count(1)
		if err != nil {
			return ddb.AttributeValue{}, err
		}
		bs := make([][]byte, n)
		for i := range bs {
			if bs[i], err = d.bytes(); err != nil {
				return ddb.AttributeValue{}, err
			}
			if i > 0 && bytes.Compare(bs[i], bs[i-1]) <= 0 {
				return ddb.AttributeValue{}, corrupt("set members out of order at %d", d.pos)
			}
		}
		return ddb.AttributeValue{Type: ddb.TypeBS, BS: bs}, nil
	}
	return ddb.AttributeValue{}, corrupt("unknown tag 0x%02x at %d", tag, d.pos-1)
}

// Kind is the kind of an encoded value: its tag byte.
type Kind byte

// The kinds of values.
const (
	KindS     Kind = tagS
	KindN     Kind = tagN
	KindB     Kind = tagB
	KindFalse Kind = tagFalse
	KindTrue  Kind = tagTrue
	KindNULL  Kind = tagNULL
	KindM     Kind = tagM
	KindL     Kind = tagL
	KindSS    Kind = tagSS
	KindNS    Kind = tagNS
	KindBS    Kind = tagBS
)

// Reader reads an encoded item in document order, for transcoding it (to
// DynamoDB JSON, say) without building maps. Starting after NewReader:
//
//	attrs:  n := Count(); n times: Bytes() (the name), then a value
//	value:  k := Kind(); S, N, B: Bytes(); M: attrs; L: n := Count(), n values;
//	        SS, NS, BS: n := Count(), n times Bytes(); BOOL and NULL: nothing
//
// It checks that every length and count fits the input, so that it never
// panics on corrupt input, but not the rest of what Decode checks (the order
// of names and set members, number texts): a transcoder must bound the
// nesting itself (MaxDepth). Slices it returns alias the input.
type Reader struct {
	src []byte
	pos int
}

// NewReader returns a Reader positioned at the item's attribute count.
func NewReader(item []byte) (Reader, error) {
	if len(item) == 0 {
		return Reader{}, corrupt("empty")
	}
	if item[0] != Version {
		return Reader{}, corrupt("unknown format version %d", item[0])
	}
	return Reader{src: item, pos: 1}, nil
}

// Done reports whether the whole input was read.
func (r *Reader) Done() bool { return r.pos == len(r.src) }

func (r *Reader) uvarint() (int, error) {
	if r.pos < len(r.src) && r.src[r.pos] < 0x80 {
		r.pos++
		return int(r.src[r.pos-1]), nil
	}
	v, n := binary.Uvarint(r.src[r.pos:])
	if n <= 0 || v > uint64(len(r.src)) {
		return 0, corrupt("bad varint at %d", r.pos)
	}
	r.pos += n
	return int(v), nil
}

// Count reads a count of attributes, list elements or set members.
func (r *Reader) Count() (int, error) {
	n, err := r.uvarint()
	if err == nil && n > len(r.src)-r.pos {
		return 0, corrupt("count %d exceeds the input at %d", n, r.pos)
	}
	return n, err
}

// Bytes reads a length-prefixed byte string: a name, an S, N or B value, or
// a set member.
func (r *Reader) Bytes() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	if n > len(r.src)-r.pos {
		return nil, corrupt("length %d exceeds the input at %d", n, r.pos)
	}
	r.pos += n
	return r.src[r.pos-n : r.pos : r.pos], nil
}

// Kind reads the tag of the next value.
func (r *Reader) Kind() (Kind, error) {
	if r.pos >= len(r.src) {
		return 0, corrupt("missing value")
	}
	k := Kind(r.src[r.pos])
	if k < KindS || k > KindBS {
		return 0, corrupt("unknown tag 0x%02x at %d", byte(k), r.pos)
	}
	r.pos++
	return k, nil
}

// Size returns the size of an encoded item by DynamoDB's rules, as
// ddb.Item.Size would for the decoded item, without decoding it (a read
// that returns stored items as they are needs only their sizes). It fails
// on input that is not an encoded item.
func Size(item []byte) (int, error) {
	r, err := NewReader(item)
	if err != nil {
		return 0, err
	}
	n, err := r.attrsSize(1, false)
	if err == nil && !r.Done() {
		err = corrupt("%d trailing bytes", len(r.src)-r.pos)
	}
	return n, err
}

// attrsSize is the size of a map's attributes: names and values, plus, in a
// nested map (M), one byte per element.
func (r *Reader) attrsSize(depth int, nested bool) (int, error) {
	if depth > MaxDepth {
		return 0, corrupt("nesting deeper than %d", MaxDepth)
	}
	count, err := r.Count()
	if err != nil {
		return 0, err
	}
	n := 0
	for range count {
		name, err := r.Bytes()
		if err != nil {
			return 0, err
		}
		v, err := r.valueSize(depth)
		if err != nil {
			return 0, err
		}
		n += len(name) + v
		if nested {
			n++
		}
	}
	return n, nil
}

func (r *Reader) valueSize(depth int) (int, error) {
	k, err := r.Kind()
	if err != nil {
		return 0, err
	}
	switch k {
	case KindS, KindB:
		b, err := r.Bytes()
		return len(b), err
	case KindN:
		b, err := r.Bytes()
		return ddb.NumberSize(string(b)), err
	case KindFalse, KindTrue, KindNULL:
		return 1, nil
	case KindM:
		n, err := r.attrsSize(depth+1, true)
		return 3 + n, err
	case KindL:
		if depth+1 > MaxDepth {
			return 0, corrupt("nesting deeper than %d", MaxDepth)
		}
		count, err := r.Count()
		if err != nil {
			return 0, err
		}
		n := 3
		for range count {
			v, err := r.valueSize(depth + 1)
			if err != nil {
				return 0, err
			}
			n += 1 + v
		}
		return n, nil
	default: // sets
		count, err := r.Count()
		if err != nil {
			return 0, err
		}
		n := 0
		for range count {
			b, err := r.Bytes()
			if err != nil {
				return 0, err
			}
			if k == KindNS {
				n += ddb.NumberSize(string(b))
			} else {
				n += len(b)
			}
		}
		return n, nil
	}
}
