package expr

import (
	"bytes"
	"sort"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// Runtime errors of UpdateItem, with DynamoDB's wording.
var (
	errMissingOperand = "The provided expression refers to an attribute that does not exist in the item"
	errOperandType    = "An operand in the update expression has an incorrect data type"
	errInvalidPath    = "The document path provided in the update expression is invalid for update"
)

// Apply applies the update to item (nil when there is no item) and returns
// the new item. It never modifies item: values it does not touch are shared
// with the new item.
//
// DynamoDB evaluates every SET value against the old item first, then
// applies all actions at once: list indexes refer to the old list (REMOVE
// a[1], a[3] removes the old second and fourth elements), and SET or ADD at
// an index at or past the end of a list appends, in index order.
func (u *Update) Apply(item ddb.Item) (ddb.Item, error) {
	if u.legacy {
		return u.applyLegacy(item)
	}
	// DynamoDB checks the actions one by one in descending order of their
	// paths (so that this order decides which error a request with several
	// problems gets): the target's parent must exist and be a map or list
	// as the path says, the SET value must evaluate, and ADD and DELETE
	// must fit the current value.
	vals := make([]ddb.AttributeValue, len(u.actions))
	for _, i := range u.checkOrder() {
		a := &u.actions[i]
		if err := checkParent(item, a.path); err != nil {
			return nil, err
		}
		switch a.kind {
		case actSet:
			v, err := evalUpdateOperand(a.val, item)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		case actAdd, actDelete:
			if old, ok := lookup(item, a.path); ok {
				if _, _, err := applyLeaf(a.kind, a.arg, old, true); err != nil {
					return nil, err
				}
			}
			vals[i] = a.arg
		}
	}
	root := &applyNode{}
	for i := range u.actions {
		root.add(u.actions[i].path, u.actions[i].kind, vals[i])
	}
	return root.applyItem(item)
}

// checkOrder returns the indexes of the actions in the order DynamoDB
// checks them: by path, descending (names in the order of a Java hash map,
// list indexes by value); equal keys in reverse text order.
func (u *Update) checkOrder() []int {
	order := make([]int, len(u.actions))
	for i := range order {
		order[i] = len(order) - 1 - i
	}
	sort.SliceStable(order, func(x, y int) bool {
		return comparePathsJava(u.actions[order[x]].path, u.actions[order[y]].path) > 0
	})
	return order
}

func comparePathsJava(a, b Path) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		x, y := a[k], b[k]
		if x == y {
			continue
		}
		if x.IsIndex && y.IsIndex {
			if x.Index < y.Index {
				return -1
			}
			return 1
		}
		if x.IsIndex != y.IsIndex {
			return 0
		}
		bx, by := javaBucket(javaStringHash(x.Name), 16), javaBucket(javaStringHash(y.Name), 16)
		if bx < by {
			return -1
		}
		if bx > by {
			return 1
		}
		return 0
	}
	return 0
}

// checkParent requires the parent of a nested path to exist and to be a map
// (for a name) or a list (for an index).
func checkParent(item ddb.Item, p Path) error {
	if len(p) < 2 {
		return nil
	}
	parent, ok := lookup(item, p[:len(p)-1])
	if !ok {
		return ddb.Validation(errInvalidPath)
	}
	if p[len(p)-1].IsIndex {
		if parent.Type != ddb.TypeL {
			return ddb.Validation(errInvalidPath)
		}
	} else if parent.Type != ddb.TypeM {
		return ddb.Validation(errInvalidPath)
	}
	return nil
}

// evalUpdateOperand evaluates a SET value against the old item.
func evalUpdateOperand(o *Operand, item ddb.Item) (ddb.AttributeValue, error) {
	switch o.kind {
	case opPath:
		v, ok := lookup(item, o.path)
		if !ok {
			return v, ddb.Validation(errMissingOperand)
		}
		return v, nil
	case opValue:
		return o.val, nil
	case opIfNotExists:
		if v, ok := lookup(item, o.args[0].path); ok {
			return v, nil
		}
		return evalUpdateOperand(o.args[1], item)
	case opListAppend:
		a, err := evalTyped(o.args[0], item, ddb.TypeL)
		if err != nil {
			return a, err
		}
		b, err := evalTyped(o.args[1], item, ddb.TypeL)
		if err != nil {
			return b, err
		}
		l := make([]ddb.AttributeValue, 0, len(a.L)+len(b.L))
		l = append(append(l, a.L...), b.L...)
		return ddb.L(l), nil
	case opPlus, opMinus:
		a, err := evalTyped(o.args[0], item, ddb.TypeN)
		if err != nil {
			return a, err
		}
		b, err := evalTyped(o.args[1], item, ddb.TypeN)
		if err != nil {
			return b, err
		}
		var s string
		if o.kind == opPlus {
			s, err = number.Add(a.S, b.S)
		} else {
			s, err = number.Sub(a.S, b.S)
		}
		if err != nil {
			return ddb.AttributeValue{}, err
		}
		return ddb.N(s), nil
	}
	return ddb.AttributeValue{}, ddb.Validation(errOperandType)
}

// evalTyped evaluates an operand that must have type t.
func evalTyped(o *Operand, item ddb.Item, t ddb.Type) (ddb.AttributeValue, error) {
	v, err := evalUpdateOperand(o, item)
	if err == nil && v.Type != t {
		err = ddb.Validation(errOperandType)
	}
	return v, err
}

// applyNode is a tree of the paths an update writes; a leaf holds the
// action for its path.
type applyNode struct {
	leaf     bool
	kind     actionKind
	val      ddb.AttributeValue
	names    map[string]*applyNode
	indexes  map[int]*applyNode
	nameKeys []string // in insertion order, for deterministic errors
}

func (n *applyNode) add(p Path, kind actionKind, val ddb.AttributeValue) {
	for _, e := range p {
		var next *applyNode
		if e.IsIndex {
			if n.indexes == nil {
				n.indexes = map[int]*applyNode{}
			}
			next = n.indexes[e.Index]
			if next == nil {
				next = &applyNode{}
				n.indexes[e.Index] = next
			}
		} else {
			if n.names == nil {
				n.names = map[string]*applyNode{}
			}
			next = n.names[e.Name]
			if next == nil {
				next = &applyNode{}
				n.names[e.Name] = next
				n.nameKeys = append(n.nameKeys, e.Name)
			}
		}
		n = next
	}
	n.leaf, n.kind, n.val = true, kind, val
}

func (n *applyNode) applyItem(item ddb.Item) (ddb.Item, error) {
	out := make(ddb.Item, len(item)+len(n.names))
	for k, v := range item {
		out[k] = v
	}
	for _, k := range n.nameKeys {
		c := n.names[k]
		old, exists := item[k]
		nv, keep, err := c.apply(old, exists)
		if err != nil {
			return nil, err
		}
		if keep {
			out[k] = nv
		} else {
			delete(out, k)
		}
	}
	return out, nil
}

// apply computes the new value at this node from the old one; keep is false
// when the attribute or element is to be removed.
func (n *applyNode) apply(old ddb.AttributeValue, exists bool) (nv ddb.AttributeValue, keep bool, err error) {
	if n.leaf {
		return applyLeaf(n.kind, n.val, old, exists)
	}
	if !exists {
		return old, false, ddb.Validation(errInvalidPath)
	}
	if n.indexes != nil {
		if old.Type != ddb.TypeL {
			return old, false, ddb.Validation(errInvalidPath)
		}
		l, err := n.applyList(old.L)
		return ddb.L(l), true, err
	}
	if old.Type != ddb.TypeM {
		return old, false, ddb.Validation(errInvalidPath)
	}
	m := make(map[string]ddb.AttributeValue, len(old.M)+len(n.names))
	for k, v := range old.M {
		m[k] = v
	}
	for _, k := range n.nameKeys {
		c := n.names[k]
		ov, ok := old.M[k]
		v, keep, err := c.apply(ov, ok)
		if err != nil {
			return old, false, err
		}
		if keep {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	return ddb.M(m), true, nil
}

func (n *applyNode) applyList(old []ddb.AttributeValue) ([]ddb.AttributeValue, error) {
	out := make([]ddb.AttributeValue, 0, len(old)+len(n.indexes))
	for i, v := range old {
		c := n.indexes[i]
		if c == nil {
			out = append(out, v)
			continue
		}
		nv, keep, err := c.apply(v, true)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, nv)
		}
	}
	var past []int
	for i := range n.indexes {
		if i >= len(old) {
			past = append(past, i)
		}
	}
	sort.Ints(past)
	for _, i := range past {
		nv, keep, err := n.indexes[i].apply(ddb.AttributeValue{}, false)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, nv)
		}
	}
	return out, nil
}

// applyLeaf applies one action to the old value at its path.
func applyLeaf(kind actionKind, val, old ddb.AttributeValue, exists bool) (ddb.AttributeValue, bool, error) {
	switch kind {
	case actSet:
		return val, true, nil
	case actRemove:
		return old, false, nil
	case actAdd:
		if !exists {
			return val, true, nil
		}
		if old.Type != val.Type {
			return old, true, ddb.Validation(errOperandType)
		}
		switch old.Type {
		case ddb.TypeN:
			s, err := number.Add(old.S, val.S)
			if err != nil {
				return old, true, err
			}
			return ddb.N(s), true, nil
		case ddb.TypeSS, ddb.TypeNS:
			return setUnionStrings(old, val), true, nil
		case ddb.TypeBS:
			return setUnionBytes(old, val), true, nil
		}
		return old, true, ddb.Validation(errOperandType)
	default: // actDelete
		if !exists {
			return old, false, nil
		}
		if old.Type != val.Type {
			return old, true, ddb.Validation(errOperandType)
		}
		var out ddb.AttributeValue
		switch old.Type {
		case ddb.TypeSS, ddb.TypeNS:
			out = setDiffStrings(old, val)
			if len(out.SS) == 0 {
				return old, false, nil
			}
		case ddb.TypeBS:
			out = setDiffBytes(old, val)
			if len(out.BS) == 0 {
				return old, false, nil
			}
		default:
			return old, true, ddb.Validation(errOperandType)
		}
		return out, true, nil
	}
}

func setUnionStrings(a, b ddb.AttributeValue) ddb.AttributeValue {
	seen := make(map[string]struct{}, len(a.SS)+len(b.SS))
	out := make([]string, 0, len(a.SS)+len(b.SS))
	for _, s := range a.SS {
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	for _, s := range b.SS {
		if _, ok := seen[s]; !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return ddb.AttributeValue{Type: a.Type, SS: out}
}

func setDiffStrings(a, b ddb.AttributeValue) ddb.AttributeValue {
	drop := make(map[string]struct{}, len(b.SS))
	for _, s := range b.SS {
		drop[s] = struct{}{}
	}
	out := make([]string, 0, len(a.SS))
	for _, s := range a.SS {
		if _, ok := drop[s]; !ok {
			out = append(out, s)
		}
	}
	return ddb.AttributeValue{Type: a.Type, SS: out}
}

func setUnionBytes(a, b ddb.AttributeValue) ddb.AttributeValue {
	out := make([][]byte, 0, len(a.BS)+len(b.BS))
	out = append(out, a.BS...)
	for _, x := range b.BS {
		dup := false
		for _, y := range out {
			if bytes.Equal(x, y) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return ddb.BS(out)
}

func setDiffBytes(a, b ddb.AttributeValue) ddb.AttributeValue {
	out := make([][]byte, 0, len(a.BS))
	for _, x := range a.BS {
		drop := false
		for _, y := range b.BS {
			if bytes.Equal(x, y) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, x)
		}
	}
	return ddb.BS(out)
}
