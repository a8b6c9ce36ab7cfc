package expr

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

// Golden tests: each file in testdata/*.txt holds cases of the form
//
//	== kind [names=JSON] [values=JSON] [key=a:S,b:N]
//	expression text (one or more lines)
//	--
//	expected output (AST or "error: ...")
//
// kind is condition, filter, update, projection or keycondition. Run with
// -rewrite to regenerate the expected outputs after checking a change.

var rewrite = flag.Bool("rewrite", false, "rewrite golden files")

type goldenCase struct {
	header string
	input  string
	output string
}

func readGolden(t *testing.T, path string) []goldenCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	var cur *goldenCase
	state := 0 // 0: before case, 1: input, 2: output
	var in, out []string
	flush := func() {
		if cur != nil {
			cur.input = strings.Join(in, "\n")
			cur.output = strings.TrimSpace(strings.Join(out, "\n"))
			cases = append(cases, *cur)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "== "):
			flush()
			cur = &goldenCase{header: strings.TrimPrefix(line, "== ")}
			in, out = nil, nil
			state = 1
		case state == 1 && line == "--":
			state = 2
		case state == 1:
			in = append(in, line)
		case state == 2:
			out = append(out, line)
		}
	}
	flush()
	return cases
}

func writeGolden(t *testing.T, path string, cases []goldenCase, outputs []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the leading comment block.
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "== ") {
			break
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for i, c := range cases {
		fmt.Fprintf(&b, "== %s\n%s\n--\n%s\n\n", c.header, c.input, outputs[i])
	}
	if err := os.WriteFile(path, []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// jsonValue decodes a value in DynamoDB's JSON form.
func jsonValue(raw json.RawMessage) (ddb.AttributeValue, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return ddb.AttributeValue{}, err
	}
	for k, v := range m {
		switch k {
		case "S":
			var s string
			err := json.Unmarshal(v, &s)
			return ddb.S(s), err
		case "N":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return ddb.AttributeValue{}, err
			}
			c, err := number.Canonical(s)
			return ddb.N(c), err
		case "B":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return ddb.AttributeValue{}, err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			return ddb.B(b), err
		case "BOOL":
			var x bool
			err := json.Unmarshal(v, &x)
			return ddb.Bool(x), err
		case "NULL":
			return ddb.Null(), nil
		case "SS", "NS", "BS":
			var ss []string
			if err := json.Unmarshal(v, &ss); err != nil {
				return ddb.AttributeValue{}, err
			}
			switch k {
			case "SS":
				return ddb.SS(ss), nil
			case "NS":
				for i, s := range ss {
					c, err := number.Canonical(s)
					if err != nil {
						return ddb.AttributeValue{}, err
					}
					ss[i] = c
				}
				return ddb.NS(ss), nil
			}
			bs := make([][]byte, len(ss))
			for i, s := range ss {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return ddb.AttributeValue{}, err
				}
				bs[i] = b
			}
			return ddb.BS(bs), nil
		case "L":
			var l []json.RawMessage
			if err := json.Unmarshal(v, &l); err != nil {
				return ddb.AttributeValue{}, err
			}
			out := make([]ddb.AttributeValue, len(l))
			for i, e := range l {
				av, err := jsonValue(e)
				if err != nil {
					return ddb.AttributeValue{}, err
				}
				out[i] = av
			}
			return ddb.L(out), nil
		case "M":
			var mm map[string]json.RawMessage
			if err := json.Unmarshal(v, &mm); err != nil {
				return ddb.AttributeValue{}, err
			}
			out := make(map[string]ddb.AttributeValue, len(mm))
			for kk, e := range mm {
				av, err := jsonValue(e)
				if err != nil {
					return ddb.AttributeValue{}, err
				}
				out[kk] = av
			}
			return ddb.M(out), nil
		}
	}
	return ddb.AttributeValue{}, fmt.Errorf("bad value %s", raw)
}

func jsonItem(raw string) (ddb.Item, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	item := ddb.Item{}
	for k, v := range m {
		av, err := jsonValue(v)
		if err != nil {
			return nil, err
		}
		item[k] = av
	}
	return item, nil
}

// parseHeader splits "kind names={...} values={...} key=a:S" into parts.
func parseHeader(h string) (kind string, opts map[string]string) {
	opts = map[string]string{}
	kind, rest, _ := strings.Cut(h, " ")
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		// The value runs to the end of a balanced JSON object or to a space.
		if strings.HasPrefix(after, "{") {
			depth, inStr, esc := 0, false, false
			end := len(after)
			for i := 0; i < len(after); i++ {
				c := after[i]
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = !inStr
				case inStr:
				case c == '{':
					depth++
				case c == '}':
					depth--
					if depth == 0 {
						end = i + 1
						i = len(after)
					}
				}
			}
			opts[name] = after[:end]
			rest = after[end:]
			continue
		}
		val, r, _ := strings.Cut(after, " ")
		opts[name] = val
		rest = r
	}
	return kind, opts
}

func caseParams(opts map[string]string) (*Params, error) {
	var names map[string]string
	var values map[string]ddb.AttributeValue
	if s, ok := opts["names"]; ok {
		if err := json.Unmarshal([]byte(s), &names); err != nil {
			return nil, err
		}
	}
	if s, ok := opts["values"]; ok {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &raw); err != nil {
			return nil, err
		}
		values = map[string]ddb.AttributeValue{}
		for k, v := range raw {
			av, err := jsonValue(v)
			if err != nil {
				return nil, err
			}
			values[k] = av
		}
	}
	return NewParams(names, values)
}

func parseKeySchema(s string) ddb.KeySchema {
	var ks ddb.KeySchema
	for i, part := range strings.Split(s, ",") {
		name, typ, _ := strings.Cut(part, ":")
		t, _ := ddb.ParseType(typ)
		if i == 0 {
			ks.Hash = ddb.KeyAttr{Name: name, Type: t}
		} else {
			ks.Range = ddb.KeyAttr{Name: name, Type: t}
		}
	}
	return ks
}

func errorOutput(err error) string {
	if e, ok := err.(*ddb.Error); ok {
		if e.Type == ddb.ErrValidation {
			return "error: " + e.Message
		}
		return "error: " + e.Type + ": " + e.Message
	}
	return "error (not a ddb.Error): " + err.Error()
}

// runCase parses one case and renders the result.
func runCase(kind string, opts map[string]string, input string) string {
	p, err := caseParams(opts)
	if err != nil {
		return errorOutput(err)
	}
	var out string
	switch kind {
	case "condition", "filter":
		var c *Condition
		if kind == "condition" {
			c, err = ParseCondition(input, p)
		} else {
			c, err = ParseFilter(input, p)
		}
		if err == nil {
			out = c.String()
		}
	case "update":
		var u *Update
		u, err = ParseUpdate(input, p)
		if err == nil {
			out = u.String()
		}
	case "projection":
		var pr *Projection
		pr, err = ParseProjection(input, p)
		if err == nil {
			out = pr.String()
		}
	case "keycondition":
		var kc *KeyCondition
		kc, err = ParseKeyCondition(input, p, parseKeySchema(opts["key"]))
		if err == nil {
			out = kc.String()
		}
	default:
		return "unknown kind " + kind
	}
	if err != nil {
		return errorOutput(err)
	}
	if err := p.CheckUnused(); err != nil {
		return errorOutput(err)
	}
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "eval_") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			cases := readGolden(t, f)
			outputs := make([]string, len(cases))
			for i, c := range cases {
				kind, opts := parseHeader(c.header)
				outputs[i] = runCase(kind, opts, c.input)
				if !*rewrite && outputs[i] != c.output {
					t.Errorf("%s case %d (%s)\n%s\ngot:  %s\nwant: %s", f, i+1, c.header, c.input, outputs[i], c.output)
				}
			}
			if *rewrite {
				writeGolden(t, f, cases, outputs)
			}
		})
	}
}

// renderItem renders an item as DynamoDB JSON with sorted keys and sorted
// set members, for comparisons.
func renderItem(item ddb.Item) string {
	m := make(map[string]any, len(item))
	for k, v := range item {
		m[k] = jsonOf(v)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func jsonOf(v ddb.AttributeValue) any {
	switch v.Type {
	case ddb.TypeS:
		return map[string]any{"S": v.S}
	case ddb.TypeN:
		return map[string]any{"N": v.S}
	case ddb.TypeB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.B)}
	case ddb.TypeBOOL:
		return map[string]any{"BOOL": v.BOOL}
	case ddb.TypeNULL:
		return map[string]any{"NULL": true}
	case ddb.TypeSS, ddb.TypeNS:
		ss := append([]string(nil), v.SS...)
		sort.Strings(ss)
		return map[string]any{v.Type.String(): ss}
	case ddb.TypeBS:
		var ss []string
		for _, b := range v.BS {
			ss = append(ss, base64.StdEncoding.EncodeToString(b))
		}
		sort.Strings(ss)
		return map[string]any{"BS": ss}
	case ddb.TypeL:
		l := make([]any, len(v.L))
		for i, e := range v.L {
			l[i] = jsonOf(e)
		}
		return map[string]any{"L": l}
	case ddb.TypeM:
		m := make(map[string]any, len(v.M))
		for k, e := range v.M {
			m[k] = jsonOf(e)
		}
		return map[string]any{"M": m}
	}
	return nil
}

// TestEvalGolden runs testdata/eval_*.txt: "eval" cases evaluate a condition
// against item= (absent: no item), "apply" cases apply an update and render
// the new item, "project" cases apply a projection.
func TestEvalGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/eval_*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cases := readGolden(t, f)
			outputs := make([]string, len(cases))
			for i, c := range cases {
				kind, opts := parseHeader(c.header)
				outputs[i] = runEvalCase(kind, opts, c.input)
				if !*rewrite && outputs[i] != c.output {
					t.Errorf("%s case %d (%s)\n%s\ngot:  %s\nwant: %s", f, i+1, c.header, c.input, outputs[i], c.output)
				}
			}
			if *rewrite {
				writeGolden(t, f, cases, outputs)
			}
		})
	}
}

func runEvalCase(kind string, opts map[string]string, input string) string {
	p, err := caseParams(opts)
	if err != nil {
		return errorOutput(err)
	}
	var item ddb.Item
	if s, ok := opts["item"]; ok {
		if item, err = jsonItem(s); err != nil {
			return "bad item: " + err.Error()
		}
	}
	switch kind {
	case "eval":
		c, err := ParseFilter(input, p)
		if err != nil {
			return errorOutput(err)
		}
		ok, err := c.Eval(item)
		if err != nil {
			return errorOutput(err)
		}
		if ok {
			return "true"
		}
		return "false"
	case "apply":
		u, err := ParseUpdate(input, p)
		if err != nil {
			return errorOutput(err)
		}
		var before string
		if item != nil {
			before = renderItem(item)
		}
		out, err := u.Apply(item)
		if item != nil && renderItem(item) != before {
			return "input item was modified"
		}
		if err != nil {
			return errorOutput(err)
		}
		return renderItem(out)
	case "project":
		pr, err := ParseProjection(input, p)
		if err != nil {
			return errorOutput(err)
		}
		return renderItem(pr.Apply(item))
	}
	return "unknown kind " + kind
}
