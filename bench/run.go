// Package bench is a load generator for any DynamoDB endpoint: Dynago, AWS's
// DynamoDB Local, or DynamoDB itself. It is the engine of `dynago bench`.
//
// c workers each keep one request in flight for a warm-up and then the
// measured duration, each on its own keep-alive connection: by default a
// minimal synchronous HTTP/1.1 client (rawConn), or with --client nethttp one
// shared net/http Transport. Every request is signed with SigV4; bodies are
// built from templates with the key spliced in, and responses are read whole
// but only their status is checked (error responses are counted by __type).
// Latencies go into fixed-size log-linear histograms, so memory does not grow
// with the run. The result is printed as text and as one JSON line.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Main runs `dynago bench` with args (the flags, without the program and
// subcommand names) and returns the process exit code: 0 when the run
// completed with at least one successful operation, 1 on a failure, 2 on a
// usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "dynago bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "dynago bench: %v\n", err)
		return 1
	}
	if !cfg.JSON {
		res.writeText(stdout)
	}
	line, _ := json.Marshal(res.jsonLine())
	fmt.Fprintf(stdout, "%s\n", line)
	if res.total.n == 0 {
		fmt.Fprintf(stderr, "dynago bench: no operation succeeded\n")
		return 1
	}
	return 0
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb))
}

// result is a finished run.
type result struct {
	cfg         *config
	elapsed     time.Duration // the measured window
	interrupted bool
	ops         [numOpKinds]uint64
	hist        [numOpKinds]*histogram
	total       *histogram
	items       uint64
	errors      map[string]uint64
	example     map[string]string
	cpu         cpuUse // of the measured window; zero unless cfg.cpuPID is set
}

// run performs the optional setup and the measured run.
func run(ctx context.Context, cfg *config, log io.Writer) (*result, error) {
	if cfg.JSON {
		log = io.Discard // --json: only the JSON line (errors still go to stderr via Main)
	}
	signer := NewSigner(cfg.AccessKey, cfg.SecretKey, cfg.Region, "dynamodb")
	tr := newTransport(cfg.C)
	defer tr.CloseIdleConnections()
	c := &client{tr: tr, url: cfg.endpoint, signer: signer}
	seed := uint64(time.Now().UnixNano())
	wl := newWorkload(cfg.Table, cfg.Items, cfg.ItemSize, cfg.QueryItems, seed)

	if cfg.Setup {
		if err := setup(ctx, c, cfg, wl, log); err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
	} else if _, _, err := describe(ctx, c, cfg.Table); err != nil {
		if errors.Is(err, errTableMissing) {
			return nil, fmt.Errorf("table %s does not exist at %s: run with --setup", cfg.Table, cfg.Endpoint)
		}
		return nil, err
	}

	var wtr http.RoundTripper
	if cfg.Client == "nethttp" {
		wtr = tr
	}
	workers := make([]*worker, cfg.C)
	for i := range workers {
		workers[i] = newWorker(wl, cfg.Op, wtr, cfg.endpoint, signer, seed+uint64(i)*0x9e3779b97f4a7c15)
	}
	defer func() {
		for _, w := range workers {
			w.close()
		}
	}()
	fmt.Fprintf(log, "running %s against %s (table %s, c=%d, %v warm-up + %v)\n",
		cfg.Op, cfg.Endpoint, cfg.Table, cfg.C, cfg.Warmup, cfg.Duration)

	var stop atomic.Bool
	start := time.Now()
	measureStart := start.Add(cfg.Warmup)
	end := measureStart.Add(cfg.Duration)
	cpu := sampleCPU(cfg.cpuPID, measureStart, end)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			stop.Store(true)
		case <-done:
		}
	}()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(measureStart, end, &stop)
		}()
	}
	wg.Wait()
	close(done)
	finished := time.Now()
	if ctx.Err() != nil && finished.Before(measureStart) {
		return nil, errors.New("interrupted during warm-up")
	}

	if finished.After(end) {
		finished = end
	}
	res := &result{
		cpu:         <-cpu,
		cfg:         cfg,
		interrupted: ctx.Err() != nil,
		elapsed:     finished.Sub(measureStart),
		total:       new(histogram),
		errors:      map[string]uint64{},
		example:     map[string]string{},
	}
	for _, w := range workers {
		for k := range numOpKinds {
			res.ops[k] += w.stats.ops[k]
			if h := w.stats.hist[k]; h != nil {
				if res.hist[k] == nil {
					res.hist[k] = new(histogram)
				}
				res.hist[k].merge(h)
				res.total.merge(h)
			}
		}
		res.items += w.stats.items
		for t, n := range w.stats.errors {
			res.errors[t] += n
		}
		for t, m := range w.stats.examples {
			if _, ok := res.example[t]; !ok {
				res.example[t] = m
			}
		}
	}
	return res, nil
}

// jsonResult is the JSON line, field order as documented.
type jsonResult struct {
	Endpoint  string            `json:"endpoint"`
	Op        string            `json:"op"`
	C         int               `json:"c"`
	DurationS float64           `json:"duration_s"`
	Ops       uint64            `json:"ops"`
	OpsPerS   float64           `json:"ops_per_s"`
	P50us     float64           `json:"p50_us"`
	P99us     float64           `json:"p99_us"`
	P999us    float64           `json:"p999_us"`
	Errors    map[string]uint64 `json:"errors"`
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func usOf(ns int64) float64 { return round(float64(ns)/1e3, 1) }

func (r *result) jsonLine() jsonResult {
	secs := r.elapsed.Seconds()
	return jsonResult{
		Endpoint:  r.cfg.Endpoint,
		Op:        r.cfg.Op,
		C:         r.cfg.C,
		DurationS: round(secs, 3),
		Ops:       r.total.n,
		OpsPerS:   round(float64(r.total.n)/secs, 1),
		P50us:     usOf(r.total.quantile(0.50)),
		P99us:     usOf(r.total.quantile(0.99)),
		P999us:    usOf(r.total.quantile(0.999)),
		Errors:    r.errors,
	}
}

func (r *result) writeText(out io.Writer) {
	cfg := r.cfg
	secs := r.elapsed.Seconds()
	fmt.Fprintf(out, "endpoint  %s   table %s   op %s   c %d\n", cfg.Endpoint, cfg.Table, cfg.Op, cfg.C)
	note := ""
	if r.interrupted {
		note = " (interrupted)"
	}
	fmt.Fprintf(out, "measured  %.2fs%s after %v warm-up; %d items of ~%d bytes; client %s\n\n",
		secs, note, cfg.Warmup, cfg.Items, cfg.ItemSize, cfg.Client)
	fmt.Fprintf(out, "%-12s %10s %11s %9s %9s %9s %9s %9s\n", "op", "ops", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "mean µs")
	row := func(name string, h *histogram) {
		fmt.Fprintf(out, "%-12s %10d %11.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, h.n, float64(h.n)/secs,
			usOf(h.quantile(0.5)), usOf(h.quantile(0.99)), usOf(h.quantile(0.999)), usOf(h.max), h.mean()/1e3)
	}
	kinds := kindsOf(cfg.Op)
	for _, k := range kinds {
		row(opNames[k], r.hist[k])
	}
	if len(kinds) > 1 {
		row("total", r.total)
	}
	if r.items > 0 {
		fmt.Fprintf(out, "items written: %d (%.1f items/s)\n", r.items, float64(r.items)/secs)
	}
	if len(r.errors) == 0 {
		fmt.Fprintf(out, "errors: none\n")
	} else {
		names := make([]string, 0, len(r.errors))
		for t := range r.errors {
			names = append(names, t)
		}
		sort.Strings(names)
		fmt.Fprintf(out, "errors:\n")
		for _, t := range names {
			fmt.Fprintf(out, "  %-40s %10d  e.g. %s\n", t, r.errors[t], strings.TrimSpace(r.example[t]))
		}
	}
	fmt.Fprintln(out)
}
