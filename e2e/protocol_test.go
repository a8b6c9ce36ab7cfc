package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/dynago/dynago/server"
)

const sigv4 = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123456789abcdef"

type rawResponse struct {
	status  int
	header  http.Header
	body    []byte
	typ     string
	message string
}

// raw sends one request with full control over headers and body.
func raw(t *testing.T, url, target, body string, hdr map[string]string) rawResponse {
	t.Helper()
	req, err := http.NewRequest("POST", url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", sigv4)
	if target != "" {
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
	var e map[string]any
	if json.Unmarshal(b, &e) == nil {
		r.typ, _ = e["__type"].(string)
		if m, ok := e["message"].(string); ok {
			r.message = m
		} else if m, ok := e["Message"].(string); ok {
			r.message = m
		}
	}
	return r
}

// TestProtocolBasics runs on both HTTP layers: Dynago's own (the default)
// and net/http alone (--net-http); their answers must be the same.
func TestProtocolBasics(t *testing.T) {
	t.Run("http1", func(t *testing.T) { testProtocolBasics(t, startServer(t)) })
	t.Run("net-http", func(t *testing.T) {
		testProtocolBasics(t, startServerWith(t, func(c *server.Config) { c.NetHTTP = true }))
	})
}

func testProtocolBasics(t *testing.T, s *server.Server) {
	url := s.URL()

	// Health check.
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}

	r := raw(t, url, "ListTables", "{}", nil)
	if r.status != 200 || r.header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("ListTables: %d %s", r.status, r.body)
	}
	if crc := r.header.Get("x-amz-crc32"); crc != strconv.FormatUint(uint64(crc32.ChecksumIEEE(r.body)), 10) {
		t.Fatalf("x-amz-crc32 %s does not match the body", crc)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		t.Fatalf("Content-Type %q", ct)
	}

	for _, tc := range []struct {
		name, target, body string
		hdr                map[string]string
		status             int
		typ, msg           string
	}{
		{"unknown operation", "Frobnicate", "{}", nil, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"no target", "", "{}", nil, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"malformed json", "ListTables", "{not json", nil, 400, "com.amazon.coral.service#SerializationException", ""},
		{"missing auth", "ListTables", "{}", map[string]string{"Authorization": ""}, 400,
			"com.amazon.coral.service#MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"wrong field type", "DescribeTable", `{"TableName": 5}`, nil, 400, "com.amazon.coral.service#SerializationException", ""},
		{"missing table name", "DescribeTable", `{}`, nil, 400, "com.amazon.coral.validate#ValidationException", ""},
		{"not found", "DescribeTable", `{"TableName":"nope"}`, nil, 400,
			"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found: Table: nope not found"},
		{"invalid expression", "PutItem", `{"TableName":"nope","Item":{"pk":{"S":"a"}},"ConditionExpression":"a = = b"}`, nil, 400,
			"com.amazon.coral.validate#ValidationException", ""},
		{"deep nesting", "PutItem", `{"TableName":"nope","Item":{"pk":{"S":"a"},"x":` + strings.Repeat(`{"L":[`, 40) + `{"S":"x"}` + strings.Repeat(`]}`, 40) + `}}`, nil, 400,
			"com.amazon.coral.validate#ValidationException", ""},
		{"very deep json", "PutItem", `{"TableName":"nope","Item":` + strings.Repeat(`[`, 100000) + strings.Repeat(`]`, 100000) + `}`, nil, 400, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := raw(t, url, tc.target, tc.body, tc.hdr)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.typ != "" && r.typ != tc.typ {
				t.Fatalf("__type %q, want %q (%s)", r.typ, tc.typ, r.body)
			}
			if tc.msg != "" && r.message != tc.msg {
				t.Fatalf("message %q, want %q", r.message, tc.msg)
			}
		})
	}

	// A body over 16 MB is refused without being buffered whole.
	big := bytes.Repeat([]byte("x"), 17<<20)
	req, _ := http.NewRequest("POST", url+"/", bytes.NewReader(big))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Set("Authorization", sigv4)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("17 MB body: status %d", resp.StatusCode)
	}

	// gzip request bodies are accepted.
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	fmt.Fprint(zw, `{"Limit": 5}`)
	zw.Close()
	r = raw(t, url, "ListTables", zbuf.String(), map[string]string{"Content-Encoding": "gzip"})
	if r.status != 200 {
		t.Fatalf("gzip body: %d %s", r.status, r.body)
	}
}

// Bad requests leave the data untouched.
func TestHostileRequestsChangeNothing(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	ctx := t.Context()
	createHashTable(t, ctx, c, "safe")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("safe"), Item: item{"pk": S("k"), "v": N("1")}}); err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"2"}},"ConditionExpression":"v = "}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"abc"}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"2","S":"x"}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"SS":[]}}}`,
		`{"TableName":"safe","Item":{"pk":{"N":"1"},"v":{"N":"2"}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"2"}},"ReturnValues":"ALL_NEW"}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"2"}},"ExpressionAttributeValues":{":x":{"N":"1"}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"B":"not base64!"}}}`,
		`{"TableName":"safe","Item":{"pk":{"S":"k"},"v":{"N":"1e999"}}}`,
		`{"TableName":"safe","Item":"x"}`,
		`[1,2,3]`,
	}
	for _, b := range bodies {
		r := raw(t, s.URL(), "PutItem", b, nil)
		if r.status != 400 {
			t.Errorf("%s: status %d %s", b, r.status, r.body)
		}
	}
	upd := []string{
		`{"TableName":"safe","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = v + :s","ExpressionAttributeValues":{":s":{"S":"x"}}}`,
		`{"TableName":"safe","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = :a REMOVE v","ExpressionAttributeValues":{":a":{"N":"1"}}}`,
		`{"TableName":"safe","Key":{"pk":{"S":"k"}},"UpdateExpression":"ADD v :a","ExpressionAttributeValues":{":a":{"S":"x"}}}`,
		`{"TableName":"safe","Key":{"pk":{"S":"k"}},"UpdateExpression":"SET v = :a","ExpressionAttributeValues":{":a":{"N":"9.9999999999999999999999999999999999999E+125"}},"ConditionExpression":"attribute_exists(nope)"}`,
		`{"TableName":"safe","Key":{"pk":{"S":"k"}},"UpdateExpression":"ADD v :a","ExpressionAttributeValues":{":a":{"N":"9.9999999999999999999999999999999999999E+125"}}}`,
	}
	for _, b := range upd {
		r := raw(t, s.URL(), "UpdateItem", b, nil)
		if r.status != 400 {
			t.Errorf("%s: status %d %s", b, r.status, r.body)
		}
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("safe"), Key: item{"pk": S("k")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"pk": S("k"), "v": N("1")})
}
