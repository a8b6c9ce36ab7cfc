// Package ddb is Dynago's vocabulary: DynamoDB attribute values, items, keys,
// table and index schemas, and the Error type that carries DynamoDB's error
// type and exact message. It does no I/O.
package ddb

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
)

// Type is the data type of an AttributeValue, named as in DynamoDB's JSON.
type Type uint8

const (
	TypeNone Type = iota // the zero AttributeValue: "no value" (a missing attribute)
	TypeS
	TypeN
	TypeB
	TypeBOOL
	TypeNULL
	TypeM
	TypeL
	TypeSS
	TypeNS
	TypeBS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// String returns the DynamoDB name of the type ("S", "NS", "BOOL", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "?"
}

// ParseType maps a DynamoDB type name to a Type; ok is false for unknown names.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), true
		}
	}
	return TypeNone, false
}

// IsScalarKeyType reports whether t may be the type of a key attribute (S, N or B).
func (t Type) IsScalarKeyType() bool { return t == TypeS || t == TypeN || t == TypeB }

// IsSet reports whether t is SS, NS or BS.
func (t Type) IsSet() bool { return t == TypeSS || t == TypeNS || t == TypeBS }

// AttributeValue is one DynamoDB value. Exactly the fields that belong to Type
// are meaningful:
//
//	S:    S                  N:  S (canonical decimal text, see package number)
//	B:    B                  BOOL: BOOL
//	NULL: (nothing; NULL is always true)
//	M:    M                  L:  L
//	SS:   SS                 NS: SS (canonical decimal texts)
//	BS:   BS
//
// The zero value (TypeNone) means "no value", e.g. a missing attribute.
// Values are treated as immutable once built: share, don't mutate.
type AttributeValue struct {
	Type Type
	BOOL bool
	S    string
	B    []byte
	SS   []string
	BS   [][]byte
	L    []AttributeValue
	M    map[string]AttributeValue
}

// Item is a DynamoDB item (or a key, which is an item holding only key attributes).
type Item map[string]AttributeValue

// Constructors. N and NS take canonical number text (see number.Canonical).

func S(s string) AttributeValue         { return AttributeValue{Type: TypeS, S: s} }
func N(canonical string) AttributeValue { return AttributeValue{Type: TypeN, S: canonical} }
func B(b []byte) AttributeValue         { return AttributeValue{Type: TypeB, B: b} }
func Bool(b bool) AttributeValue        { return AttributeValue{Type: TypeBOOL, BOOL: b} }
func Null() AttributeValue              { return AttributeValue{Type: TypeNULL} }
func M(m map[string]AttributeValue) AttributeValue {
	return AttributeValue{Type: TypeM, M: m}
}
func L(l []AttributeValue) AttributeValue { return AttributeValue{Type: TypeL, L: l} }
func SS(ss []string) AttributeValue       { return AttributeValue{Type: TypeSS, SS: ss} }
func NS(ns []string) AttributeValue       { return AttributeValue{Type: TypeNS, SS: ns} }
func BS(bs [][]byte) AttributeValue       { return AttributeValue{Type: TypeBS, BS: bs} }

// IsZero reports whether v is "no value".
func (v AttributeValue) IsZero() bool { return v.Type == TypeNone }

// Equal reports whether a and b are the same DynamoDB value. Sets compare as
// sets (order does not matter). Numbers must both be canonical, which every
// value built by the wire decoder or by package number is.
func Equal(a, b AttributeValue) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeNone, TypeNULL:
		return true
	case TypeS, TypeN:
		return a.S == b.S
	case TypeB:
		return bytes.Equal(a.B, b.B)
	case TypeBOOL:
		return a.BOOL == b.BOOL
	case TypeSS, TypeNS:
		if len(a.SS) != len(b.SS) {
			return false
		}
		x, y := slices.Clone(a.SS), slices.Clone(b.SS)
		sort.Strings(x)
		sort.Strings(y)
		return slices.Equal(x, y)
	case TypeBS:
		if len(a.BS) != len(b.BS) {
			return false
		}
		x, y := slices.Clone(a.BS), slices.Clone(b.BS)
		slices.SortFunc(x, bytes.Compare)
		slices.SortFunc(y, bytes.Compare)
		for i := range x {
			if !bytes.Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case TypeL:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case TypeM:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// ItemsEqual reports whether two items hold the same attributes with equal values.
func ItemsEqual(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !Equal(av, bv) {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of the item's map structure (values are shared,
// as values are immutable).
func (it Item) Clone() Item {
	out := make(Item, len(it))
	for k, v := range it {
		out[k] = v
	}
	return out
}

// MarshalText renders the type by its DynamoDB name, so that stored
// metadata does not depend on the order of the constants above.
func (t Type) MarshalText() ([]byte, error) {
	if t == TypeNone {
		return []byte{}, nil
	}
	if int(t) >= len(typeNames) {
		return nil, fmt.Errorf("ddb: invalid type %d", t)
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText parses a DynamoDB type name ("" is TypeNone).
func (t *Type) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = TypeNone
		return nil
	}
	v, ok := ParseType(string(b))
	if !ok {
		return fmt.Errorf("ddb: unknown type %q", b)
	}
	*t = v
	return nil
}
