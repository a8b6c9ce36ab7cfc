package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"
)

// newTransport returns the one keep-alive transport of a run: HTTP/1.1, at
// least conns idle connections kept per host, no transparent gzip, and write
// buffers large enough that a request (headers and body) usually goes out in
// one write.
func newTransport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 nil, // measure the endpoint, not a proxy from the environment
		DialContext:           d.DialContext,
		MaxIdleConns:          conns + 16,
		MaxIdleConnsPerHost:   conns + 16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       64 << 10,
		ReadBufferSize:        64 << 10,
	}
}

// client sends signed requests the simple way (a new http.Request each call).
// Setup uses it; the measured loop uses worker instead.
type client struct {
	tr     *http.Transport
	url    *url.URL
	signer *Signer
}

// call sends one DynamoDB request (target is the operation name, e.g.
// "CreateTable") and returns the HTTP status and the whole response body.
func (c *client) call(ctx context.Context, op string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", amzJSONType)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	c.signer.Sign(req, body, time.Now())
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.tr.RoundTrip(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := readBody(resp.Body, nil, resp.ContentLength)
	return resp.StatusCode, b, err
}

const userAgent = "dynago-bench/1"

// netErrorKind names a transport error for the error counts.
func netErrorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ConnectionRefused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "ConnectionReset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "ConnectionClosed"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "Timeout"
	}
	return "NetworkError"
}
