package expr

import (
	"bytes"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// KeyCondition is a Query's key condition: equality on the partition key
// and an optional condition on the sort key.
type KeyCondition struct {
	HashName  string
	HashValue ddb.AttributeValue
	// RangeName is empty when there is no sort-key condition.
	RangeName string
	// RangeOp is one of =, <, <=, >, >=, BETWEEN, BEGINS_WITH.
	RangeOp string
	// RangeValues holds one value, or two for BETWEEN.
	RangeValues []ddb.AttributeValue
}

// Sort-key operators of a KeyCondition.
const (
	RangeEQ         = "="
	RangeLT         = "<"
	RangeLE         = "<="
	RangeGT         = ">"
	RangeGE         = ">="
	RangeBetween    = "BETWEEN"
	RangeBeginsWith = "BEGINS_WITH"
)

// String renders the key condition, for tests and logs.
func (k *KeyCondition) String() string {
	var b strings.Builder
	b.WriteString(k.HashName)
	b.WriteString(" = ")
	writeValue(&b, k.HashValue)
	if k.RangeName != "" {
		b.WriteString(" AND ")
		b.WriteString(k.RangeName)
		b.WriteByte(' ')
		b.WriteString(k.RangeOp)
		for _, v := range k.RangeValues {
			b.WriteByte(' ')
			writeValue(&b, v)
		}
	}
	return b.String()
}

// Matches reports whether item satisfies the key condition.
func (k *KeyCondition) Matches(item ddb.Item) bool {
	h, ok := item[k.HashName]
	if !ok || !ddb.Equal(h, k.HashValue) {
		return false
	}
	if k.RangeName == "" {
		return true
	}
	r, ok := item[k.RangeName]
	return ok && k.MatchRange(r)
}

// MatchRange reports whether sort-key value v satisfies the sort-key
// condition (true when there is none).
func (k *KeyCondition) MatchRange(v ddb.AttributeValue) bool {
	if k.RangeName == "" {
		return true
	}
	c, ok := compareValues(v, k.RangeValues[0])
	if !ok {
		return false
	}
	switch k.RangeOp {
	case RangeEQ:
		return c == 0
	case RangeLT:
		return c < 0
	case RangeLE:
		return c <= 0
	case RangeGT:
		return c > 0
	case RangeGE:
		return c >= 0
	case RangeBetween:
		c2, ok := compareValues(v, k.RangeValues[1])
		return c >= 0 && ok && c2 <= 0
	case RangeBeginsWith:
		if v.Type == ddb.TypeB {
			return bytes.HasPrefix(v.B, k.RangeValues[0].B)
		}
		return strings.HasPrefix(v.S, k.RangeValues[0].S)
	}
	return false
}

// keyCond is one condition of a key condition, before the key schema is
// known.
type keyCond struct {
	name string
	op   string // as in KeyCondition.RangeOp, or a legacy operator name
	vals []ddb.AttributeValue
}

// KeyConditionExpr is a key condition checked for everything that does not
// depend on the table: DynamoDB reports these problems before it looks the
// table up. ForKey then checks it against the table's or index's key.
type KeyConditionExpr struct {
	conds  []keyCond
	legacy bool
}

// ParseKeyCondition parses a KeyConditionExpression and checks it against
// the key schema of the table or index queried.
func ParseKeyCondition(s string, p *Params, key ddb.KeySchema) (*KeyCondition, error) {
	k, err := ParseKeyConditionExpression(s, p)
	if err != nil {
		return nil, err
	}
	return k.ForKey(key)
}

// ParseKeyConditionExpression parses a KeyConditionExpression and runs the
// checks that do not need the table.
func ParseKeyConditionExpression(s string, p *Params) (*KeyConditionExpr, error) {
	t, err := cachedSyntax(kindKeyCondition, s)
	if err != nil {
		return nil, err
	}
	c, err := bindCondition(t, p)
	if err != nil {
		return nil, err
	}
	if err := checkKeyOperators(c.root); err != nil {
		return nil, err
	}
	var flat []*cond
	flattenAnd(c.root, &flat)
	k := &KeyConditionExpr{}
	seen := map[string]bool{}
	for _, fc := range flat {
		kc, err := keyCondOf(fc)
		if err != nil {
			return nil, err
		}
		if seen[kc.name] {
			return nil, ddb.Validation("KeyConditionExpressions must only contain one condition per key")
		}
		seen[kc.name] = true
		k.conds = append(k.conds, kc)
	}
	if len(k.conds) > 2 {
		return nil, ddb.Validation("Conditions can be of length 1 or 2 only")
	}
	return k, nil
}

// checkKeyOperators rejects operators a key condition cannot use, in text
// order.
func checkKeyOperators(c *cond) error {
	bad := ""
	switch c.kind {
	case cAnd:
		for _, k := range c.kids {
			if err := checkKeyOperators(k); err != nil {
				return err
			}
		}
		return nil
	case cOr:
		bad = "OR"
	case cNot:
		bad = "NOT"
	case cIn:
		bad = "IN"
	case cCompare:
		if c.op == cmpNE {
			bad = "<>"
		}
	case cBetween, cBeginsWith:
	default:
		bad = condFuncNames[c.kind]
	}
	if bad != "" {
		return ddb.Validation("Invalid operator used in KeyConditionExpression: " + bad)
	}
	return nil
}

func flattenAnd(c *cond, out *[]*cond) {
	if c.kind == cAnd {
		flattenAnd(c.kids[0], out)
		flattenAnd(c.kids[1], out)
		return
	}
	*out = append(*out, c)
}

// mirrored is the comparator with its operands swapped.
var mirrored = map[cmpOp]cmpOp{cmpEQ: cmpEQ, cmpLT: cmpGT, cmpLE: cmpGE, cmpGT: cmpLT, cmpGE: cmpLE}

// keyCondOf checks one condition of a key condition expression.
func keyCondOf(c *cond) (keyCond, error) {
	invalid := func(msg string) (keyCond, error) {
		return keyCond{}, ddb.Validation("Invalid condition in KeyConditionExpression: " + msg)
	}
	if c.kind == cBetween && c.args[0].kind != opPath {
		return invalid("BETWEEN operator must have the key attribute as its first operand")
	}
	if c.kind == cBeginsWith && c.args[0].kind != opPath {
		return invalid("begins_with operator must have the key attribute as its first operand")
	}
	var kc keyCond
	keyAt := -1
	for i, a := range c.args {
		switch a.kind {
		case opPath:
			if keyAt >= 0 {
				return invalid("Multiple attribute names used in one condition")
			}
			if len(a.path) > 1 {
				return keyCond{}, ddb.Validation("KeyConditionExpressions cannot have conditions on nested attributes")
			}
			keyAt = i
			kc.name = a.path[0].Name
		case opValue:
			kc.vals = append(kc.vals, a.val)
		default:
			return keyCond{}, ddb.Validation("KeyConditionExpressions cannot contain nested operations")
		}
	}
	if keyAt < 0 {
		return invalid("No key attribute specified")
	}
	switch c.kind {
	case cBetween:
		kc.op = RangeBetween
	case cBeginsWith:
		kc.op = RangeBeginsWith
	default:
		op := c.op
		if keyAt == 1 {
			op = mirrored[op]
		}
		kc.op = op.String()
	}
	return kc, nil
}

// FromKeyConditions translates the legacy KeyConditions parameter and runs
// the checks that do not need the table.
func FromKeyConditions(conditions map[string]AttributeCondition) (*KeyConditionExpr, error) {
	if len(conditions) == 0 || len(conditions) > 2 {
		return nil, ddb.Validation("Conditions can be of length 1 or 2 only")
	}
	k := &KeyConditionExpr{legacy: true}
	for _, name := range sortedNames(conditions) {
		c := conditions[name]
		op, ok := parseLegacyOp(c.ComparisonOperator)
		if !ok {
			return nil, ddb.Validation("Comparison type does not exist in DynamoDB")
		}
		if err := checkArgs(op, c.AttributeValueList); err != nil {
			return nil, err
		}
		k.conds = append(k.conds, keyCond{name: name, op: c.ComparisonOperator, vals: c.AttributeValueList})
	}
	return k, nil
}

var legacyRangeOps = map[string]string{
	"EQ": RangeEQ, "LT": RangeLT, "LE": RangeLE, "GT": RangeGT, "GE": RangeGE,
	"BETWEEN": RangeBetween, "BEGINS_WITH": RangeBeginsWith,
}

// ForKey checks the key condition against the key schema of the table or
// index queried.
func (k *KeyConditionExpr) ForKey(key ddb.KeySchema) (*KeyCondition, error) {
	notSupported := ddb.Validation("Query key condition not supported")
	missed := func(name string) error {
		return ddb.Validation("Query condition missed key schema element: " + name)
	}
	notIndexable := ddb.Validation("Attempted conditional constraint is not an indexable operation")
	if !key.HasRange() && len(k.conds) > 1 {
		return nil, notSupported
	}
	hashAt := -1
	for i, c := range k.conds {
		if c.name == key.Hash.Name {
			hashAt = i
		}
	}
	if hashAt < 0 {
		return nil, missed(key.Hash.Name)
	}
	h := k.conds[hashAt]
	var r *keyCond
	if len(k.conds) == 2 {
		r = &k.conds[1-hashAt]
	}
	op := h.op
	rop := ""
	if r != nil {
		rop = r.op
	}
	if k.legacy {
		var ok bool
		if op, ok = legacyRangeOps[h.op]; !ok {
			return nil, notIndexable
		}
		if r != nil {
			if rop, ok = legacyRangeOps[r.op]; !ok && r.name == key.Range.Name {
				return nil, notIndexable
			}
		}
	}
	if r != nil && r.name != key.Range.Name {
		return nil, missed(key.Range.Name)
	}
	for _, v := range h.vals {
		if v.Type != key.Hash.Type {
			return nil, ddb.Validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
	}
	if r != nil {
		for _, v := range r.vals {
			if v.Type != key.Range.Type {
				return nil, ddb.Validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
	}
	if op != RangeEQ {
		return nil, notSupported
	}
	kc := &KeyCondition{HashName: h.name, HashValue: h.vals[0]}
	if r != nil {
		if rop == RangeBeginsWith && key.Range.Type == ddb.TypeN {
			return nil, ddb.Validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
		kc.RangeName, kc.RangeOp, kc.RangeValues = r.name, rop, r.vals
	}
	return kc, nil
}
