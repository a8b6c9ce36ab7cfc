package expr

import (
	"bytes"
	"sort"
	"strings"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// The legacy (pre-expression) parameters, translated to the same trees as
// expressions: Expected, QueryFilter, ScanFilter, AttributeUpdates and
// AttributesToGet. KeyConditions is in keycond.go.
//
// Where a request's map holds several attributes with problems, DynamoDB
// reports the first in the request's JSON order, which a Go map does not
// keep; these functions check attributes in sorted order instead.

// ExpectedAttributeValue is one entry of the legacy Expected parameter. A
// nil AttributeValueList means the member was absent; an empty non-nil one
// means it was present and empty.
type ExpectedAttributeValue struct {
	Value              *ddb.AttributeValue
	Exists             *bool
	ComparisonOperator string
	AttributeValueList []ddb.AttributeValue
}

// AttributeCondition is one entry of the legacy QueryFilter, ScanFilter or
// KeyConditions parameters.
type AttributeCondition struct {
	ComparisonOperator string
	AttributeValueList []ddb.AttributeValue
}

// AttributeValueUpdate is one entry of the legacy AttributeUpdates
// parameter. An empty Action means PUT.
type AttributeValueUpdate struct {
	Action string
	Value  *ddb.AttributeValue
}

// legacyOp is a legacy ComparisonOperator.
type legacyOp uint8

const (
	lopEQ legacyOp = iota
	lopNE
	lopLE
	lopLT
	lopGE
	lopGT
	lopNotNull
	lopNull
	lopContains
	lopNotContains
	lopBeginsWith
	lopIn
	lopBetween
)

var legacyOpNames = [...]string{"EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"}

func parseLegacyOp(s string) (legacyOp, bool) {
	for i, n := range legacyOpNames {
		if n == s {
			return legacyOp(i), true
		}
	}
	return 0, false
}

const msgInvalidParam = "One or more parameter values were invalid: "

// checkArgs validates the arguments of a comparison operator: their number,
// then each argument's type and (for IN and BETWEEN) that all have the same
// type, then the order of BETWEEN's bounds.
func checkArgs(op legacyOp, args []ddb.AttributeValue) error {
	name := legacyOpNames[op]
	n := len(args)
	var ok bool
	switch op {
	case lopNull, lopNotNull:
		ok = n == 0
	case lopIn:
		ok = n >= 1
	case lopBetween:
		ok = n == 2
	default:
		ok = n == 1
	}
	if !ok {
		return ddb.Validation(msgInvalidParam + "Invalid number of argument(s) for the " + name + " ComparisonOperator")
	}
	for i, a := range args {
		if !legacyTypeAllowed(op, a.Type) {
			return ddb.Validation(msgInvalidParam + "ComparisonOperator " + name + " is not valid for " + a.Type.String() + " AttributeValue type")
		}
		if (op == lopIn || op == lopBetween) && i > 0 && a.Type != args[0].Type {
			return ddb.Validation(msgInvalidParam + "AttributeValues inside AttributeValueList must be of same type")
		}
	}
	if op == lopBetween {
		if c, _ := compareValues(args[0], args[1]); c > 0 {
			return ddb.Validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
		}
	}
	return nil
}

func legacyTypeAllowed(op legacyOp, t ddb.Type) bool {
	switch op {
	case lopEQ, lopNE:
		return true
	case lopContains, lopNotContains:
		return !t.IsSet() && t != ddb.TypeM && t != ddb.TypeL
	case lopBeginsWith:
		return t == ddb.TypeS || t == ddb.TypeB
	}
	return t == ddb.TypeS || t == ddb.TypeN || t == ddb.TypeB
}

// legacyCond builds the condition for one attribute.
func legacyCond(name string, op legacyOp, args []ddb.AttributeValue) *cond {
	return &cond{kind: cLegacy, lop: op, args: []*Operand{{kind: opPath, path: Path{{Name: name}}}}, vals: args}
}

// combine joins per-attribute conditions with AND or OR, in sorted
// attribute order.
func combine(conds []*cond, conditionalOperator string) *Condition {
	if len(conds) == 0 {
		return &Condition{root: &cond{kind: cTrue}}
	}
	kind := cAnd
	if conditionalOperator == "OR" {
		kind = cOr
	}
	root := conds[0]
	for _, c := range conds[1:] {
		root = &cond{kind: kind, kids: []*cond{root, c}}
	}
	return &Condition{root: root}
}

func checkConditionalOperator(op string, n int) error {
	switch op {
	case "":
		return nil
	case "AND", "OR":
	default:
		return ddb.Validation("1 validation error detected: Value '" + op + "' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]")
	}
	if n == 0 {
		return ddb.Validation("ConditionalOperator cannot be used without Filter or Expected")
	}
	if n < 2 {
		return ddb.Validation("ConditionalOperator can only be used when Filter or Expected has two or more elements")
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// FromExpected translates the legacy Expected parameter with its
// ConditionalOperator ("" for the default, AND).
func FromExpected(expected map[string]ExpectedAttributeValue, conditionalOperator string) (*Condition, error) {
	if err := checkConditionalOperator(conditionalOperator, len(expected)); err != nil {
		return nil, err
	}
	conds := make([]*cond, 0, len(expected))
	for _, name := range sortedNames(expected) {
		e := expected[name]
		c, err := expectedCond(name, e)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return combine(conds, conditionalOperator), nil
}

func expectedCond(name string, e ExpectedAttributeValue) (*cond, error) {
	suffix := " for Attribute: " + name
	if e.Value != nil && e.AttributeValueList != nil {
		return nil, ddb.Validation(msgInvalidParam + "Value and AttributeValueList cannot be used together" + suffix)
	}
	if e.AttributeValueList != nil && e.ComparisonOperator == "" {
		return nil, ddb.Validation(msgInvalidParam + "AttributeValueList can only be used with a ComparisonOperator" + suffix)
	}
	if e.ComparisonOperator != "" {
		if e.Exists != nil {
			return nil, ddb.Validation(msgInvalidParam + "Exists and ComparisonOperator cannot be used together" + suffix)
		}
		op, ok := parseLegacyOp(e.ComparisonOperator)
		if !ok {
			return nil, ddb.Validation("Comparison type does not exist in DynamoDB")
		}
		args := e.AttributeValueList
		if e.Value != nil {
			args = []ddb.AttributeValue{*e.Value}
		} else if args == nil && op != lopNull && op != lopNotNull {
			return nil, ddb.Validation(msgInvalidParam + "Value or AttributeValueList must be used with ComparisonOperator: " + e.ComparisonOperator + suffix)
		}
		if err := checkArgs(op, args); err != nil {
			return nil, err
		}
		return legacyCond(name, op, args), nil
	}
	switch {
	case e.Exists == nil && e.Value == nil:
		return nil, ddb.Validation(msgInvalidParam + "Value must be provided when Exists is null" + suffix)
	case e.Exists != nil && *e.Exists && e.Value == nil:
		return nil, ddb.Validation(msgInvalidParam + "Value must be provided when Exists is true" + suffix)
	case e.Exists != nil && !*e.Exists:
		if e.Value != nil {
			return nil, ddb.Validation(msgInvalidParam + "Value cannot be used when Exists is false" + suffix)
		}
		return legacyCond(name, lopNull, nil), nil
	}
	return legacyCond(name, lopEQ, []ddb.AttributeValue{*e.Value}), nil
}

// FromConditions translates the legacy QueryFilter or ScanFilter parameter
// with its ConditionalOperator.
func FromConditions(conditions map[string]AttributeCondition, conditionalOperator string) (*Condition, error) {
	if err := checkConditionalOperator(conditionalOperator, len(conditions)); err != nil {
		return nil, err
	}
	conds := make([]*cond, 0, len(conditions))
	for _, name := range sortedNames(conditions) {
		c := conditions[name]
		op, ok := parseLegacyOp(c.ComparisonOperator)
		if !ok {
			return nil, ddb.Validation("Comparison type does not exist in DynamoDB")
		}
		if err := checkArgs(op, c.AttributeValueList); err != nil {
			return nil, err
		}
		conds = append(conds, legacyCond(name, op, c.AttributeValueList))
	}
	return combine(conds, conditionalOperator), nil
}

// evalLegacy evaluates a legacy comparison of attribute value v (ok is false
// when the attribute is missing).
func evalLegacy(op legacyOp, v ddb.AttributeValue, ok bool, args []ddb.AttributeValue) bool {
	switch op {
	case lopNull:
		return !ok
	case lopNotNull:
		return ok
	case lopNE:
		return !ok || !ddb.Equal(v, args[0])
	}
	if !ok {
		return false
	}
	switch op {
	case lopEQ:
		return ddb.Equal(v, args[0])
	case lopLE, lopLT, lopGE, lopGT:
		c, cok := compareValues(v, args[0])
		if !cok {
			return false
		}
		switch op {
		case lopLE:
			return c <= 0
		case lopLT:
			return c < 0
		case lopGE:
			return c >= 0
		}
		return c > 0
	case lopContains:
		return contains(v, args[0])
	case lopNotContains:
		return !contains(v, args[0])
	case lopBeginsWith:
		if v.Type != args[0].Type {
			return false
		}
		switch v.Type {
		case ddb.TypeS:
			return strings.HasPrefix(v.S, args[0].S)
		case ddb.TypeB:
			return bytes.HasPrefix(v.B, args[0].B)
		}
		return false
	case lopIn:
		for _, a := range args {
			if ddb.Equal(v, a) {
				return true
			}
		}
		return false
	case lopBetween:
		c1, ok1 := compareValues(v, args[0])
		c2, ok2 := compareValues(v, args[1])
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	}
	return false
}

// ---- AttributeUpdates ----

// FromAttributeUpdates translates the legacy AttributeUpdates parameter.
// Its semantics differ from an UpdateExpression: PUT replaces an attribute,
// DELETE without a value removes it, DELETE with a set removes those
// members, and ADD adds to a number, unions a set or appends to a list
// (creating the attribute when it is missing).
func FromAttributeUpdates(updates map[string]AttributeValueUpdate) (*Update, error) {
	u := &Update{legacy: true, actions: make([]action, 0, len(updates))}
	for _, name := range sortedNames(updates) {
		au := updates[name]
		act := au.Action
		if act == "" {
			act = "PUT"
		}
		if au.Value == nil && act != "DELETE" {
			return nil, ddb.Validation(msgInvalidParam + "Only DELETE action is allowed when no attribute value is specified")
		}
		a := action{path: Path{{Name: name}}}
		switch act {
		case "PUT":
			a.kind = actSet
			a.val = &Operand{kind: opValue, val: *au.Value}
		case "DELETE":
			if au.Value == nil {
				a.kind = actRemove
				break
			}
			if !au.Value.Type.IsSet() {
				return nil, ddb.Validation(msgInvalidParam + "DELETE action with value is not supported for the type " + au.Value.Type.String())
			}
			a.kind, a.arg = actDelete, *au.Value
		case "ADD":
			switch au.Value.Type {
			case ddb.TypeN, ddb.TypeSS, ddb.TypeNS, ddb.TypeBS, ddb.TypeL:
			default:
				return nil, ddb.Validation(msgInvalidParam + "ADD action is not supported for the type " + au.Value.Type.String())
			}
			a.kind, a.arg = actAdd, *au.Value
		default:
			return nil, ddb.Validation("1 validation error detected: Value '" + au.Action + "' at 'attributeUpdates." + name + ".member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]")
		}
		u.actions = append(u.actions, a)
	}
	return u, nil
}

const msgTypeMismatch = "Type mismatch for attribute to update"

func (u *Update) applyLegacy(item ddb.Item) (ddb.Item, error) {
	out := make(ddb.Item, len(item)+len(u.actions))
	for k, v := range item {
		out[k] = v
	}
	for _, a := range u.actions {
		name := a.path[0].Name
		old, exists := item[name]
		switch a.kind {
		case actSet:
			out[name] = a.val.val
		case actRemove:
			delete(out, name)
		case actAdd:
			if !exists {
				out[name] = a.arg
				continue
			}
			if old.Type != a.arg.Type {
				return nil, ddb.Validation(msgTypeMismatch)
			}
			switch old.Type {
			case ddb.TypeN:
				s, err := number.Add(old.S, a.arg.S)
				if err != nil {
					return nil, err
				}
				out[name] = ddb.N(s)
			case ddb.TypeL:
				l := make([]ddb.AttributeValue, 0, len(old.L)+len(a.arg.L))
				out[name] = ddb.L(append(append(l, old.L...), a.arg.L...))
			case ddb.TypeBS:
				out[name] = setUnionBytes(old, a.arg)
			default:
				out[name] = setUnionStrings(old, a.arg)
			}
		case actDelete:
			if !exists {
				continue
			}
			if old.Type != a.arg.Type {
				return nil, ddb.Validation(msgTypeMismatch)
			}
			var nv ddb.AttributeValue
			var empty bool
			if old.Type == ddb.TypeBS {
				nv = setDiffBytes(old, a.arg)
				empty = len(nv.BS) == 0
			} else {
				nv = setDiffStrings(old, a.arg)
				empty = len(nv.SS) == 0
			}
			if empty {
				delete(out, name)
			} else {
				out[name] = nv
			}
		}
	}
	return out, nil
}
