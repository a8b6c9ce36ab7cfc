package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Deviation is one known difference between DynamoDB Local and real
// DynamoDB, read from known_deviations.md. Each deviation is a "### ID: title"
// section with "- key: value" bullets. Keys:
//
//	operations       optional, comma separated; default every operation
//	local-status, local-type, local-namespace, local-message (a regexp), local-message-key
//	                 what DynamoDB Local answers (every one given must match)
//	local-content-type (a regexp)
//	dynamodb-status, dynamodb-type, dynamodb-namespace, dynamodb-message, dynamodb-message-key,
//	dynamodb-content-type (a regexp)
//	                 what real DynamoDB answers; the other side is checked against it
//	body-path        comma separated paths into the response body ("*" matches one
//	                 key, "**" any number; array indices are left out): the deviation
//	                 explains body differences at these paths only, one by one, and
//	                 covers "body" implicitly
//	local-value, dynamodb-value
//	                 regexps on the JSON text at a body-path on DynamoDB Local's and
//	                 on the other side ("(absent)" when the field is missing)
//	covers           the aspects of a difference it explains (see aspectNames)
//	evidence         where the real behaviour is documented
//	match: corpus    documentation only: the corpus marks the affected requests
//
// For each differing aspect the first deviation (in file order) that covers
// it and matches DynamoDB Local's response explains it, so specific entries
// go before general ones.
type Deviation struct {
	ID         string
	Title      string
	Operations map[string]bool
	Local      Matcher
	DynamoDB   Matcher
	Covers     map[string]bool
	Evidence   string
	// BodyPaths, when set, limit the deviation to body differences at these
	// paths (segments; see matchPath), with the values LocalValue and
	// DynamoDBValue (nil: any).
	BodyPaths     [][]string
	LocalValue    *regexp.Regexp
	DynamoDBValue *regexp.Regexp
	Line          int
	// CorpusOnly deviations ("- match: corpus") cannot be recognised from
	// DynamoDB Local's response alone; the corpus marks the requests
	// (@dynamodb). They are listed for the record and never matched.
	CorpusOnly bool
}

// Matcher describes a response: every field that is set must match.
type Matcher struct {
	Status      int
	Type        string
	Namespace   string
	Message     *regexp.Regexp
	MessageKey  string
	ContentType *regexp.Regexp
}

func (m Matcher) empty() bool {
	return m.Status == 0 && m.Type == "" && m.Namespace == "" && m.Message == nil && m.MessageKey == "" &&
		m.ContentType == nil
}

func (m Matcher) String() string {
	var parts []string
	if m.Status != 0 {
		parts = append(parts, strconv.Itoa(m.Status))
	}
	if m.Namespace != "" {
		parts = append(parts, m.Namespace+"#")
	}
	if m.Type != "" {
		parts = append(parts, m.Type)
	}
	if m.MessageKey != "" {
		parts = append(parts, "key "+m.MessageKey)
	}
	if m.Message != nil {
		parts = append(parts, "message /"+m.Message.String()+"/")
	}
	if m.ContentType != nil {
		parts = append(parts, "content-type /"+m.ContentType.String()+"/")
	}
	return strings.Join(parts, " ")
}

// Match reports whether r fits m.
func (m Matcher) Match(r *Response) bool {
	if r.Err != "" {
		return false
	}
	ns, typ, msg, key, _ := r.errorParts()
	if m.Status != 0 && r.Status != m.Status {
		return false
	}
	if m.Type != "" && typ != m.Type {
		return false
	}
	if m.Namespace != "" && ns != m.Namespace {
		return false
	}
	if m.MessageKey != "" && key != m.MessageKey {
		return false
	}
	if m.Message != nil && !m.Message.MatchString(msg) {
		return false
	}
	if m.ContentType != nil && !m.ContentType.MatchString(r.ContentType) {
		return false
	}
	return true
}

// Aspects of a difference between two responses.
var aspectNames = []string{"transport", "status", "type", "namespace", "message-key", "message", "body", "content-type"}

// LoadDeviations parses known_deviations.md.
func LoadDeviations(path string) ([]*Deviation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseDeviations(path, data)
}

// ParseDeviations parses the text of known_deviations.md.
func ParseDeviations(path string, data []byte) ([]*Deviation, error) {
	var (
		out  []*Deviation
		cur  *Deviation
		last string
		n    int
	)
	errorf := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, args...))
	}
	done := func() error {
		if cur == nil {
			return nil
		}
		if len(cur.BodyPaths) > 0 {
			cur.Covers["body"] = true
		}
		if cur.Local.empty() && len(cur.BodyPaths) == 0 && !cur.CorpusOnly {
			return fmt.Errorf("%s:%d: deviation %s has no local-* condition", path, cur.Line, cur.ID)
		}
		if len(cur.Covers) == 0 && !cur.CorpusOnly {
			return fmt.Errorf("%s:%d: deviation %s has no covers", path, cur.Line, cur.ID)
		}
		if cur.Evidence == "" {
			return fmt.Errorf("%s:%d: deviation %s has no evidence", path, cur.Line, cur.ID)
		}
		out = append(out, cur)
		cur = nil
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### "):
			if err := done(); err != nil {
				return nil, err
			}
			id, title, _ := strings.Cut(strings.TrimPrefix(line, "### "), ":")
			cur = &Deviation{ID: strings.TrimSpace(id), Title: strings.TrimSpace(title), Line: n,
				Operations: map[string]bool{}, Covers: map[string]bool{}}
			last = ""
		case strings.HasPrefix(line, "#"):
			if err := done(); err != nil {
				return nil, err
			}
			last = ""
		case cur != nil && strings.HasPrefix(line, "- "):
			key, val, ok := strings.Cut(strings.TrimPrefix(line, "- "), ":")
			if !ok {
				return nil, errorf("bullet without 'key:'")
			}
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			if err := cur.set(key, val); err != nil {
				return nil, errorf("%v", err)
			}
			last = key
		case cur != nil && last == "evidence" && strings.HasPrefix(line, "  ") && strings.TrimSpace(line) != "":
			cur.Evidence += " " + strings.TrimSpace(line)
		default:
			last = ""
		}
	}
	if err := done(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, d := range out {
		if seen[d.ID] {
			return nil, fmt.Errorf("%s:%d: duplicate deviation id %s", path, d.Line, d.ID)
		}
		seen[d.ID] = true
	}
	return out, nil
}

func (d *Deviation) set(key, val string) error {
	switch key {
	case "body-path":
		for _, p := range strings.Split(val, ",") {
			if p = strings.Trim(strings.TrimSpace(p), "`"); p != "" {
				d.BodyPaths = append(d.BodyPaths, strings.Split(p, "."))
			}
		}
		return nil
	case "local-value", "dynamodb-value":
		re, err := regexp.Compile(strings.Trim(val, "`"))
		if err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
		if key == "local-value" {
			d.LocalValue = re
		} else {
			d.DynamoDBValue = re
		}
		return nil
	}
	var m *Matcher
	field := key
	switch {
	case strings.HasPrefix(key, "local-"):
		m, field = &d.Local, strings.TrimPrefix(key, "local-")
	case strings.HasPrefix(key, "dynamodb-"):
		m, field = &d.DynamoDB, strings.TrimPrefix(key, "dynamodb-")
	}
	if m != nil {
		val = strings.Trim(val, "`")
		switch field {
		case "status":
			s, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			m.Status = s
		case "type":
			m.Type = val
		case "namespace":
			m.Namespace = val
		case "message":
			re, err := regexp.Compile(val)
			if err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			m.Message = re
		case "message-key":
			m.MessageKey = val
		case "content-type":
			re, err := regexp.Compile(val)
			if err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
			m.ContentType = re
		default:
			return fmt.Errorf("unknown key %q", key)
		}
		return nil
	}
	switch key {
	case "operations":
		for _, op := range strings.Split(val, ",") {
			if op = strings.TrimSpace(op); op != "" {
				d.Operations[op] = true
			}
		}
	case "covers":
		for _, a := range strings.Split(val, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			ok := false
			for _, n := range aspectNames {
				ok = ok || n == a
			}
			if !ok {
				return fmt.Errorf("covers: unknown aspect %q (want one of %s)", a, strings.Join(aspectNames, ", "))
			}
			d.Covers[a] = true
		}
	case "evidence":
		d.Evidence = val
	case "match":
		if val != "corpus" {
			return fmt.Errorf("match: only \"corpus\" is known")
		}
		d.CorpusOnly = true
	default:
		return fmt.Errorf("unknown key %q", key)
	}
	return nil
}

// appliesTo reports whether d explains a difference on a request of operation
// op where local is DynamoDB Local's response.
func (d *Deviation) appliesTo(op string, local *Response) bool {
	if d.CorpusOnly {
		return false
	}
	if len(d.Operations) > 0 && !d.Operations[op] {
		return false
	}
	return d.Local.Match(local)
}

// explainsBodyDiff reports whether d, a body deviation, applies to the body
// difference bd; localIsA says which side of bd is DynamoDB Local. ok is
// false when the path or Local's value do not fit; otherMatches says whether
// the other side holds what DynamoDB answers.
func (d *Deviation) explainsBodyDiff(bd BodyDiff, localIsA bool) (ok, otherMatches bool) {
	if len(d.BodyPaths) == 0 {
		return false, false
	}
	segs := pathSegments(bd.Path)
	found := false
	for _, p := range d.BodyPaths {
		if matchPath(p, segs) {
			found = true
			break
		}
	}
	if !found {
		return false, false
	}
	if d.LocalValue != nil && !d.LocalValue.MatchString(bd.Value(localIsA)) {
		return false, false
	}
	return true, d.DynamoDBValue == nil || d.DynamoDBValue.MatchString(bd.Value(!localIsA))
}
