// Package number implements DynamoDB numbers: validation of number text as
// it arrives on the wire, canonical text, exact comparison and exact
// arithmetic with DynamoDB's limits.
//
// A DynamoDB number has at most 38 significant digits and a magnitude of
// 1E-130 to 9.9999999999999999999999999999999999999E+125 (or is zero): the
// decimal exponent of its leading digit lies in [-130, 125]. Dynago keeps
// every number as canonical text (see Canonical), which is what DynamoDB
// returns when the number is read back: plain decimal notation, no exponent,
// no '+', no leading zeros, no trailing fractional zeros, and "0" for any
// zero. Canonical text is what ddb.AttributeValue holds for N and NS.
package number

import (
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Limits of DynamoDB numbers.
const (
	// MaxDigits is the largest number of significant digits a number may have.
	MaxDigits = 38
	// MaxExponent is the largest decimal exponent of a number's leading digit.
	MaxExponent = 125
	// MinExponent is the smallest decimal exponent of a number's leading digit.
	MinExponent = -130
)

// DynamoDB's messages for numbers it refuses (ValidationException).
const (
	// MsgNotANumber is followed by ": " and the offending text, except when
	// the text is empty.
	MsgNotANumber = "The parameter cannot be converted to a numeric value"
	MsgOverflow   = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	MsgUnderflow  = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	MsgPrecision  = "Attempting to store more than 38 significant digits in a Number"
)

func errNotANumber(s string) *ddb.Error {
	if s == "" {
		return ddb.Validation(MsgNotANumber)
	}
	return ddb.Validation(MsgNotANumber + ": " + s)
}

// scan is the result of reading number text.
type scan struct {
	neg bool
	// digits are the significant digits, first and last non-zero, as they
	// stand in the source text; dot is the index in digits of a '.' among
	// them, or -1. Both are unset for zero.
	digits    string
	dot       int
	exp       int64 // decimal exponent of the leading digit
	zero      bool
	canonical bool // the source text is already canonical
}

// sigDigits returns the number of significant digits.
func (sc *scan) sigDigits() int {
	n := len(sc.digits)
	if sc.dot >= 0 {
		n--
	}
	return n
}

// read parses DynamoDB number text: an optional sign, digits with an
// optional '.', at least one digit in all, then an optional exponent ('e' or
// 'E', an optional sign, at least one digit). Nothing else, no whitespace.
// It reports ok=false for text that is not a number.
func read(s string) (sc scan, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		sc.neg = s[i] == '-'
		i++
	}
	mantStart := i
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	hasDot := false
	if i < len(s) && s[i] == '.' {
		hasDot = true
		i++
		fracStart = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracEnd = i
	}
	if intEnd == intStart && fracEnd == fracStart {
		return sc, false
	}
	mantEnd := i
	var exp int64
	hasExp := false
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		hasExp = true
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return sc, false
		}
		for ; i < len(s); i++ {
			if !isDigit(s[i]) {
				return sc, false
			}
			// Saturate: any exponent this large is out of range whatever
			// the mantissa, and saturating keeps the arithmetic below
			// from overflowing.
			if exp < 1<<40 {
				exp = exp*10 + int64(s[i]-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return sc, false
	}

	// Find the first and last non-zero digits of the mantissa (skipping
	// the '.').
	first, last := -1, -1
	for j := mantStart; j < mantEnd; j++ {
		if c := s[j]; c != '.' && c != '0' {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if first < 0 {
		sc.zero = true
		sc.canonical = s == "0"
		return sc, true
	}
	// Exponent of the first significant digit: its position relative to
	// the units digit (the last integer digit), plus the written exponent.
	var pos int64 // power of ten of s[first] before the written exponent
	if first < intEnd {
		pos = int64(intEnd - 1 - first)
	} else {
		pos = -int64(first - fracStart + 1)
	}
	sc.exp = pos + exp
	sc.digits = s[first : last+1]
	sc.dot = -1
	if hasDot && first < intEnd && last >= fracStart {
		sc.dot = intEnd - first
	}
	// Canonical: no '+', no exponent, integer part "0" or without a
	// leading zero, a '.' only with a fraction that does not end in '0'.
	sc.canonical = !hasExp && (mantStart == 0 || s[0] == '-') &&
		intEnd > intStart &&
		(s[intStart] != '0' || intEnd-intStart == 1) &&
		(!hasDot || (fracEnd > fracStart && s[fracEnd-1] != '0'))
	return sc, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// check applies DynamoDB's range and precision rules, in DynamoDB's order.
func (sc *scan) check() *ddb.Error {
	if sc.zero {
		return nil
	}
	switch {
	case sc.exp > MaxExponent:
		return ddb.Validation(MsgOverflow)
	case sc.exp < MinExponent:
		return ddb.Validation(MsgUnderflow)
	case sc.sigDigits() > MaxDigits:
		return ddb.Validation(MsgPrecision)
	}
	return nil
}

// Canonical validates DynamoDB number text as it arrives on the wire and
// returns its canonical text. It accepts what DynamoDB accepts: an optional
// sign, digits with an optional decimal point ("1.", ".5" and "+1" are
// numbers), and an optional exponent ("1e3", "1E+40", "2e-5"). Errors are
// ValidationExceptions with DynamoDB's messages: MsgNotANumber (with ": "
// and the text unless it is empty), MsgOverflow, MsgUnderflow and
// MsgPrecision, checked in that order.
//
// Canonical does not allocate when s is already canonical.
func Canonical(s string) (string, error) {
	if smallCanonicalInt(s) {
		return s, nil
	}
	sc, ok := read(s)
	if !ok {
		return "", errNotANumber(s)
	}
	if err := sc.check(); err != nil {
		return "", err
	}
	if sc.canonical {
		return s, nil
	}
	if sc.zero {
		return "0", nil
	}
	return string(sc.appendText(make([]byte, 0, textLen(sc.sigDigits(), int(sc.exp))+1))), nil
}

// appendText appends the canonical text of a non-zero scanned number.
func (sc *scan) appendText(dst []byte) []byte {
	if sc.dot < 0 {
		return appendText(dst, sc.neg, sc.digits, int(sc.exp))
	}
	// The digits straddle the source's '.': render without it.
	var buf [2 * MaxDigits]byte
	d := append(buf[:0], sc.digits[:sc.dot]...)
	d = append(d, sc.digits[sc.dot+1:]...)
	return appendText(dst, sc.neg, d, int(sc.exp))
}

// textLen is the length of the canonical text of a positive number with n
// significant digits whose leading digit has exponent exp.
func textLen(n, exp int) int {
	switch {
	case exp < 0:
		return 2 + (-exp - 1) + n // "0." zeros digits
	case n <= exp+1:
		return exp + 1
	default:
		return n + 1 // the '.'
	}
}

// appendText renders ±d1.d2d3…dn × 10^exp in plain decimal notation.
// digits must be non-empty ASCII digits with no leading or trailing zeros.
func appendText[T string | []byte](dst []byte, neg bool, digits T, exp int) []byte {
	if neg {
		dst = append(dst, '-')
	}
	n := len(digits)
	switch {
	case exp < 0:
		dst = append(dst, '0', '.')
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	case n <= exp+1:
		dst = append(dst, digits...)
		for range exp + 1 - n {
			dst = append(dst, '0')
		}
	default:
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		dst = append(dst, digits[exp+1:]...)
	}
	return dst
}

// IsCanonical reports whether s is the canonical text of a DynamoDB number
// (including the range and precision rules).
func IsCanonical(s string) bool {
	if smallCanonicalInt(s) {
		return true
	}
	sc, ok := read(s)
	return ok && sc.canonical && sc.check() == nil
}

// Digits appends the significant digits of number text s to dst (ASCII
// '1'..'9' first and last, no '.'), and reports the sign and the decimal
// exponent of the leading digit: s = ±d1.d2d3… × 10^exp. For zero it
// appends nothing and returns neg=false, exp=0. s may be any valid number
// text, canonical or not; range and precision are checked as in Canonical.
func Digits(dst []byte, s string) (digits []byte, neg bool, exp int, err error) {
	sc, ok := read(s)
	if !ok {
		return dst, false, 0, errNotANumber(s)
	}
	if e := sc.check(); e != nil {
		return dst, false, 0, e
	}
	if sc.zero {
		return dst, false, 0, nil
	}
	if sc.dot < 0 {
		dst = append(dst, sc.digits...)
	} else {
		dst = append(dst, sc.digits[:sc.dot]...)
		dst = append(dst, sc.digits[sc.dot+1:]...)
	}
	return dst, sc.neg, int(sc.exp), nil
}

// FromDigits appends the canonical text of ±d1.d2d3… × 10^exp to dst, where
// digits are the significant digits as Digits returns them (empty for zero;
// any leading or trailing '0's are dropped). It does not check DynamoDB's
// limits.
func FromDigits(dst []byte, neg bool, digits []byte, exp int) []byte {
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		exp--
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return append(dst, '0')
	}
	return appendText(dst, neg, digits, exp)
}

// Add returns a+b, exactly, as canonical text; a and b are number texts.
// The result must be a valid DynamoDB number: otherwise the error is
// MsgOverflow, MsgUnderflow or MsgPrecision (in that order), as DynamoDB
// answers for an UpdateItem ADD or SET a = b + c whose result is out of range.
func Add(a, b string) (string, error) { return addSub(a, b, false) }

// Sub returns a-b, exactly, as canonical text, with Add's rules.
func Sub(a, b string) (string, error) { return addSub(a, b, true) }

func addSub(a, b string, sub bool) (string, error) {
	// Fast path: small integers.
	if x, ok := smallInt(a); ok {
		if y, ok := smallInt(b); ok {
			if sub {
				y = -y
			}
			return formatInt(x + y), nil
		}
	}
	var bufA, bufB [MaxDigits]byte
	da, na, ea, err := Digits(bufA[:0], a)
	if err != nil {
		return "", err
	}
	db, nb, eb, err := Digits(bufB[:0], b)
	if err != nil {
		return "", err
	}
	if sub {
		nb = !nb
	}
	return addDigits(da, na, ea, db, nb, eb)
}

// addDigits returns ±0.da × 10^(ea+1) + ±0.db × 10^(eb+1) exactly, as
// canonical text, or DynamoDB's error for a result out of range. The
// operands are significant digits as Digits returns them (empty for zero),
// each at most 38 digits with its leading digit's exponent in [-130, 125],
// so the aligned sum fits in sumWidth digits.
func addDigits(da []byte, na bool, ea int, db []byte, nb bool, eb int) (string, error) {
	switch {
	case len(da) == 0 && len(db) == 0:
		return "0", nil
	case len(da) == 0:
		da, na, ea, db = db, nb, eb, nil
	}
	if len(db) == 0 {
		return string(FromDigits(nil, na, da, ea)), nil
	}
	// Column i of the sum holds the digit of 10^(hi+1-i); column 0 takes
	// the carry of the leading digits.
	hi := max(ea, eb)
	lo := min(ea-len(da)+1, eb-len(db)+1)
	width := hi - lo + 2
	var x, y [sumWidth]byte
	for i, c := range da {
		x[hi+1-(ea-i)] = c - '0'
	}
	for i, c := range db {
		y[hi+1-(eb-i)] = c - '0'
	}
	neg := na
	if na == nb {
		carry := byte(0)
		for i := width - 1; i >= 0; i-- {
			d := x[i] + y[i] + carry
			carry = d / 10
			x[i] = d % 10
		}
	} else {
		// Subtract the smaller magnitude from the larger; the sign is the larger's.
		cmp := 0
		for i := 0; i < width && cmp == 0; i++ {
			if x[i] != y[i] {
				cmp = 1
				if x[i] < y[i] {
					cmp = -1
				}
			}
		}
		switch cmp {
		case 0:
			return "0", nil
		case -1:
			x, y, neg = y, x, nb
		}
		borrow := 0
		for i := width - 1; i >= 0; i-- {
			d := int(x[i]) - int(y[i]) - borrow
			borrow = 0
			if d < 0 {
				d += 10
				borrow = 1
			}
			x[i] = byte(d)
		}
	}
	// Trim to the significant digits; exp is the leading digit's exponent.
	first, last := 0, width-1
	for first < width && x[first] == 0 {
		first++
	}
	for x[last] == 0 {
		last--
	}
	digits := x[first : last+1]
	for i := range digits {
		digits[i] += '0'
	}
	sc := scan{neg: neg, digits: string(digits), dot: -1, exp: int64(hi + 1 - first)}
	if err := sc.check(); err != nil {
		return "", err
	}
	return string(appendText(make([]byte, 0, textLen(len(digits), int(sc.exp))+1), neg, digits, int(sc.exp))), nil
}

// sumWidth bounds the columns of addDigits: leading digits at most at
// 10^125, last digits at least at 10^(-130-37), and a carry column.
const sumWidth = MaxExponent - (MinExponent - MaxDigits + 1) + 2

// smallCanonicalInt reports whether s is the canonical text of an integer
// of at most 17 digits (always within DynamoDB's limits): the common case,
// checked without the general parser.
func smallCanonicalInt(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	n := len(s) - i
	if n == 0 || n > 17 || s[i] == '0' && (n > 1 || i == 1) {
		return false // empty, too long, a leading zero, or "-0"
	}
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// smallInt parses canonical integer text of at most 17 digits.
func smallInt(s string) (int64, bool) {
	i := 0
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg = true
		i = 1
	}
	if len(s)-i == 0 || len(s)-i > 17 || (s[i] == '0' && len(s)-i > 1) {
		return 0, false
	}
	var v int64
	for ; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		if v == 0 {
			return 0, false // "-0" is not canonical
		}
		v = -v
	}
	return v, true
}

func formatInt(v int64) string {
	var buf [24]byte
	i := len(buf)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// Compare compares two canonical number texts by numeric value and returns
// -1, 0 or +1. It works on the text alone, without parsing or allocating.
// The result for text that is not canonical is unspecified.
func Compare(a, b string) int {
	an := len(a) > 0 && a[0] == '-'
	bn := len(b) > 0 && b[0] == '-'
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	if an {
		return compareAbs(b[1:], a[1:])
	}
	return compareAbs(a, b)
}

// compareAbs compares two unsigned canonical texts.
func compareAbs(a, b string) int {
	ai := strings.IndexByte(a, '.')
	if ai < 0 {
		ai = len(a)
	}
	bi := strings.IndexByte(b, '.')
	if bi < 0 {
		bi = len(b)
	}
	// Integer parts have no leading zeros (except a lone "0"): the longer
	// one is the larger; equal lengths compare as text.
	if ai != bi {
		if ai < bi {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a[:ai], b[:bi]); c != 0 {
		return c
	}
	// Fractions have no trailing zeros: they compare as text.
	var af, bf string
	if ai < len(a) {
		af = a[ai+1:]
	}
	if bi < len(b) {
		bf = b[bi+1:]
	}
	return strings.Compare(af, bf)
}
