package expr

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// lookup returns the value at path p in item.
func lookup(item ddb.Item, p Path) (ddb.AttributeValue, bool) {
	if len(p) == 0 || item == nil {
		return ddb.AttributeValue{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return ddb.AttributeValue{}, false
	}
	for _, e := range p[1:] {
		if e.IsIndex {
			if v.Type != ddb.TypeL || e.Index >= len(v.L) {
				return ddb.AttributeValue{}, false
			}
			v = v.L[e.Index]
			continue
		}
		if v.Type != ddb.TypeM {
			return ddb.AttributeValue{}, false
		}
		v, ok = v.M[e.Name]
		if !ok {
			return ddb.AttributeValue{}, false
		}
	}
	return v, true
}

// ---- condition evaluation ----

// Eval evaluates the condition against item; item is nil when there is no
// item, in which case every attribute is missing. A condition never fails at
// run time: comparisons of values of different or unordered types are
// simply false.
func (c *Condition) Eval(item ddb.Item) (bool, error) {
	return evalCond(c.root, item), nil
}

func evalCond(c *cond, item ddb.Item) bool {
	switch c.kind {
	case cAnd:
		return evalCond(c.kids[0], item) && evalCond(c.kids[1], item)
	case cOr:
		return evalCond(c.kids[0], item) || evalCond(c.kids[1], item)
	case cNot:
		return !evalCond(c.kids[0], item)
	case cTrue:
		return true
	case cLegacy:
		v, ok := lookup(item, c.args[0].path)
		return evalLegacy(c.lop, v, ok, c.vals)
	case cCompare:
		a, aok := evalOperand(c.args[0], item)
		b, bok := evalOperand(c.args[1], item)
		return compareOp(c.op, a, aok, b, bok)
	case cBetween:
		v, ok := evalOperand(c.args[0], item)
		lo, lok := evalOperand(c.args[1], item)
		hi, hok := evalOperand(c.args[2], item)
		if !ok || !lok || !hok {
			return false
		}
		c1, ok1 := compareValues(v, lo)
		c2, ok2 := compareValues(v, hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	case cIn:
		v, ok := evalOperand(c.args[0], item)
		if !ok {
			return false
		}
		for _, a := range c.args[1:] {
			if w, ok := evalOperand(a, item); ok && ddb.Equal(v, w) {
				return true
			}
		}
		return false
	case cExists:
		_, ok := lookup(item, c.args[0].path)
		return ok
	case cNotExists:
		_, ok := lookup(item, c.args[0].path)
		return !ok
	case cType:
		v, ok := evalOperand(c.args[0], item)
		return ok && v.Type == c.typ
	case cBeginsWith:
		v, ok := evalOperand(c.args[0], item)
		p, pok := evalOperand(c.args[1], item)
		if !ok || !pok || v.Type != p.Type {
			return false
		}
		switch v.Type {
		case ddb.TypeS:
			return strings.HasPrefix(v.S, p.S)
		case ddb.TypeB:
			return bytes.HasPrefix(v.B, p.B)
		}
		return false
	case cContains:
		v, ok := evalOperand(c.args[0], item)
		x, xok := evalOperand(c.args[1], item)
		return ok && xok && contains(v, x)
	}
	return false
}

// contains implements contains(v, x): a substring of a string, a byte
// string of a binary, a member of a set, or an element of a list.
func contains(v, x ddb.AttributeValue) bool {
	switch v.Type {
	case ddb.TypeS:
		return x.Type == ddb.TypeS && strings.Contains(v.S, x.S)
	case ddb.TypeB:
		return x.Type == ddb.TypeB && bytes.Contains(v.B, x.B)
	case ddb.TypeSS:
		if x.Type == ddb.TypeS {
			for _, s := range v.SS {
				if s == x.S {
					return true
				}
			}
		}
	case ddb.TypeNS:
		if x.Type == ddb.TypeN {
			for _, s := range v.SS {
				if s == x.S {
					return true
				}
			}
		}
	case ddb.TypeBS:
		if x.Type == ddb.TypeB {
			for _, b := range v.BS {
				if bytes.Equal(b, x.B) {
					return true
				}
			}
		}
	case ddb.TypeL:
		for _, e := range v.L {
			if ddb.Equal(e, x) {
				return true
			}
		}
	}
	return false
}

// evalOperand evaluates an operand of a condition; ok is false when it has
// no value (a missing attribute, or size() of something without a size).
func evalOperand(o *Operand, item ddb.Item) (ddb.AttributeValue, bool) {
	switch o.kind {
	case opPath:
		return lookup(item, o.path)
	case opValue:
		return o.val, true
	case opSize:
		v, ok := evalOperand(o.args[0], item)
		if !ok {
			return ddb.AttributeValue{}, false
		}
		n, ok := sizeOf(v)
		if !ok {
			return ddb.AttributeValue{}, false
		}
		return ddb.N(strconv.Itoa(n)), true
	}
	return ddb.AttributeValue{}, false
}

// sizeOf is size(): the length of a string (in UTF-16 code units, as
// DynamoDB counts) or binary, or the number of elements of a set, list or
// map.
func sizeOf(v ddb.AttributeValue) (int, bool) {
	switch v.Type {
	case ddb.TypeS:
		return utf16Len(v.S), true
	case ddb.TypeB:
		return len(v.B), true
	case ddb.TypeSS, ddb.TypeNS:
		return len(v.SS), true
	case ddb.TypeBS:
		return len(v.BS), true
	case ddb.TypeL:
		return len(v.L), true
	case ddb.TypeM:
		return len(v.M), true
	}
	return 0, false
}

// compareValues orders two strings (bytewise), numbers (by value) or
// binaries (bytewise); ok is false for any other pair.
func compareValues(a, b ddb.AttributeValue) (int, bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case ddb.TypeS:
		return strings.Compare(a.S, b.S), true
	case ddb.TypeN:
		return number.Compare(a.S, b.S), true
	case ddb.TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

func compareOp(op cmpOp, a ddb.AttributeValue, aok bool, b ddb.AttributeValue, bok bool) bool {
	switch op {
	case cmpEQ:
		return aok && bok && ddb.Equal(a, b)
	case cmpNE:
		return !(aok && bok && ddb.Equal(a, b))
	}
	if !aok || !bok {
		return false
	}
	c, ok := compareValues(a, b)
	if !ok {
		return false
	}
	switch op {
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	}
	return c >= 0
}
