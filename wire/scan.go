package wire

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dynago/dynago/ddb"
)

// maxJSONDepth bounds the nesting of JSON containers the decoder accepts, so
// that hostile input cannot exhaust the stack. DynamoDB's own limit on
// attribute values (32 levels) is far below it.
const maxJSONDepth = 1000

// token is the kind of the next JSON value.
type token uint8

const (
	tokInvalid token = iota
	tokObject
	tokArray
	tokString
	tokTrue
	tokFalse
	tokNull
	tokInt   // a number without fraction or exponent
	tokFloat // a number with a fraction or an exponent
)

// errSyntax is DynamoDB's answer to a body that is not JSON: a
// SerializationException without a message.
func errSyntax() error { return &ddb.Error{Type: ddb.ErrSerialization} }

func serialization(msg string) error { return &ddb.Error{Type: ddb.ErrSerialization, Message: msg} }

// scanner reads JSON from a byte slice. It never panics on malformed input.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next returns the kind of the next value after skipping white space,
// without consuming it. Numbers are classified by scanning them.
func (s *scanner) next() token {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return tokInvalid
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return tokObject
	case '[':
		return tokArray
	case '"':
		return tokString
	case 't':
		return tokTrue
	case 'f':
		return tokFalse
	case 'n':
		return tokNull
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			end, float, ok := s.numberEnd()
			if !ok || end == s.pos {
				return tokInvalid
			}
			if float {
				return tokFloat
			}
			return tokInt
		}
	}
	return tokInvalid
}

// consume skips white space and consumes c, or fails with a syntax error.
func (s *scanner) consume(c byte) error {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return nil
	}
	return errSyntax()
}

// literal consumes true, false or null.
func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return nil
	}
	return errSyntax()
}

// numberEnd scans a JSON number at s.pos and returns its end.
func (s *scanner) numberEnd() (end int, float bool, ok bool) {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i >= len(d) {
		return i, false, false
	}
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return i, false, false
	}
	if i < len(d) && d[i] == '.' {
		float = true
		i++
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return i, false, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		float = true
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return i, false, false
		}
	}
	return i, float, true
}

// number consumes a number and returns its text.
func (s *scanner) number() ([]byte, bool, error) {
	s.skipSpace()
	end, float, ok := s.numberEnd()
	if !ok {
		return nil, false, errSyntax()
	}
	lit := s.data[s.pos:end]
	s.pos = end
	return lit, float, nil
}

// rawString consumes a string and returns its contents. When the string has
// no escapes the result aliases the input; otherwise it is a new slice.
func (s *scanner) rawString() ([]byte, error) {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, errSyntax()
	}
	start := s.pos + 1
	ascii := true
	for i := start; i < len(s.data); i++ {
		if i+8 <= len(s.data) { // look at 8 bytes at a time
			m := special(binary.LittleEndian.Uint64(s.data[i:]))
			if m == 0 {
				i += 7 // and the loop's i++
				continue
			}
			i += bits.TrailingZeros64(m) >> 3 // the first byte that needs attention
		}
		c := s.data[i]
		if c == '"' {
			if !ascii && !utf8.Valid(s.data[start:i]) {
				return s.slowString(start, start)
			}
			s.pos = i + 1
			return s.data[start:i], nil
		}
		if c == '\\' || c < 0x20 {
			return s.slowString(start, i)
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return nil, errSyntax()
}

// str consumes a string and returns it as a Go string.
func (s *scanner) str() (string, error) {
	b, err := s.rawString()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *scanner) slowString(start, i int) ([]byte, error) {
	if !utf8.Valid(s.data[start:i]) {
		i = start
	}
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, s.data[start:i]...)
	d := s.data
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return buf, nil
		case c < 0x20:
			return nil, errSyntax()
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d[i:i+size]...)
			}
			i += size
			continue
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// escape
		i++
		if i >= len(d) {
			return nil, errSyntax()
		}
		switch d[i] {
		case '"', '\\', '/':
			buf = append(buf, d[i])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d, i+1)
			if !ok {
				return nil, errSyntax()
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+6 < len(d) && d[i+1] == '\\' && d[i+2] == 'u' {
					r2, ok2 = hex4(d, i+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, errSyntax()
		}
		i++
	}
	return nil, errSyntax()
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skip consumes one value of any kind, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxJSONDepth {
		return errSyntax()
	}
	switch s.next() {
	case tokObject:
		s.pos++
		return s.members(func(key []byte) error { return s.skip(depth + 1) })
	case tokArray:
		s.pos++
		return s.elements(func(int) error { return s.skip(depth + 1) })
	case tokString:
		_, err := s.rawString()
		return err
	case tokTrue:
		return s.literal("true")
	case tokFalse:
		return s.literal("false")
	case tokNull:
		return s.literal("null")
	case tokInt, tokFloat:
		_, _, err := s.number()
		return err
	}
	return errSyntax()
}

// members iterates over the members of an object whose '{' was consumed,
// calling fn with each key positioned at the member's value. fn must consume
// the value.
func (s *scanner) members(fn func(key []byte) error) error {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.rawString()
		if err != nil {
			return err
		}
		if err := s.consume(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return errSyntax()
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return errSyntax()
		}
	}
}

// elements iterates over the elements of an array whose '[' was consumed.
func (s *scanner) elements(fn func(i int) error) error {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return errSyntax()
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return errSyntax()
		}
	}
}

// parseInt converts a JSON number to an integer the way DynamoDB's
// framework does: a fraction is truncated and values beyond the range
// saturate.
func parseInt(lit []byte, float bool, min, max int64) int64 {
	if !float {
		n, err := strconv.ParseInt(string(lit), 10, 64)
		if err == nil {
			return clamp(n, min, max)
		}
		if len(lit) > 0 && lit[0] == '-' {
			return min
		}
		return max
	}
	f, _ := strconv.ParseFloat(string(lit), 64)
	switch {
	case f != f:
		return 0
	case f <= float64(min):
		return min
	case f >= float64(max):
		return max
	}
	return int64(f)
}

func clamp(n, min, max int64) int64 {
	if n < min {
		return min
	}
	if n > max {
		return max
	}
	return n
}
