package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// splitHead returns data's header section as readHead would find it
// (through the first empty line) and what follows it. It adds an empty
// line if data has none.
func splitHead(data []byte) (head, rest []byte) {
	if end := headEnd(data, 0); end > 0 {
		return data[:end], data[end:]
	}
	data = append(bytes.Clone(data), "\r\n\r\n"...)
	end := headEnd(data, 0)
	return data[:end], nil
}

// validHostHeader reports whether net/http's server accepts h as a Host
// (letters, digits and !$%&()*+,-.:;=[]'_~); it answers 400 "malformed
// Host header" to any other byte. Written independently of http1.validHost.
func validHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!$%&()*+,-.:;=[]'_~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// FuzzRequestHead checks conn.parse against net/http: whatever parse
// serves, net/http must read the same way (and its server accept).
func FuzzRequestHead(f *testing.F) {
	aws := "POST / HTTP/1.1\r\n" +
		"Host: localhost:8000\r\n" +
		"User-Agent: aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.43.1 m/E\r\n" +
		"Content-Length: 2\r\n" +
		"Accept-Encoding: identity\r\n" +
		"Amz-Sdk-Invocation-Id: 6d1d2b4e-0d45-4a4b-9b0f-1e8e6f0c2a11\r\n" +
		"Amz-Sdk-Request: attempt=1; max=3\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef\r\n" +
		"Content-Type: application/x-amz-json-1.0\r\n" +
		"X-Amz-Date: 20240101T000000Z\r\n" +
		"X-Amz-Target: DynamoDB_20120810.ListTables\r\n" +
		"\r\n{}"
	seeds := []string{
		aws,
		strings.Replace(aws, "\r\n\r\n", "\r\nConnection: keep-alive\r\n\r\n", 1),
		"POST / HTTP/1.1\r\nhost: h\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: DynamoDB_20120810.GetItem\r\ncontent-length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost:h\r\nContent-Length:\t3\t\r\nX-A:\t a \t b \t\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\nConnection: CLOSE\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nshort",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n1234567",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Multi: 1\r\nx-multi: 2\r\nX-MULTI: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Obs: caf\xc3\xa9 \xff\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Ctl: a\x01b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Bare: a\nX-B: b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Sp : a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\n:novalue\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nx_under_score: 1\r\nfoo-bar-baz: 2\r\nx-amz-security-token: t\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost:\r\n\r\n",
		"POST / HTTP/1.1\r\nHost:\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a b/c?d@e\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nPragma: no-cache\r\n\r\n",
		"POST / HTTP/1.0\r\nHost: h\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"\r\nPOST / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\n Host: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\n\r",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		head, rest := splitHead(data)
		if len(head) > readBufferSize {
			return // readHead hands it over
		}
		c := &conn{
			hdr: make(http.Header),
			w:   response{hdr: make(http.Header)},
			br:  bufio.NewReader(bytes.NewReader(rest)),
		}
		closeAfter, ok := c.parse(head)
		if !ok {
			return // net/http decides
		}
		nr, err := http.ReadRequest(bufio.NewReader(io.MultiReader(bytes.NewReader(head), bytes.NewReader(rest))))
		if err != nil {
			t.Fatalf("parse served %q; net/http: %v", head, err)
		}
		r := &c.req
		if !validHostHeader(r.Host) {
			t.Errorf("parse served Host %q; net/http's server answers 400 malformed Host header", r.Host)
		}
		if r.Method != nr.Method || r.URL.Path != nr.URL.Path || r.RequestURI != nr.RequestURI ||
			r.Proto != nr.Proto || r.ProtoMajor != nr.ProtoMajor || r.ProtoMinor != nr.ProtoMinor {
			t.Errorf("request line: ours %s %s %s, net/http %s %s %s", r.Method, r.RequestURI, r.Proto, nr.Method, nr.RequestURI, nr.Proto)
		}
		if r.Host != nr.Host {
			t.Errorf("Host: ours %q, net/http %q", r.Host, nr.Host)
		}
		if r.ContentLength != nr.ContentLength {
			t.Errorf("ContentLength: ours %d, net/http %d", r.ContentLength, nr.ContentLength)
		}
		if r.Close != nr.Close || closeAfter != nr.Close {
			t.Errorf("Close: ours %v (closeAfter %v), net/http %v", r.Close, closeAfter, nr.Close)
		}
		ours := r.Header.Clone()
		if !reflect.DeepEqual(map[string][]string(ours), map[string][]string(nr.Header)) {
			t.Errorf("Header:\nours    %q\nnet/http %q", ours, nr.Header)
		}
		if (r.Body == http.NoBody) != (nr.Body == http.NoBody) {
			t.Errorf("Body is NoBody: ours %v, net/http %v", r.Body == http.NoBody, nr.Body == http.NoBody)
		}
		ob, oerr := io.ReadAll(r.Body)
		nb, nerr := io.ReadAll(nr.Body)
		if !bytes.Equal(ob, nb) || (oerr == nil) != (nerr == nil) {
			t.Errorf("body: ours %q, %v; net/http %q, %v", ob, oerr, nb, nerr)
		}
	})
}
