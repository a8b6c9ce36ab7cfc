package wire

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// Item is an attribute map as it appears on the wire: Item, Key,
// ExclusiveStartKey, LastEvaluatedKey, ExpressionAttributeValues, ...
// Numbers are canonical (see number.Canonical) once decoded.
type Item ddb.Item

// Value is a single attribute value on the wire (Expected.Value, the
// legacy AttributeValueList, AttributeUpdates.Value). The zero Value
// (Type ddb.TypeNone) means absent.
type Value ddb.AttributeValue

// ValueError is an invalid attribute value found while decoding a request.
// DynamoDB reports these only after the request passed shape validation and
// some request-level checks, so Decode records them in the input struct and
// the operation's Validate reports the first one at the right moment.
type ValueError struct {
	// Path locates the value from the request root: field names, map keys
	// and list indexes, e.g. ["Item", "color"], ["ExpressionAttributeValues",
	// ":v"], ["Expected", "a", "AttributeValueList", "0"].
	Path []string
	// Err is DynamoDB's message for the value without any context prefix.
	Err *ddb.Error
	// Null reports that the value itself was JSON null.
	Null bool
	// Nesting reports that Err is MsgNestingTooDeep, which DynamoDB raises
	// only for items it stores (not for keys or ExpressionAttributeValues).
	Nesting bool
}

// valueErrors is embedded in input structs that hold attribute values.
type valueErrors struct{ list []ValueError }

// ValueErrors returns the invalid attribute values found while decoding, in
// document order.
func (v *valueErrors) ValueErrors() []ValueError { return v.list }

func (v *valueErrors) addValueError(e ValueError) { v.list = append(v.list, e) }

type valueErrorSink interface{ addValueError(ValueError) }

// first returns the first value error under the given path prefix. With
// items false, nesting errors are skipped (DynamoDB checks nesting only for
// items it stores).
func (v *valueErrors) first(items bool, prefix ...string) *ValueError {
	for i := range v.list {
		e := &v.list[i]
		if e.Nesting && !items {
			continue
		}
		if hasPrefix(e.Path, prefix) {
			return e
		}
	}
	return nil
}

func hasPrefix(path, prefix []string) bool {
	if len(path) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if path[i] != p {
			return false
		}
	}
	return true
}

// pathElem is one step of the decoder's position: a name or a list index.
type pathElem struct {
	name string
	idx  int // -1 for names
}

// decoder is the state of one Decode call.
type decoder struct {
	scanner
	path []pathElem
	errs []ValueError

	// problems of the top-level attribute value being decoded
	prob     *ddb.Error // first problem of any kind
	probNest bool       // prob is the nesting problem
	plain    *ddb.Error // first problem that is not the nesting problem
}

func (d *decoder) problem(e *ddb.Error, nesting bool) {
	if d.prob == nil {
		d.prob, d.probNest = e, nesting
	}
	if !nesting && d.plain == nil {
		d.plain = e
	}
}

func (d *decoder) resetProblems() { d.prob, d.probNest, d.plain = nil, false, nil }

// flushProblems records the problems of the current value, located at the
// decoder's path plus name (if not empty), and reports whether there were any.
func (d *decoder) flushProblems(name string, hasName bool) bool {
	if d.prob == nil {
		return false
	}
	path := d.pathStrings(name, hasName)
	d.errs = append(d.errs, ValueError{Path: path, Err: d.prob, Nesting: d.probNest})
	if d.probNest && d.plain != nil {
		d.errs = append(d.errs, ValueError{Path: path, Err: d.plain})
	}
	d.resetProblems()
	return true
}

func (d *decoder) nullValue(name string, hasName bool) {
	msg := MsgNullValue
	if hasName {
		msg += ": " + name + " is null"
	}
	d.errs = append(d.errs, ValueError{Path: d.pathStrings(name, hasName), Err: invalidValue(msg), Null: true})
}

func (d *decoder) pathStrings(name string, hasName bool) []string {
	n := len(d.path)
	if hasName {
		n++
	}
	out := make([]string, 0, n)
	for _, p := range d.path {
		if p.idx >= 0 {
			out = append(out, itoa(p.idx))
		} else {
			out = append(out, p.name)
		}
	}
	if hasName {
		out = append(out, name)
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// item decodes an attribute map. member tells whether the map itself is a
// list member (for type-mismatch messages).
func (d *decoder) item(member bool) (Item, error) {
	t := d.next()
	if t != tokObject {
		return nil, mismatch(tiItem, member, t)
	}
	d.pos++
	it := make(Item)
	err := d.members(func(key []byte) error {
		name := string(key)
		if d.next() == tokNull {
			d.nullValue(name, true)
			return d.literal("null")
		}
		d.resetProblems()
		if name == "" {
			d.problem(invalidValue(MsgEmptyAttrName), false)
		}
		v, err := d.value(true, 1)
		if err != nil {
			return err
		}
		if !d.flushProblems(name, true) {
			it[name] = v
		}
		return nil
	})
	return it, err
}

// single decodes one attribute value at a field (member false) or list
// position (member true). A JSON null is reported as absent (ok false).
func (d *decoder) single(member bool) (v ddb.AttributeValue, ok bool, err error) {
	if d.next() == tokNull {
		if member {
			d.nullValue("", false)
		}
		return v, false, d.literal("null")
	}
	d.resetProblems()
	v, err = d.value(member, 1)
	if err != nil {
		return v, false, err
	}
	if d.flushProblems("", false) {
		return v, false, nil
	}
	return v, true, nil
}

// value decodes one AttributeValue at nesting level depth. Problems with
// the value are recorded with d.problem; the error is a serialization error.
func (d *decoder) value(member bool, depth int) (ddb.AttributeValue, error) {
	var v ddb.AttributeValue
	t := d.next()
	if t != tokObject {
		return v, mismatch(tiValue, member, t)
	}
	if depth > maxJSONDepth/2 {
		return v, invalidValue(MsgNestingTooDeep)
	}
	d.pos++
	var seen uint16
	types := 0
	set := func(typ ddb.Type) bool {
		if seen&(1<<typ) == 0 {
			seen |= 1 << typ
			types++
		}
		if v.Type == ddb.TypeNone || v.Type == typ {
			v.Type = typ
			return true
		}
		return false
	}
	err := d.members(func(key []byte) error {
		t := d.next()
		if t == tokNull {
			return d.literal("null")
		}
		switch string(key) {
		case "S":
			if t != tokString {
				return mismatch(tiString, false, t)
			}
			s, err := d.str()
			if err != nil {
				return err
			}
			if set(ddb.TypeS) {
				v.S = s
			}
		case "N":
			if t != tokString {
				return mismatch(tiString, false, t)
			}
			raw, err := d.rawString()
			if err != nil {
				return err
			}
			n, nerr := canonicalNumber(raw)
			if nerr != nil {
				d.problem(nerr, false)
			}
			if set(ddb.TypeN) {
				v.S = n
			}
		case "B":
			b, err := d.blob(false, t)
			if err != nil {
				return err
			}
			if set(ddb.TypeB) {
				v.B = b
			}
		case "BOOL":
			b, err := d.boolean(t)
			if err != nil {
				return err
			}
			if set(ddb.TypeBOOL) {
				v.BOOL = b
			}
		case "NULL":
			b, err := d.boolean(t)
			if err != nil {
				return err
			}
			if !b {
				d.problem(invalidValue(MsgNullFalse), false)
			}
			set(ddb.TypeNULL)
		case "SS":
			ss, err := d.stringSet(t)
			if err != nil {
				return err
			}
			if set(ddb.TypeSS) {
				v.SS = ss
			}
		case "NS":
			ns, err := d.numberSet(t)
			if err != nil {
				return err
			}
			if set(ddb.TypeNS) {
				v.SS = ns
			}
		case "BS":
			bs, err := d.binarySet(t)
			if err != nil {
				return err
			}
			if set(ddb.TypeBS) {
				v.BS = bs
			}
		case "L":
			if t != tokArray {
				return mismatch(tiValList, false, t)
			}
			if depth > MaxNesting {
				d.problem(invalidValue(MsgNestingTooDeep), true)
			}
			d.pos++
			l := []ddb.AttributeValue{}
			err := d.elements(func(int) error {
				if d.next() == tokNull {
					d.problem(invalidValue(MsgNullValue), false)
					return d.literal("null")
				}
				e, err := d.value(true, depth+1)
				l = append(l, e)
				return err
			})
			if err != nil {
				return err
			}
			if set(ddb.TypeL) {
				v.L = l
			}
		case "M":
			if t != tokObject {
				return mismatch(tiItem, false, t)
			}
			if depth > MaxNesting {
				d.problem(invalidValue(MsgNestingTooDeep), true)
			}
			d.pos++
			m := map[string]ddb.AttributeValue{}
			err := d.members(func(key []byte) error {
				name := string(key)
				if d.next() == tokNull {
					d.problem(invalidValue(MsgNullValue+": "+name+" is null"), false)
					return d.literal("null")
				}
				if name == "" {
					d.problem(invalidValue(MsgEmptyAttrName), false)
				}
				e, err := d.value(true, depth+1)
				m[name] = e
				return err
			})
			if err != nil {
				return err
			}
			if set(ddb.TypeM) {
				v.M = m
			}
		default:
			return d.skip(depth)
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	switch {
	case types == 0:
		d.problem(invalidValue(MsgEmptyValue), false)
	case types > 1:
		d.problem(invalidValue(MsgMultipleTypes), false)
	}
	return v, nil
}

func (d *decoder) boolean(t token) (bool, error) {
	switch t {
	case tokTrue:
		return true, d.literal("true")
	case tokFalse:
		return false, d.literal("false")
	}
	return false, mismatch(tiBool, false, t)
}

// canonicalNumber validates number text and returns its canonical form.
func canonicalNumber(raw []byte) (string, *ddb.Error) {
	n, err := number.Canonical(string(raw))
	if err != nil {
		if de, ok := err.(*ddb.Error); ok {
			return "", de
		}
		return "", invalidValue(err.Error())
	}
	return n, nil
}

func (d *decoder) stringSet(t token) ([]string, error) {
	if t != tokArray {
		return nil, mismatch(tiStrList, false, t)
	}
	d.pos++
	ss := []string{}
	n, nulls := 0, false
	err := d.elements(func(int) error {
		n++
		t := d.next()
		if t == tokNull {
			nulls = true
			return d.literal("null")
		}
		if t != tokString {
			return mismatch(tiString, true, t)
		}
		s, err := d.str()
		ss = append(ss, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		d.problem(invalidValue(MsgEmptySS), false)
	case nulls:
		d.problem(invalidValue(MsgNullInSS), false)
	case hasDuplicate(ss):
		d.problem(invalidValue(msgInvalidParams+"Input collection ["+strings.Join(ss, ", ")+"] contains duplicates."), false)
	}
	return ss, nil
}

func (d *decoder) numberSet(t token) ([]string, error) {
	if t != tokArray {
		return nil, mismatch(tiStrList, false, t)
	}
	d.pos++
	ns := []string{}
	var bad *ddb.Error
	err := d.elements(func(int) error {
		t := d.next()
		var raw []byte
		if t == tokNull {
			if err := d.literal("null"); err != nil {
				return err
			}
		} else if t != tokString {
			return mismatch(tiString, true, t)
		} else {
			var err error
			if raw, err = d.rawString(); err != nil {
				return err
			}
		}
		n, nerr := canonicalNumber(raw)
		if nerr != nil && bad == nil {
			bad = nerr
		}
		ns = append(ns, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case len(ns) == 0:
		d.problem(invalidValue(MsgEmptyNS), false)
	case bad != nil:
		d.problem(bad, false)
	case hasDuplicate(ns):
		d.problem(invalidValue(MsgDuplicateNS), false)
	}
	return ns, nil
}

func (d *decoder) binarySet(t token) ([][]byte, error) {
	if t != tokArray {
		return nil, mismatch(tiBlobList, false, t)
	}
	d.pos++
	bs := [][]byte{}
	n, nulls := 0, false
	err := d.elements(func(int) error {
		n++
		t := d.next()
		if t == tokNull {
			nulls = true
			return d.literal("null")
		}
		b, err := d.blob(true, t)
		bs = append(bs, b)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		d.problem(invalidValue(MsgEmptyBS), false)
	case nulls:
		d.problem(invalidValue(MsgNullInBS), false)
	case hasDuplicateBytes(bs):
		texts := make([]string, len(bs))
		for i, b := range bs {
			texts[i] = base64.StdEncoding.EncodeToString(b)
		}
		d.problem(invalidValue(msgInvalidParams+"Input collection ["+strings.Join(texts, ", ")+"]of type BS contains duplicates."), false)
	}
	return bs, nil
}

// blob decodes a base64 string.
func (d *decoder) blob(member bool, t token) ([]byte, error) {
	if t != tokString {
		return nil, mismatch(tiBlob, member, t)
	}
	raw, err := d.rawString()
	if err != nil {
		return nil, err
	}
	return decodeBase64(raw)
}

var b64 = base64.StdEncoding.Strict()

// decodeBase64 decodes standard base64 with padding, answering malformed
// text with DynamoDB's messages.
func decodeBase64(s []byte) ([]byte, error) {
	if len(s)%4 != 0 {
		return nil, serialization("Base64 encoded length is expected a multiple of 4 bytes but found: " + itoa(len(s)))
	}
	pad := 0
	if n := len(s); n > 0 && s[n-1] == '=' {
		pad++
		if n > 1 && s[n-2] == '=' {
			pad++
		}
	}
	for i := 0; i < len(s)-pad; i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			continue
		}
		if c == '=' {
			return nil, serialization(msgBase64Last)
		}
		r, _ := utf8.DecodeRune(s[i:])
		return nil, serialization("Invalid Base64 character: '" + string(r) + "'")
	}
	out := make([]byte, b64.DecodedLen(len(s)))
	n, err := b64.Decode(out, s)
	if err != nil {
		return nil, serialization(msgBase64Last)
	}
	return out[:n], nil
}

func hasDuplicate(ss []string) bool {
	if len(ss) < 2 {
		return false
	}
	if len(ss) <= 8 {
		for i := 1; i < len(ss); i++ {
			for j := 0; j < i; j++ {
				if ss[i] == ss[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(ss))
	for _, s := range ss {
		if _, ok := seen[s]; ok {
			return true
		}
		seen[s] = struct{}{}
	}
	return false
}

func hasDuplicateBytes(bs [][]byte) bool {
	if len(bs) <= 8 {
		for i := 1; i < len(bs); i++ {
			for j := 0; j < i; j++ {
				if bytes.Equal(bs[i], bs[j]) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(bs))
	for _, b := range bs {
		if _, ok := seen[string(b)]; ok {
			return true
		}
		seen[string(b)] = struct{}{}
	}
	return false
}

// UnmarshalJSON decodes an attribute map, validating every value as
// DynamoDB does; the first invalid value is returned as its *ddb.Error.
func (it *Item) UnmarshalJSON(b []byte) error {
	d := decoder{scanner: scanner{data: b}}
	if d.next() == tokNull {
		*it = nil
		return nil
	}
	m, err := d.item(false)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return err
	}
	if len(d.errs) > 0 {
		return d.errs[0].Err
	}
	*it = m
	return nil
}

// UnmarshalJSON decodes one attribute value, validating it as DynamoDB
// does; an invalid value is returned as its *ddb.Error.
func (v *Value) UnmarshalJSON(b []byte) error {
	d := decoder{scanner: scanner{data: b}}
	if d.next() == tokNull {
		*v = Value{}
		return nil
	}
	av, _, err := d.single(false)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return err
	}
	if len(d.errs) > 0 {
		return d.errs[0].Err
	}
	*v = Value(av)
	return nil
}

// end checks that nothing but white space follows the decoded value.
func (d *decoder) end() error {
	d.skipSpace()
	if d.pos != len(d.data) {
		return errSyntax()
	}
	return nil
}
