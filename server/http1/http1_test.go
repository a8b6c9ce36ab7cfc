package http1_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/server/http1"
)

// testTimeout bounds every wait in these tests; it is never reached when
// the server behaves.
const testTimeout = 10 * time.Second

var quietLog = log.New(io.Discard, "", 0)

// seen is what the test handler saw of a request.
type seen struct {
	Method, Path, RequestURI, Proto, Host string
	Header                                http.Header
	Body                                  []byte
	ContentLength                         int64
	Close                                 bool
	// NetHTTP: the request was served by net/http (its ResponseWriter
	// is a Hijacker; this package's is not).
	NetHTTP bool
}

// handler is the handler under test. It records each request, reads its
// body and answers 200 with a description of the request (so that answers
// from this server and from net/http can be compared), unless the request's
// X-Test header asks otherwise.
type handler struct {
	mu   sync.Mutex
	seen []seen

	entered chan struct{} // X-Test: block sends on it, then
	release chan struct{} // waits for it to be closed
}

func newHandler() *handler {
	return &handler{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (h *handler) requests() []seen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seen)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, hijacker := w.(http.Hijacker)
	s := seen{
		Method: r.Method, Path: r.URL.Path, RequestURI: r.RequestURI, Proto: r.Proto, Host: r.Host,
		Header: r.Header.Clone(), ContentLength: r.ContentLength, Close: r.Close, NetHTTP: hijacker,
	}
	mode := r.Header.Get("X-Test")
	var err error
	if mode != "noread" {
		s.Body, err = io.ReadAll(r.Body)
	}
	h.mu.Lock()
	h.seen = append(h.seen, s)
	h.mu.Unlock()

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Handler", "yes")
	switch mode {
	case "panic":
		panic("test panic")
	case "block":
		h.entered <- struct{}{}
		<-h.release
	case "nowrite":
		return // no WriteHeader, no Write
	case "teapot":
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
		return
	case "length":
		w.Header().Set("Content-Length", "999")
		io.WriteString(w, "hello")
		return
	case "split":
		w.Header()["X-Bad-Crlf"] = []string{"a\r\nX-Injected: 1"}
		w.Header()["X-Bad-Lf"] = []string{"b\nX-Injected: 2"}
		w.Header()["X-Bad-Cr"] = []string{"c\rX-Injected: 3"}
		w.Header().Set("X-Good", "fine")
		io.WriteString(w, "body")
		return
	case "splitname":
		w.Header()["X-Evil\r\nX-Injected: 4\r\nX-Pad"] = []string{"v"}
		io.WriteString(w, "body")
		return
	}
	io.WriteString(w, describe(r, s.Body, err))
}

// describe renders what a handler sees of a request.
func describe(r *http.Request, body []byte, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s host=%q cl=%d close=%v te=%q\n",
		r.Method, r.RequestURI, r.Proto, r.Host, r.ContentLength, r.Close, r.TransferEncoding)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "%s=%q\n", k, r.Header[k])
	}
	fmt.Fprintf(&b, "body=%q err=%v\n", body, err)
	return b.String()
}

// server is a running http1.Server.
type server struct {
	addr     string
	srv      *http1.Server
	served   chan error // Serve's result
	shutOnce sync.Once
	shutErr  error
}

// startServer serves h on a loopback listener (wrapped by wrap if not nil),
// with h as the fallback's handler too; the server is shut down at the
// end of the test.
func startServer(t *testing.T, h http.Handler, idle time.Duration, wrap func(net.Listener) net.Listener) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var nl net.Listener = &notifyListener{Listener: ln, accepting: started}
	if wrap != nil {
		nl = wrap(nl)
	}
	s := &server{
		addr:   ln.Addr().String(),
		srv:    &http1.Server{Handler: h, Fallback: &http.Server{Handler: h, ErrorLog: quietLog}, IdleTimeout: idle},
		served: make(chan error, 1),
	}
	go func() { s.served <- s.srv.Serve(nl) }()
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		checkServeReturned(t, s)
	})
	select { // Serve has set itself up once it accepts
	case <-started:
	case <-time.After(testTimeout):
		t.Fatal("Serve did not start")
	}
	return s
}

// shutdown shuts the server down once (Shutdown is not called twice here:
// see TestShutdownTwice).
func (s *server) shutdown() error {
	s.shutOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		s.shutErr = s.srv.Shutdown(ctx)
	})
	return s.shutErr
}

// notifyListener closes accepting at the first call to Accept.
type notifyListener struct {
	net.Listener
	accepting chan struct{}
	once      sync.Once
}

func (l *notifyListener) Accept() (net.Conn, error) {
	l.once.Do(func() { close(l.accepting) })
	return l.Listener.Accept()
}

// startReference serves h with net/http alone.
func startReference(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = quietLog
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String()
}

// client is a raw connection to a server.
type client struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(testTimeout))
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *client) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// answer is a response as read by a client, with its body.
type answer struct {
	Status        string
	StatusCode    int
	Header        http.Header
	ContentLength int64
	Close         bool
	Body          string
}

// next reads a response and its body.
func (c *client) next() (answer, error) {
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return answer{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return answer{}, fmt.Errorf("reading the body of %q: %w", resp.Status, err)
	}
	return answer{
		Status: resp.Status, StatusCode: resp.StatusCode, Header: resp.Header,
		ContentLength: resp.ContentLength, Close: resp.Close, Body: string(body),
	}, nil
}

func (c *client) mustNext() answer {
	c.t.Helper()
	a, err := c.next()
	if err != nil {
		c.t.Fatalf("reading a response: %v", err)
	}
	return a
}

// closed reports whether the server closed the connection: the next read
// ends in EOF or a reset, not in the test's deadline, nor with data.
func (c *client) closed() bool {
	c.t.Helper()
	n, err := c.br.Read(make([]byte, 1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("connection still open after %v", testTimeout)
	}
	if n > 0 {
		c.t.Errorf("unexpected data after the last response")
	}
	return err != nil
}

// exchange writes raw on a new connection and reads up to n responses
// (fewer if the connection ends first); closed tells whether the server
// then closed the connection, checked only if the last answer says so.
func exchange(t *testing.T, addr, raw string, n int) (answers []answer, closed bool) {
	t.Helper()
	c := dial(t, addr)
	c.write(raw)
	for range n {
		a, err := c.next()
		if err != nil {
			return answers, true
		}
		answers = append(answers, a)
	}
	if len(answers) > 0 && answers[len(answers)-1].Close {
		closed = c.closed()
	}
	return answers, closed
}

// sameAnswers compares our answers with net/http's: status, body and the
// header fields that do not vary.
func sameAnswers(t *testing.T, got, want []answer) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d responses, net/http gives %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Status != w.Status {
			t.Errorf("response %d: status %q, net/http %q", i, g.Status, w.Status)
		}
		if g.Body != w.Body {
			t.Errorf("response %d: body\n%s\nnet/http:\n%s", i, g.Body, w.Body)
		}
		// net/http sends a large body chunked; this server always
		// with its length.
		if w.ContentLength >= 0 && g.ContentLength != w.ContentLength || g.Close != w.Close {
			t.Errorf("response %d: ContentLength %d Close %v, net/http %d %v", i, g.ContentLength, g.Close, w.ContentLength, w.Close)
		}
		for _, k := range []string{"Content-Type", "X-Handler"} {
			if !slices.Equal(g.Header[k], w.Header[k]) {
				t.Errorf("response %d: %s %q, net/http %q", i, k, g.Header[k], w.Header[k])
			}
		}
	}
}

// checkOK checks a fast-path answer to the test handler.
func checkOK(t *testing.T, a answer) {
	t.Helper()
	if a.Status != "200 OK" {
		t.Errorf("status %q, want 200 OK", a.Status)
	}
	if got := a.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := a.Header.Get("X-Handler"); got != "yes" {
		t.Errorf("X-Handler %q, want the handler's header", got)
	}
	if a.ContentLength != int64(len(a.Body)) || len(a.Header["Content-Length"]) != 1 {
		t.Errorf("Content-Length %q for a body of %d bytes", a.Header["Content-Length"], len(a.Body))
	}
	if d, err := http.ParseTime(a.Header.Get("Date")); err != nil || time.Since(d) > time.Hour || time.Until(d) > time.Hour {
		t.Errorf("Date %q: %v", a.Header.Get("Date"), err)
	}
	if a.Close {
		t.Errorf("response closes the connection")
	}
}

// post returns a fast-path request.
func post(headers, body string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: dynamo.test:8000\r\n%sContent-Length: %d\r\n\r\n%s", headers, len(body), body)
}

func TestFastPath(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())

	requests := []struct {
		raw    string
		header http.Header // expected, besides Content-Length
		body   string
	}{{
		raw: "POST / HTTP/1.1\r\nhost: dynamo.test:8000\r\ncontent-type: application/x-amz-json-1.0\r\n" +
			"x-amz-target: DynamoDB_20120810.GetItem\r\nX-AMZ-DATE:\t20240101T000000Z \r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc\r\n" +
			"x-custom-thing: a\r\nX-Custom-Thing: b\r\nContent-Length: 15\r\n\r\n{\"TableName\":1}",
		header: http.Header{
			"Content-Type":   {"application/x-amz-json-1.0"},
			"X-Amz-Target":   {"DynamoDB_20120810.GetItem"},
			"X-Amz-Date":     {"20240101T000000Z"},
			"Authorization":  {"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc"},
			"X-Custom-Thing": {"a", "b"},
		},
		body: `{"TableName":1}`,
	}, {
		raw:    post("X-Amz-Target: DynamoDB_20120810.PutItem\r\nConnection: keep-alive\r\n", "[1,2,3]"),
		header: http.Header{"X-Amz-Target": {"DynamoDB_20120810.PutItem"}, "Connection": {"keep-alive"}},
		body:   "[1,2,3]",
	}, {
		raw:    "POST / HTTP/1.1\r\nHost: dynamo.test:8000\r\nX-Empty:\r\n\r\n",
		header: http.Header{"X-Empty": {""}},
	}, {
		raw:    post("", strings.Repeat("x", 100_000)), // larger than the buffers
		header: http.Header{},
		body:   strings.Repeat("x", 100_000),
	}}

	c := dial(t, s.addr)
	for i, r := range requests {
		c.write(r.raw)
		a := c.mustNext()
		checkOK(t, a)
		want, _ := exchange(t, ref, r.raw, 1)
		sameAnswers(t, []answer{a}, want)

		all := h.requests()
		if len(all) != i+1 {
			t.Fatalf("handler called %d times after %d requests", len(all), i+1)
		}
		got := all[i]
		if got.NetHTTP {
			t.Errorf("request %d was handed to net/http", i)
		}
		if got.Method != "POST" || got.Path != "/" || got.RequestURI != "/" || got.Proto != "HTTP/1.1" || got.Host != "dynamo.test:8000" {
			t.Errorf("request %d: %s %s (%s) %s host %q", i, got.Method, got.Path, got.RequestURI, got.Proto, got.Host)
		}
		if _, ok := got.Header["Host"]; ok {
			t.Errorf("request %d: Host in Header", i)
		}
		if string(got.Body) != r.body || got.ContentLength != int64(len(r.body)) {
			t.Errorf("request %d: body %d bytes, ContentLength %d; want %d", i, len(got.Body), got.ContentLength, len(r.body))
		}
		wantHeader := r.header.Clone()
		if strings.Contains(strings.ToLower(r.raw), "content-length") {
			wantHeader["Content-Length"] = []string{fmt.Sprint(len(r.body))}
		}
		if fmt.Sprint(got.Header) != fmt.Sprint(wantHeader) {
			t.Errorf("request %d: Header %v, want %v", i, got.Header, wantHeader)
		}
	}
}

func TestResponse(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	c := dial(t, s.addr)

	c.write(post("X-Test: nowrite\r\n", "abc"))
	a := c.mustNext()
	if a.Status != "200 OK" || a.Body != "" || a.ContentLength != 0 || a.Header.Get("X-Handler") != "yes" {
		t.Errorf("handler that writes nothing: %q, %d bytes, Content-Length %d, X-Handler %q", a.Status, len(a.Body), a.ContentLength, a.Header.Get("X-Handler"))
	}
	if _, ok := a.Header["Date"]; !ok {
		t.Errorf("no Date")
	}

	c.write(post("X-Test: teapot\r\n", ""))
	a = c.mustNext()
	if a.Status != "418 I'm a teapot" || a.Body != "short and stout" || a.ContentLength != 15 {
		t.Errorf("teapot: %q %q Content-Length %d", a.Status, a.Body, a.ContentLength)
	}

	c.write(post("X-Test: length\r\n", ""))
	a = c.mustNext()
	if a.Body != "hello" || !slices.Equal(a.Header["Content-Length"], []string{"5"}) {
		t.Errorf("handler's Content-Length 999: got Content-Length %q, body %q", a.Header["Content-Length"], a.Body)
	}

	// Still in step after all that.
	c.write(post("", "end"))
	checkOK(t, c.mustNext())
	noneHandedOver(t, h)
}

// noneHandedOver fails t if net/http served any request h saw.
func noneHandedOver(t *testing.T, h *handler) {
	t.Helper()
	for _, r := range h.requests() {
		if r.NetHTTP {
			t.Errorf("a %s %s request was handed to net/http", r.Method, r.RequestURI)
		}
	}
}

func TestPipelining(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())
	raw := post("X-Amz-Target: One\r\n", "first") +
		post("X-Amz-Target: Two\r\n", "second body") +
		post("X-Amz-Target: Three\r\n", "")
	got, _ := exchange(t, s.addr, raw, 3)
	want, _ := exchange(t, ref, raw, 3)
	sameAnswers(t, got, want)
	for i, a := range got {
		checkOK(t, a)
		if target := []string{"One", "Two", "Three"}[i]; !strings.Contains(a.Body, `X-Amz-Target=["`+target+`"]`) {
			t.Errorf("response %d is not for request %s:\n%s", i, target, a.Body)
		}
	}
	noneHandedOver(t, h)
}

func TestHandover(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())
	big := strings.Repeat("v", 20<<10)
	cases := []struct {
		name string
		raw  string
		n    int    // responses
		fast int    // how many of the requests are served before the handover
		body string // the handler's last request's body, if it ran
	}{
		{"GET", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1, 0, ""},
		{"OPTIONS", "OPTIONS / HTTP/1.1\r\nHost: h\r\nOrigin: http://example.com\r\nAccess-Control-Request-Method: POST\r\n\r\n", 1, 0, ""},
		{"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 1, 0, "hello world"},
		{"HTTP/1.0", "POST / HTTP/1.0\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 1, 0, "abc"},
		{"HTTP/1.0 keep-alive", "POST / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc" + post("", "next"), 2, 0, "next"},
		{"other path", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"query", "POST /?a=b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"absolute target", "POST http://h/ HTTP/1.1\r\nHost: other\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"line folding", "POST / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"bare LF", "POST / HTTP/1.1\nHost: h\nContent-Length: 2\n\nhi", 1, 0, "hi"},
		{"Upgrade", "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"Connection list", "POST / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"empty Host", "POST / HTTP/1.1\r\nHost:\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"missing Host", "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", 1, 0, ""},
		{"two Hosts", "POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 2\r\n\r\nhi", 1, 0, ""},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!", 1, 0, ""},
		{"repeated Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"Content-Length abc", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 1, 0, ""},
		{"Content-Length -1", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 1, 0, ""},
		{"Content-Length +2", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\nhi", 1, 0, ""},
		{"empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 1, 0, ""},
		{"space before colon", "POST / HTTP/1.1\r\nHost: h\r\nX-A : b\r\n\r\n", 1, 0, ""},
		{"control in value", "POST / HTTP/1.1\r\nHost: h\r\nX-A: b\x01c\r\n\r\n", 1, 0, ""},
		{"bad request line", "POST  / HTTP/1.1\r\nHost: h\r\n\r\n", 1, 0, ""},
		{"garbage", "\x00\x01\x02\r\n\r\n", 1, 0, ""},
		{"large header", "POST / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\nContent-Length: 2\r\n\r\nhi", 1, 0, "hi"},
		{"fast then GET", post("", "fast") + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 2, 1, ""},
		{"fast, fast, then chunked", post("", "1") + post("", "2") +
			"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + post("", "after"), 4, 2, "after"},
		{"fast then missing Host", post("", "fast") + "POST / HTTP/1.1\r\n\r\n", 2, 1, ""},
		{"fast then large header", post("", "fast") + "POST / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\nContent-Length: 2\r\n\r\nhi", 2, 1, "hi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.requests())
			got, gotClosed := exchange(t, s.addr, tc.raw, tc.n)
			want, wantClosed := exchange(t, ref, tc.raw, tc.n)
			sameAnswers(t, got, want)
			if gotClosed != wantClosed {
				t.Errorf("connection closed %v, net/http %v", gotClosed, wantClosed)
			}
			reqs := h.requests()[before:]
			for i, r := range reqs {
				if r.NetHTTP != (i >= tc.fast) {
					t.Errorf("request %d (%s %s, body %q): handed to net/http %v", i, r.Method, r.RequestURI, r.Body, r.NetHTTP)
				}
			}
			if tc.body != "" {
				if len(reqs) == 0 {
					t.Fatalf("handler not called")
				}
				if last := reqs[len(reqs)-1]; string(last.Body) != tc.body {
					t.Errorf("handler got body %q, want %q", last.Body, tc.body)
				}
			}
		})
	}
}

func TestExpectContinue(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())
	run := func(addr string) []answer {
		c := dial(t, addr)
		c.write("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		cont := c.mustNext()
		if cont.StatusCode != http.StatusContinue {
			t.Fatalf("%s: got %q before sending the body, want 100 Continue", addr, cont.Status)
		}
		c.write("hello")
		return []answer{cont, c.mustNext()}
	}
	got := run(s.addr)
	sameAnswers(t, got, run(ref))
	if reqs := h.requests(); len(reqs) != 1 || string(reqs[0].Body) != "hello" || !reqs[0].NetHTTP {
		t.Errorf("handler saw %+v", reqs)
	}
}

func TestConnectionClose(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	for _, value := range []string{"close", "Close"} {
		c := dial(t, s.addr)
		// The request after the one that closes is not served.
		c.write(post("Connection: "+value+"\r\n", "bye") + post("", "never"))
		a := c.mustNext()
		// (ReadResponse takes "Connection: close" out of the Header
		// into Close.)
		if a.Status != "200 OK" || !a.Close {
			t.Errorf("Connection: %s: status %q, Close %v", value, a.Status, a.Close)
		}
		if !c.closed() {
			t.Errorf("Connection: %s: connection not closed after the response", value)
		}
	}
	reqs := h.requests()
	if len(reqs) != 2 {
		t.Fatalf("handler called %d times, want 2", len(reqs))
	}
	for _, r := range reqs {
		if !r.Close || r.NetHTTP || string(r.Body) != "bye" {
			t.Errorf("handler saw Close %v, NetHTTP %v, body %q", r.Close, r.NetHTTP, r.Body)
		}
	}
}

func TestUnreadBody(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)

	t.Run("small", func(t *testing.T) {
		c := dial(t, s.addr)
		c.write(post("X-Test: noread\r\n", strings.Repeat("a", 1<<10)))
		checkOK(t, c.mustNext())
		c.write(post("", "next"))
		a := c.mustNext()
		checkOK(t, a)
		if !strings.Contains(a.Body, `body="next"`) {
			t.Errorf("next request on the connection:\n%s", a.Body)
		}
	})

	for _, size := range []int{300 << 10, 1 << 20} {
		t.Run(fmt.Sprint("large ", size), func(t *testing.T) {
			c := dial(t, s.addr)
			done := make(chan struct{})
			go func() { // the server may stop reading: don't block the test
				defer close(done)
				io.WriteString(c.nc, post("X-Test: noread\r\n", strings.Repeat("a", size))+post("", "never"))
			}()
			t.Cleanup(func() { c.nc.Close(); <-done })
			a, err := c.next()
			if err != nil {
				t.Logf("no response (%v)", err) // a reset may destroy it
			} else {
				if a.Status != "200 OK" || a.Header.Get("X-Handler") != "yes" {
					t.Errorf("status %q", a.Status)
				}
				if !a.Close {
					t.Errorf("response does not say Connection: close, but the connection is closed")
				}
				if !c.closed() {
					t.Errorf("connection not closed")
				}
			}
		})
	}
	// A body the handler refuses unread (the API answers 413 to one over
	// 16 MB) is drained after the answer while the client sends it, so
	// the client can finish sending and read the answer: closing with the
	// rest of the body unread would reset the connection under it.
	t.Run("refused 17 MB", func(t *testing.T) {
		c := dial(t, s.addr)
		wrote := make(chan error, 1)
		go func() {
			_, err := io.WriteString(c.nc, post("X-Test: noread\r\n", strings.Repeat("a", 17<<20)))
			wrote <- err
		}()
		t.Cleanup(func() { c.nc.Close() })
		if err := <-wrote; err != nil {
			t.Fatalf("sending the body: %v", err)
		}
		a, err := c.next()
		if err != nil {
			t.Fatalf("no response: %v", err)
		}
		if a.Status != "200 OK" || !a.Close {
			t.Errorf("status %q, Connection: close %v", a.Status, a.Close)
		}
	})
	noneHandedOver(t, h)
}

func TestHandlerPanic(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	c := dial(t, s.addr)
	c.write(post("X-Test: panic\r\n", "boom"))
	if a, err := c.next(); err == nil {
		t.Errorf("got %q after a panic, want the connection closed", a.Status)
	}
	c = dial(t, s.addr)
	c.write(post("", "after"))
	checkOK(t, c.mustNext())
}

func TestHandlerPanicPipelined(t *testing.T) {
	// net/http answers the requests before the one that panics: their
	// answers are written before the next request is read.
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())
	raw := post("", "first") + post("X-Test: panic\r\n", "boom")
	want, _ := exchange(t, ref, raw, 2)
	if len(want) != 1 {
		t.Fatalf("net/http gave %d answers", len(want))
	}
	got, _ := exchange(t, s.addr, raw, 2)
	sameAnswers(t, got, want)
}

func TestIdleTimeout(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 200*time.Millisecond, nil)

	c := dial(t, s.addr) // after a request
	c.write(post("", "x"))
	checkOK(t, c.mustNext())
	if !c.closed() {
		t.Errorf("idle connection not closed")
	}

	c = dial(t, s.addr) // before any
	if !c.closed() {
		t.Errorf("idle new connection not closed")
	}
}

// TestReadHeaderTimeout: a header that stops arriving part-way closes the
// connection after ReadHeaderTimeout, while a connection idle between
// requests waits for IdleTimeout; a header that arrives in pieces within
// the timeout is served, and its body may then take longer.
func TestReadHeaderTimeout(t *testing.T) {
	h := newHandler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, Fallback: &http.Server{Handler: h, ErrorLog: quietLog},
		IdleTimeout: time.Minute, ReadHeaderTimeout: 200 * time.Millisecond}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	})
	addr := ln.Addr().String()

	stalled := dial(t, addr)
	stalled.write("POST / HTTP/1.1\r\nHost: h\r\n")
	idle := dial(t, addr)
	idle.write(post("", "first"))
	checkOK(t, idle.mustNext())

	if !stalled.closed() {
		t.Errorf("a connection with half a header stayed open")
	}
	// The stalled connection was closed after 200 ms; the idle one, which
	// has no request in progress, must still be served.
	idle.write(post("", "second"))
	checkOK(t, idle.mustNext())

	slow := dial(t, addr)
	raw := post("", strings.Repeat("b", 100))
	slow.write(raw[:20])
	time.Sleep(50 * time.Millisecond)
	head := strings.Index(raw, "\r\n\r\n") + 4
	slow.write(raw[20:head])
	time.Sleep(300 * time.Millisecond) // longer than ReadHeaderTimeout: the body has IdleTimeout
	slow.write(raw[head:])
	checkOK(t, slow.mustNext())
}

func TestShutdown(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		h := newHandler()
		s := startServer(t, h, 0, nil)
		c := dial(t, s.addr)
		c.write(post("", "x"))
		checkOK(t, c.mustNext())
		handed := dial(t, s.addr) // a connection idle in net/http
		handed.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
		handed.mustNext()

		if err := s.shutdown(); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if !c.closed() {
			t.Errorf("idle connection not closed")
		}
		if !handed.closed() {
			t.Errorf("idle connection handed to net/http not closed")
		}
		checkServeReturned(t, s)
		checkNoService(t, s.addr)
	})

	t.Run("in progress", func(t *testing.T) {
		h := newHandler()
		s := startServer(t, h, 0, nil)
		c := dial(t, s.addr)
		c.write(post("X-Test: block\r\n", "slow"))
		waitEntered(t, h)

		shut := make(chan error, 1)
		go func() { shut <- s.shutdown() }()
		waitNoListener(t, s.addr) // Shutdown has begun
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned (%v) while a request was in progress", err)
		default:
		}
		close(h.release)
		a := c.mustNext()
		if a.Status != "200 OK" || !strings.Contains(a.Body, `body="slow"`) {
			t.Errorf("answer after Shutdown began: %q\n%s", a.Status, a.Body)
		}
		if !c.closed() {
			t.Errorf("connection not closed after the answer")
		}
		select {
		case err := <-shut:
			if err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		case <-time.After(testTimeout):
			t.Fatalf("Shutdown did not return")
		}
		checkServeReturned(t, s)
		checkNoService(t, s.addr)
	})

	t.Run("slow write", func(t *testing.T) {
		// As above, but writing the answer takes a while (a client
		// reading slowly): Shutdown must not close the connection
		// under it.
		h := newHandler()
		s := startServer(t, h, 0, func(ln net.Listener) net.Listener { return slowListener{ln} })
		c := dial(t, s.addr)
		c.write(post("X-Test: block\r\n", "slow"))
		waitEntered(t, h)
		shut := make(chan error, 1)
		go func() { shut <- s.shutdown() }()
		waitNoListener(t, s.addr)
		close(h.release)
		a, err := c.next()
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if a.Status != "200 OK" || !strings.Contains(a.Body, `body="slow"`) {
			t.Errorf("answer after Shutdown began: %q\n%s", a.Status, a.Body)
		}
		if err := <-shut; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}

func TestShutdownBeforeServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	srv := &http1.Server{Handler: newHandler(), Fallback: &http.Server{ErrorLog: quietLog}}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve after Shutdown: %v, want http.ErrServerClosed", err)
		}
	case <-time.After(500 * time.Millisecond): // it returns at once, or never
		ln.Close() // let Serve return, then stop the fallback it started
		<-served
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		srv.Shutdown(ctx)
		t.Errorf("Serve after Shutdown did not return")
	}
}

func TestShutdownTwice(t *testing.T) {
	s := startServer(t, newHandler(), 0, nil)
	if err := s.shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Shutdown: %v", err)
		}
	case <-time.After(time.Second): // ctx ended long ago
		t.Errorf("second Shutdown did not return")
	}
}

func TestNoResponseSplitting(t *testing.T) {
	s := startServer(t, newHandler(), 0, nil)
	c := dial(t, s.addr)
	c.write(post("X-Test: split\r\n", ""))
	a := c.mustNext()
	if a.Body != "body" || a.Header.Get("X-Good") != "fine" {
		t.Errorf("answer %q, X-Good %q", a.Body, a.Header.Get("X-Good"))
	}
	if v, ok := a.Header["X-Injected"]; ok {
		t.Errorf("injected header X-Injected %q", v)
	}
	for _, k := range []string{"X-Bad-Crlf", "X-Bad-Lf", "X-Bad-Cr"} {
		for _, v := range a.Header[k] {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("%s %q", k, v)
			}
		}
	}
	c.write(post("", "next")) // the connection is still in step
	checkOK(t, c.mustNext())

	t.Run("name", func(t *testing.T) {
		c := dial(t, s.addr)
		c.write(post("X-Test: splitname\r\n", ""))
		a, err := c.next()
		if _, injected := a.Header["X-Injected"]; err != nil || injected {
			t.Fatalf("X-Injected %q, error %v", a.Header["X-Injected"], err)
		}
		if a.Body != "body" {
			t.Errorf("answer %q", a.Body)
		}
	})
}

// Divergences found by FuzzRequestHead, checked end to end against
// net/http's server.
func TestMalformedHost(t *testing.T) {
	h := newHandler()
	s := startServer(t, h, 0, nil)
	ref := startReference(t, newHandler())
	for name, raw := range map[string]string{
		"space":              "POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n",
		"slash":              "POST / HTTP/1.1\r\nHost: a/b\r\nContent-Length: 0\r\n\r\n",
		"empty, then a Host": "POST / HTTP/1.1\r\nHost:\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			want, _ := exchange(t, ref, raw, 1)
			got, _ := exchange(t, s.addr, raw, 1)
			sameAnswers(t, got, want)
		})
	}
}

func checkServeReturned(t *testing.T, s *server) {
	t.Helper()
	select {
	case err := <-s.served:
		if !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
		s.served <- err
	case <-time.After(testTimeout):
		t.Errorf("Serve did not return after Shutdown")
	}
}

// checkNoService checks that a new connection is refused or closed
// without an answer.
func checkNoService(t *testing.T, addr string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(testTimeout))
	io.WriteString(nc, post("", "x"))
	if resp, err := http.ReadResponse(bufio.NewReader(nc), nil); err == nil {
		t.Errorf("served after Shutdown: %s", resp.Status)
	}
}

// waitNoListener waits until addr refuses connections.
func waitNoListener(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections", addr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitEntered(t *testing.T, h *handler) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(testTimeout):
		t.Fatal("the handler was not called")
	}
}

// slowListener's connections take 100ms to write anything, as over a
// slow network or to a client reading slowly.
type slowListener struct{ net.Listener }

func (l slowListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return slowConn{nc}, nil
}

type slowConn struct{ net.Conn }

func (c slowConn) Write(p []byte) (int, error) {
	time.Sleep(100 * time.Millisecond)
	return c.Conn.Write(p)
}
