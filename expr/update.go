package expr

import (
	"strings"

	"github.com/dynago/dynago/ddb"
)

// actionKind is the clause an update action belongs to.
type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

var actionNames = [...]string{"SET", "REMOVE", "ADD", "DELETE"}

// action is one update action. For SET, val is the new value; for ADD and
// DELETE, arg is the operand.
type action struct {
	kind actionKind
	path Path
	val  *Operand
	arg  ddb.AttributeValue
}

// Update is a parsed UpdateExpression (or translated AttributeUpdates),
// bound to its request's names and values. It is immutable and safe for
// concurrent use.
type Update struct {
	actions []action // in text order
	legacy  bool     // from AttributeUpdates: PUT/DELETE/ADD semantics
}

// Paths returns the paths the update writes, in the order they were written.
func (u *Update) Paths() []Path {
	out := make([]Path, len(u.actions))
	for i, a := range u.actions {
		out[i] = a.path
	}
	return out
}

// ReadPaths returns the document paths the update's SET values read, in
// text order.
func (u *Update) ReadPaths() []Path {
	var out []Path
	var walk func(o *Operand)
	walk = func(o *Operand) {
		if o.kind == opPath {
			out = append(out, o.path)
		}
		for _, a := range o.args {
			walk(a)
		}
	}
	for _, a := range u.actions {
		if a.kind == actSet {
			walk(a.val)
		}
	}
	return out
}

// String renders the update, one action per clause, for tests and logs.
func (u *Update) String() string {
	var b strings.Builder
	for i, a := range u.actions {
		if i > 0 {
			b.WriteString("; ")
		}
		if u.legacy {
			b.WriteString(legacyActionNames[a.kind])
		} else {
			b.WriteString(actionNames[a.kind])
		}
		b.WriteByte(' ')
		b.WriteString(a.path.String())
		switch a.kind {
		case actSet:
			b.WriteString(" = ")
			a.val.write(&b)
		case actAdd, actDelete:
			if a.arg.Type != ddb.TypeNone {
				b.WriteByte(' ')
				writeValue(&b, a.arg)
			}
		}
	}
	return b.String()
}

var legacyActionNames = [...]string{"PUT", "DELETE", "ADD", "DELETE"}

// ParseUpdate parses an UpdateExpression with the request's names and
// values.
func ParseUpdate(s string, p *Params) (*Update, error) {
	t, err := cachedSyntax(kindUpdate, s)
	if err != nil {
		return nil, err
	}
	return bindUpdate(t, p)
}

func bindUpdate(t *syntaxTree, p *Params) (*Update, error) {
	b := &binder{t: t, p: p}
	actions := t.root.kids
	for _, a := range actions {
		if err := b.precheck(a, ctxOperand); err != nil {
			return nil, err
		}
	}
	// Each clause may appear once.
	var seen [4]bool
	last := -1
	for _, a := range actions {
		if a.section == last {
			continue
		}
		last = a.section
		k := actionKindOf(a.kind)
		if seen[k] {
			return nil, b.fail("The \"" + actionNames[k] + "\" section can only be used once in an update expression;")
		}
		seen[k] = true
	}
	// DynamoDB works through the actions from the last to the first: first
	// their target paths, merging them into one tree that must have no
	// overlapping or conflicting paths, then their operands.
	u := &Update{actions: make([]action, len(actions))}
	tree := &pathTree{}
	for i := len(actions) - 1; i >= 0; i-- {
		path, err := b.bindPath(actions[i].kids[0])
		if err != nil {
			return nil, err
		}
		if msg := tree.insert(path); msg != "" {
			return nil, b.fail(msg)
		}
		u.actions[i] = action{kind: actionKindOf(actions[i].kind), path: path}
	}
	for i := len(actions) - 1; i >= 0; i-- {
		a := actions[i]
		switch a.kind {
		case pSet:
			v, err := b.bindUpdateOperand(a.kids[1])
			if err != nil {
				return nil, err
			}
			u.actions[i].val = v
		case pAdd, pDelete:
			v, err := b.bindValue(a.kids[1])
			if err != nil {
				return nil, err
			}
			if a.kind == pAdd {
				switch v.val.Type {
				case ddb.TypeN, ddb.TypeSS, ddb.TypeNS, ddb.TypeBS:
				default:
					return nil, b.fail("Incorrect operand type for operator or function; operator: ADD, operand type: " + longTypeName(v.val.Type) + ", typeSet: ALLOWED_FOR_ADD_OPERAND")
				}
			} else if !v.val.Type.IsSet() {
				return nil, b.fail("Incorrect operand type for operator or function; operator: DELETE, operand type: " + longTypeName(v.val.Type) + ", typeSet: ALLOWED_FOR_DELETE_OPERAND")
			}
			u.actions[i].arg = v.val
		}
	}
	return u, nil
}

func actionKindOf(k pkind) actionKind {
	switch k {
	case pRemove:
		return actRemove
	case pAdd:
		return actAdd
	case pDelete:
		return actDelete
	}
	return actSet
}

// longTypeName is the type name DynamoDB uses in ADD and DELETE messages.
func longTypeName(t ddb.Type) string {
	switch t {
	case ddb.TypeS:
		return "STRING"
	case ddb.TypeN:
		return "NUMBER"
	case ddb.TypeB:
		return "BINARY"
	case ddb.TypeBOOL:
		return "BOOLEAN"
	case ddb.TypeNULL:
		return "NULL"
	case ddb.TypeM:
		return "MAP"
	case ddb.TypeL:
		return "LIST"
	case ddb.TypeSS:
		return "STRING_SET"
	case ddb.TypeNS:
		return "NUMBER_SET"
	case ddb.TypeBS:
		return "BINARY_SET"
	}
	return t.String()
}

// bindUpdateOperand is pass 2 for a SET value.
func (b *binder) bindUpdateOperand(n *pnode) (*Operand, error) {
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
	args := make([]*Operand, len(n.kids))
	for i, k := range n.kids {
		a, err := b.bindUpdateOperand(k)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	if err := b.countOp(); err != nil {
		return nil, err
	}
	if n.kind == pArith {
		kind, name := opPlus, "+"
		if b.t.toks[n.tok].kind == tMinus {
			kind, name = opMinus, "-"
		}
		for _, a := range args {
			if t, ok := staticType(a); ok && t != ddb.TypeN {
				return nil, b.operandType(name, t.String())
			}
		}
		return &Operand{kind: kind, args: args}, nil
	}
	name := b.t.text(n.tok)
	if len(args) != 2 {
		return nil, b.operandCount(name, len(args))
	}
	if name == fnIfNotExists {
		if args[0].kind != opPath {
			return nil, b.requirePath(name)
		}
		return &Operand{kind: opIfNotExists, args: args}, nil
	}
	for _, a := range args {
		if t, ok := staticType(a); ok && t != ddb.TypeL {
			return nil, b.operandType(name, t.String())
		}
	}
	return &Operand{kind: opListAppend, args: args}, nil
}
