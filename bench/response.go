package bench

import (
	"bytes"
	"errors"
	"io"
)

// Responses are not decoded on the hot path. A successful response is only
// searched for the one field a workload needs (Scan's LastEvaluatedKey,
// BatchWriteItem's UnprocessedItems); an error response for its __type.

// rawField returns the raw JSON value of the last occurrence of "name": in
// body, or nil. It is meant for top-level fields of DynamoDB responses whose
// values the generator wrote itself (so the name cannot occur inside a string
// value).
func rawField(body []byte, name string) []byte {
	var pat [64]byte
	p := append(pat[:0], '"')
	p = append(p, name...)
	p = append(p, '"')
	i := bytes.LastIndex(body, p)
	if i < 0 {
		return nil
	}
	rest := skipSpace(body[i+len(p):])
	if len(rest) == 0 || rest[0] != ':' {
		return nil
	}
	rest = skipSpace(rest[1:])
	n := jsonValueLen(rest)
	if n <= 0 {
		return nil
	}
	return rest[:n]
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// jsonValueLen returns the length of the JSON value at the start of b, or -1
// if it is not complete. Objects and arrays are matched by depth, skipping
// over strings (with their escapes); scalars end at the next delimiter.
func jsonValueLen(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	switch b[0] {
	case '"':
		return stringLen(b)
	case '{', '[':
		depth := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '"':
				n := stringLen(b[i:])
				if n < 0 {
					return -1
				}
				i += n - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default:
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return len(b)
	}
}

// stringLen returns the length of the JSON string starting at b[0] == '"',
// quotes included, or -1 if it is unterminated.
func stringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// isEmptyObject reports whether raw is "{}" (with any inner white space).
func isEmptyObject(raw []byte) bool {
	return len(raw) >= 2 && raw[0] == '{' && len(skipSpace(raw[1:])) == 1
}

// errorType returns the DynamoDB error type of an error response: the part of
// "__type" after '#' (e.g. ConditionalCheckFailedException), or "" if the body
// has none.
func errorType(body []byte) []byte {
	raw := rawField(body, "__type")
	if len(raw) < 2 || raw[0] != '"' {
		return nil
	}
	t := raw[1 : len(raw)-1]
	if i := bytes.LastIndexByte(t, '#'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// readBody reads r to EOF into buf (reusing its capacity) and returns it.
func readBody(r io.Reader, buf []byte, contentLength int64) ([]byte, error) {
	buf = buf[:0]
	if contentLength > 0 && int64(cap(buf)) < contentLength+1 {
		buf = make([]byte, 0, contentLength+512)
	}
	if cap(buf) == 0 {
		buf = make([]byte, 0, 4096)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return buf, err
		}
	}
}
