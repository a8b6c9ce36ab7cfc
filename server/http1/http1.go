// Package http1 serves the DynamoDB API's requests over HTTP/1.1 with far
// less work per request than net/http, and hands every other request to a
// net/http server.
//
// Measured on the development machine (2 cores, client on the same
// machine), net/http spends 12-17 µs of CPU per request of its own before a
// handler runs: a textproto header parse into fresh maps, a cancelable
// context and a background reader goroutine per request, the response
// header copied, sorted and written through a chunk writer, connection
// state hooks. A handler answering a fixed body behind net/http served
// 37,000-44,000 requests/s; the same answer from a plain read-parse-write
// loop, 72,000.
//
// # What it serves itself
//
// A DynamoDB request is always the same shape: "POST / HTTP/1.1", a Host,
// a Content-Length and a JSON body, on a kept-alive connection. This
// server parses exactly that: the request line and the header fields into
// a per-connection http.Request (reused, so a request allocates little
// more than its header values), and calls the handler with a
// ResponseWriter that collects the answer and writes it with its
// Content-Length. Responses are flushed when no further request is
// already buffered, so pipelined requests share a write.
//
// # What it hands over
//
// Anything else goes, with the whole rest of its connection, to the
// fallback net/http server, which answers it as net/http always does:
// other methods and targets (GET / health checks, CORS preflights,
// /debug/pprof), HTTP/1.0, Transfer-Encoding, Expect: 100-continue,
// Upgrade, Trailer, Pragma, a Connection other than keep-alive or close,
// obsolete line folding, bare LF line ends, a repeated Content-Length or
// Host, a Host with bytes net/http refuses, a header section larger than
// the read buffer, and anything malformed (net/http then sends its 400). The bytes already read are replayed to net/http
// first, so the handover is invisible to the client; requests before it
// on the connection have been answered in full.
//
// # Differences from net/http for the requests it serves
//
//   - The request context is context.Background(): it is not cancelled
//     when the client goes away (an operation runs to its end;
//     all of Dynago's are bounded, a Scan page by 1 MB).
//   - The handler must not keep the *http.Request, its Header or the
//     ResponseWriter after it returns: they are reused for the next request.
//   - A panic in the handler closes the connection (net/http does the
//     same) and is logged.
package http1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Buffer sizes, per connection: a request's header section must fit in the
// read buffer to be served here (DynamoDB requests carry about 1 KB of
// headers; larger ones go to net/http, whose limit is 1 MB).
const (
	readBufferSize  = 8 << 10
	writeBufferSize = 8 << 10
	// maxDrain is how much of a request body the handler left unread is
	// read and discarded to keep the connection; beyond it the connection
	// is closed after the response.
	maxDrain = 256 << 10
	// lingerTime and maxLinger bound how long, and how much of a request
	// body, a connection closed with a body unread keeps reading after
	// the answer, so the client's unsent bytes do not reset it. maxLinger
	// is four times the API's 16 MB limit: a body refused for being just
	// over it is read to its end (at 16 MB, a 17 MB body's last megabyte
	// reset the connection while the client was still sending it, in about
	// one try in five).
	lingerTime = 500 * time.Millisecond
	maxLinger  = 64 << 20
)

// Server serves HTTP/1.1 connections. Set the fields before Serve.
type Server struct {
	// Handler serves the requests this server parses itself.
	Handler http.Handler
	// Fallback serves connections handed over (see the package
	// documentation); Serve starts it on an internal listener.
	Fallback *http.Server
	// IdleTimeout bounds the wait for the next request on a connection,
	// and the reading of a request's body; 0 means 5 minutes.
	IdleTimeout time.Duration
	// ReadHeaderTimeout bounds the reading of a request's header section
	// once its first bytes arrived but not all of it (a client trickling
	// a header); 0 means 30 seconds.
	ReadHeaderTimeout time.Duration
	// Log receives panics; nil discards them.
	Log *slog.Logger

	mu           sync.Mutex
	conns        map[*conn]struct{}
	closing      atomic.Bool
	handoff      *chanListener
	fallbackDone chan struct{} // closed when Fallback.Serve returned fallbackErr
	fallbackErr  error
	ln           net.Listener
}

// Serve accepts connections on ln until Shutdown (then it returns
// http.ErrServerClosed) or an accept error that is not temporary.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() || s.ln != nil {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.ln = ln
	s.handoff = newChanListener(ln.Addr())
	s.fallbackDone = make(chan struct{})
	handoff, done := s.handoff, s.fallbackDone
	s.mu.Unlock()
	go func() {
		s.fallbackErr = s.Fallback.Serve(handoff)
		close(done)
	}()

	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

// Shutdown stops accepting connections, closes idle ones, waits for the
// requests in progress to be answered (closing their connections after),
// then shuts the fallback server down. It returns ctx's error if ctx ends
// first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	ln, handoff, done := s.ln, s.handoff, s.fallbackDone
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			if c.state.CompareAndSwap(stateIdle, stateClosed) {
				c.nc.Close()
			}
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	if handoff == nil {
		return nil // Serve never ran
	}
	err := s.Fallback.Shutdown(ctx)
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err == nil && !errors.Is(s.fallbackErr, http.ErrServerClosed) {
		err = s.fallbackErr
	}
	return err
}

func (s *Server) newConn(nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil
	}
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Connection states: idle between requests (Shutdown may close it),
// active while a request is served, closed once Shutdown took it.
const (
	stateIdle int32 = iota
	stateActive
	stateClosed
)

type conn struct {
	srv   *Server
	nc    net.Conn
	state atomic.Int32

	br   *bufio.Reader
	bw   *bufio.Writer
	req  http.Request
	hdr  http.Header
	vals []string // backs hdr's values
	w    response
	bod  body
	// linger: close by shutting down writes first (see lingerTime).
	linger bool
	// headerTimeout is the server's ReadHeaderTimeout; headerDeadline is
	// set while the read deadline is the header's.
	headerTimeout  time.Duration
	headerDeadline bool
}

var rootURL = &url.URL{Path: "/"}

func (c *conn) serve() {
	handedOver := false
	defer func() {
		if p := recover(); p != nil {
			if c.srv.Log != nil {
				c.srv.Log.Error("panic serving a request", "panic", p, "remote", c.nc.RemoteAddr().String())
			}
		}
		c.srv.forget(c)
		if handedOver {
			return
		}
		// Only complete answers are buffered (a panic leaves its own
		// unwritten): send them before closing.
		c.nc.SetWriteDeadline(time.Now().Add(lingerTime))
		c.bw.Flush()
		if c.linger {
			if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
				tc.CloseWrite()
				c.nc.SetReadDeadline(time.Now().Add(lingerTime))
				io.Copy(io.Discard, io.LimitReader(c.nc, maxLinger))
			}
		}
		c.nc.Close()
	}()
	c.br = bufio.NewReaderSize(c.nc, readBufferSize)
	c.bw = bufio.NewWriterSize(c.nc, writeBufferSize)
	c.hdr = make(http.Header, 16)
	c.w.hdr = make(http.Header, 8)
	idle := c.srv.IdleTimeout
	if idle <= 0 {
		idle = 5 * time.Minute
	}
	c.headerTimeout = c.srv.ReadHeaderTimeout
	if c.headerTimeout <= 0 {
		c.headerTimeout = 30 * time.Second
	}
	remote := c.nc.RemoteAddr().String()
	for {
		// The connection is active from the moment a request is parsed
		// until its answer is flushed: Shutdown closes only idle ones.
		if c.br.Buffered() == 0 {
			if err := c.bw.Flush(); err != nil {
				return
			}
			if c.srv.closing.Load() {
				return
			}
			c.state.Store(stateIdle)
		}
		// One deadline covers the wait, the header and the body (a
		// header that does not arrive whole gets ReadHeaderTimeout,
		// then the idle deadline again for the body).
		if err := c.nc.SetReadDeadline(time.Now().Add(idle)); err != nil {
			return
		}
		head, toNetHTTP := c.readHead()
		if head == nil {
			if toNetHTTP {
				c.handOver()
				handedOver = true
			}
			return
		}
		if c.headerDeadline {
			c.headerDeadline = false
			if err := c.nc.SetReadDeadline(time.Now().Add(idle)); err != nil {
				return
			}
		}
		closeAfter, ok := c.parse(head)
		if !ok {
			c.handOver()
			handedOver = true
			return
		}
		if c.state.Swap(stateActive) == stateClosed {
			return // Shutdown closed the connection: the request did not run
		}
		if _, err := c.br.Discard(len(head)); err != nil {
			return
		}
		c.req.RemoteAddr = remote
		c.srv.Handler.ServeHTTP(&c.w, &c.req)
		if c.srv.closing.Load() {
			closeAfter = true
		}
		if c.bod.remaining > maxDrain || (closeAfter && c.bod.remaining > 0) {
			// Body left unread (too much of it to read): answer, then
			// close. The client may still be sending it; closing at once
			// would reset the connection and could destroy the answer.
			closeAfter, c.linger = true, true
		}
		if err := c.w.finish(c.bw, closeAfter); err != nil {
			return
		}
		if !closeAfter && c.bod.remaining > 0 {
			if _, err := c.br.Discard(int(c.bod.remaining)); err != nil {
				return
			}
		}
		if closeAfter {
			return // the deferred close flushes
		}
	}
}

// readHead returns the request's header section (request line to the
// empty line, inclusive) as buffered, without consuming it. If it cannot,
// handOver tells whether net/http should have the connection (the section
// does not fit in the buffer); otherwise the connection ended, failed or
// timed out, before or within a request's header, and is to be closed (as
// net/http does when reading a header fails). The section ends at the
// first empty line, CRLF or bare LF (which parse then refuses: net/http
// answers those).
func (c *conn) readHead() (head []byte, handOver bool) {
	if _, err := c.br.Peek(1); err != nil {
		return nil, false
	}
	searched := 0
	for {
		buf, _ := c.br.Peek(c.br.Buffered())
		if end := headEnd(buf, searched); end > 0 {
			return buf[:end], false
		}
		searched = len(buf)
		if searched >= readBufferSize {
			return nil, true
		}
		if !c.headerDeadline {
			// The header arrives in pieces: bound the wait for the rest.
			c.headerDeadline = true
			if c.nc.SetReadDeadline(time.Now().Add(c.headerTimeout)) != nil {
				return nil, false
			}
		}
		if _, err := c.br.Peek(searched + 1); err != nil {
			return nil, false
		}
	}
}

// headEnd returns the length of the header section in buf (through the
// empty line ending it), or 0 if buf does not hold all of it. from is how
// much of buf an earlier call searched.
func headEnd(buf []byte, from int) int {
	for i := max(from-2, 0); i < len(buf); i++ {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j
		switch {
		case i+1 < len(buf) && buf[i+1] == '\n':
			return i + 2
		case i+2 < len(buf) && buf[i+1] == '\r' && buf[i+2] == '\n':
			return i + 3
		}
	}
	return 0
}

// parse fills c.req from head and reports whether this server serves the
// request (ok) and whether the connection closes after it.
func (c *conn) parse(head []byte) (closeAfter bool, ok bool) {
	line, _, _ := bytes.Cut(head, crlf)
	if string(line) != "POST / HTTP/1.1" {
		return false, false
	}
	clear(c.hdr)
	clear(c.vals)
	c.vals = c.vals[:0]
	// One string holds every header value (substrings of it): one
	// allocation per request instead of one per field.
	hs := string(head)
	var contentLength int64 = -1
	host, hostSeen := "", false
	for pos := len(line) + 2; pos < len(head)-2; {
		n := bytes.Index(head[pos:], crlf)
		if n < 0 {
			return false, false // a bare LF somewhere: net/http decides
		}
		line := head[pos : pos+n]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validName(line[:colon]) {
			return false, false // malformed or folded: net/http decides
		}
		name := canonicalName(line[:colon])
		vs, ve := colon+1, len(line) // the value, without surrounding white space
		for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
			vs++
		}
		for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
			ve--
		}
		v, val := line[vs:ve], hs[pos+vs:pos+ve]
		pos += n + 2
		if !validValue(v) {
			return false, false
		}
		switch name {
		case "Content-Length":
			if contentLength >= 0 {
				return false, false
			}
			n, ok := parseLength(v)
			if !ok {
				return false, false
			}
			contentLength = n
		case "Transfer-Encoding", "Expect", "Upgrade", "Trailer", "Pragma":
			// Pragma: net/http adds a Cache-Control for "no-cache".
			return false, false
		case "Host":
			if hostSeen || !validHost(v) {
				return false, false
			}
			host, hostSeen = val, true
			continue // net/http keeps it in Request.Host only
		case "Connection":
			if !bytes.EqualFold(v, []byte("keep-alive")) {
				if !bytes.EqualFold(v, []byte("close")) {
					return false, false
				}
				closeAfter = true
			}
		}
		if vals, dup := c.hdr[name]; dup {
			c.hdr[name] = append(vals, val)
		} else {
			// One []string per field, from a backing array the
			// connection reuses.
			c.vals = append(c.vals, val)
			c.hdr[name] = c.vals[len(c.vals)-1 : len(c.vals) : len(c.vals)]
		}
	}
	if host == "" {
		return false, false // net/http answers 400 Missing required Host header
	}
	if contentLength < 0 {
		contentLength = 0
	}
	c.req = http.Request{
		Method:        http.MethodPost,
		URL:           rootURL,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        c.hdr,
		ContentLength: contentLength,
		Host:          host,
		RequestURI:    "/",
		Close:         closeAfter,
	}
	c.bod = body{br: c.br, remaining: contentLength}
	if contentLength == 0 {
		c.req.Body = http.NoBody
	} else {
		c.req.Body = &c.bod
	}
	c.w.reset()
	return closeAfter, true
}

var crlf = []byte("\r\n")

// handOver gives the connection, with what has been read of it, to the
// fallback server.
func (c *conn) handOver() {
	if c.bw.Flush() != nil {
		c.nc.Close()
		return
	}
	c.nc.SetReadDeadline(time.Time{})
	pending, _ := c.br.Peek(c.br.Buffered())
	c.srv.handoff.push(&replayConn{Conn: c.nc, pending: bytes.Clone(pending)})
}

// body reads a request body of known length from the connection's buffer.
type body struct {
	br        *bufio.Reader
	remaining int64
}

func (b *body) Read(p []byte) (int, error) {
	if b.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.br.Read(p)
	b.remaining -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && b.remaining == 0 {
		err = io.EOF
	}
	return n, err
}

func (b *body) Close() error { return nil }

// response collects a handler's answer; finish writes it.
type response struct {
	hdr    http.Header
	status int
	buf    []byte
}

func (w *response) reset() {
	clear(w.hdr)
	w.status = 0
	w.buf = w.buf[:0]
}

func (w *response) Header() http.Header { return w.hdr }

func (w *response) WriteHeader(code int) {
	if w.status == 0 && code >= 200 && code <= 999 { // 1xx: not sent (no handler here uses them)
		w.status = code
	}
}

func (w *response) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// maxKeptResponse bounds the response buffer a connection keeps between
// requests.
const maxKeptResponse = 64 << 10

func (w *response) finish(bw *bufio.Writer, closeAfter bool) error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	bw.WriteString("HTTP/1.1 ")
	var num [20]byte
	bw.Write(strconv.AppendInt(num[:0], int64(w.status), 10))
	bw.WriteByte(' ')
	bw.WriteString(http.StatusText(w.status))
	bw.WriteString("\r\n")
	for k, vs := range w.hdr {
		if k == "Content-Length" || k == "Date" || k == "Connection" || k == "Transfer-Encoding" || !validName(k) {
			continue
		}
		for _, v := range vs {
			if !validValue(v) {
				continue // never emit a header value that could split the response
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	if _, ok := w.hdr["Content-Type"]; !ok && len(w.buf) > 0 {
		bw.WriteString("Content-Type: ")
		bw.WriteString(http.DetectContentType(w.buf))
		bw.WriteString("\r\n")
	}
	bw.WriteString("Date: ")
	bw.Write(httpDate())
	if closeAfter {
		bw.WriteString("\r\nConnection: close")
	}
	bw.WriteString("\r\nContent-Length: ")
	bw.Write(strconv.AppendInt(num[:0], int64(len(w.buf)), 10))
	bw.WriteString("\r\n\r\n")
	_, err := bw.Write(w.buf)
	if cap(w.buf) > maxKeptResponse {
		w.buf = nil
	}
	return err
}

// httpDate returns the current time in HTTP's format, formatted at most
// once a second.
func httpDate() []byte {
	now := time.Now().Unix()
	if d := dateCache.Load(); d != nil && d.unix == now {
		return d.text
	}
	d := &cachedDate{unix: now, text: time.Unix(now, 0).UTC().AppendFormat(nil, http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

type cachedDate struct {
	unix int64
	text []byte
}

var dateCache atomic.Pointer[cachedDate]

// canonicalName returns the canonical form of a header field name, without
// allocating for the names AWS clients send.
func canonicalName(b []byte) string {
	if k, ok := commonNames[string(b)]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(string(b))
}

// commonNames maps the common names, canonical and in lower case (HTTP/2
// style, some clients send that), to their canonical form.
var commonNames = func() map[string]string {
	m := make(map[string]string, 2*len(commonHeaders))
	for _, k := range commonHeaders {
		m[k] = k
		m[strings.ToLower(k)] = k
	}
	return m
}()

var commonHeaders = [...]string{
	"Host", "Content-Length", "Content-Type", "X-Amz-Target", "X-Amz-Date", "Authorization",
	"User-Agent", "Accept-Encoding", "Amz-Sdk-Invocation-Id", "Amz-Sdk-Request",
	"X-Amz-Security-Token", "Content-Encoding", "Connection", "Accept", "Origin",
	"X-Amz-Content-Sha256", "X-Amz-User-Agent", "Transfer-Encoding", "Expect",
}

// validName reports whether b is an HTTP token (RFC 9110 5.6.2).
func validName[T string | []byte](b T) bool {
	for i := range len(b) {
		if c := b[i]; c >= 0x80 || !isTokenChar[c] {
			return false
		}
	}
	return true
}

var isTokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validHost reports whether h has only bytes net/http's server accepts in
// a Host (letters, digits and the punctuation of host names, IPv6
// literals, ports and percent-encoding).
func validHost(h []byte) bool {
	for _, c := range h {
		if c >= 0x80 || !isHostChar[c] {
			return false
		}
	}
	return true
}

var isHostChar = func() (t [128]bool) {
	for c := range t {
		t[c] = c < 0x80 && isTokenChar[c]
	}
	for _, c := range "()+,:;=[]" {
		t[c] = true
	}
	for _, c := range "#^`|\"" {
		t[c] = false
	}
	return t
}()

// validValue reports whether b is a field value without control
// characters (HTAB allowed), as net/http requires.
func validValue[T string | []byte](b T) bool {
	for i := range len(b) {
		if c := b[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length: decimal digits only, at most 18.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// replayConn is a connection handed to net/http: Read returns the bytes
// already read from it first.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// chanListener is the fallback server's listener: it yields the
// connections handed over.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
