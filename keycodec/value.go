package keycodec

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// ErrCorrupt is returned (wrapped) when bytes are not a valid encoding.
var ErrCorrupt = errors.New("keycodec: corrupt key")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Escape and terminator bytes of the S and B encodings.
const (
	escByte  = 0x00
	escMark  = 0xFF // 0x00 0xFF is a literal 0x00
	termMark = 0x01 // 0x00 0x01 ends the value
)

// Tags of the N encoding.
const (
	tagNegative = 0x01
	tagZero     = 0x02
	tagPositive = 0x03
	expBias     = 64
	maxCenti    = 20 // base-100 digits of a 38-digit number (plus a pad digit)
)

// AppendS appends the order-preserving encoding of s.
func AppendS(dst []byte, s string) []byte {
	for {
		i := indexZero(s)
		if i < 0 {
			dst = append(dst, s...)
			return append(dst, escByte, termMark)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, escByte, escMark)
		s = s[i+1:]
	}
}

// AppendB appends the order-preserving encoding of b.
func AppendB(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			dst = append(dst, b...)
			return append(dst, escByte, termMark)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, escByte, escMark)
		b = b[i+1:]
	}
}

func indexZero(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// appendEscaped appends b with 0x00 escaped and no terminator: the prefix
// that every encoding of a value beginning with b starts with.
func appendEscaped(dst, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			dst = append(dst, escByte, escMark)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendN appends the order-preserving encoding of a number. num is number
// text as package number accepts it, normally canonical; equal numbers
// encode alike whatever their text. AppendN panics if num is not a valid
// DynamoDB number: key values are validated before they are encoded.
func AppendN(dst []byte, num string) []byte {
	var buf [number.MaxDigits + 2]byte
	digits, neg, exp, err := number.Digits(buf[1:1], num)
	if err != nil {
		panic(fmt.Sprintf("keycodec.AppendN(%q): %v", num, err))
	}
	if len(digits) == 0 {
		return append(dst, tagZero)
	}
	// Align on base-100 digits: the leading decimal digit has exponent exp;
	// pad with a leading 0 when exp is even so that pairs fall on the
	// decimal point. Then 0.c1c2… × 100^E with E = floor(exp/2)+1.
	e := exp >> 1 // floor
	d := digits
	if exp&1 == 0 {
		d = buf[0 : len(digits)+1]
		d[0] = '0'
	}
	mask := byte(0)
	tag := byte(tagPositive)
	if neg {
		mask, tag = 0xFF, tagNegative
	}
	dst = append(dst, tag, byte(e+1+expBias)^mask)
	for i := 0; i < len(d); i += 2 {
		c := (d[i] - '0') * 10
		if i+1 < len(d) {
			c += d[i+1] - '0'
		}
		b := 2*c + 1
		if i+2 >= len(d) {
			b = 2 * c
		}
		dst = append(dst, b^mask)
	}
	return dst
}

// AppendValue appends the order-preserving encoding of a key value of type
// S, N or B. It panics for any other type.
func AppendValue(dst []byte, v ddb.AttributeValue) []byte {
	switch v.Type {
	case ddb.TypeS:
		return AppendS(dst, v.S)
	case ddb.TypeN:
		return AppendN(dst, v.S)
	case ddb.TypeB:
		return AppendB(dst, v.B)
	}
	panic("keycodec.AppendValue: not a key type: " + v.Type.String())
}

// AppendValuePrefix appends the bytes that begin the encoding of every S or
// B value starting with v's bytes, and no other: the bounds of a
// begins_with condition. It panics for other types.
func AppendValuePrefix(dst []byte, v ddb.AttributeValue) []byte {
	switch v.Type {
	case ddb.TypeS:
		for i := 0; i < len(v.S); i++ {
			if c := v.S[i]; c == 0 {
				dst = append(dst, escByte, escMark)
			} else {
				dst = append(dst, c)
			}
		}
		return dst
	case ddb.TypeB:
		return appendEscaped(dst, v.B)
	}
	panic("keycodec.AppendValuePrefix: not S or B: " + v.Type.String())
}

// DecodeValue decodes one value of type t (S, N or B) from the front of src
// and returns it with the bytes after it. The value never aliases src. N
// values come back as canonical text.
func DecodeValue(src []byte, t ddb.Type) (ddb.AttributeValue, []byte, error) {
	switch t {
	case ddb.TypeS:
		b, rest, err := decodeBytes(src)
		if err != nil {
			return ddb.AttributeValue{}, src, err
		}
		return ddb.S(string(b)), rest, nil
	case ddb.TypeB:
		b, rest, err := decodeBytes(src)
		if err != nil {
			return ddb.AttributeValue{}, src, err
		}
		return ddb.B(bytes.Clone(b)), rest, nil
	case ddb.TypeN:
		var buf [64]byte
		text, rest, err := appendDecodedN(buf[:0], src)
		if err != nil {
			return ddb.AttributeValue{}, src, err
		}
		return ddb.N(string(text)), rest, nil
	}
	return ddb.AttributeValue{}, src, fmt.Errorf("keycodec.DecodeValue: not a key type: %s", t)
}

// decodeBytes decodes an S or B encoding. The result aliases src when it
// has no escapes, and is a new slice otherwise.
func decodeBytes(src []byte) (b, rest []byte, err error) {
	i := bytes.IndexByte(src, escByte)
	if i < 0 || i+1 >= len(src) {
		return nil, src, corrupt("unterminated string")
	}
	if src[i+1] == termMark {
		return src[:i:i], src[i+2:], nil
	}
	out := make([]byte, 0, len(src))
	for {
		if i < 0 || i+1 >= len(src) {
			return nil, src, corrupt("unterminated string")
		}
		out = append(out, src[:i]...)
		switch src[i+1] {
		case termMark:
			return out, src[i+2:], nil
		case escMark:
			out = append(out, 0)
		default:
			return nil, src, corrupt("bad escape 0x00 0x%02x", src[i+1])
		}
		src = src[i+2:]
		i = bytes.IndexByte(src, escByte)
	}
}

// appendDecodedN decodes an N encoding from the front of src and appends the
// number's canonical text to dst.
func appendDecodedN(dst, src []byte) (text, rest []byte, err error) {
	if len(src) == 0 {
		return dst, src, corrupt("empty number")
	}
	var mask byte
	switch src[0] {
	case tagZero:
		return append(dst, '0'), src[1:], nil
	case tagPositive:
	case tagNegative:
		mask = 0xFF
	default:
		return dst, src, corrupt("bad number tag 0x%02x", src[0])
	}
	if len(src) < 3 {
		return dst, src, corrupt("short number")
	}
	eb := src[1] ^ mask
	if eb >= 2*expBias {
		return dst, src, corrupt("bad number exponent")
	}
	e := int(eb) - expBias // value is 0.c1c2… × 100^e
	var digits [2 * maxCenti]byte
	n := 0
	i := 2
	for ; ; i++ {
		if i >= len(src) {
			return dst, src, corrupt("unterminated number")
		}
		if n == 2*maxCenti {
			return dst, src, corrupt("number too long")
		}
		b := src[i] ^ mask
		c := b >> 1
		if c > 99 {
			return dst, src, corrupt("bad number digit")
		}
		digits[n], digits[n+1] = '0'+c/10, '0'+c%10
		n += 2
		if b&1 == 0 {
			if c == 0 {
				return dst, src, corrupt("number ends in a zero digit")
			}
			break
		}
	}
	if digits[0] == '0' && digits[1] == '0' {
		return dst, src, corrupt("number starts with a zero digit")
	}
	// 0.c1c2… × 100^e = d1.d2… × 10^(2e-1).
	d := digits[:n]
	exp := 2*e - 1
	if d[0] == '0' {
		d, exp = d[1:], exp-1
	}
	if d[len(d)-1] == '0' {
		d = d[:len(d)-1]
	}
	if len(d) > number.MaxDigits || exp > number.MaxExponent || exp < number.MinExponent {
		return dst, src, corrupt("number out of range")
	}
	return number.FromDigits(dst, mask != 0, d, exp), src[i+1:], nil
}
