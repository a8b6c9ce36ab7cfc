package ddb

// Item sizes by DynamoDB's rules (Developer Guide, "DynamoDB item sizes and
// formats"). They drive the 400 KB item limit and consumed capacity
// (1 KB write units, 4 KB read units).
//
//   - An item is the sum, over its attributes, of the UTF-8 length of the
//     attribute name plus the size of the value.
//   - S: its UTF-8 length. B: its raw length (not the base64 text).
//   - N: 1 byte plus one byte per pair of digits in base 100 (digits grouped
//     in pairs around the decimal point, leading and trailing zero pairs
//     dropped), plus 1 more byte if negative; zero is 1 byte. This is the
//     documented "1 byte per two significant digits, plus 1 byte", made
//     exact as dynalite measured it against DynamoDB: 27 is 2 bytes, -27
//     is 3, 461 is 3, 1.2 is 3, 0.00012 is 3. No number is more than 21
//     bytes: a negative number with 20 base-100 digits gets no extra byte
//     (DynamoDB Local's consumed capacity shows this cap; dynalite's
//     formula would say 22 for e.g. -1.2345678901234567890123456789012345678).
//   - BOOL and NULL: 1 byte.
//   - SS, NS, BS: the sum of their members' sizes.
//   - L and M: 3 bytes, plus for each element 1 byte and its size; a map
//     element's size includes the UTF-8 length of its name.

// MaxItemSize is DynamoDB's limit on an item's size (400 KB).
const MaxItemSize = 400 * 1024

// Size returns the item's size in bytes by DynamoDB's rules: for each
// attribute, the length of its name plus the size of its value.
func (it Item) Size() int {
	n := 0
	for name, v := range it {
		n += len(name) + v.Size()
	}
	return n
}

// Size returns the size of the value in bytes by DynamoDB's rules, without
// any attribute name. The zero value has size 0.
func (v AttributeValue) Size() int {
	switch v.Type {
	case TypeS:
		return len(v.S)
	case TypeN:
		return NumberSize(v.S)
	case TypeB:
		return len(v.B)
	case TypeBOOL, TypeNULL:
		return 1
	case TypeSS:
		n := 0
		for _, s := range v.SS {
			n += len(s)
		}
		return n
	case TypeNS:
		n := 0
		for _, s := range v.SS {
			n += NumberSize(s)
		}
		return n
	case TypeBS:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	case TypeL:
		n := 3
		for _, e := range v.L {
			n += 1 + e.Size()
		}
		return n
	case TypeM:
		n := 3
		for name, e := range v.M {
			n += 1 + len(name) + e.Size()
		}
		return n
	}
	return 0
}

// NumberSize returns the size in bytes of a number given as canonical text
// (see package number): 1 byte, plus the number of base-100 digits of its
// significant digits aligned on the decimal point, plus 1 if negative, but
// at most 21. Zero is 1 byte.
func NumberSize(canonical string) int {
	s := canonical
	size := 1
	if len(s) > 0 && s[0] == '-' {
		size++
		s = s[1:]
	}
	// Split into integer and fraction parts.
	dot := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	intPart, frac := s[:dot], ""
	if dot < len(s) {
		frac = s[dot+1:]
	}
	// n significant digits, the first with decimal exponent e.
	var n, e int
	if intPart != "0" && intPart != "" {
		e = len(intPart) - 1
		n = len(intPart) + len(frac)
		if frac == "" {
			for n > 1 && intPart[n-1] == '0' {
				n--
			}
		}
	} else {
		lz := 0
		for lz < len(frac) && frac[lz] == '0' {
			lz++
		}
		if lz == len(frac) {
			return 1 // zero
		}
		e = -(lz + 1)
		n = len(frac) - lz
	}
	// Digit k (decimal exponent) falls in base-100 digit floor(k/2); the
	// digits run from exponent e down to e-n+1.
	return min(maxNumberSize, size+(e>>1)-((e-n+1)>>1)+1)
}

// maxNumberSize is the most bytes a number takes: an exponent byte and 20
// base-100 digits (38 significant digits, misaligned by one).
const maxNumberSize = 21
