package expr

// pathTree detects overlapping and conflicting document paths in an update
// or projection expression the way DynamoDB does: the paths are merged into
// one tree from the last to the first. Two paths overlap when one is a
// prefix of the other (or they are equal), and conflict when one reads a
// list element where the other reads a map key at the same place.
//
// DynamoDB's message names the path being merged ("path one") and, as
// "path two", a representative of the subtree it collided with: the last
// leaf found by following, at each node, the child that comes last in the
// node's (Java HashMap) iteration order. That is why DynamoDB reports
// "a, b, a" as overlapping [a] with [b].
type pathTree struct {
	root ptNode
}

type ptNode struct {
	leaf     bool
	path     Path // when leaf
	children []ptChild
}

type ptChild struct {
	elem PathElem
	node *ptNode
}

// insert merges path p into the tree; it returns DynamoDB's message (without
// the expression prefix) when p overlaps or conflicts with a path already in
// the tree.
func (t *pathTree) insert(p Path) string {
	n := &t.root
	for k, e := range p {
		if len(n.children) > 0 && n.children[0].elem.IsIndex != e.IsIndex {
			return "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " +
				p.errorString() + ", path two: " + n.representative().errorString()
		}
		i := n.find(e)
		if i < 0 {
			// A new branch goes first in the merged node's insertion order.
			chain := &ptNode{leaf: true, path: p}
			for j := len(p) - 1; j > k; j-- {
				chain = &ptNode{children: []ptChild{{elem: p[j], node: chain}}}
			}
			n.children = append(n.children, ptChild{})
			copy(n.children[1:], n.children)
			n.children[0] = ptChild{elem: e, node: chain}
			return ""
		}
		child := n.children[i].node
		if child.leaf || k == len(p)-1 {
			return "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " +
				p.errorString() + ", path two: " + n.representative().errorString()
		}
		// The merged child also moves first.
		c := n.children[i]
		copy(n.children[1:i+1], n.children[:i])
		n.children[0] = c
		n = child
	}
	return ""
}

func (n *ptNode) find(e PathElem) int {
	for i, c := range n.children {
		if c.elem == e {
			return i
		}
	}
	return -1
}

// representative follows the last child in iteration order down to a leaf.
func (n *ptNode) representative() Path {
	for !n.leaf {
		n = n.children[lastInJavaOrder(n.children)].node
	}
	return n.path
}

// lastInJavaOrder is the index of the child a Java HashMap holding the
// children (inserted in slice order) would iterate last.
func lastInJavaOrder(children []ptChild) int {
	capacity := javaCapacity(len(children))
	best, bestBucket := 0, -1
	for i, c := range children {
		b := javaBucket(elemHash(c.elem), capacity)
		if b >= bestBucket { // later insertions win ties
			best, bestBucket = i, b
		}
	}
	return best
}

func elemHash(e PathElem) int32 {
	if e.IsIndex {
		return int32(e.Index)
	}
	return javaStringHash(e.Name)
}
