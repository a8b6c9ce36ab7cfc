package difftest

import (
	"strings"
	"testing"
)

// These tests need no server: they keep the corpus and known_deviations.md
// parseable and check the normalisation and comparison rules.

func TestCorpusParses(t *testing.T) {
	scenarios, err := LoadScenarios("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range scenarios {
		n += len(s.Requests)
		for _, r := range s.Requests {
			if r.ExpectDiff == "" && r.DynamoDB == nil && strings.Contains(r.Body, "${repeat") {
				t.Errorf("%s:%d: unexpanded ${repeat}", s.File, r.Line)
			}
		}
	}
	if n < 300 {
		t.Errorf("corpus has %d requests; want several hundred", n)
	}
}

func TestDeviationsParse(t *testing.T) {
	devs, err := LoadDeviations("known_deviations.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Fatal("no deviations")
	}
}

func TestParseScenario(t *testing.T) {
	src := `# A description.
@tables dt_one dt_two

> PutItem # a label
@expect-diff: because
@dynamodb 400 com.amazon.coral.validate#ValidationException: bad thing: here
{"TableName": "dt_one",
 "Item": {"pk": {"S": "${repeat 3 ab}"}}}

> -
@raw
@no-auth
@content-type -
not json
`
	s, err := ParseScenario("x.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Description != "A description." || len(s.Tables) != 2 || len(s.Requests) != 2 {
		t.Fatalf("scenario = %+v", s)
	}
	r := s.Requests[0]
	if r.Target != "DynamoDB_20120810.PutItem" || r.Label != "a label" || r.ExpectDiff != "because" {
		t.Errorf("request 1 = %+v", r)
	}
	if e := r.DynamoDB; e.Status != 400 || e.Namespace != "com.amazon.coral.validate" || e.Type != "ValidationException" || e.Message != "bad thing: here" {
		t.Errorf("@dynamodb = %+v", e)
	}
	if !strings.Contains(r.Body, `"ababab"`) {
		t.Errorf("body = %s", r.Body)
	}
	r = s.Requests[1]
	if r.Target != "" || !r.Raw || !r.NoAuth || r.ContentType != "-" || r.Body != "not json" {
		t.Errorf("request 2 = %+v", r)
	}
	if _, err := ParseScenario("bad.txt", []byte("> PutItem\n{not json\n")); err == nil {
		t.Error("a body that is not JSON must be rejected without @raw")
	}
}

func resp(t *testing.T, status int, body string) *Response {
	t.Helper()
	r := &Response{Status: status, ContentType: DefaultContentType, Body: []byte(body)}
	v, err := decodeJSON(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.JSON = v
	return r
}

func TestCompareNormalises(t *testing.T) {
	req := &Request{Op: "Scan"}
	a := resp(t, 200, `{"Items":[{"k":{"S":"1"}},{"k":{"SS":["b","a"]}}],"Count":2}`)
	b := resp(t, 200, `{"Items":[{"k":{"SS":["a","b"]}},{"k":{"S":"1"}}],"Count":2}`)
	if asp := diffResponses(req, a, b); len(asp) != 0 {
		t.Errorf("Scan items and set members must compare unordered: %v", asp[0].Details)
	}
	req = &Request{Op: "Query"}
	if asp := diffResponses(req, a, b); len(asp) == 0 {
		t.Error("Query items must compare in order")
	}
	req = &Request{Op: "DescribeTable"}
	a = resp(t, 200, `{"Table":{"CreationDateTime":1.5,"TableArn":"arn:aws:dynamodb:ddblocal:000000000000:table/x","TableId":"abc"}}`)
	b = resp(t, 200, `{"Table":{"CreationDateTime":1700000000,"TableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/x","TableId":"def"}}`)
	if asp := diffResponses(req, a, b); len(asp) != 0 {
		t.Errorf("volatile fields must be normalised: %v", asp[0].Details)
	}
}

func TestCompareErrors(t *testing.T) {
	req := &Request{Op: "DescribeTable"}
	local := resp(t, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"Cannot do operations on a non-existent table"}`)
	other := resp(t, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: x not found"}`)
	names := map[string]bool{}
	for _, a := range diffResponses(req, other, local) {
		names[a.Name] = true
	}
	if !names["message"] || !names["message-key"] || names["type"] || names["status"] {
		t.Errorf("aspects = %v", names)
	}
	devs, err := LoadDeviations("known_deviations.md")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{A: &Endpoint{Name: "dynago"}, B: &Endpoint{Name: "ddblocal"}, Local: LocalB, Deviations: devs}
	o := r.compare(&Scenario{Name: "s"}, 1, req, other, local)
	if o.Class != ClassLocal {
		t.Errorf("class = %s, notes %v", o.Class, o.Notes)
	}
	wrong := resp(t, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"nope"}`)
	if o := r.compare(&Scenario{Name: "s"}, 1, req, wrong, local); o.Class != ClassSuspect {
		t.Errorf("a side that matches neither must be suspect, got %s", o.Class)
	}
	ns := resp(t, 400, `{"__type":"com.amazon.coral.validate#ResourceNotFoundException","message":"Requested resource not found: Table: x not found"}`)
	found := false
	for _, a := range diffResponses(req, ns, other) {
		found = found || a.Name == "namespace"
	}
	if !found {
		t.Error("a namespace difference must be reported")
	}
}

func TestBodyDeviations(t *testing.T) {
	devs, err := ParseDeviations("x.md", []byte(`## Section

### B1: status
- operations: CreateTable
- body-path: TableDescription.TableStatus, TableDescription.GlobalSecondaryIndexes.IndexStatus
- local-value: ^"ACTIVE"$
- dynamodb-value: ^"CREATING"$
- evidence: test

### B2: id
- body-path: *.TableId
- local-value: ^\(absent\)$
- evidence: test
`))
	if err != nil {
		t.Fatal(err)
	}
	if !devs[0].Covers["body"] || len(devs[0].BodyPaths) != 2 {
		t.Fatalf("body deviation parsed as %+v", devs[0])
	}
	r := &Runner{A: &Endpoint{Name: "dynago"}, B: &Endpoint{Name: "ddblocal"}, Local: LocalB, Deviations: devs}
	req := &Request{Op: "CreateTable"}
	local := resp(t, 200, `{"TableDescription":{"TableStatus":"ACTIVE","GlobalSecondaryIndexes":[{"IndexName":"g","IndexStatus":"ACTIVE"}]}}`)
	good := resp(t, 200, `{"TableDescription":{"TableStatus":"CREATING","TableId":"x","GlobalSecondaryIndexes":[{"IndexName":"g","IndexStatus":"CREATING"}]}}`)
	o := r.compare(&Scenario{Name: "s"}, 1, req, good, local)
	if o.Class != ClassLocal {
		t.Fatalf("class = %s, notes %v", o.Class, o.Notes)
	}
	if ids := explanation(o); ids != "B1,B2" && ids != "B2,B1" {
		t.Errorf("explained by %s", ids)
	}
	// A field no deviation vouches for keeps the request suspect.
	extra := resp(t, 200, `{"TableDescription":{"TableStatus":"CREATING","ItemCount":1}}`)
	if o := r.compare(&Scenario{Name: "s"}, 1, req, extra, resp(t, 200, `{"TableDescription":{"TableStatus":"ACTIVE"}}`)); o.Class != ClassSuspect {
		t.Errorf("an unexplained field: class = %s", o.Class)
	}
	// Local deviates, but the other side does not hold DynamoDB's value either.
	wrong := resp(t, 200, `{"TableDescription":{"TableStatus":"UPDATING"}}`)
	if o := r.compare(&Scenario{Name: "s"}, 1, req, wrong, resp(t, 200, `{"TableDescription":{"TableStatus":"ACTIVE"}}`)); o.Class != ClassSuspect || len(o.Notes) == 0 {
		t.Errorf("a wrong value on the other side: class = %s, notes %v", o.Class, o.Notes)
	}
	// Restricted to its operations.
	if o := r.compare(&Scenario{Name: "s"}, 1, &Request{Op: "DescribeTable"}, good, local); o.Class != ClassSuspect {
		t.Errorf("another operation: class = %s", o.Class)
	}
}

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"*.TableId", "Table.TableId", true},
		{"*.TableId", "TableId", false},
		{"**.IndexStatus", "TableDescription.GlobalSecondaryIndexes[3].IndexStatus", true},
		{"TableDescription.GlobalSecondaryIndexes.IndexStatus", "TableDescription.GlobalSecondaryIndexes[0].IndexStatus", true},
		{"TableDescription.TableStatus", "TableDescription.TableStatus.X", false},
	} {
		if got := matchPath(strings.Split(tc.pattern, "."), pathSegments(tc.path)); got != tc.want {
			t.Errorf("matchPath(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}
