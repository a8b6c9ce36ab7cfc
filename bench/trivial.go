package bench

import (
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// trivialBody is what TrivialServer answers to every POST: a small GetItem-like
// response.
const trivialBody = `{"Item":{"pk":{"S":"p0"},"sk":{"N":"0"},"n":{"N":"0"}}}`

// TrivialHandler answers every POST with the same small DynamoDB-like JSON
// body after reading the request body, with the headers DynamoDB sends
// (Content-Type, x-amzn-RequestId, x-amz-crc32). Any other method gets
// DynamoDB's health-check answer. It does no parsing, signing checks or
// storage: it is the ceiling a real server's throughput is compared with.
func TrivialHandler() http.Handler {
	body := []byte(trivialBody)
	crc := []string{strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)}
	length := []string{strconv.Itoa(len(body))}
	ctype := []string{amzJSONType}
	reqID := []string{"TRIVIAL0000000000000000000000000000000000000000000000"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			io.WriteString(w, "healthy: dynago bench trivial server\n")
			return
		}
		io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = ctype
		h["Content-Length"] = length
		h["X-Amz-Crc32"] = crc
		h["X-Amzn-Requestid"] = reqID
		w.Write(body)
	})
}

// TrivialServer serves TrivialHandler on addr with net/http, or, when lean
// is not nil, with lean (which serves the handler on the listener it is
// given; cmd/dynago passes Dynago's own HTTP/1.1 layer).
func TrivialServer(addr string, lean func(net.Listener, http.Handler) error) error {
	if lean != nil {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		return lean(ln, TrivialHandler())
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           TrivialHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	return srv.ListenAndServe()
}

func TrivialMain(args []string, stdout, stderr io.Writer, lean func(net.Listener, http.Handler) error) int {
	fs := flag.NewFlagSet("dynago trivial", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8010", "`host:port` to listen on")
	useLean := fs.Bool("lean", false, "serve with Dynago's HTTP/1.1 layer instead of net/http")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fmt.Fprintf(stdout, "trivial server on %s\n", *addr)
	if !*useLean {
		lean = nil
	} else if lean == nil {
		fmt.Fprintln(stderr, "dynago trivial: --lean is not available in this build")
		return 2
	}
	if err := TrivialServer(*addr, lean); err != nil {
		fmt.Fprintf(stderr, "dynago trivial: %v\n", err)
		return 1
	}
	return 0
}
