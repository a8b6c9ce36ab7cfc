package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// StartupMain runs `dynago measure-startup` (hidden; scripts/perf-compare.sh
// uses it): it starts a server command several times and reports how long
// each start took until the first DynamoDB request (a signed ListTables) was
// answered with HTTP 200, and the server's resident memory once idle. It
// returns the exit code.
//
//	dynago measure-startup --addr 127.0.0.1:8000 --runs 5 -- dynago serve --addr 127.0.0.1:8000
func StartupMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dynago measure-startup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8000", "`host:port` the command listens on")
	runs := fs.Int("runs", 5, "number of starts")
	idle := fs.Duration("idle", 2*time.Second, "how long the server idles after its first answer before its memory is read")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on a start after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cmd := fs.Args()
	if len(cmd) == 0 || *runs < 1 {
		fmt.Fprintf(stderr, "usage: dynago measure-startup [--addr host:port] [--runs n] -- command [args...]\n")
		return 2
	}
	var times []time.Duration
	var rss []int64
	for i := 0; i < *runs; i++ {
		d, r, err := measureStart(cmd, *addr, *idle, *timeout, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "dynago measure-startup: run %d: %v\n", i+1, err)
			return 1
		}
		fmt.Fprintf(stdout, "run %d: first answer after %.1f ms, VmRSS after %v idle %s\n", i+1, float64(d.Microseconds())/1000, *idle, mb(r))
		times = append(times, d)
		rss = append(rss, r)
	}
	slices.Sort(times)
	slices.Sort(rss)
	fmt.Fprintf(stdout, "median: first answer after %.1f ms (min %.1f, max %.1f), VmRSS at idle %s\n",
		float64(times[len(times)/2].Microseconds())/1000, float64(times[0].Microseconds())/1000,
		float64(times[len(times)-1].Microseconds())/1000, mb(rss[len(rss)/2]))
	fmt.Fprintf(stdout, "{\"startup_ms_median\":%.1f,\"startup_ms_max\":%.1f,\"rss_idle_bytes_median\":%d}\n",
		float64(times[len(times)/2].Microseconds())/1000, float64(times[len(times)-1].Microseconds())/1000, rss[len(rss)/2])
	return 0
}

// measureStart starts cmd, polls addr with a signed ListTables until it is
// answered with 200, reads the resident memory after idle, and stops the
// command with SIGTERM (SIGKILL after 10 s).
func measureStart(cmd []string, addr string, idle, timeout time.Duration, stderr io.Writer) (time.Duration, int64, error) {
	u := &url.URL{Scheme: "http", Host: addr, Path: "/"}
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil,
		DialContext: (&net.Dialer{Timeout: time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	c := &client{tr: tr, url: u, signer: NewSigner("AKIDDYNAGOBENCH", "dynagoBenchSecretKey", "us-east-1", "dynamodb")}

	p := exec.Command(cmd[0], cmd[1:]...)
	p.Stdout, p.Stderr = io.Discard, stderr
	start := time.Now()
	if err := p.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- p.Wait() }()
	stop := func() {
		_ = p.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = p.Process.Kill()
			<-exited
		}
	}
	var first time.Duration
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		code, _, err := c.call(ctx, "ListTables", []byte(`{}`))
		cancel()
		if err == nil && code == http.StatusOK {
			first = time.Since(start)
			break
		}
		select {
		case err := <-exited:
			return 0, 0, fmt.Errorf("the command exited before answering: %v", err)
		default:
		}
		if time.Since(start) > timeout {
			stop()
			return 0, 0, fmt.Errorf("no answer within %v (last: HTTP %d, %v)", timeout, code, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	time.Sleep(idle)
	rss := readRSS(p.Process.Pid)
	stop()
	return first, rss, nil
}
