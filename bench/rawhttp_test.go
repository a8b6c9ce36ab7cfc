package bench

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The request rawConn writes is what net/http's server parses, header for
// header, and responses in every framing net/http's server uses come back whole.
func TestRawConnAgainstNetHTTPServer(t *testing.T) {
	big := strings.Repeat("0123456789", 5000)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("Content-Type") != amzJSONType ||
			r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.GetItem" || r.Header.Get("X-Amz-Date") != "20260102T030405Z" ||
			r.Header.Get("Authorization") != "AWS4-HMAC-SHA256 x" || r.Header.Get("User-Agent") != userAgent ||
			r.ContentLength != int64(len(body)) || r.Host != r.Context().Value(http.LocalAddrContextKey).(net.Addr).String() {
			w.WriteHeader(400)
			return
		}
		switch string(body) {
		case "small": // Content-Length
			io.WriteString(w, `{"Item":{}}`)
		case "chunked": // a flush forces chunked encoding
			io.WriteString(w, big[:100])
			w.(http.Flusher).Flush()
			io.WriteString(w, big[100:])
		case "close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "error":
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"x#ValidationException","message":"no"}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	rc := newRawConn(mustURL(t, srv.URL))
	defer rc.close()
	var buf []byte
	send := func(body string) (int, string) {
		t.Helper()
		status, out, err := rc.roundTrip("DynamoDB_20120810.GetItem", "20260102T030405Z", "AWS4-HMAC-SHA256 x", []byte(body), buf)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		buf = out
		return status, string(out)
	}
	for range 3 {
		if s, b := send("small"); s != 200 || b != `{"Item":{}}` {
			t.Errorf("small: %d %q", s, b)
		}
		if s, b := send("chunked"); s != 200 || b != big {
			t.Errorf("chunked: %d, %d bytes", s, len(b))
		}
		if s, b := send("error"); s != 400 || string(errorType([]byte(b))) != "ValidationException" {
			t.Errorf("error: %d %q", s, b)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 9 requests; want 1 (keep-alive)", n)
	}
	if s, b := send("close"); s != 200 || b != "bye" || rc.conn != nil {
		t.Errorf("close: %d %q, conn kept %v", s, b, rc.conn != nil)
	}
	if s, _ := send("small"); s != 200 || conns.Load() != 2 {
		t.Errorf("after Connection: close: %d, %d connections", s, conns.Load())
	}
}

// scriptedServer answers each request on a connection with the next of
// replies (raw bytes), then closes the connection. It counts connections.
func scriptedServer(t *testing.T, replies ...string) (string, *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for _, reply := range replies {
					n := 0
					for {
						line, err := r.ReadString('\n')
						if err != nil {
							return
						}
						if line == "\r\n" {
							break
						}
						if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
							n, _ = strconv.Atoi(strings.TrimSpace(v))
						}
					}
					r.Discard(n)
					c.Write([]byte(reply))
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/", &conns
}

func TestRawConnFraming(t *testing.T) {
	cases := []struct {
		name, reply string
		status      int
		body        string
		keep        bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", 200, "hello", true},
		{"chunked with extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n", 200, "abc0123456789", true},
		{"until close", "HTTP/1.1 500 Internal Server Error\r\n\r\noops", 500, "oops", false},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", false},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			endpoint, _ := scriptedServer(t, tc.reply)
			rc := newRawConn(mustURL(t, endpoint))
			defer rc.close()
			status, out, err := rc.roundTrip("T", "D", "A", []byte("{}"), []byte("junk"))
			if err != nil || status != tc.status || string(out) != tc.body {
				t.Fatalf("got %d %q %v, want %d %q", status, out, err, tc.status, tc.body)
			}
			if (rc.conn != nil) != tc.keep {
				t.Errorf("connection kept = %v, want %v", rc.conn != nil, tc.keep)
			}
		})
	}
	for name, reply := range map[string]string{
		"short body":      "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello",
		"bad length":      "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"bad status line": "SMTP ready\r\n\r\n",
		"bad chunk":       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"cut headers":     "HTTP/1.1 200 OK\r\nContent-",
	} {
		t.Run(name, func(t *testing.T) {
			endpoint, _ := scriptedServer(t, reply)
			rc := newRawConn(mustURL(t, endpoint))
			if _, _, err := rc.roundTrip("T", "D", "A", nil, nil); err == nil || rc.conn != nil {
				t.Errorf("no error (%v) or connection kept (%v)", err, rc.conn != nil)
			}
		})
	}
}

// A keep-alive connection the server closed while idle: the request is sent
// again, once, on a new connection.
func TestRawConnRetriesStaleConnection(t *testing.T) {
	endpoint, conns := scriptedServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}") // one reply per connection
	rc := newRawConn(mustURL(t, endpoint))
	defer rc.close()
	for i := range 4 {
		status, out, err := rc.roundTrip("T", "D", "A", []byte("{}"), nil)
		if err != nil || status != 200 || string(out) != "{}" {
			t.Fatalf("request %d: %d %q %v", i, status, out, err)
		}
	}
	if n := conns.Load(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}

	// A server that accepts and closes at once fails the request on a fresh
	// connection, without retrying forever.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	rc2 := newRawConn(mustURL(t, "http://"+ln.Addr().String()))
	if _, _, err := rc2.roundTrip("T", "D", "A", nil, nil); err == nil {
		t.Error("no error from a server that closes every connection")
	}
}

func TestRawConnTLS(t *testing.T) {
	srv := httptest.NewTLSServer(TrivialHandler())
	defer srv.Close()
	rc := newRawConn(mustURL(t, srv.URL))
	defer rc.close()
	rc.tlsConf.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for range 2 {
		status, out, err := rc.roundTrip("T", "D", "A", []byte("{}"), nil)
		if err != nil || status != 200 || string(out) != trivialBody {
			t.Fatalf("%d %q %v", status, out, err)
		}
	}
	if _, ok := rc.conn.(*tls.Conn); !ok {
		t.Errorf("connection is %T", rc.conn)
	}
}
