package expr

import (
	"math"
	"strconv"

	"github.com/dynago/dynago/ddb"
)

// After the syntax phase, DynamoDB checks an expression in two passes, and
// the first problem found is the one reported:
//
//  1. In text order: reserved words used as names, list indexes out of
//     range, unknown function names and functions used where they are not
//     allowed.
//  2. Bottom-up, left to right: each node's operands are resolved and
//     checked before the node itself (undefined #names and :values, path
//     depth, operand counts and types, distinct operands, and the count of
//     operators and functions).
//
// binder implements both passes and builds the bound tree.

// Limits.
const (
	maxPathDepth  = 32
	maxOperators  = 300
	maxInOperands = 100
)

type binder struct {
	t   *syntaxTree
	p   *Params
	ops int
}

func (b *binder) fail(msg string) error {
	return ddb.Validation(b.t.kind.prefix() + msg)
}

// function contexts for pass 1.
type fnContext uint8

const (
	ctxCondition  fnContext = iota // where a condition is expected
	ctxOperand                     // an operand of a condition expression
	ctxUpdateTop                   // the value of a SET action
	ctxUpdateNest                  // inside +, -, or a function of a SET value
)

const (
	fnAttributeExists    = "attribute_exists"
	fnAttributeNotExists = "attribute_not_exists"
	fnAttributeType      = "attribute_type"
	fnBeginsWith         = "begins_with"
	fnContains           = "contains"
	fnSize               = "size"
	fnIfNotExists        = "if_not_exists"
	fnListAppend         = "list_append"
)

func isConditionFunc(name string) bool {
	switch name {
	case fnAttributeExists, fnAttributeNotExists, fnAttributeType, fnBeginsWith, fnContains:
		return true
	}
	return false
}

// precheck is pass 1 over the subtree n, in text order.
func (b *binder) precheck(n *pnode, ctx fnContext) error {
	switch n.kind {
	case pPath:
		return b.precheckPath(n)
	case pValue:
		return nil
	case pFunc:
		name := b.t.text(n.tok)
		if err := b.checkFuncContext(name, ctx); err != nil {
			return err
		}
		argCtx := ctxOperand
		if ctx == ctxUpdateTop || ctx == ctxUpdateNest {
			argCtx = ctxUpdateNest
		}
		for _, k := range n.kids {
			if err := b.precheck(k, argCtx); err != nil {
				return err
			}
		}
		return nil
	case pArith:
		for _, k := range n.kids {
			if err := b.precheck(k, ctxUpdateNest); err != nil {
				return err
			}
		}
		return nil
	case pAnd, pOr, pNot:
		for _, k := range n.kids {
			if err := b.precheck(k, ctxCondition); err != nil {
				return err
			}
		}
		return nil
	case pSet:
		if err := b.precheck(n.kids[0], ctxUpdateTop); err != nil {
			return err
		}
		return b.precheck(n.kids[1], ctxUpdateTop)
	}
	// Comparisons, BETWEEN, IN, REMOVE, ADD, DELETE: operands.
	for _, k := range n.kids {
		if err := b.precheck(k, ctxOperand); err != nil {
			return err
		}
	}
	return nil
}

func (b *binder) checkFuncContext(name string, ctx fnContext) error {
	switch name {
	case fnAttributeExists, fnAttributeNotExists, fnAttributeType, fnBeginsWith, fnContains, fnSize,
		fnIfNotExists, fnListAppend:
	default:
		return b.fail("Invalid function name; function: " + name)
	}
	switch ctx {
	case ctxCondition, ctxOperand:
		if name == fnIfNotExists || name == fnListAppend {
			return b.fail("The function is not allowed in a condition expression; function: " + name)
		}
		if isConditionFunc(name) != (ctx == ctxCondition) {
			return b.fail("The function is not allowed to be used this way in an expression; function: " + name)
		}
	default:
		if name != fnIfNotExists && name != fnListAppend {
			return b.fail("The function is not allowed in an update expression; function: " + name)
		}
		if name == fnListAppend && ctx != ctxUpdateTop {
			return b.fail("The function is not allowed to be used this way in an expression; function: " + name)
		}
	}
	return nil
}

func (b *binder) precheckPath(n *pnode) error {
	for _, e := range n.elems {
		switch e.kind {
		case peName:
			if name := b.t.text(e.tok); isReserved(name) {
				return b.fail("Attribute name is a reserved keyword; reserved keyword: " + name)
			}
		case peIndex:
			if e.index > math.MaxInt32 {
				return b.fail("List index is not within the allowable range; index: [" + b.t.text(e.tok) + "]")
			}
		}
	}
	return nil
}

// countOp counts one operator or function.
func (b *binder) countOp() error {
	b.ops++
	if b.ops > maxOperators {
		return b.fail("The expression contains too many operators; operator count: " + strconv.Itoa(b.ops))
	}
	return nil
}

// bindPath resolves a path's placeholders.
func (b *binder) bindPath(n *pnode) (Path, error) {
	if len(n.elems) > maxPathDepth {
		return nil, b.fail("The document path has too many nesting levels; nesting levels: " + strconv.Itoa(len(n.elems)))
	}
	path := make(Path, len(n.elems))
	for i, e := range n.elems {
		switch e.kind {
		case peName:
			path[i] = PathElem{Name: b.t.text(e.tok)}
		case peNameRef, peValueRef:
			ref := b.t.text(e.tok)
			name, ok := b.p.name(ref)
			if !ok {
				return nil, b.fail("An expression attribute name used in the document path is not defined; attribute name: " + ref)
			}
			path[i] = PathElem{Name: name}
		case peIndex:
			path[i] = PathElem{Index: int(e.index), IsIndex: true}
		}
	}
	return path, nil
}

func (b *binder) bindValue(n *pnode) (*Operand, error) {
	ref := b.t.text(n.tok)
	v, ok := b.p.value(ref)
	if !ok {
		return nil, b.fail("An expression attribute value used in expression is not defined; attribute value: " + ref)
	}
	return &Operand{kind: opValue, val: v, ref: ref}, nil
}

// bindOperand is pass 2 for an operand of a condition expression.
func (b *binder) bindOperand(n *pnode) (*Operand, error) {
	switch n.kind {
	case pPath:
		path, err := b.bindPath(n)
		if err != nil {
			return nil, err
		}
		return &Operand{kind: opPath, path: path}, nil
	case pValue:
		return b.bindValue(n)
	}
	// size(...): the only function allowed as an operand.
	args, err := b.bindOperands(n.kids)
	if err != nil {
		return nil, err
	}
	if err := b.countOp(); err != nil {
		return nil, err
	}
	if len(args) != 1 {
		return nil, b.operandCount(fnSize, len(args))
	}
	if t, ok := staticType(args[0]); ok {
		switch t {
		case ddb.TypeN, ddb.TypeBOOL, ddb.TypeNULL:
			return nil, b.operandType(fnSize, t.String())
		}
	}
	return &Operand{kind: opSize, args: args}, nil
}

func (b *binder) bindOperands(kids []*pnode) ([]*Operand, error) {
	args := make([]*Operand, len(kids))
	for i, k := range kids {
		a, err := b.bindOperand(k)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	return args, nil
}

// staticType is the type an operand is known to have before evaluation: a
// value's type, or N for size().
func staticType(o *Operand) (ddb.Type, bool) {
	switch o.kind {
	case opValue:
		return o.val.Type, true
	case opSize:
		return ddb.TypeN, true
	}
	return ddb.TypeNone, false
}

func (b *binder) operandCount(fn string, n int) error {
	return b.fail("Incorrect number of operands for operator or function; operator or function: " + fn + ", number of operands: " + strconv.Itoa(n))
}

func (b *binder) operandType(fn, typ string) error {
	return b.fail("Incorrect operand type for operator or function; operator or function: " + fn + ", operand type: " + typ)
}

func (b *binder) requirePath(fn string) error {
	return b.fail("Operator or function requires a document path; operator or function: " + fn)
}

// checkDistinct reports DynamoDB's error when the first operand is a path
// that appears again among the others.
func (b *binder) checkDistinct(op string, args []*Operand) error {
	first := args[0]
	if first.kind != opPath {
		return nil
	}
	for _, a := range args[1:] {
		if a.kind == opPath && a.path.Equal(first.path) {
			return b.fail("The first operand must be distinct from the remaining operands for this operator or function; operator: " + op + ", first operand: " + first.path.errorString())
		}
	}
	return nil
}

var cmpOps = map[tokKind]cmpOp{tEq: cmpEQ, tNe: cmpNE, tLt: cmpLT, tLe: cmpLE, tGt: cmpGT, tGe: cmpGE}

// bindCond is pass 2 for a condition.
func (b *binder) bindCond(n *pnode) (*cond, error) {
	switch n.kind {
	case pAnd, pOr:
		l, err := b.bindCond(n.kids[0])
		if err != nil {
			return nil, err
		}
		r, err := b.bindCond(n.kids[1])
		if err != nil {
			return nil, err
		}
		if err := b.countOp(); err != nil {
			return nil, err
		}
		kind := cAnd
		if n.kind == pOr {
			kind = cOr
		}
		return &cond{kind: kind, kids: []*cond{l, r}}, nil
	case pNot:
		k, err := b.bindCond(n.kids[0])
		if err != nil {
			return nil, err
		}
		if err := b.countOp(); err != nil {
			return nil, err
		}
		return &cond{kind: cNot, kids: []*cond{k}}, nil
	case pCmp:
		args, err := b.bindOperands(n.kids)
		if err != nil {
			return nil, err
		}
		if err := b.countOp(); err != nil {
			return nil, err
		}
		op := cmpOps[b.t.toks[n.tok].kind]
		if err := b.checkDistinct(op.String(), args); err != nil {
			return nil, err
		}
		if op != cmpEQ && op != cmpNE {
			if err := b.checkOrdered(op.String(), args); err != nil {
				return nil, err
			}
		}
		return &cond{kind: cCompare, op: op, args: args}, nil
	case pBetween:
		args, err := b.bindOperands(n.kids)
		if err != nil {
			return nil, err
		}
		if err := b.countOp(); err != nil {
			return nil, err
		}
		if err := b.checkDistinct("BETWEEN", args); err != nil {
			return nil, err
		}
		if err := b.checkOrdered("BETWEEN", args); err != nil {
			return nil, err
		}
		if err := b.checkBounds(args[1], args[2]); err != nil {
			return nil, err
		}
		return &cond{kind: cBetween, args: args}, nil
	case pIn:
		args, err := b.bindOperands(n.kids)
		if err != nil {
			return nil, err
		}
		if err := b.countOp(); err != nil {
			return nil, err
		}
		if len(args)-1 > maxInOperands {
			return nil, b.fail("The IN operator is provided with too many operands; number of operands: " + strconv.Itoa(len(args)-1))
		}
		if err := b.checkDistinct("IN", args); err != nil {
			return nil, err
		}
		return &cond{kind: cIn, args: args}, nil
	}
	return b.bindCondFunc(n)
}

// checkOrdered requires operands of an ordering comparison or BETWEEN to be
// strings, numbers or binaries, as far as their types are known.
func (b *binder) checkOrdered(op string, args []*Operand) error {
	for _, a := range args {
		if t, ok := staticType(a); ok && t != ddb.TypeS && t != ddb.TypeN && t != ddb.TypeB {
			return b.operandType(op, t.String())
		}
	}
	return nil
}

// checkBounds checks the bounds of BETWEEN when both are values.
func (b *binder) checkBounds(lo, hi *Operand) error {
	if lo.kind != opValue || hi.kind != opValue {
		return nil
	}
	if lo.val.Type != hi.val.Type {
		return b.fail("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: " +
			messageValue(lo.val) + ", upper bound operand: " + messageValue(hi.val))
	}
	if c, _ := compareValues(lo.val, hi.val); c > 0 {
		return b.fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: " +
			messageValue(lo.val) + ", upper bound operand: " + messageValue(hi.val))
	}
	return nil
}

// messageValue renders a scalar value the way DynamoDB's BETWEEN messages
// do (a binary shows as the Java buffer that held it).
func messageValue(v ddb.AttributeValue) string {
	switch v.Type {
	case ddb.TypeB:
		n := strconv.Itoa(len(v.B))
		return "AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]}"
	case ddb.TypeS, ddb.TypeN:
		return "AttributeValue: {" + v.Type.String() + ":" + v.S + "}"
	}
	return "AttributeValue: {" + v.Type.String() + "}"
}

var typeNamesForAttributeType = map[string]ddb.Type{
	"S": ddb.TypeS, "N": ddb.TypeN, "B": ddb.TypeB, "SS": ddb.TypeSS, "NS": ddb.TypeNS, "BS": ddb.TypeBS,
	"BOOL": ddb.TypeBOOL, "NULL": ddb.TypeNULL, "L": ddb.TypeL, "M": ddb.TypeM,
}

// anyTypeName is how DynamoDB names the type of a document path in
// attribute_type's "Incorrect operand type" message.
const anyTypeName = "{BOOL,NULL,B,L,INTSET,DICT,INT,FLOAT,M,DECIMAL,BS,SS,NS,N,DECIMALSET,HD,DOUBLE,S,DOUBLESET,HDS,FS}"

func (b *binder) bindCondFunc(n *pnode) (*cond, error) {
	name := b.t.text(n.tok)
	args, err := b.bindOperands(n.kids)
	if err != nil {
		return nil, err
	}
	if err := b.countOp(); err != nil {
		return nil, err
	}
	switch name {
	case fnAttributeExists, fnAttributeNotExists:
		if len(args) != 1 {
			return nil, b.operandCount(name, len(args))
		}
		if args[0].kind != opPath {
			return nil, b.requirePath(name)
		}
		kind := cExists
		if name == fnAttributeNotExists {
			kind = cNotExists
		}
		return &cond{kind: kind, args: args}, nil
	case fnAttributeType:
		if len(args) != 2 {
			return nil, b.operandCount(name, len(args))
		}
		if err := b.checkDistinct(name, args); err != nil {
			return nil, err
		}
		t, ok := staticType(args[1])
		if !ok {
			return nil, b.operandType(name, anyTypeName)
		}
		if t != ddb.TypeS {
			return nil, b.operandType(name, t.String())
		}
		typ, ok := typeNamesForAttributeType[args[1].val.S]
		if !ok {
			return nil, b.fail("Invalid attribute type name found; type: " + args[1].val.S + ", valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}")
		}
		return &cond{kind: cType, args: args, typ: typ}, nil
	case fnBeginsWith:
		if len(args) != 2 {
			return nil, b.operandCount(name, len(args))
		}
		if err := b.checkDistinct(name, args); err != nil {
			return nil, err
		}
		for _, a := range args {
			if t, ok := staticType(a); ok && t != ddb.TypeS && t != ddb.TypeB {
				return nil, b.operandType(name, t.String())
			}
		}
		return &cond{kind: cBeginsWith, args: args}, nil
	default: // contains
		if len(args) != 2 {
			return nil, b.operandCount(name, len(args))
		}
		if err := b.checkDistinct(name, args); err != nil {
			return nil, err
		}
		return &cond{kind: cContains, args: args}, nil
	}
}

// ---- entry points for condition and filter expressions ----

// ParseCondition parses a ConditionExpression with the request's names and
// values.
func ParseCondition(s string, p *Params) (*Condition, error) {
	return parseCond(kindCondition, s, p)
}

// ParseFilter parses a FilterExpression: the same language as a
// ConditionExpression, with its own message prefix.
func ParseFilter(s string, p *Params) (*Condition, error) {
	return parseCond(kindFilter, s, p)
}

func parseCond(kind exprKind, s string, p *Params) (*Condition, error) {
	t, err := cachedSyntax(kind, s)
	if err != nil {
		return nil, err
	}
	return bindCondition(t, p)
}

func bindCondition(t *syntaxTree, p *Params) (*Condition, error) {
	b := &binder{t: t, p: p}
	if err := b.precheck(t.root, ctxCondition); err != nil {
		return nil, err
	}
	root, err := b.bindCond(t.root)
	if err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}
