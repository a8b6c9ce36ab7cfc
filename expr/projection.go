package expr

import (
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Projection is a parsed ProjectionExpression (or translated
// AttributesToGet), bound to its request's names. It is immutable and safe
// for concurrent use.
type Projection struct {
	paths []Path // in text order
}

// Paths returns the projected paths in the order they were written.
func (pr *Projection) Paths() []Path { return pr.paths }

// String renders the projection as "a, b.c, d[1]".
func (pr *Projection) String() string {
	var b strings.Builder
	for i, p := range pr.paths {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// ParseProjection parses a ProjectionExpression with the request's names.
func ParseProjection(s string, p *Params) (*Projection, error) {
	t, err := cachedSyntax(kindProjection, s)
	if err != nil {
		return nil, err
	}
	b := &binder{t: t, p: p}
	for _, n := range t.root.kids {
		if err := b.precheckPath(n); err != nil {
			return nil, err
		}
	}
	paths := make([]Path, len(t.root.kids))
	tree := &pathTree{}
	for i := len(paths) - 1; i >= 0; i-- {
		path, err := b.bindPath(t.root.kids[i])
		if err != nil {
			return nil, err
		}
		if msg := tree.insert(path); msg != "" {
			return nil, b.fail(msg)
		}
		paths[i] = path
	}
	return &Projection{paths: paths}, nil
}

// FromAttributesToGet translates the legacy AttributesToGet parameter: each
// name is a top-level attribute, taken literally.
func FromAttributesToGet(names []string) (*Projection, error) {
	seen := make(map[string]struct{}, len(names))
	paths := make([]Path, len(names))
	for i, n := range names {
		if _, dup := seen[n]; dup {
			return nil, ddb.Validation("One or more parameter values were invalid: Duplicate value in attribute name: " + n)
		}
		seen[n] = struct{}{}
		paths[i] = Path{{Name: n}}
	}
	return &Projection{paths: paths}, nil
}

// Apply returns a new item holding only the projected paths of item that
// exist. Maps keep the projected keys; lists keep the projected elements in
// index order.
func (pr *Projection) Apply(item ddb.Item) ddb.Item {
	return ProjectPaths(item, pr.paths)
}

// ProjectPaths returns a new item holding only the given paths of item that
// exist, as a projection expression would. It is also what UpdateItem's
// UPDATED_OLD and UPDATED_NEW return for the paths an update wrote: nested
// paths yield the enclosing maps and lists reduced to the written parts.
func ProjectPaths(item ddb.Item, paths []Path) ddb.Item {
	out := ddb.Item{}
	if item == nil {
		return out
	}
	root := &projNode{}
	for _, p := range paths {
		root.add(p)
	}
	for _, c := range root.children {
		v, ok := item[c.elem.Name]
		if !ok {
			continue
		}
		if pv, ok := c.node.project(v); ok {
			out[c.elem.Name] = pv
		}
	}
	return out
}

// projNode is a tree of the projected paths.
type projNode struct {
	all      bool // the whole value at this node is projected
	children []projChild
}

type projChild struct {
	elem PathElem
	node *projNode
}

func (n *projNode) add(p Path) {
	for _, e := range p {
		if n.all {
			return
		}
		var next *projNode
		for _, c := range n.children {
			if c.elem == e {
				next = c.node
				break
			}
		}
		if next == nil {
			next = &projNode{}
			n.children = append(n.children, projChild{elem: e, node: next})
		}
		n = next
	}
	n.all = true
	n.children = nil
}

// project reduces v to the projected parts below n.
func (n *projNode) project(v ddb.AttributeValue) (ddb.AttributeValue, bool) {
	if n.all {
		return v, true
	}
	if len(n.children) == 0 {
		return ddb.AttributeValue{}, false
	}
	if n.children[0].elem.IsIndex {
		if v.Type != ddb.TypeL {
			return ddb.AttributeValue{}, false
		}
		idx := make([]projChild, len(n.children))
		copy(idx, n.children)
		for i := 1; i < len(idx); i++ { // insertion sort by index
			for j := i; j > 0 && idx[j].elem.Index < idx[j-1].elem.Index; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		var out []ddb.AttributeValue
		for _, c := range idx {
			if !c.elem.IsIndex || c.elem.Index >= len(v.L) {
				continue
			}
			if pv, ok := c.node.project(v.L[c.elem.Index]); ok {
				out = append(out, pv)
			}
		}
		if len(out) == 0 {
			return ddb.AttributeValue{}, false
		}
		return ddb.L(out), true
	}
	if v.Type != ddb.TypeM {
		return ddb.AttributeValue{}, false
	}
	out := make(map[string]ddb.AttributeValue)
	for _, c := range n.children {
		if c.elem.IsIndex {
			continue
		}
		ev, ok := v.M[c.elem.Name]
		if !ok {
			continue
		}
		if pv, ok := c.node.project(ev); ok {
			out[c.elem.Name] = pv
		}
	}
	if len(out) == 0 {
		return ddb.AttributeValue{}, false
	}
	return ddb.M(out), true
}
