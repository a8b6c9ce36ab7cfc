package wire

import (
	"bytes"
	"encoding/base64"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dynago/dynago/ddb"
)

// Timestamp is a point in time, sent as DynamoDB sends dates: epoch seconds
// as a JSON number with a fraction (e.g. 1700000000.123).
type Timestamp time.Time

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

// MarshalJSON encodes t as epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) { return appendTimestamp(nil, t), nil }

// UnmarshalJSON decodes epoch seconds.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errSyntax()
	}
	*t = TimestampFromSeconds(f)
	return nil
}

// TimestampFromSeconds converts epoch seconds to a Timestamp (millisecond precision).
func TimestampFromSeconds(f float64) Timestamp {
	return Timestamp(time.UnixMilli(int64(math.Round(f * 1000))))
}

func appendTimestamp(dst []byte, t Timestamp) []byte {
	ms := time.Time(t).UnixMilli()
	if ms < 0 {
		return strconv.AppendFloat(dst, float64(ms)/1000, 'f', -1, 64)
	}
	dst = strconv.AppendInt(dst, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		dst = append(dst, '.')
		f := strconv.AppendInt(nil, frac+1000, 10)[1:] // three digits
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		dst = append(dst, f...)
	} else {
		dst = append(dst, ".0"...)
	}
	return dst
}

// MarshalJSON encodes the attribute map.
func (it Item) MarshalJSON() ([]byte, error) { return AppendItem(nil, ddb.Item(it)), nil }

// MarshalJSON encodes the attribute value.
func (v Value) MarshalJSON() ([]byte, error) {
	return AppendValue(nil, ddb.AttributeValue(v)), nil
}

// AppendItem appends the JSON of an attribute map to dst. Attributes with
// no value (ddb.TypeNone) are left out.
func AppendItem(dst []byte, it ddb.Item) []byte {
	dst = append(dst, '{')
	first := true
	for k, v := range it {
		if v.Type == ddb.TypeNone {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = AppendValue(dst, v)
	}
	return append(dst, '}')
}

// AppendValue appends the JSON of one attribute value to dst: B and BS are
// base64, N and NS are JSON strings, NULL is {"NULL":true}. The zero value
// is written as {}.
func AppendValue(dst []byte, v ddb.AttributeValue) []byte {
	switch v.Type {
	case ddb.TypeS:
		dst = append(dst, `{"S":`...)
		dst = appendString(dst, v.S)
	case ddb.TypeN:
		dst = append(dst, `{"N":`...)
		dst = appendString(dst, v.S)
	case ddb.TypeB:
		dst = append(dst, `{"B":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, v.B)
		dst = append(dst, '"')
	case ddb.TypeBOOL:
		if v.BOOL {
			dst = append(dst, `{"BOOL":true`...)
		} else {
			dst = append(dst, `{"BOOL":false`...)
		}
	case ddb.TypeNULL:
		dst = append(dst, `{"NULL":true`...)
	case ddb.TypeSS, ddb.TypeNS:
		if v.Type == ddb.TypeSS {
			dst = append(dst, `{"SS":[`...)
		} else {
			dst = append(dst, `{"NS":[`...)
		}
		for i, s := range v.SS {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		dst = append(dst, ']')
	case ddb.TypeBS:
		dst = append(dst, `{"BS":[`...)
		for i, b := range v.BS {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, b)
			dst = append(dst, '"')
		}
		dst = append(dst, ']')
	case ddb.TypeL:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e)
		}
		dst = append(dst, ']')
	case ddb.TypeM:
		dst = append(dst, `{"M":`...)
		dst = AppendItem(dst, v.M)
	default:
		dst = append(dst, '{')
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) { // look at 8 bytes at a time
			w := s[i : i+8]
			m := special(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56)
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3 // the first byte that needs attention
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func decodeRune[T string | []byte](s T) (rune, int) {
	switch s := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(s)
	case []byte:
		return utf8.DecodeRune(s)
	}
	return utf8.RuneError, 1
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special returns a mask with the high bit set in every byte of x (8 bytes
// of a string, little-endian) that needs attention in a JSON string: bytes
// >= 0x80, < 0x20, '"' and '\\'. False positives occur only in bytes above
// (after) a flagged byte: a borrow of the subtraction of 0x20 leaves a byte
// below 0x20, and the "has a zero byte" test for '"' and '\\' is exact for
// the lowest byte. So the lowest flagged byte is the first special one.
func special(x uint64) uint64 {
	q := x ^ (lsb * '"')
	bs := x ^ (lsb * '\\')
	return (x | (x - lsb*0x20) | (q-lsb)&^q | (bs-lsb)&^bs) & msb
}

// Marshal encodes an output struct (or any value built from the types of
// this package) as JSON.
func Marshal(v any) ([]byte, error) { return AppendJSON(make([]byte, 0, 256), v), nil }

// AppendJSON appends the JSON of v to dst. Struct fields are named by their
// json tags; with omitempty a nil pointer, slice or map, an empty string, a
// zero number, false and a zero Timestamp are left out. Non-nil empty
// slices and maps are written ([] and {}).
func AppendJSON(dst []byte, v any) []byte {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return append(dst, "null"...)
	}
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return append(dst, "null"...)
		}
		rv = rv.Elem()
	}
	return encodeValue(dst, rv, infoOf(rv.Type()))
}

func encodeValue(dst []byte, v reflect.Value, ti *typeInfo) []byte {
	switch ti.kind {
	case kString:
		return appendString(dst, v.String())
	case kBool:
		return strconv.AppendBool(dst, v.Bool())
	case kInt32, kInt64:
		return strconv.AppendInt(dst, v.Int(), 10)
	case kFloat64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, '0')
		}
		// DynamoDB sends doubles as Java does: 2.0, 0.5 (never 2).
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if !bytes.ContainsRune(dst[n:], '.') {
			dst = append(dst, ".0"...)
		}
		return dst
	case kBlob:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes())
		return append(dst, '"')
	case kTimestamp:
		return appendTimestamp(dst, Timestamp{}.fromReflect(v))
	case kItem:
		if v.IsNil() {
			return append(dst, "null"...)
		}
		return AppendItem(dst, ddb.Item(v.Interface().(Item)))
	case kEncoded:
		if v.IsNil() {
			return append(dst, "null"...)
		}
		out, err := AppendEncodedItem(dst, v.Bytes())
		if err != nil {
			// A stored item that does not decode is corruption or a bug:
			// the api handler recovers this and answers InternalServerError.
			panic(err)
		}
		return out
	case kValue:
		if v.CanAddr() {
			return AppendValue(dst, ddb.AttributeValue(*v.Addr().Interface().(*Value)))
		}
		return AppendValue(dst, ddb.AttributeValue(v.Interface().(Value)))
	case kList:
		if v.IsNil() {
			return append(dst, "null"...)
		}
		dst = append(dst, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = encodeValue(dst, v.Index(i), ti.elem)
		}
		return append(dst, ']')
	case kMap:
		if v.IsNil() {
			return append(dst, "null"...)
		}
		dst = append(dst, '{')
		iter := v.MapRange()
		first := true
		for iter.Next() {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, iter.Key().String())
			dst = append(dst, ':')
			dst = encodeValue(dst, iter.Value(), ti.elem)
		}
		return append(dst, '}')
	case kStruct:
		dst = append(dst, '{')
		first := true
		for i := range ti.fields {
			f := &ti.fields[i]
			fv := v.Field(f.index)
			if f.ptr {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			} else if f.omitempty && isEmpty(fv, f.info) {
				continue
			}
			if f.info.kind == kSkip {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, f.name)
			dst = append(dst, ':')
			dst = encodeValue(dst, fv, f.info)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

func isEmpty(v reflect.Value, ti *typeInfo) bool {
	switch ti.kind {
	case kString:
		return v.Len() == 0
	case kBool:
		return !v.Bool()
	case kInt32, kInt64:
		return v.Int() == 0
	case kFloat64:
		return v.Float() == 0
	case kBlob, kList, kMap, kItem, kEncoded:
		return v.IsNil()
	case kValue:
		return ddb.Type(v.Field(0).Uint()) == ddb.TypeNone
	case kTimestamp:
		return time.Time(Timestamp{}.fromReflect(v)).IsZero()
	}
	return false
}

func (Timestamp) fromReflect(v reflect.Value) Timestamp {
	if v.CanAddr() {
		return *v.Addr().Interface().(*Timestamp)
	}
	return v.Interface().(Timestamp)
}
