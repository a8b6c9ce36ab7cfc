package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkParse: the header section of a typical aws-sdk-go-v2 request.
func BenchmarkParse(b *testing.B) {
	head := []byte("POST / HTTP/1.1\r\n" +
		"Host: 127.0.0.1:8000\r\n" +
		"User-Agent: aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.43.1 m/E\r\n" +
		"Content-Length: 68\r\n" +
		"Accept-Encoding: identity\r\n" +
		"Amz-Sdk-Invocation-Id: 6d1d2b4e-0d45-4a4b-9b0f-1e8e6f0c2a11\r\n" +
		"Amz-Sdk-Request: attempt=1; max=3\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n" +
		"Content-Type: application/x-amz-json-1.0\r\n" +
		"X-Amz-Date: 20260101T000000Z\r\n" +
		"X-Amz-Target: DynamoDB_20120810.GetItem\r\n" +
		"\r\n")
	c := &conn{hdr: make(http.Header, 16), w: response{hdr: make(http.Header)}, br: bufio.NewReader(bytes.NewReader(nil))}
	b.ReportAllocs()
	b.SetBytes(int64(len(head)))
	for b.Loop() {
		if _, ok := c.parse(head); !ok {
			b.Fatal("not parsed")
		}
	}
}

func TestValidValue(t *testing.T) {
	// Every byte at every position of a 17-byte value (two words and a
	// tail), against the byte-at-a-time definition.
	for pos := range 17 {
		for c := range 256 {
			v := []byte("abcdefghijklmnopq")
			v[pos] = byte(c)
			want := (c >= 0x20 || c == '\t') && c != 0x7f
			if got := validValue(v); got != want {
				t.Fatalf("byte %#x at %d: validValue = %v, want %v", c, pos, got, want)
			}
			if got := validValue(string(v)); got != want {
				t.Fatalf("byte %#x at %d (string): validValue = %v, want %v", c, pos, got, want)
			}
		}
	}
}
