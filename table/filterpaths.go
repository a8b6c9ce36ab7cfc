package table

import "strings"

// TEMPORARY: package expr does not (yet) say which document paths a parsed
// Condition uses, which Query and Scan need for DynamoDB's checks on key
// attributes in filters ("Filter Expression can only contain non-primary
// key attributes", "Key attributes must be scalars"). Until expr exports
// something like Condition.Paths(), filterExprInfo recovers the paths from
// the expression text. It is only called on text expr.ParseFilter accepted,
// so a simple tokenizer is enough: a path is a name (word or #placeholder)
// followed by any number of .name and [n] elements; a word followed by '('
// is a function; AND, OR, NOT, BETWEEN and IN are keywords; :values are
// skipped. Replace with expr's own path list when it has one.
func filterExprInfo(text string, names map[string]string) *filterInfo {
	fi := &filterInfo{heads: map[string]bool{}, nested: map[string]bool{}}
	i, n := 0, len(text)
	skipSpace := func() {
		for i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
			i++
		}
	}
	word := func() string {
		start := i
		for i < n && isWordByte(text[i]) {
			i++
		}
		return text[start:i]
	}
	// element reads one name element at i (a word or a #placeholder);
	// ok is false if there is none.
	element := func() (string, bool) {
		if i < n && text[i] == '#' {
			i++
			ref := "#" + word()
			return names[ref], true
		}
		if i < n && isLetterByte(text[i]) {
			return word(), true
		}
		return "", false
	}
	for i < n {
		c := text[i]
		switch {
		case c == ':':
			i++
			word()
		case c == '#' || isLetterByte(c):
			isPlaceholder := c == '#'
			start := i
			name, _ := element()
			if !isPlaceholder {
				raw := text[start:i]
				save := i
				skipSpace()
				if i < n && text[i] == '(' {
					continue // a function name
				}
				i = save
				switch strings.ToUpper(raw) {
				case "AND", "OR", "NOT", "BETWEEN", "IN":
					continue
				}
			}
			fi.heads[name] = true
			for {
				save := i
				skipSpace()
				if i < n && text[i] == '.' {
					i++
					skipSpace()
					element()
					fi.nested[name] = true
					continue
				}
				if i < n && text[i] == '[' {
					for i < n && text[i] != ']' {
						i++
					}
					i++
					fi.nested[name] = true
					continue
				}
				i = save
				break
			}
		default:
			i++
		}
	}
	return fi
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool { return isLetterByte(c) || c >= '0' && c <= '9' || c == '_' }
