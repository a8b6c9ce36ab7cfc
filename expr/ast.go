package expr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// PathElem is one element of a document path: a map key (or top-level
// attribute name) or, when IsIndex, a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c.
type Path []PathElem

// String renders the path as DynamoDB writes it in expressions: names that
// are not plain identifiers are quoted with Go syntax.
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if isPlainName(e.Name) {
			b.WriteString(e.Name)
		} else {
			b.WriteString(strconv.Quote(e.Name))
		}
	}
	return b.String()
}

// errorString renders the path the way DynamoDB's messages do: [a, b, [1]].
func (p Path) errorString() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
		} else {
			b.WriteString(e.Name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Equal reports whether p and q are the same path.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

func isPlainName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isWordChar(s[i]) {
			return false
		}
	}
	return true
}

// operandKind says what an Operand is.
type operandKind uint8

const (
	opPath        operandKind = iota // a document path
	opValue                          // an expression attribute value
	opSize                           // size(args[0])
	opIfNotExists                    // if_not_exists(args[0], args[1])
	opListAppend                     // list_append(args[0], args[1])
	opPlus                           // args[0] + args[1]
	opMinus                          // args[0] - args[1]
)

// Operand is a value in an expression: a path, a value, a function of
// operands or an arithmetic operation.
type Operand struct {
	kind operandKind
	path Path
	val  ddb.AttributeValue
	ref  string // the :value placeholder, for messages
	args []*Operand
}

func (o *Operand) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

func (o *Operand) write(b *strings.Builder) {
	switch o.kind {
	case opPath:
		b.WriteString(o.path.String())
	case opValue:
		writeValue(b, o.val)
	case opPlus, opMinus:
		b.WriteByte('(')
		if o.kind == opPlus {
			b.WriteString("+ ")
		} else {
			b.WriteString("- ")
		}
		o.args[0].write(b)
		b.WriteByte(' ')
		o.args[1].write(b)
		b.WriteByte(')')
	default:
		b.WriteByte('(')
		b.WriteString(operandFuncNames[o.kind])
		for _, a := range o.args {
			b.WriteByte(' ')
			a.write(b)
		}
		b.WriteByte(')')
	}
}

var operandFuncNames = map[operandKind]string{
	opSize: "size", opIfNotExists: "if_not_exists", opListAppend: "list_append",
}

// writeValue renders an attribute value compactly: {S:"x"}, {N:1},
// {L:[{S:"a"}]}, {M:{a:{N:1}}}, {SS:["a","b"]}.
func writeValue(b *strings.Builder, v ddb.AttributeValue) {
	b.WriteByte('{')
	b.WriteString(v.Type.String())
	b.WriteByte(':')
	switch v.Type {
	case ddb.TypeS:
		b.WriteString(strconv.Quote(v.S))
	case ddb.TypeN:
		b.WriteString(v.S)
	case ddb.TypeB:
		b.WriteString(strconv.Quote(string(v.B)))
	case ddb.TypeBOOL:
		b.WriteString(strconv.FormatBool(v.BOOL))
	case ddb.TypeNULL:
		b.WriteString("true")
	case ddb.TypeSS, ddb.TypeNS:
		b.WriteByte('[')
		for i, s := range v.SS {
			if i > 0 {
				b.WriteByte(',')
			}
			if v.Type == ddb.TypeSS {
				b.WriteString(strconv.Quote(s))
			} else {
				b.WriteString(s)
			}
		}
		b.WriteByte(']')
	case ddb.TypeBS:
		b.WriteByte('[')
		for i, s := range v.BS {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(string(s)))
		}
		b.WriteByte(']')
	case ddb.TypeL:
		b.WriteByte('[')
		for i, e := range v.L {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case ddb.TypeM:
		keys := make([]string, 0, len(v.M))
		for k := range v.M {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeValue(b, v.M[k])
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

// condKind says what a condition node is.
type condKind uint8

const (
	cCompare    condKind = iota // args[0] op args[1]
	cBetween                    // args[0] BETWEEN args[1] AND args[2]
	cIn                         // args[0] IN (args[1:]...)
	cAnd                        // kids[0] AND kids[1]
	cOr                         // kids[0] OR kids[1]
	cNot                        // NOT kids[0]
	cExists                     // attribute_exists(path)
	cNotExists                  // attribute_not_exists(path)
	cType                       // attribute_type(args[0], args[1])
	cBeginsWith                 // begins_with(args[0], args[1])
	cContains                   // contains(args[0], args[1])
	cTrue                       // always true (an empty legacy condition)
	cLegacy                     // legacy ComparisonOperator lop on args[0] with vals
)

// cmpOp is a comparator.
type cmpOp uint8

const (
	cmpEQ cmpOp = iota
	cmpNE
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (c cmpOp) String() string { return cmpNames[c] }

type cond struct {
	kind condKind
	op   cmpOp
	args []*Operand
	kids []*cond
	// typ is the type tested by attribute_type, resolved at parse time.
	typ ddb.Type
	// lop and vals are a legacy comparison.
	lop  legacyOp
	vals []ddb.AttributeValue
}

var condFuncNames = map[condKind]string{
	cExists: "attribute_exists", cNotExists: "attribute_not_exists", cType: "attribute_type",
	cBeginsWith: "begins_with", cContains: "contains",
}

func (c *cond) write(b *strings.Builder) {
	b.WriteByte('(')
	switch c.kind {
	case cCompare:
		b.WriteString(c.op.String())
	case cBetween:
		b.WriteString("between")
	case cIn:
		b.WriteString("in")
	case cAnd:
		b.WriteString("and")
	case cOr:
		b.WriteString("or")
	case cNot:
		b.WriteString("not")
	case cTrue:
		b.WriteString("true")
	case cLegacy:
		b.WriteString(legacyOpNames[c.lop])
	default:
		b.WriteString(condFuncNames[c.kind])
	}
	for _, a := range c.args {
		b.WriteByte(' ')
		a.write(b)
	}
	for _, v := range c.vals {
		b.WriteByte(' ')
		writeValue(b, v)
	}
	for _, k := range c.kids {
		b.WriteByte(' ')
		k.write(b)
	}
	b.WriteByte(')')
}

// Condition is a parsed condition or filter expression (or a translated
// legacy Expected, QueryFilter or ScanFilter parameter), bound to its
// request's names and values. It is immutable and safe for concurrent use.
type Condition struct {
	root *cond
}

// String renders the condition as an s-expression, for tests and logs.
func (c *Condition) String() string {
	var b strings.Builder
	c.root.write(&b)
	return b.String()
}

// Paths returns the document paths the condition reads, in text order. The
// table layer uses them to reject nested access to key attributes.
func (c *Condition) Paths() []Path {
	var out []Path
	var walkOp func(o *Operand)
	walkOp = func(o *Operand) {
		if o.kind == opPath {
			out = append(out, o.path)
		}
		for _, a := range o.args {
			walkOp(a)
		}
	}
	var walk func(c *cond)
	walk = func(c *cond) {
		for _, a := range c.args {
			walkOp(a)
		}
		for _, k := range c.kids {
			walk(k)
		}
	}
	walk(c.root)
	return out
}
