package api

// Benchmarks of whole requests through the handler, without the network: a
// real table.DB on Pebble's in-memory file system, the requests `dynago
// bench` sends (200-byte items: pk S, sk N, a counter n, a data string), and
// a ResponseWriter that keeps only the body. They measure everything the
// server does for a request except the HTTP/1.1 parsing and the socket I/O
// of net/http, which TrivialServer measures.
//
//	go test ./api -run '^$' -bench Handler -benchmem

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/table"
)

const (
	benchItems      = 1000
	benchQueryItems = 10
	benchData       = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
)

// benchKey is item i's key: partition i/10, sort key i%10 (as in bench/).
func benchKey(i int) string {
	return `{"pk":{"S":"p` + strconv.Itoa(i/benchQueryItems) + `"},"sk":{"N":"` + strconv.Itoa(i%benchQueryItems) + `"}}`
}

func benchPutBody(i int) string {
	k := benchKey(i)
	return `{"TableName":"bench","Item":` + k[:len(k)-1] + `,"n":{"N":"0"},"data":{"S":"` + benchData[:180] + `"}}}`
}

func benchGetBody(i int) string { return `{"TableName":"bench","Key":` + benchKey(i) + `}` }

func benchUpdateBody(i int) string {
	return `{"TableName":"bench","Key":` + benchKey(i) + `,"UpdateExpression":"SET n = n + :one",` +
		`"ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{":one":{"N":"1"}}}`
}

func benchQueryBody(p int) string {
	return `{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p` + strconv.Itoa(p) + `"}}}`
}

// benchWriter is a ResponseWriter that keeps the last body.
type benchWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(s int)   { w.status = s }
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.body.Write(b)
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.status = 0
	w.body.Reset()
}

// benchReader is a request body that can be rewound.
type benchReader struct{ strings.Reader }

func (r *benchReader) Close() error { return nil }

// benchClient sends requests to a handler, reusing one request and writer.
type benchClient struct {
	h   http.Handler
	req *http.Request
	rd  benchReader
	w   benchWriter
}

func newBenchClient(h http.Handler) *benchClient {
	c := &benchClient{h: h, w: benchWriter{h: http.Header{}}}
	c.req = &http.Request{
		Method: "POST", URL: &url.URL{Path: "/"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":  {"application/x-amz-json-1.0"},
			"Authorization": {testAuth},
			"X-Amz-Date":    {"20260101T000000Z"},
			"X-Amz-Target":  {""},
		},
		Host: "localhost:8000", Body: &c.rd,
	}
	c.req = c.req.WithContext(context.Background())
	return c
}

// do sends body to op and returns the response body (valid until the next do).
func (c *benchClient) do(tb testing.TB, op, body string) []byte {
	c.rd.Reset(body)
	c.req.ContentLength = int64(len(body))
	c.req.Header["X-Amz-Target"][0] = DynamoDBPrefix + op
	c.w.reset()
	c.h.ServeHTTP(&c.w, c.req)
	if c.w.status != http.StatusOK {
		tb.Fatalf("%s: status %d: %s", op, c.w.status, c.w.body.String())
	}
	return c.w.body.Bytes()
}

// benchServer is a handler over a real DB on in-memory Pebble with table
// "bench" holding benchItems items.
func benchServer(tb testing.TB) http.Handler {
	tb.Helper()
	eng, err := pebble.Open("", pebble.Options{InMemory: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := table.Open(eng, table.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		eng.Close()
	})
	h := NewHandler(Options{Ops: Operations(db), EncodeItem: EncodeItem})
	c := newBenchClient(h)
	c.do(tb, "CreateTable", `{"TableName":"bench","BillingMode":"PAY_PER_REQUEST",`+
		`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`)
	for i := range benchItems {
		c.do(tb, "PutItem", benchPutBody(i))
	}
	return h
}

// benchBodies prebuilds n request bodies so that building them is not measured.
func benchBodies(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func runHandlerBench(b *testing.B, op string, bodies []string) {
	c := newBenchClient(benchServer(b))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.measured(b, op, bodies[i%len(bodies)])
		i++
	}
}

// measured is do for the requests a benchmark measures (a separate function
// so that tools such as callgrind can count only these:
// valgrind --tool=callgrind --toggle-collect='*benchClient*measured*').
//
//go:noinline
func (c *benchClient) measured(tb testing.TB, op, body string) []byte { return c.do(tb, op, body) }

func BenchmarkHandlerGetItem(b *testing.B) {
	runHandlerBench(b, "GetItem", benchBodies(benchItems, func(i int) string { return benchGetBody(i * 7 % benchItems) }))
}

func BenchmarkHandlerPutItem(b *testing.B) {
	runHandlerBench(b, "PutItem", benchBodies(benchItems, func(i int) string { return benchPutBody(i * 7 % benchItems) }))
}

func BenchmarkHandlerUpdateItem(b *testing.B) {
	runHandlerBench(b, "UpdateItem", benchBodies(benchItems, func(i int) string { return benchUpdateBody(i * 7 % benchItems) }))
}

func BenchmarkHandlerQuery10(b *testing.B) {
	n := benchItems / benchQueryItems
	runHandlerBench(b, "Query", benchBodies(n, func(i int) string { return benchQueryBody(i * 7 % n) }))
}

// BenchmarkHandlerOverhead is the handler alone around an operation that
// does nothing: routing, body, authentication, request id, headers, CRC32.
func BenchmarkHandlerOverhead(b *testing.B) {
	h := NewHandler(Options{Ops: map[string]Op{
		DynamoDBPrefix + "GetItem": op(func(ctx context.Context, in *struct{}) (*struct{}, error) { return in, nil }),
	}})
	c := newBenchClient(h)
	body := benchGetBody(1)
	b.ReportAllocs()
	for b.Loop() {
		c.measured(b, "GetItem", body)
	}
}

var _ io.ReadCloser = (*benchReader)(nil)
