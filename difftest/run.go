package difftest

import (
	"context"
	"fmt"
	"strings"
)

// Side names which endpoint is DynamoDB Local, for the known deviations.
type Side int

const (
	LocalNone Side = iota // neither side is DynamoDB Local: deviations are not applied
	LocalA
	LocalB
	LocalBoth // a sanity check: DynamoDB Local against itself
)

// ParseSide parses "A", "B", "both" or "none".
func ParseSide(s string) (Side, error) {
	switch strings.ToLower(s) {
	case "a":
		return LocalA, nil
	case "b", "":
		return LocalB, nil
	case "both":
		return LocalBoth, nil
	case "none":
		return LocalNone, nil
	}
	return 0, fmt.Errorf("unknown side %q (want A, B, both or none)", s)
}

// Classes of an outcome, from best to worst.
const (
	ClassSame     = "same"
	ClassExpected = "expected"       // marked @expect-diff in the corpus
	ClassLocal    = "local-deviates" // explained by a known DynamoDB Local deviation
	ClassSuspect  = "suspect"        // unexplained: a possible bug of the non-Local side
)

// Runner compares two endpoints over a corpus.
type Runner struct {
	A, B       *Endpoint
	Local      Side
	Deviations []*Deviation
	// Progress, if set, is called after each scenario.
	Progress func(s *Scenario, outcomes []*Outcome)
}

// Outcome is the comparison of one request.
type Outcome struct {
	Scenario *Scenario
	Index    int // 1-based within the scenario
	Req      *Request
	A, B     *Response
	Aspects  []*Aspect
	Class    string
	Notes    []string
}

// Aspect is one way in which the two responses differ.
type Aspect struct {
	Name      string
	Details   []string
	Deviation *Deviation // the known deviation that explains it, if any
	// Diffs are the body differences (aspect "body" of two JSON bodies);
	// Extra lists further deviations that explain some of them (body
	// deviations explain one difference each).
	Diffs []BodyDiff
	Extra []*Deviation
}

// Deviations lists the deviations that explain the aspect.
func (a *Aspect) Deviations() []*Deviation {
	if a.Deviation == nil {
		return nil
	}
	return append([]*Deviation{a.Deviation}, a.Extra...)
}

// Result is a whole run.
type Result struct {
	Scenarios []*Scenario
	Outcomes  []*Outcome
	A, B      *Endpoint
	Local     Side
}

// Run sends every scenario's requests to both endpoints and compares them.
func (r *Runner) Run(ctx context.Context, scenarios []*Scenario) (*Result, error) {
	res := &Result{Scenarios: scenarios, A: r.A, B: r.B, Local: r.Local}
	for _, s := range scenarios {
		r.A.saved, r.B.saved = nil, nil
		r.dropTables(ctx, s.Tables)
		var outs []*Outcome
		for i, req := range s.Requests {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			a := r.A.send(ctx, req)
			b := r.B.send(ctx, req)
			o := r.compare(s, i+1, req, a, b)
			outs = append(outs, o)
			r.dropTables(ctx, req.Drop)
			r.dropTables(ctx, s.DropEach)
		}
		r.dropTables(ctx, s.Tables)
		res.Outcomes = append(res.Outcomes, outs...)
		if r.Progress != nil {
			r.Progress(s, outs)
		}
	}
	return res, nil
}

// dropTables deletes tables on both sides; the answers are not compared
// (the tables usually do not exist).
func (r *Runner) dropTables(ctx context.Context, tables []string) {
	for _, t := range tables {
		req := &Request{Method: "POST", Target: APIVersion + ".DeleteTable", Op: "DeleteTable",
			Body: fmt.Sprintf(`{"TableName":%q}`, t)}
		r.A.send(ctx, req)
		r.B.send(ctx, req)
	}
}

func (r *Runner) compare(s *Scenario, idx int, req *Request, a, b *Response) *Outcome {
	o := &Outcome{Scenario: s, Index: idx, Req: req, A: a, B: b}
	o.Aspects = diffResponses(req, a, b)

	// The side(s) to hold to real DynamoDB's behaviour, and DynamoDB Local's response.
	var checked []*Response
	var checkedNames []string
	var local *Response
	switch r.Local {
	case LocalA:
		local, checked, checkedNames = a, []*Response{b}, []string{r.B.Name}
	case LocalB:
		local, checked, checkedNames = b, []*Response{a}, []string{r.A.Name}
	case LocalNone:
		checked, checkedNames = []*Response{a, b}, []string{r.A.Name, r.B.Name}
	}

	suspect := false
	// A recorded answer of real DynamoDB decides, whether or not the sides agree.
	if req.DynamoDB != nil {
		for i, c := range checked {
			if !matchExpected(req.DynamoDB, c) {
				suspect = true
				o.Notes = append(o.Notes, fmt.Sprintf("%s differs from real DynamoDB's answer: %s",
					checkedNames[i], req.DynamoDB))
			}
		}
	}

	switch {
	case len(o.Aspects) == 0 && !suspect:
		o.Class = ClassSame
		return o
	case len(o.Aspects) == 0:
		o.Class = ClassSuspect
		return o
	}

	// The non-Local side answers what real DynamoDB answers: DynamoDB Local deviates.
	if req.DynamoDB != nil && local != nil && !suspect {
		o.Notes = append(o.Notes, "the corpus records real DynamoDB's answer; "+checkedNames[0]+" matches it")
		o.Class = ClassLocal
		return o
	}

	if req.ExpectDiff != "" {
		o.Notes = append(o.Notes, "expected: "+req.ExpectDiff)
		if suspect {
			o.Class = ClassSuspect
		} else {
			o.Class = ClassExpected
		}
		return o
	}

	unexplained := 0
	if local != nil && local.Err == "" {
		other := checked[0]
		localIsA := r.Local == LocalA
		for _, asp := range o.Aspects {
			if asp.Name == "body" && len(asp.Diffs) > 0 && r.explainBody(req, asp, local, localIsA, checkedNames[0], o) {
				continue
			}
			for _, d := range r.Deviations {
				if len(d.BodyPaths) > 0 || !d.Covers[asp.Name] || !d.appliesTo(req.Op, local) {
					continue
				}
				asp.Deviation = d
				if !d.DynamoDB.empty() && !d.DynamoDB.Match(other) {
					suspect = true
					o.Notes = append(o.Notes, fmt.Sprintf("%s: DynamoDB Local deviates (%s), but %s does not answer what DynamoDB does either (%s)",
						asp.Name, d.ID, checkedNames[0], d.DynamoDB))
				}
				break
			}
			if asp.Deviation == nil {
				unexplained++
			}
		}
		if o.hasSuspectNote() {
			suspect = true
		}
	} else {
		unexplained = len(o.Aspects)
	}
	switch {
	case suspect || unexplained > 0:
		o.Class = ClassSuspect
	default:
		o.Class = ClassLocal
	}
	return o
}

// explainBody tries to explain every body difference of asp with the body
// deviations (body-path). It reports true when each one is explained; then
// asp.Deviation (and asp.Extra) are set. A difference whose Local side fits a
// deviation but whose other side does not hold DynamoDB's value is noted and
// makes the outcome suspect.
func (r *Runner) explainBody(req *Request, asp *Aspect, local *Response, localIsA bool, otherName string, o *Outcome) bool {
	var used []*Deviation
	seen := map[*Deviation]bool{}
	all := true
	for _, bd := range asp.Diffs {
		var found *Deviation
		for _, d := range r.Deviations {
			if len(d.BodyPaths) == 0 || !d.appliesTo(req.Op, local) {
				continue
			}
			ok, otherOK := d.explainsBodyDiff(bd, localIsA)
			if !ok {
				continue
			}
			found = d
			if !otherOK {
				o.Notes = append(o.Notes, fmt.Sprintf("body: DynamoDB Local deviates (%s) at %s, but %s does not answer what DynamoDB does either (/%s/)",
					d.ID, bd.Path, otherName, d.DynamoDBValue))
			}
			break
		}
		if found == nil {
			all = false
			continue
		}
		if !seen[found] {
			seen[found] = true
			used = append(used, found)
		}
	}
	if !all || len(used) == 0 {
		return false
	}
	asp.Deviation, asp.Extra = used[0], used[1:]
	return true
}

func (o *Outcome) hasSuspectNote() bool {
	for _, n := range o.Notes {
		if strings.HasPrefix(n, "body: DynamoDB Local deviates") {
			return true
		}
	}
	return false
}

func matchExpected(e *Expected, r *Response) bool {
	if r.Err != "" || r.Status != e.Status {
		return false
	}
	ns, typ, msg, _, _ := r.errorParts()
	if typ != e.Type || e.Namespace != "" && ns != e.Namespace {
		return false
	}
	if e.MessageRE != nil {
		return e.MessageRE.MatchString(msg)
	}
	return e.Message == "" || msg == e.Message
}

// diffResponses lists the aspects in which a and b differ.
func diffResponses(req *Request, a, b *Response) []*Aspect {
	var out []*Aspect
	add := func(name string, details ...string) {
		out = append(out, &Aspect{Name: name, Details: details})
	}
	if a.Err != "" || b.Err != "" {
		if a.Err != b.Err {
			add("transport", fmt.Sprintf("%q vs %q", a.Err, b.Err))
		}
		return out
	}
	if a.Status != b.Status {
		add("status", fmt.Sprintf("%d vs %d", a.Status, b.Status))
	}
	if a.ContentType != b.ContentType {
		add("content-type", fmt.Sprintf("%q vs %q", a.ContentType, b.ContentType))
	}
	nsA, typA, msgA, keyA, errA := a.errorParts()
	nsB, typB, msgB, keyB, errB := b.errorParts()
	if errA || errB {
		if typA != typB {
			add("type", fmt.Sprintf("%s vs %s", orNone(typA), orNone(typB)))
		} else if nsA != nsB {
			add("namespace", fmt.Sprintf("%s vs %s", orNone(nsA), orNone(nsB)))
		}
		if keyA != keyB && keyA != "" && keyB != "" {
			add("message-key", fmt.Sprintf("%q vs %q", keyA, keyB))
		}
		if msgA != msgB || (keyA == "") != (keyB == "") {
			add("message", fmt.Sprintf("%s\n%s", quoteOrAbsent(msgA, keyA), quoteOrAbsent(msgB, keyB)))
		}
	}
	// The rest of the body.
	if a.JSON == nil || b.JSON == nil {
		if a.JSON == nil && b.JSON == nil {
			if string(a.Body) != string(b.Body) {
				add("body", fmt.Sprintf("%q vs %q", clip(string(a.Body)), clip(string(b.Body))))
			}
		} else {
			add("body", fmt.Sprintf("%s vs %s", jsonOrText(a), jsonOrText(b)))
		}
		return out
	}
	unordered := req.Unordered
	if !req.Ordered {
		unordered = append(append([]string(nil), unordered...), defaultUnordered(req.Op)...)
	}
	na := stripError(normalize(a.JSON, unordered, req.Ignore))
	nb := stripError(normalize(b.JSON, unordered, req.Ignore))
	var diffs []BodyDiff
	diffJSON("", na, nb, &diffs)
	if len(diffs) > 0 {
		var lines []string
		for i, d := range diffs {
			if i == 25 {
				lines = append(lines, fmt.Sprintf("... and %d more", len(diffs)-25))
				break
			}
			lines = append(lines, d.String())
		}
		add("body", lines...)
		out[len(out)-1].Diffs = diffs
	}
	return out
}

// stripError removes the fields compared as error aspects.
func stripError(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if _, isErr := m["__type"]; !isErr {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		switch k {
		case "__type", "message", "Message":
		default:
			out[k] = e
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func quoteOrAbsent(msg, key string) string {
	if key == "" {
		return "(no message)"
	}
	return fmt.Sprintf("%q", msg)
}

func jsonOrText(r *Response) string {
	if r.JSON != nil {
		return "JSON"
	}
	return fmt.Sprintf("non-JSON %q", clip(string(r.Body)))
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
