package difftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The corpus format: one scenario per file, a sequence of requests.
//
//	# Lines starting with '#' are comments. Comments before the first request
//	# describe the scenario.
//	@tables dt_a dt_b          file level: tables deleted on both sides before and after
//	@drop-after-each dt_x      file level: tables deleted on both sides after every request
//
//	> CreateTable # optional label
//	@expect-diff: reason       request level directives follow the '>' line
//	{"TableName": "dt_a", ...} the body: every line up to the next '>' line
//
// The word after '>' is the operation: "PutItem" is sent as X-Amz-Target
// "DynamoDB_20120810.PutItem"; a word containing a '.' is sent verbatim; "-"
// sends no X-Amz-Target header.
//
// Request directives:
//
//	@expect-diff: REASON     the two sides are expected to differ here, for REASON
//	@dynamodb STATUS [NAMESPACE#]TYPE: MESSAGE   (MESSAGE may be /a regexp/)
//	                         what real DynamoDB answers (from its docs or recorded
//	                         responses), used to judge which side is right when they differ
//	@no-auth                 send no Authorization header
//	@auth VALUE              send this Authorization header
//	@no-date                 send no X-Amz-Date header
//	@content-type VALUE      Content-Type header ("-" for none)
//	@header NAME: VALUE      any other header
//	@method METHOD           HTTP method (default POST)
//	@raw                     the body is not JSON: send it as written (trailing newline removed)
//	@unordered PATH          compare the array at PATH (dotted, '*' for every map key) as a set
//	@ordered                 compare every array in order (turns off the per-operation defaults)
//	@ignore PATH             leave PATH out of the comparison
//	@drop TABLE...           delete these tables on both sides after the request (not compared)
//	@save NAME PATH          remember the JSON at PATH of each side's response; a later
//	                         body may use ${NAME}, replaced with that side's value
//
//	${repeat N TEXT}         in a body: TEXT written N times (for size limits)
//
// Bodies are checked to be JSON (after ${NAME} substitution) unless @raw.

// Scenario is one corpus file.
type Scenario struct {
	Name        string // file name without extension
	File        string
	Description string
	Tables      []string
	DropEach    []string // tables deleted (uncompared) after every request
	Requests    []*Request
}

// Request is one request of a scenario.
type Request struct {
	Line        int
	Target      string // full X-Amz-Target, "" for none
	Op          string // the operation as written
	Label       string
	Body        string
	Raw         bool
	ExpectDiff  string // reason, "" if none
	DynamoDB    *Expected
	NoAuth      bool
	Auth        string
	NoDate      bool
	ContentType string // "" means the default, "-" none
	Headers     [][2]string
	Method      string
	Unordered   []string
	Ordered     bool
	Ignore      []string
	Save        [][2]string // name, path
	Drop        []string    // tables deleted (uncompared) after this request
}

// Expected is real DynamoDB's answer to a request, as recorded in the corpus.
type Expected struct {
	Status    int
	Namespace string // checked only if given
	Type      string
	Message   string         // checked only if given
	MessageRE *regexp.Regexp // instead of Message, when written /regexp/
}

// APIVersion is the X-Amz-Target prefix of DynamoDB's operations.
const APIVersion = "DynamoDB_20120810"

// LoadScenarios parses every testdata file (*.txt) in dir, sorted by name.
func LoadScenarios(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*Scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := ParseScenario(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenarios (*.txt) in %s", dir)
	}
	return out, nil
}

// ParseScenario parses one corpus file.
func ParseScenario(file string, data []byte) (*Scenario, error) {
	s := &Scenario{File: file, Name: strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))}
	var (
		cur    *Request
		body   []string
		inBody bool
		desc   []string
		lineNo int
		errorf = func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, lineNo, fmt.Sprintf(format, args...))
		}
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		cur.Body = expandRepeat(strings.TrimRight(strings.Join(body, "\n"), "\n\r\t "))
		if !cur.Raw {
			cur.Body = strings.TrimSpace(cur.Body)
			if cur.Body != "" {
				if err := checkJSON(cur.Body); err != nil {
					return fmt.Errorf("%s:%d: body of %s is not JSON (use @raw for malformed bodies): %v", file, cur.Line, cur.Op, err)
				}
			}
		}
		s.Requests = append(s.Requests, cur)
		cur, body, inBody = nil, nil, false
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(line, "> ") || line == ">" {
			if err := finish(); err != nil {
				return nil, err
			}
			cur = &Request{Line: lineNo, Method: "POST"}
			rest := strings.TrimSpace(line[1:])
			if i := strings.Index(rest, "#"); i >= 0 {
				cur.Label = strings.TrimSpace(rest[i+1:])
				rest = strings.TrimSpace(rest[:i])
			}
			if rest == "" || strings.ContainsAny(rest, " \t") {
				return nil, errorf("'>' needs exactly one operation name, got %q", rest)
			}
			cur.Op = rest
			switch {
			case rest == "-":
				cur.Target = ""
			case strings.Contains(rest, "."):
				cur.Target = rest
			default:
				cur.Target = APIVersion + "." + rest
			}
			continue
		}
		if strings.HasPrefix(trimmed, "#") && !(cur != nil && cur.Raw && inBody) {
			if cur == nil && len(s.Requests) == 0 {
				desc = append(desc, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			}
			continue
		}
		if strings.HasPrefix(line, "@") && !inBody {
			name, arg, _ := strings.Cut(line[1:], " ")
			arg = strings.TrimSpace(arg)
			if strings.HasSuffix(name, ":") { // "@expect-diff: reason"
				name = strings.TrimSuffix(name, ":")
			}
			if cur == nil {
				if len(s.Requests) > 0 {
					return nil, errorf("file directive @%s after the first request", name)
				}
				switch name {
				case "tables":
					s.Tables = append(s.Tables, strings.Fields(arg)...)
				case "drop-after-each":
					s.DropEach = append(s.DropEach, strings.Fields(arg)...)
				default:
					return nil, errorf("unknown file directive @%s", name)
				}
				continue
			}
			if err := cur.directive(name, arg); err != nil {
				return nil, errorf("%v", err)
			}
			continue
		}
		if cur == nil {
			if trimmed == "" {
				continue
			}
			return nil, errorf("text outside a request: %q", line)
		}
		if trimmed == "" && !inBody {
			continue
		}
		inBody = true
		body = append(body, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	s.Description = strings.TrimSpace(strings.Join(desc, " "))
	if len(s.Requests) == 0 {
		return nil, fmt.Errorf("%s: no requests", file)
	}
	return s, nil
}

func (r *Request) directive(name, arg string) error {
	switch name {
	case "expect-diff":
		if arg == "" {
			return fmt.Errorf("@expect-diff needs a reason")
		}
		r.ExpectDiff = arg
	case "dynamodb":
		e, err := parseExpected(arg)
		if err != nil {
			return err
		}
		r.DynamoDB = e
	case "no-auth":
		r.NoAuth = true
	case "auth":
		r.Auth = arg
	case "no-date":
		r.NoDate = true
	case "content-type":
		r.ContentType = arg
		if arg == "" {
			return fmt.Errorf("@content-type needs a value (\"-\" for none)")
		}
	case "header":
		k, v, ok := strings.Cut(arg, ":")
		if !ok {
			return fmt.Errorf("@header wants NAME: VALUE")
		}
		r.Headers = append(r.Headers, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	case "method":
		r.Method = arg
	case "raw":
		r.Raw = true
	case "unordered":
		r.Unordered = append(r.Unordered, arg)
	case "ordered":
		r.Ordered = true
	case "ignore":
		r.Ignore = append(r.Ignore, arg)
	case "drop":
		r.Drop = append(r.Drop, strings.Fields(arg)...)
	case "save":
		f := strings.Fields(arg)
		if len(f) != 2 {
			return fmt.Errorf("@save wants NAME PATH")
		}
		r.Save = append(r.Save, [2]string{f[0], f[1]})
	default:
		return fmt.Errorf("unknown request directive @%s", name)
	}
	return nil
}

// parseExpected parses "400 ValidationException: message" (the message may be
// empty: "400 SerializationException").
func parseExpected(arg string) (*Expected, error) {
	st, rest, _ := strings.Cut(arg, " ")
	n, err := strconv.Atoi(st)
	if err != nil {
		return nil, fmt.Errorf("@dynamodb wants STATUS TYPE: MESSAGE, got %q", arg)
	}
	e := &Expected{Status: n}
	typ, msg, found := strings.Cut(strings.TrimSpace(rest), ":")
	e.Type = strings.TrimSpace(typ)
	if i := strings.LastIndex(e.Type, "#"); i >= 0 {
		e.Namespace, e.Type = e.Type[:i], e.Type[i+1:]
	}
	if found {
		e.Message = strings.TrimPrefix(msg, " ")
	}
	if m := e.Message; len(m) >= 2 && strings.HasPrefix(m, "/") && strings.HasSuffix(m, "/") {
		re, err := regexp.Compile("^(?:" + m[1:len(m)-1] + ")$")
		if err != nil {
			return nil, fmt.Errorf("@dynamodb message regexp: %v", err)
		}
		e.MessageRE = re
	}
	return e, nil
}

// checkJSON reports whether s is one JSON value, ignoring ${NAME} placeholders
// (replaced with null for the check).
func checkJSON(s string) error {
	s = placeholderRE.ReplaceAllString(s, "null")
	dec := json.NewDecoder(strings.NewReader(s))
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

var repeatRE = regexp.MustCompile(`\$\{repeat (\d+) ([^}]*)\}`)

// expandRepeat replaces ${repeat N TEXT} with N copies of TEXT.
func expandRepeat(s string) string {
	return repeatRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := repeatRE.FindStringSubmatch(m)
		n, err := strconv.Atoi(sub[1])
		if err != nil || n > 64<<20 {
			return m
		}
		return strings.Repeat(sub[2], n)
	})
}

// String renders e as in the corpus.
func (e *Expected) String() string {
	s := strconv.Itoa(e.Status)
	if e.Type != "" {
		s += " "
		if e.Namespace != "" {
			s += e.Namespace + "#"
		}
		s += e.Type
	}
	switch {
	case e.MessageRE != nil:
		s += ": /" + e.Message[1:len(e.Message)-1] + "/"
	case e.Message != "":
		s += ": " + e.Message
	}
	return s
}
