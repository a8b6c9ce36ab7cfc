package expr

import (
	"strconv"

	"github.com/dynago/dynago/ddb"
)

// This file is the syntax phase: expression text to a parse tree of pnodes
// whose names and values are still placeholders. It reports the errors that
// DynamoDB reports while parsing: syntax errors (with DynamoDB's offending
// token and "near" text) and redundant parentheses.
//
// DynamoDB's parser decides some alternatives by looking ahead (a '(' at the
// start of a condition may open a parenthesized condition or a parenthesized
// operand). This parser tries both alternatives and keeps the one that reads
// further, memoizing results by position so that nested parentheses cost
// linear time. The offending token of a syntax error is the first token at
// which no alternative can continue.
//
// Redundant parentheses ("((x))") are reported when the outer ')' is read,
// except that DynamoDB only commits to reading a parenthesized operand at the
// start of a condition, and a function argument, once it has seen the token
// after it: a syntax error at that token wins.

type pkind uint8

const (
	pPath    pkind = iota // elems
	pValue                // tok is the :value token
	pFunc                 // tok is the function name; kids are the arguments
	pArith                // tok is '+' or '-'; kids[0], kids[1]
	pCmp                  // tok is the comparator; kids[0], kids[1]
	pBetween              // kids[0] BETWEEN kids[1] AND kids[2]
	pIn                   // kids[0] IN (kids[1:]...)
	pAnd                  // kids[0], kids[1]
	pOr                   // kids[0], kids[1]
	pNot                  // kids[0]
	pSet                  // update action: kids[0] path, kids[1] value
	pRemove               // update action: kids[0] path
	pAdd                  // update action: kids[0] path, kids[1] value
	pDelete               // update action: kids[0] path, kids[1] value
)

type pelemKind uint8

const (
	peName     pelemKind = iota // a literal name
	peNameRef                   // #name
	peValueRef                  // :value used as a name after '.', always undefined
	peIndex                     // [n]
)

type pelem struct {
	kind  pelemKind
	tok   int   // token index
	index int64 // for peIndex (up to 10^18; larger is clamped)
}

type pnode struct {
	kind  pkind
	tok   int
	elems []pelem
	kids  []*pnode
	paren bool // written in parentheses
	// section is the clause keyword token of an update action.
	section int
}

// event is a redundant-parentheses finding at token r. It is reported only
// if the parse got past token gate without a syntax error (gate is -1 when
// nothing gates it).
type event struct{ r, gate int }

// res is the result of parsing one grammar rule at one position.
type res struct {
	n      *pnode
	end    int  // token index after the rule, when ok
	ok     bool //
	fail   int  // the offending token index, when !ok
	events []event
}

// reach is how far the result read: the offending token of a failure, or
// the token after a success.
func (r *res) reach() int {
	if r.ok {
		return r.end
	}
	return r.fail
}

type memoKey struct {
	rule uint8
	pos  int
}

const (
	ruleOperand uint8 = iota
	rulePrimary
	ruleTerm
	ruleSetValue
)

type parser struct {
	src  string
	toks []token
	memo map[memoKey]*res
}

func (p *parser) kind(i int) tokKind { return p.toks[i].kind }
func (p *parser) text(i int) string  { return p.src[p.toks[i].start:p.toks[i].end] }

func failAt(i int, events []event) *res { return &res{fail: i, events: events} }

// syntaxError builds DynamoDB's syntax error for the offending token i.
func (p *parser) syntaxError(i int) string {
	t := p.toks[i]
	tokText := "<EOF>"
	if t.kind != tEOF {
		tokText = p.src[t.start:t.end]
	}
	start := 0
	if i > 0 {
		start = p.toks[i-1].start
	}
	end := len(p.src)
	if t.kind != tEOF && p.toks[i+1].kind != tEOF {
		end = p.toks[i+1].end
	}
	return "Syntax error; token: \"" + tokText + "\", near: \"" + p.src[start:end] + "\""
}

// finish turns the top-level result into a tree or DynamoDB's error text
// (without the "Invalid XExpression: " prefix).
func (p *parser) finish(r *res) (*pnode, string) {
	e := len(p.toks) // no syntax error
	if !r.ok {
		e = r.fail
	} else if p.kind(r.end) != tEOF {
		e = r.end
	}
	first := -1
	for _, ev := range r.events {
		if ev.r < e && ev.gate < e && (first < 0 || ev.r < first) {
			first = ev.r
		}
	}
	if first >= 0 {
		return nil, msgRedundant
	}
	if e < len(p.toks) {
		return nil, p.syntaxError(e)
	}
	return r.n, ""
}

const msgRedundant = "The expression has redundant parentheses;"

func appendEvents(dst []event, src []event, gate int) []event {
	for _, ev := range src {
		if gate > ev.gate {
			ev.gate = gate
		}
		dst = append(dst, ev)
	}
	return dst
}

func isComparator(k tokKind) bool {
	switch k {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		return true
	}
	return false
}

// ---- conditions ----

// condition := andExpr (OR andExpr)*
func (p *parser) condition(i int) *res {
	left := p.andExpr(i)
	if !left.ok {
		return left
	}
	events := left.events
	n := left.n
	j := left.end
	for p.kind(j) == tOr {
		right := p.andExpr(j + 1)
		events = appendEvents(events[:len(events):len(events)], right.events, -1)
		if !right.ok {
			return failAt(right.fail, events)
		}
		n = &pnode{kind: pOr, tok: j, kids: []*pnode{n, right.n}}
		j = right.end
	}
	return &res{n: n, end: j, ok: true, events: events}
}

// andExpr := notExpr (AND notExpr)*
func (p *parser) andExpr(i int) *res {
	left := p.notExpr(i)
	if !left.ok {
		return left
	}
	events := left.events
	n := left.n
	j := left.end
	for p.kind(j) == tAnd {
		right := p.notExpr(j + 1)
		events = appendEvents(events[:len(events):len(events)], right.events, -1)
		if !right.ok {
			return failAt(right.fail, events)
		}
		n = &pnode{kind: pAnd, tok: j, kids: []*pnode{n, right.n}}
		j = right.end
	}
	return &res{n: n, end: j, ok: true, events: events}
}

// notExpr := NOT notExpr | primary
func (p *parser) notExpr(i int) *res {
	if p.kind(i) == tNot {
		r := p.notExpr(i + 1)
		if !r.ok {
			return r
		}
		return &res{n: &pnode{kind: pNot, tok: i, kids: []*pnode{r.n}}, end: r.end, ok: true, events: r.events}
	}
	return p.primary(i)
}

// primary := '(' condition ')' | comparison | function
func (p *parser) primary(i int) *res {
	key := memoKey{rulePrimary, i}
	if r, ok := p.memo[key]; ok {
		return r
	}
	var r *res
	if p.kind(i) == tLParen {
		a := p.parenCondition(i)
		b := p.comparison(i)
		switch {
		case a.ok && b.ok:
			r = a
			if b.end > a.end {
				r = b
			}
		case b.reach() > a.reach():
			r = b
		default:
			r = a
		}
	} else {
		r = p.comparison(i)
	}
	p.memo[key] = r
	return r
}

func (p *parser) parenCondition(i int) *res {
	inner := p.condition(i + 1)
	if !inner.ok {
		return inner
	}
	if p.kind(inner.end) != tRParen {
		return failAt(inner.end, inner.events)
	}
	closeTok := inner.end
	events := inner.events
	if inner.n.paren {
		events = append(events[:len(events):len(events)], event{r: closeTok, gate: -1})
	}
	n := *inner.n
	n.paren = true
	return &res{n: &n, end: closeTok + 1, ok: true, events: events}
}

// comparison := operand (comparator operand | BETWEEN operand AND operand |
// IN '(' operand (',' operand)* ')') | function
func (p *parser) comparison(i int) *res {
	first := p.operand(i)
	gate := -1
	if p.kind(i) == tLParen && first.ok {
		gate = first.end // the token after the operand decides
	}
	events := appendEvents(nil, first.events, gate)
	if !first.ok {
		return failAt(first.fail, events)
	}
	j := first.end
	k := p.kind(j)
	switch {
	case isComparator(k):
		second := p.operand(j + 1)
		events = appendEvents(events, second.events, -1)
		if !second.ok {
			return failAt(second.fail, events)
		}
		n := &pnode{kind: pCmp, tok: j, kids: []*pnode{first.n, second.n}}
		return &res{n: n, end: second.end, ok: true, events: events}
	case k == tBetween:
		lo := p.operand(j + 1)
		events = appendEvents(events, lo.events, -1)
		if !lo.ok {
			return failAt(lo.fail, events)
		}
		if p.kind(lo.end) != tAnd {
			return failAt(lo.end, events)
		}
		hi := p.operand(lo.end + 1)
		events = appendEvents(events, hi.events, -1)
		if !hi.ok {
			return failAt(hi.fail, events)
		}
		n := &pnode{kind: pBetween, tok: j, kids: []*pnode{first.n, lo.n, hi.n}}
		return &res{n: n, end: hi.end, ok: true, events: events}
	case k == tIn:
		if p.kind(j+1) != tLParen {
			return failAt(j+1, events)
		}
		n := &pnode{kind: pIn, tok: j, kids: []*pnode{first.n}}
		m := j + 2
		for {
			op := p.operand(m)
			events = appendEvents(events, op.events, -1)
			if !op.ok {
				return failAt(op.fail, events)
			}
			n.kids = append(n.kids, op.n)
			m = op.end
			if p.kind(m) == tComma {
				m++
				continue
			}
			if p.kind(m) != tRParen {
				return failAt(m, events)
			}
			return &res{n: n, end: m + 1, ok: true, events: events}
		}
	}
	if first.n.kind == pFunc && !first.n.paren {
		// A function used as a condition.
		return &res{n: first.n, end: j, ok: true, events: events}
	}
	return failAt(j, events)
}

// operand := '(' operand ')' | function | path | :value
func (p *parser) operand(i int) *res {
	return p.operandRule(i, ruleOperand)
}

// operandRule parses an operand; in an update expression (rule == ruleTerm)
// a parenthesized operand may hold an addition or subtraction.
func (p *parser) operandRule(i int, rule uint8) *res {
	key := memoKey{rule, i}
	if r, ok := p.memo[key]; ok {
		return r
	}
	var r *res
	switch p.kind(i) {
	case tLParen:
		var inner *res
		if rule == ruleTerm {
			inner = p.setValue(i + 1)
		} else {
			inner = p.operandRule(i+1, rule)
		}
		switch {
		case !inner.ok:
			r = inner
		case p.kind(inner.end) != tRParen:
			r = failAt(inner.end, inner.events)
		default:
			events := inner.events
			if inner.n.paren {
				events = append(events[:len(events):len(events)], event{r: inner.end, gate: -1})
			}
			n := *inner.n
			n.paren = true
			r = &res{n: &n, end: inner.end + 1, ok: true, events: events}
		}
	case tName:
		if p.kind(i+1) == tLParen {
			r = p.function(i)
		} else {
			r = p.path(i)
		}
	case tNameRef:
		r = p.path(i)
	case tValueRef:
		r = &res{n: &pnode{kind: pValue, tok: i}, end: i + 1, ok: true}
	default:
		r = failAt(i, nil)
	}
	p.memo[key] = r
	return r
}

// function := name '(' operand (',' operand)* ')'
func (p *parser) function(i int) *res {
	n := &pnode{kind: pFunc, tok: i}
	var events []event
	m := i + 2
	for {
		arg := p.operand(m)
		gate := -1
		if arg.ok {
			gate = arg.end
		}
		events = appendEvents(events, arg.events, gate)
		if !arg.ok {
			return failAt(arg.fail, events)
		}
		n.kids = append(n.kids, arg.n)
		m = arg.end
		if p.kind(m) == tComma {
			m++
			continue
		}
		if p.kind(m) != tRParen {
			return failAt(m, events)
		}
		return &res{n: n, end: m + 1, ok: true, events: events}
	}
}

// maxIndex clamps list indexes that do not fit: any index above
// math.MaxInt32 is out of DynamoDB's range anyway.
const maxIndex = 1 << 62

// path := (name | #name) ('.' (name | #name | :value) | '[' int ']')*
func (p *parser) path(i int) *res {
	n := &pnode{kind: pPath, tok: i}
	switch p.kind(i) {
	case tName:
		n.elems = append(n.elems, pelem{kind: peName, tok: i})
	case tNameRef:
		n.elems = append(n.elems, pelem{kind: peNameRef, tok: i})
	default:
		return failAt(i, nil)
	}
	j := i + 1
	for {
		switch p.kind(j) {
		case tDot:
			switch p.kind(j + 1) {
			case tName:
				n.elems = append(n.elems, pelem{kind: peName, tok: j + 1})
			case tNameRef:
				n.elems = append(n.elems, pelem{kind: peNameRef, tok: j + 1})
			case tValueRef:
				n.elems = append(n.elems, pelem{kind: peValueRef, tok: j + 1})
			default:
				return failAt(j+1, nil)
			}
			j += 2
			continue
		case tLBracket:
			if p.kind(j+1) != tInt {
				return failAt(j+1, nil)
			}
			if p.kind(j+2) != tRBracket {
				return failAt(j+2, nil)
			}
			idx, err := strconv.ParseInt(p.text(j+1), 10, 64)
			if err != nil || idx > maxIndex {
				idx = maxIndex
			}
			n.elems = append(n.elems, pelem{kind: peIndex, tok: j + 1, index: idx})
			j += 3
			continue
		}
		return &res{n: n, end: j, ok: true}
	}
}

// ---- update expressions ----

// update := clause+ where clause := SET set (',' set)* | REMOVE path (',' path)*
// | ADD path :value (',' path :value)* | DELETE path :value (',' ...)*
func (p *parser) update(i int) *res {
	var actions []*pnode
	var events []event
	j := i
	first := true
	for {
		k := p.kind(j)
		if k != tSet && k != tRemove && k != tAdd && k != tDelete {
			if first {
				return failAt(j, events)
			}
			return &res{n: &pnode{kids: actions}, end: j, ok: true, events: events}
		}
		first = false
		section := j
		j++
		for {
			var a *pnode
			switch k {
			case tSet:
				target := p.path(j)
				if !target.ok {
					return failAt(target.fail, events)
				}
				if p.kind(target.end) != tEq {
					return failAt(target.end, events)
				}
				v := p.setValue(target.end + 1)
				events = appendEvents(events, v.events, -1)
				if !v.ok {
					return failAt(v.fail, events)
				}
				a = &pnode{kind: pSet, tok: target.end, kids: []*pnode{target.n, v.n}}
				j = v.end
			case tRemove:
				target := p.path(j)
				if !target.ok {
					return failAt(target.fail, events)
				}
				a = &pnode{kind: pRemove, tok: j, kids: []*pnode{target.n}}
				j = target.end
			default:
				target := p.path(j)
				if !target.ok {
					return failAt(target.fail, events)
				}
				if p.kind(target.end) != tValueRef {
					return failAt(target.end, events)
				}
				kind := pAdd
				if k == tDelete {
					kind = pDelete
				}
				v := &pnode{kind: pValue, tok: target.end}
				a = &pnode{kind: kind, tok: j, kids: []*pnode{target.n, v}}
				j = target.end + 1
			}
			a.section = section
			actions = append(actions, a)
			if p.kind(j) != tComma {
				break
			}
			j++
		}
	}
}

// setValue := term (('+' | '-') term)?
func (p *parser) setValue(i int) *res {
	key := memoKey{ruleSetValue, i}
	if r, ok := p.memo[key]; ok {
		return r
	}
	r := p.setValueUncached(i)
	p.memo[key] = r
	return r
}

func (p *parser) setValueUncached(i int) *res {
	left := p.operandRule(i, ruleTerm)
	if !left.ok {
		return left
	}
	k := p.kind(left.end)
	if k != tPlus && k != tMinus {
		return left
	}
	right := p.operandRule(left.end+1, ruleTerm)
	events := appendEvents(left.events[:len(left.events):len(left.events)], right.events, -1)
	if !right.ok {
		return failAt(right.fail, events)
	}
	n := &pnode{kind: pArith, tok: left.end, kids: []*pnode{left.n, right.n}}
	return &res{n: n, end: right.end, ok: true, events: events}
}

// ---- projection expressions ----

// projection := path (',' path)*
func (p *parser) projection(i int) *res {
	n := &pnode{}
	j := i
	for {
		r := p.path(j)
		if !r.ok {
			return r
		}
		n.kids = append(n.kids, r.n)
		j = r.end
		if p.kind(j) != tComma {
			return &res{n: n, end: j, ok: true}
		}
		j++
	}
}

// ---- entry points ----

type exprKind uint8

const (
	kindCondition exprKind = iota
	kindFilter
	kindKeyCondition
	kindUpdate
	kindProjection
)

func (k exprKind) prefix() string {
	switch k {
	case kindCondition:
		return "Invalid ConditionExpression: "
	case kindFilter:
		return "Invalid FilterExpression: "
	case kindKeyCondition:
		return "Invalid KeyConditionExpression: "
	case kindUpdate:
		return "Invalid UpdateExpression: "
	}
	return "Invalid ProjectionExpression: "
}

// maxExpressionSize is DynamoDB's limit on an expression's length, counted
// in UTF-16 code units.
const maxExpressionSize = 4096

// syntaxTree is the result of the syntax phase for one expression text: it
// depends on nothing but the text, so it can be cached by text.
type syntaxTree struct {
	kind exprKind
	src  string
	toks []token
	root *pnode
}

func (t *syntaxTree) text(i int) string { return t.src[t.toks[i].start:t.toks[i].end] }

// parseSyntax runs the syntax phase.
func parseSyntax(kind exprKind, src string) (*syntaxTree, error) {
	if n := utf16Len(src); n > maxExpressionSize {
		msg := kind.prefix() + "Expression size has exceeded the maximum allowed size;"
		if kind != kindUpdate && kind != kindProjection {
			msg += " expression size: " + strconv.Itoa(n)
		}
		return nil, ddb.Validation(msg)
	}
	p := &parser{src: src, toks: lex(src, make([]token, 0, len(src)/2+2)), memo: map[memoKey]*res{}}
	if len(src) == 0 {
		return nil, ddb.Validation(kind.prefix() + "The expression can not be empty;")
	}
	var r *res
	switch kind {
	case kindUpdate:
		r = p.update(0)
	case kindProjection:
		r = p.projection(0)
	default:
		r = p.condition(0)
	}
	root, msg := p.finish(r)
	if msg != "" {
		return nil, ddb.Validation(kind.prefix() + msg)
	}
	return &syntaxTree{kind: kind, src: src, toks: p.toks, root: root}, nil
}
