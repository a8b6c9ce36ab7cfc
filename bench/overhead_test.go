package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The generator's own cost per request, in three layers:
//
//	BenchmarkBuildAndSign   body template + SigV4, no I/O
//	BenchmarkRoundTrip      build + sign + round trip + histogram, one worker, with
//	                        either client (fast, nethttp), against (a) a canned-bytes
//	                        TCP responder that costs almost nothing, so ns/op is
//	                        close to the client's own cost plus loopback, and
//	                        (b) httptest with TrivialHandler
//	BenchmarkNaiveClient    the same request the obvious way (encoding/json,
//	                        http.Client, aws-sdk-go-v2 signer), for comparison

func BenchmarkBuildAndSign(b *testing.B) {
	for _, op := range []string{"get", "put", "update", "query", "batchwrite"} {
		b.Run(op, func(b *testing.B) {
			u, _ := url.Parse("http://127.0.0.1:8000/")
			wl := newWorkload("dynago_bench", 10000, 200, 10, 1)
			w := newWorker(wl, op, nil, u, NewSigner("AKID", "secret", "us-east-1", "dynamodb"), 1)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				k := w.nextKind()
				w.build(k)
				w.sig.sign(opTargets[k], w.body, now)
			}
		})
	}
}

// cannedServer answers every HTTP/1.1 request on a keep-alive connection
// with the same bytes, parsing no more than it must (header lines, to find
// Content-Length and the end of the request).
func cannedServer(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Crc32: 0\r\nContent-Length: " +
		strconv.Itoa(len(trivialBody)) + "\r\n\r\n" + trivialBody)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReaderSize(c, 64<<10)
				for {
					n := 0
					for {
						line, err := r.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
						if len(line) > 16 && (line[0] == 'C' || line[0] == 'c') && strings.EqualFold(string(line[:15]), "content-length:") {
							n, _ = strconv.Atoi(strings.TrimSpace(string(line[15:])))
						}
					}
					if _, err := r.Discard(n); err != nil {
						return
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

func benchWorker(b *testing.B, endpoint, client, op string) {
	u, _ := url.Parse(endpoint)
	var rt http.RoundTripper
	if client == "nethttp" {
		tr := newTransport(1)
		defer tr.CloseIdleConnections()
		rt = tr
	}
	wl := newWorkload("dynago_bench", 10000, 200, 10, 1)
	w := newWorker(wl, op, rt, u, NewSigner("AKID", "secret", "us-east-1", "dynamodb"), 1)
	defer w.close()
	w.stats.hist[opGet] = new(histogram)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		k := w.nextKind()
		w.build(k)
		if e := w.do(k, start); e != "" {
			b.Fatal(e, w.stats.examples)
		}
		w.stats.hist[k].record(int64(time.Since(start)))
	}
	if w.renewN != 1 {
		b.Errorf("request objects renewed %d times", w.renewN)
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	canned := cannedServer(b)
	trivial := httptest.NewServer(TrivialHandler())
	defer trivial.Close()
	for _, client := range []string{"fast", "nethttp"} {
		for _, op := range []string{"get", "put", "batchwrite"} {
			b.Run("canned/"+client+"/"+op, func(b *testing.B) { benchWorker(b, canned, client, op) })
		}
		b.Run("trivial/"+client+"/get", func(b *testing.B) { benchWorker(b, trivial.URL, client, "get") })
	}
}

// BenchmarkNaiveClient sends a GetItem the way a straightforward client would,
// to show what the generator's care saves.
func BenchmarkNaiveClient(b *testing.B) {
	endpoint := cannedServer(b)
	client := &http.Client{Transport: newTransport(1)}
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body, _ := json.Marshal(map[string]any{
			"TableName": "dynago_bench",
			"Key": map[string]any{
				"pk": map[string]string{"S": "p" + strconv.Itoa(i%1000)},
				"sk": map[string]string{"N": strconv.Itoa(i % 10)},
			},
		})
		req, _ := http.NewRequest("POST", endpoint, bytes.NewReader(body))
		req.Header.Set("Content-Type", amzJSONType)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		sum := sha256.Sum256(body)
		signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
