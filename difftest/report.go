package difftest

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteReport writes the readable report: every request whose responses
// differ (per scenario) with both responses, then the summary. With brief,
// differences the corpus or known_deviations.md explains take one line each.
func (res *Result) WriteReport(w io.Writer, brief bool) {
	verbose := !brief
	a, b := res.A.Name, res.B.Name
	fmt.Fprintf(w, "Differential test: A = %s (%s), B = %s (%s); DynamoDB Local is %s\n",
		a, res.A.URL, b, res.B.URL, sideName(res.Local, a, b))
	fmt.Fprintf(w, "Classes: same; expected (marked in the corpus); local-deviates (a known DynamoDB Local deviation,\n")
	fmt.Fprintf(w, "  the other side answers as DynamoDB does); suspect (an unexplained difference, or an answer that differs\n")
	fmt.Fprintf(w, "  from real DynamoDB's answer recorded in the corpus: a possible bug of the non-Local side).\n")

	byScenario := map[*Scenario][]*Outcome{}
	for _, o := range res.Outcomes {
		byScenario[o.Scenario] = append(byScenario[o.Scenario], o)
	}
	for _, s := range res.Scenarios {
		outs := byScenario[s]
		var shown []*Outcome
		for _, o := range outs {
			if o.Class != ClassSame && (verbose || o.Class != ClassExpected && o.Class != ClassLocal) {
				shown = append(shown, o)
			}
		}
		counts := classCounts(outs)
		fmt.Fprintf(w, "\n== %s: %d requests: %s\n", s.Name, len(outs), formatCounts(counts))
		for _, o := range shown {
			writeOutcome(w, o, a, b)
		}
		if !verbose {
			var explained []string
			for _, o := range outs {
				if o.Class == ClassExpected || o.Class == ClassLocal {
					explained = append(explained, fmt.Sprintf("#%d %s (%s)", o.Index, o.Req.Op, explanation(o)))
				}
			}
			if len(explained) > 0 {
				fmt.Fprintf(w, "   explained differences: %s\n", strings.Join(explained, "; "))
			}
		}
	}
	res.WriteSummary(w)
}

func explanation(o *Outcome) string {
	var ids []string
	seen := map[string]bool{}
	for _, asp := range o.Aspects {
		for _, d := range asp.Deviations() {
			if !seen[d.ID] {
				seen[d.ID] = true
				ids = append(ids, d.ID)
			}
		}
	}
	if len(ids) > 0 {
		return strings.Join(ids, ",")
	}
	if o.Req.ExpectDiff != "" {
		return "expected"
	}
	return o.Class
}

func writeOutcome(w io.Writer, o *Outcome, a, b string) {
	label := ""
	if o.Req.Label != "" {
		label = " # " + o.Req.Label
	}
	fmt.Fprintf(w, "-- #%d %s%s  [%s]  (%s:%d)\n", o.Index, o.Req.Op, label, strings.ToUpper(o.Class), o.Scenario.File, o.Req.Line)
	fmt.Fprintf(w, "   request: %s\n", oneLine(o.Req))
	for _, n := range o.Notes {
		fmt.Fprintf(w, "   note: %s\n", n)
	}
	for _, asp := range o.Aspects {
		tag := ""
		if devs := asp.Deviations(); len(devs) > 0 {
			var ids []string
			for _, d := range devs {
				ids = append(ids, d.ID)
			}
			tag = " (DynamoDB Local deviates: " + strings.Join(ids, ", ") + ")"
		}
		fmt.Fprintf(w, "   %s%s:\n", asp.Name, tag)
		for _, d := range asp.Details {
			for _, line := range strings.Split(d, "\n") {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	fmt.Fprintf(w, "   %s: %s\n", a, o.A.Summary())
	fmt.Fprintf(w, "   %s: %s\n", b, o.B.Summary())
}

func oneLine(r *Request) string {
	var mods []string
	if r.Method != "POST" {
		mods = append(mods, "method="+r.Method)
	}
	if r.Target == "" {
		mods = append(mods, "no X-Amz-Target")
	} else if !strings.HasPrefix(r.Target, APIVersion+".") {
		mods = append(mods, "X-Amz-Target="+r.Target)
	}
	if r.NoAuth {
		mods = append(mods, "no Authorization")
	} else if r.Auth != "" {
		mods = append(mods, "Authorization="+r.Auth)
	}
	if r.NoDate {
		mods = append(mods, "no X-Amz-Date")
	}
	switch r.ContentType {
	case "":
	case "-":
		mods = append(mods, "no Content-Type")
	default:
		mods = append(mods, "Content-Type="+r.ContentType)
	}
	for _, h := range r.Headers {
		mods = append(mods, h[0]+"="+h[1])
	}
	body := strings.Join(strings.Fields(r.Body), " ")
	if len(body) > 1200 {
		body = body[:1200] + fmt.Sprintf("... (%d bytes)", len(r.Body))
	}
	if len(mods) > 0 {
		return "[" + strings.Join(mods, ", ") + "] " + body
	}
	return body
}

func sideName(s Side, a, b string) string {
	switch s {
	case LocalA:
		return "A (" + a + ")"
	case LocalB:
		return "B (" + b + ")"
	case LocalBoth:
		return "both sides"
	}
	return "neither side"
}

func classCounts(outs []*Outcome) map[string]int {
	m := map[string]int{}
	for _, o := range outs {
		m[o.Class]++
	}
	return m
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, c := range []string{ClassSame, ClassExpected, ClassLocal, ClassSuspect} {
		if m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[c], c))
		}
	}
	return strings.Join(parts, ", ")
}

// Counts returns the number of outcomes per class.
func (res *Result) Counts() map[string]int { return classCounts(res.Outcomes) }

// WriteSummary writes the counts: per class, per aspect, per operation and
// per known deviation.
func (res *Result) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "\n==== Summary\n")
	fmt.Fprintf(w, "%d requests in %d scenarios: %s\n", len(res.Outcomes), len(res.Scenarios), formatCounts(res.Counts()))

	aspects := map[string]int{}
	suspectAspects := map[string]int{}
	ops := map[string]int{}
	devs := map[string]int{}
	devTitle := map[string]string{}
	for _, o := range res.Outcomes {
		for _, asp := range o.Aspects {
			aspects[asp.Name]++
			if o.Class == ClassSuspect && asp.Deviation == nil {
				suspectAspects[asp.Name]++
			}
			for _, d := range asp.Deviations() {
				devs[d.ID]++
				devTitle[d.ID] = d.Title
			}
		}
		if o.Class == ClassSuspect {
			ops[o.Req.Op]++
		}
	}
	if len(aspects) > 0 {
		fmt.Fprintf(w, "differing aspects (all / unexplained in suspect requests):")
		for _, n := range aspectNames {
			if aspects[n] > 0 {
				fmt.Fprintf(w, " %s %d/%d;", n, aspects[n], suspectAspects[n])
			}
		}
		fmt.Fprintln(w)
	}
	if len(ops) > 0 {
		fmt.Fprintf(w, "suspect requests by operation:%s\n", formatMap(ops))
	}
	if len(devs) > 0 {
		fmt.Fprintf(w, "known DynamoDB Local deviations seen:\n")
		for _, id := range sortedKeys(devs) {
			fmt.Fprintf(w, "  %-6s %3d  %s\n", id, devs[id], devTitle[id])
		}
	}
	var scen []string
	for _, s := range res.Scenarios {
		n := 0
		for _, o := range res.Outcomes {
			if o.Scenario == s && o.Class == ClassSuspect {
				n++
			}
		}
		if n > 0 {
			scen = append(scen, fmt.Sprintf("%s %d", s.Name, n))
		}
	}
	if len(scen) > 0 {
		fmt.Fprintf(w, "suspect requests by scenario: %s\n", strings.Join(scen, ", "))
	}
	c := res.Counts()
	fmt.Fprintf(w, "RESULT: %d requests: %d same, %d expected differences, %d DynamoDB Local deviations, %d suspect\n",
		len(res.Outcomes), c[ClassSame], c[ClassExpected], c[ClassLocal], c[ClassSuspect])
}

func formatMap(m map[string]int) string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s %d,", k, m[k])
	}
	return strings.TrimSuffix(b.String(), ",")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteDump writes every request with both responses, differing or not.
func (res *Result) WriteDump(w io.Writer) {
	for _, o := range res.Outcomes {
		label := ""
		if o.Req.Label != "" {
			label = " # " + o.Req.Label
		}
		fmt.Fprintf(w, "== %s #%d %s%s [%s] (line %d)\n   request: %s\n   %s: %s\n   %s: %s\n",
			o.Scenario.Name, o.Index, o.Req.Op, label, o.Class, o.Req.Line, oneLine(o.Req),
			res.A.Name, o.A.Summary(), res.B.Name, o.B.Summary())
	}
}
