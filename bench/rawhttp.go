package bench

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is a minimal synchronous HTTP/1.1 client on one keep-alive
// connection, used by one worker. A request is written with one Write
// (headers and body from one buffer) and its response read on the same
// goroutine, so there are no hand-offs between goroutines, no header maps and
// no per-request allocations. net/http's client runs a reader and a writer
// goroutine per connection and builds a Response with a header map per
// request; on a 2-core machine that costs as much CPU as a trivial server
// spends answering (see BenchmarkRoundTrip and the package README).
//
// It understands what DynamoDB endpoints send: a status line, headers,
// and a body delimited by Content-Length, chunked encoding, or the end of the
// connection. It reconnects after any error or "Connection: close".
type rawConn struct {
	u       *url.URL
	path    string // request target
	addr    string // host:port
	tlsConf *tls.Config
	timeout time.Duration

	conn net.Conn
	br   *bufio.Reader
	used bool // a request completed on conn (so a failure may be a stale keep-alive)

	head []byte // request head, reused
	out  []byte // head + body, reused
}

func newRawConn(u *url.URL) *rawConn {
	addr := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			addr = net.JoinHostPort(u.Hostname(), "443")
		} else {
			addr = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	rc := &rawConn{u: u, path: u.EscapedPath(), addr: addr, timeout: 60 * time.Second}
	if rc.path == "" {
		rc.path = "/"
	}
	if u.Scheme == "https" {
		rc.tlsConf = &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return rc
}

func (rc *rawConn) dial() error {
	c, err := net.DialTimeout("tcp", rc.addr, 10*time.Second)
	if err != nil {
		return err
	}
	if rc.tlsConf != nil {
		tc := tls.Client(c, rc.tlsConf)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return err
		}
		c = tc
	}
	rc.conn = c
	if rc.br == nil {
		rc.br = bufio.NewReaderSize(c, 64<<10)
	} else {
		rc.br.Reset(c)
	}
	rc.used = false
	return nil
}

func (rc *rawConn) close() {
	if rc.conn != nil {
		rc.conn.Close()
		rc.conn = nil
	}
}

// errServerClosed marks a keep-alive connection the server closed before it
// answered; the request is sent again once on a new connection.
var errServerClosed = errors.New("server closed the connection before answering")

// roundTrip sends one POST / with the given header values and body and reads
// the whole response body into resp (reusing its capacity).
func (rc *rawConn) roundTrip(target, amzDate, auth string, body, resp []byte) (status int, out []byte, err error) {
	for attempt := 0; ; attempt++ {
		status, out, err = rc.try(target, amzDate, auth, body, resp)
		if err == nil || !errors.Is(err, errServerClosed) || attempt > 0 {
			return status, out, err
		}
	}
}

func (rc *rawConn) try(target, amzDate, auth string, body, resp []byte) (int, []byte, error) {
	if rc.conn == nil {
		if err := rc.dial(); err != nil {
			return 0, resp, err
		}
	}
	reused := rc.used
	b := rc.out[:0]
	b = append(b, "POST "...)
	b = append(b, rc.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, rc.u.Host...)
	b = append(b, "\r\nUser-Agent: "+userAgent+"\r\nContent-Type: "+amzJSONType+"\r\nX-Amz-Target: "...)
	b = append(b, target...)
	b = append(b, "\r\nX-Amz-Date: "...)
	b = append(b, amzDate...)
	b = append(b, "\r\nAuthorization: "...)
	b = append(b, auth...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	rc.out = b

	rc.conn.SetDeadline(time.Now().Add(rc.timeout))
	if _, err := rc.conn.Write(b); err != nil {
		rc.close()
		if reused {
			return 0, resp, fmt.Errorf("%w: %w", errServerClosed, err)
		}
		return 0, resp, err
	}
	status, out, keep, err := rc.readResponse(resp[:0])
	if err != nil {
		rc.close()
		if reused && status == 0 && (errors.Is(err, io.EOF) || isNetOpError(err)) {
			return 0, out, fmt.Errorf("%w: %w", errServerClosed, err)
		}
		return status, out, err
	}
	rc.used = true
	if !keep {
		rc.close()
	}
	return status, out, nil
}

// isNetOpError reports a socket error other than a timeout (reset, broken pipe, ...).
func isNetOpError(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// readResponse reads a status line, headers and body. status is 0 until the
// status line has been read.
func (rc *rawConn) readResponse(out []byte) (status int, _ []byte, keep bool, err error) {
	br := rc.br
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, out, false, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, out, false, fmt.Errorf("malformed status line %q", bytes.TrimSpace(line))
	}
	status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	keep = line[7] == '1'
	length, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return status, out, false, err
		}
		if len(line) <= 2 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, perr := strconv.ParseInt(string(value), 10, 64)
			if perr != nil || n < 0 {
				return status, out, false, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			if asciiEqualFold(value, "close") {
				keep = false
			} else if asciiEqualFold(value, "keep-alive") {
				keep = true
			}
		}
	}
	switch {
	case chunked:
		out, err = readChunked(br, out)
	case length >= 0:
		out, err = readN(br, out, int(length))
	default:
		keep = false
		out, err = readBody(br, out, -1)
	}
	return status, out, keep, err
}

func readN(r io.Reader, out []byte, n int) ([]byte, error) {
	start := len(out)
	if cap(out)-start < n {
		grown := make([]byte, start, start+n+512)
		copy(grown, out)
		out = grown
	}
	out = out[:start+n]
	if _, err := io.ReadFull(r, out[start:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return out[:start], err
	}
	return out, nil
}

func readChunked(br *bufio.Reader, out []byte) ([]byte, error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return out, io.ErrUnexpectedEOF
		}
		line = bytes.TrimSpace(line)
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseUint(string(line), 16, 31)
		if err != nil {
			return out, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			// Trailers, then the empty line.
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return out, io.ErrUnexpectedEOF
				}
				if len(line) <= 2 {
					return out, nil
				}
			}
		}
		if out, err = readN(br, out, int(n)); err != nil {
			return out, err
		}
		if _, err := br.Discard(2); err != nil {
			return out, io.ErrUnexpectedEOF
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
