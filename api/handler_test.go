package api

import (
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/wire"
)

const testAuth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"

func testHandler() *Handler {
	return NewHandler(Options{Ops: map[string]Op{
		DynamoDBPrefix + "Echo": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return map[string]any{"ok": true, "request_id_set": RequestID(ctx) != ""}, nil
		}),
		DynamoDBPrefix + "Fail": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return nil, ddb.Errorf(ddb.ErrConditionalCheckFailed, "The conditional request failed")
		}),
		DynamoDBPrefix + "Validate": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return nil, ddb.Validation("bad")
		}),
		DynamoDBPrefix + "Bug": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return nil, errors.New("something broke")
		}),
		DynamoDBPrefix + "Panic": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			panic("boom")
		}),
		DynamoDBPrefix + "Cancel": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return nil, &ddb.Error{Type: ddb.ErrTransactionCanceled,
				Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
				CancellationReasons: []ddb.CancellationReason{{Code: "None"}, {Code: "ConditionalCheckFailed", Message: "The conditional request failed"}}}
		}),
		DynamoDBPrefix + "CCF": OpFunc(func(ctx context.Context, body []byte) (any, error) {
			return nil, ddb.ConditionalCheckFailed(ddb.Item{"pk": ddb.S("a")})
		}),
	}, EncodeItem: func(it ddb.Item) ([]byte, error) { return []byte(`{"pk":{"S":"a"}}`), nil }})
}

func TestHandler(t *testing.T) {
	h := testHandler()
	for _, tc := range []struct {
		name, method, target, body, auth, ctype string
		status                                  int
		wantBody                                string // substring
	}{
		{"ok", "POST", "Echo", "{}", testAuth, "application/x-amz-json-1.0", 200, `"ok":true`},
		{"json content type", "POST", "Echo", "{}", testAuth, "application/json", 200, `"request_id_set":true`},
		{"health", "GET", "", "", "", "", 200, "healthy"},
		{"unknown op", "POST", "Nope", "{}", testAuth, "application/x-amz-json-1.0", 400, `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"bad json", "POST", "Echo", "{", testAuth, "application/x-amz-json-1.0", 400, `{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"empty body", "POST", "Echo", "", testAuth, "application/x-amz-json-1.0", 400, `SerializationException`},
		{"no auth", "POST", "Echo", "{}", "", "application/x-amz-json-1.0", 400,
			`{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`},
		{"incomplete auth", "POST", "Echo", "{}", "AWS4-HMAC-SHA256 Credential=x", "application/x-amz-json-1.0", 400,
			`IncompleteSignatureException`},
		{"service error", "POST", "Fail", "{}", testAuth, "application/x-amz-json-1.0", 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"validation", "POST", "Validate", "{}", testAuth, "application/x-amz-json-1.0", 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}`},
		{"bug", "POST", "Bug", "{}", testAuth, "application/x-amz-json-1.0", 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{"panic", "POST", "Panic", "{}", testAuth, "application/x-amz-json-1.0", 500, `InternalServerError`},
		// As recorded from DynamoDB: this exception's member is "Message".
		{"transaction canceled", "POST", "Cancel", "{}", testAuth, "application/x-amz-json-1.0", 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}`},
		{"item in error", "POST", "CCF", "{}", testAuth, "application/x-amz-json-1.0", 400, `"Item":{"pk":{"S":"a"}}`},
		{"wrong content type", "POST", "Echo", "{}", testAuth, "text/plain", 404, `<UnknownOperationException/>`},
		{"wrong method", "PUT", "Echo", "{}", testAuth, "application/x-amz-json-1.0", 404, `<UnknownOperationException/>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/", strings.NewReader(tc.body))
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", DynamoDBPrefix+tc.target)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			req.Header.Set("X-Amz-Date", "20260101T000000Z")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			if !strings.Contains(body, tc.wantBody) {
				t.Fatalf("body %s, want it to contain %s", body, tc.wantBody)
			}
			if tc.method == "POST" && rec.Code != 404 {
				if got, want := rec.Header().Get("x-amz-crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10); got != want {
					t.Fatalf("crc32 %s, want %s", got, want)
				}
				if id := rec.Header().Get("x-amzn-RequestId"); len(id) != 52 {
					t.Fatalf("request id %q", id)
				}
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("invalid JSON body %s", body)
				}
			}
		})
	}
}

func TestRequestIDsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		var b [requestIDLen]byte
		newRequestID(&b)
		id := string(b[:])
		for _, c := range id {
			if !strings.ContainsRune(idChars, c) {
				t.Fatalf("request id %s has %q", id, c)
			}
		}
		if seen[id] {
			t.Fatalf("duplicate request id %s", id)
		}
		seen[id] = true
	}
}

func BenchmarkHandlerEcho(b *testing.B) {
	h := NewHandler(Options{Ops: map[string]Op{
		DynamoDBPrefix + "Echo": OpFunc(func(ctx context.Context, body []byte) (any, error) { return []byte(`{}`), nil }),
	}})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"TableName":"t"}`))
		req.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	_ = http.StatusOK
}

// TestSyntaxOrder: ops that decode with wire.Decode skip the handler's
// separate JSON syntax check, and answers keep DynamoDB's order: syntax,
// target, authentication, field types.
func TestSyntaxOrder(t *testing.T) {
	called := false
	h := NewHandler(Options{Ops: map[string]Op{
		DynamoDBPrefix + "GetItem": op(func(ctx context.Context, in *wire.GetItemInput) (*wire.GetItemOutput, error) {
			called = true
			return &wire.GetItemOutput{}, nil
		}),
	}})
	const (
		serialization = `{"__type":"com.amazon.coral.service#SerializationException"}`
		missingAuth   = `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`
		unknownOp     = `{"__type":"com.amazon.coral.service#UnknownOperationException"}`
	)
	for _, tc := range []struct {
		name, target, body, auth, want string
	}{
		{"ok", "GetItem", `{"TableName":"tab","Key":{"a":{"S":"x"}}}`, testAuth, `{}`},
		{"bad json", "GetItem", `{"TableName":"t",`, testAuth, serialization},
		{"bad json, unknown target", "Nope", `{"TableName":"t",`, testAuth, serialization},
		{"bad json, no auth", "GetItem", `{"TableName":"t",`, "", serialization},
		{"white space", "GetItem", " \n\t", testAuth, serialization},
		{"white space, no auth", "GetItem", " \n", "", serialization},
		{"white space, unknown target", "Nope", " ", testAuth, serialization},
		{"unknown target", "Nope", `{}`, testAuth, unknownOp},
		{"no auth", "GetItem", `{}`, "", missingAuth},
		{"type error, no auth", "GetItem", `{"TableName":1}`, "", missingAuth},
		{"type error", "GetItem", `{"TableName":1}`, testAuth,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"NUMBER_VALUE cannot be converted to String"}`},
		{"type error before syntax error", "GetItem", `{"TableName":1,"Key":{"a":{"S":"x"}}`, testAuth, serialization},
		{"syntax error in an unknown field", "GetItem", `{"TableName":"t","X":[1,{"y":tru]}`, testAuth, serialization},
		{"trailing garbage", "GetItem", `{"TableName":"t"} x`, testAuth, serialization},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called = false
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", DynamoDBPrefix+tc.target)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Date", "20260101T000000Z")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Body.String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if called != (tc.want == `{}`) {
				t.Fatalf("op called: %v", called)
			}
			if got, want := rec.Header().Get("x-amz-crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10); got != want {
				t.Fatalf("crc32 %s, want %s", got, want)
			}
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()); got != want {
				t.Fatalf("Content-Length %s, want %s", got, want)
			}
			if id := rec.Header().Get("x-amzn-RequestId"); len(id) != 52 {
				t.Fatalf("request id %q", id)
			}
		})
	}
}

// TestResponseHeaders: the header keys and values on the wire are what
// Header.Set with DynamoDB's names produced before.
func TestResponseHeaders(t *testing.T) {
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	for _, ct := range []string{"application/x-amz-json-1.0", "application/json"} {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", DynamoDBPrefix+"Echo")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); got != ct {
			t.Fatalf("Content-Type %q, want %q", got, ct)
		}
		if got := resp.Header["X-Amzn-Requestid"]; len(got) != 1 || len(got[0]) != 52 {
			t.Fatalf("request id %q", got)
		}
		if got, want := resp.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); got != want {
			t.Fatalf("crc %s, want %s", got, want)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Fatalf("length %d, body %d", resp.ContentLength, len(body))
		}
	}
}
