package expr

// The lexer turns expression text into tokens. Its rules follow DynamoDB's
// expression grammar as observed:
//
//   - whitespace is space, tab, CR and LF;
//   - a name is a letter followed by letters, digits and '_';
//   - "#x" is an expression attribute name and ":x" an expression attribute
//     value, where x is one or more letters, digits or '_';
//   - a list index is 0 or a digit 1-9 followed by digits ("01" is two tokens);
//   - AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD and DELETE are keywords in
//     any letter case;
//   - every other character is a token of its own that no grammar rule
//     accepts, so it becomes the offending token of a syntax error.

type tokKind uint8

const (
	tEOF tokKind = iota
	tName
	tNameRef  // #name
	tValueRef // :value
	tInt
	tDot
	tLBracket
	tRBracket
	tLParen
	tRParen
	tComma
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tPlus
	tMinus
	tAnd
	tOr
	tNot
	tBetween
	tIn
	tSet
	tRemove
	tAdd
	tDelete
	tBad // a character no rule accepts
)

type token struct {
	kind       tokKind
	start, end int // byte offsets in the expression text
}

var keywords = map[string]tokKind{
	"and": tAnd, "or": tOr, "not": tNot, "between": tBetween, "in": tIn,
	"set": tSet, "remove": tRemove, "add": tAdd, "delete": tDelete,
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigitB(c byte) bool { return c >= '0' && c <= '9' }
func isWordChar(c byte) bool {
	return isLetter(c) || isDigitB(c) || c == '_'
}

// keywordKind reports whether the word s is a keyword, in any letter case.
func keywordKind(s string) (tokKind, bool) {
	if len(s) < 2 || len(s) > 7 {
		return 0, false
	}
	var buf [7]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	k, ok := keywords[string(buf[:len(s)])]
	return k, ok
}

// lex splits s into tokens, ending with a tEOF token at len(s).
func lex(s string, toks []token) []token {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isLetter(c):
			j := i + 1
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			kind := tName
			if k, ok := keywordKind(s[i:j]); ok {
				kind = k
			}
			toks = append(toks, token{kind, i, j})
			i = j
			continue
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			if j == i+1 {
				toks = append(toks, token{tBad, i, i + 1})
				i++
				continue
			}
			kind := tNameRef
			if c == ':' {
				kind = tValueRef
			}
			toks = append(toks, token{kind, i, j})
			i = j
			continue
		case isDigitB(c):
			j := i + 1
			if c != '0' {
				for j < len(s) && isDigitB(s[j]) {
					j++
				}
			}
			toks = append(toks, token{tInt, i, j})
			i = j
			continue
		}
		kind := tBad
		n := 1
		switch c {
		case '.':
			kind = tDot
		case '[':
			kind = tLBracket
		case ']':
			kind = tRBracket
		case '(':
			kind = tLParen
		case ')':
			kind = tRParen
		case ',':
			kind = tComma
		case '=':
			kind = tEq
		case '+':
			kind = tPlus
		case '-':
			kind = tMinus
		case '<':
			kind = tLt
			if i+1 < len(s) {
				switch s[i+1] {
				case '>':
					kind, n = tNe, 2
				case '=':
					kind, n = tLe, 2
				}
			}
		case '>':
			kind = tGt
			if i+1 < len(s) && s[i+1] == '=' {
				kind, n = tGe, 2
			}
		default:
			if c >= 0x80 {
				n = utf8Len(s[i:])
			}
		}
		toks = append(toks, token{kind, i, i + n})
		i += n
	}
	return append(toks, token{tEOF, len(s), len(s)})
}

// utf8Len is the length of the UTF-8 sequence at the start of s (1 for a
// byte that starts no valid sequence).
func utf8Len(s string) int {
	c := s[0]
	n := 1
	switch {
	case c >= 0xF0 && c < 0xF8:
		n = 4
	case c >= 0xE0:
		n = 3
	case c >= 0xC0:
		n = 2
	}
	if n > len(s) {
		return 1
	}
	for k := 1; k < n; k++ {
		if s[k]&0xC0 != 0x80 {
			return 1
		}
	}
	return n
}

// utf16Len is the length of s in UTF-16 code units, which is how DynamoDB
// measures the size of an expression.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
