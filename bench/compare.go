package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CompareMain runs `dynago bench-compare` (hidden; scripts/perf-compare.sh
// drives it): the same workloads against several endpoints, interleaved
// (every round runs every workload against every endpoint, the endpoints in
// a rotating order), and one table of the medians with ratios to a reference
// endpoint (the trivial server) and to peers. It returns the exit code.
func CompareMain(args []string, stdout, stderr io.Writer) int {
	cc, err := parseCompareArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "dynago bench-compare: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := compare(ctx, cc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "dynago bench-compare: %v\n", err)
		return 1
	}
	rep.write(stdout)
	return 0
}

// compareTarget is one endpoint of a comparison.
type compareTarget struct {
	name, url string
	pid       int // > 0: its resident memory is sampled
}

// compareWorkload is one workload of a comparison: an op at a concurrency.
type compareWorkload struct {
	op string
	c  int
}

func (w compareWorkload) String() string { return w.op + " c=" + strconv.Itoa(w.c) }

type compareConfig struct {
	targets    []compareTarget
	workloads  []compareWorkload
	ref        string   // the ceiling: ratios are relative to it
	peers      []string // the peers: ratios against them too
	rounds     int
	d, warmup  time.Duration
	items      int
	itemSize   int
	queryItems int
	table      string
	setup      bool
	jsonOut    string
	sustain    time.Duration // a final mixed run against each sampled target
	sustainC   int
	sustainOn  []string // names of the targets of the sustained run; empty: all with a pid
}

func parseCompareArgs(args []string, stderr io.Writer) (*compareConfig, error) {
	cc := &compareConfig{}
	fs := flag.NewFlagSet("dynago bench-compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Func("target", "`name=URL[,pid=PID]` of an endpoint (repeat; the table's columns are in this order);\nwith pid, the process's resident memory is sampled during the runs", func(s string) error {
		name, rest, ok := strings.Cut(s, "=")
		if !ok || name == "" || rest == "" {
			return errors.New("want name=URL[,pid=PID]")
		}
		t := compareTarget{name: name, url: rest}
		if u, p, ok := strings.Cut(rest, ",pid="); ok {
			pid, err := strconv.Atoi(p)
			if err != nil || pid <= 0 {
				return fmt.Errorf("pid %q", p)
			}
			t.url, t.pid = u, pid
		}
		cc.targets = append(cc.targets, t)
		return nil
	})
	workloads := fs.String("workloads", "get,put,query,update,put:64", "comma-separated `ops`, each optionally :concurrency (else -c)")
	c := fs.Int("c", 8, "default concurrency")
	fs.StringVar(&cc.ref, "ref", "trivial", "`name` of the reference target (the ceiling)")
	peers := fs.String("peers", "ddblocal,dynalite", "comma-separated `names` of the peer targets")
	fs.IntVar(&cc.rounds, "rounds", 3, "rounds; the table shows the median of the rounds")
	cc.d = 5 * time.Second
	fs.Var(durationValue{&cc.d}, "d", "measured duration of each run")
	cc.warmup = time.Second
	fs.Var(durationValue{&cc.warmup}, "warmup", "warm-up of each run")
	fs.IntVar(&cc.items, "items", 10000, "distinct items")
	fs.IntVar(&cc.itemSize, "item-size", 200, "item size in bytes")
	fs.IntVar(&cc.queryItems, "query-items", 10, "items per partition (what one Query returns)")
	fs.StringVar(&cc.table, "table", "dynago_bench", "table name")
	fs.BoolVar(&cc.setup, "setup", true, "create and preload the table on every target first")
	fs.StringVar(&cc.jsonOut, "json-out", "", "append every run's JSON line to this `file`")
	fs.Var(durationValue{&cc.sustain}, "sustain", "after the rounds, run the mixed workload this long against every target\nwith a pid and report its resident memory over time (0: skip)")
	fs.IntVar(&cc.sustainC, "sustain-c", 8, "concurrency of the sustained run")
	sustainOn := fs.String("sustain-targets", "", "comma-separated `names` of the targets of the sustained run (default: all with a pid)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if len(cc.targets) == 0 {
		return nil, errors.New("no --target")
	}
	if *peers != "" {
		cc.peers = strings.Split(*peers, ",")
	}
	if *sustainOn != "" {
		cc.sustainOn = strings.Split(*sustainOn, ",")
	}
	for _, w := range strings.Split(*workloads, ",") {
		op, cs, hasC := strings.Cut(strings.TrimSpace(w), ":")
		wl := compareWorkload{op: op, c: *c}
		if hasC {
			n, err := strconv.Atoi(cs)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--workloads: bad concurrency in %q", w)
			}
			wl.c = n
		}
		if !slices.Contains(validOps, op) {
			return nil, fmt.Errorf("--workloads: unknown op %q", op)
		}
		cc.workloads = append(cc.workloads, wl)
	}
	if cc.rounds < 1 {
		return nil, errors.New("--rounds: want at least 1")
	}
	// Check the per-run settings once, as `dynago bench` would.
	for _, t := range cc.targets {
		if _, err := cc.runConfig(t, compareWorkload{"get", 1}, time.Second); err != nil {
			return nil, fmt.Errorf("target %s: %w", t.name, err)
		}
	}
	return cc, nil
}

// runConfig is the `dynago bench` configuration of one run.
func (cc *compareConfig) runConfig(t compareTarget, w compareWorkload, d time.Duration) (*config, error) {
	cfg := &config{
		cpuPID:   t.pid,
		Endpoint: t.url, Op: w.op, C: w.c, Duration: d, Warmup: cc.warmup,
		Items: cc.items, ItemSize: cc.itemSize, Table: cc.table, QueryItems: cc.queryItems,
		Region: "us-east-1", AccessKey: "AKIDDYNAGOBENCH", SecretKey: "dynagoBenchSecretKey",
		Client: "fast", JSON: true,
	}
	return cfg, cfg.validate()
}

// runResult is one run of one workload against one target.
type runResult struct {
	ops    float64 // per second
	p50    float64 // µs
	p99    float64
	errors uint64
	rssMax int64 // bytes; 0 when not sampled
	// CPU µs per successful operation, of the server and of the generator
	// (0 when not measured)
	serverCPU, clientCPU float64
}

type compareReport struct {
	cc      *compareConfig
	results map[string]map[string][]runResult // workload -> target -> rounds
	rssIdle map[string]int64                  // after setup, before the runs
	sustain map[string][]rssSample
	errs    map[string]string // an example error per target
}

type rssSample struct {
	at  time.Duration
	rss int64
	ops float64 // ops/s of the interval (sustained run only)
}

func compare(ctx context.Context, cc *compareConfig, log io.Writer) (*compareReport, error) {
	rep := &compareReport{cc: cc, results: map[string]map[string][]runResult{}, rssIdle: map[string]int64{},
		sustain: map[string][]rssSample{}, errs: map[string]string{}}
	var jsonOut io.Writer = io.Discard
	if cc.jsonOut != "" {
		f, err := os.OpenFile(cc.jsonOut, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		jsonOut = f
	}
	if cc.setup {
		for _, t := range cc.targets {
			cfg, _ := cc.runConfig(t, compareWorkload{"get", 8}, time.Second)
			cfg.Setup, cfg.Duration, cfg.Warmup = true, 100*time.Millisecond, 0
			fmt.Fprintf(log, "setup %s (%s)\n", t.name, t.url)
			if _, err := run(ctx, cfg, io.Discard); err != nil {
				return nil, fmt.Errorf("setup of %s: %w", t.name, err)
			}
		}
	}
	for _, t := range cc.targets {
		if t.pid > 0 {
			rep.rssIdle[t.name] = readRSS(t.pid)
		}
	}
	for r := 0; r < cc.rounds; r++ {
		for _, w := range cc.workloads {
			for i := range cc.targets {
				t := cc.targets[(i+r)%len(cc.targets)] // rotate who goes first
				res, line, err := cc.runOne(ctx, t, w, cc.d)
				if err != nil {
					return nil, fmt.Errorf("%s against %s: %w", w, t.name, err)
				}
				fmt.Fprintf(log, "round %d/%d  %-12s %-16s %9.0f ops/s  p99 %7.2f ms  errors %d\n",
					r+1, cc.rounds, w, t.name, res.ops, res.p99/1000, res.errors)
				fmt.Fprintf(jsonOut, "{\"round\":%d,\"target\":%q,\"workload\":%q,\"rss_max\":%d,\"server_cpu_us_per_op\":%.1f,\"client_cpu_us_per_op\":%.1f,\"run\":%s}\n",
					r+1, t.name, w.String(), res.rssMax, res.serverCPU, res.clientCPU, line)
				if rep.results[w.String()] == nil {
					rep.results[w.String()] = map[string][]runResult{}
				}
				rep.results[w.String()][t.name] = append(rep.results[w.String()][t.name], res)
			}
		}
	}
	if cc.sustain > 0 {
		for _, t := range cc.targets {
			if t.pid <= 0 || len(cc.sustainOn) > 0 && !slices.Contains(cc.sustainOn, t.name) {
				continue
			}
			fmt.Fprintf(log, "sustained mixed load against %s for %v\n", t.name, cc.sustain)
			samples, err := cc.sustained(ctx, t)
			if err != nil {
				return nil, fmt.Errorf("sustained run against %s: %w", t.name, err)
			}
			rep.sustain[t.name] = samples
		}
	}
	return rep, nil
}

// runOne runs one workload against one target, sampling its resident memory.
func (cc *compareConfig) runOne(ctx context.Context, t compareTarget, w compareWorkload, d time.Duration) (runResult, []byte, error) {
	cfg, err := cc.runConfig(t, w, d)
	if err != nil {
		return runResult{}, nil, err
	}
	var rssMax int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	if t.pid > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				rssMax = max(rssMax, readRSS(t.pid))
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
	}
	res, err := run(ctx, cfg, io.Discard)
	close(done)
	wg.Wait()
	if err != nil {
		return runResult{}, nil, err
	}
	j := res.jsonLine()
	line, _ := json.Marshal(j)
	var nerr uint64
	for _, n := range res.errors {
		nerr += n
	}
	rr := runResult{ops: j.OpsPerS, p50: j.P50us, p99: j.P99us, errors: nerr, rssMax: rssMax}
	if res.cpu.ok && res.total.n > 0 {
		rr.serverCPU = float64(res.cpu.server.Microseconds()) / float64(res.total.n)
		rr.clientCPU = float64(res.cpu.client.Microseconds()) / float64(res.total.n)
	}
	return rr, line, nil
}

// sustained runs the mixed workload against t for cc.sustain in slices of
// about a tenth of it, sampling the resident memory after each.
func (cc *compareConfig) sustained(ctx context.Context, t compareTarget) ([]rssSample, error) {
	slice := max(cc.sustain/10, time.Second)
	var out []rssSample
	start := time.Now()
	for time.Since(start) < cc.sustain {
		w := compareWorkload{"mixed", cc.sustainC}
		res, _, err := cc.runOne(ctx, t, w, slice)
		if err != nil {
			return nil, err
		}
		out = append(out, rssSample{at: time.Since(start), rss: readRSS(t.pid), ops: res.ops})
	}
	return out, nil
}

// readRSS returns the resident set size of process pid (Linux), or 0.
func readRSS(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func median(rs []runResult, f func(runResult) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// write prints the report: throughput with p99, ratios, memory.
func (rep *compareReport) write(out io.Writer) {
	cc := rep.cc
	names := make([]string, len(cc.targets))
	for i, t := range cc.targets {
		names[i] = t.name
	}
	isOther := func(n string) bool { return n == cc.ref || slices.Contains(cc.peers, n) }
	var subjects []string
	for _, n := range names {
		if !isOther(n) {
			subjects = append(subjects, n)
		}
	}
	fmt.Fprintf(out, "Throughput in ops/s, median of %d interleaved rounds of %v (+%v warm-up) each; p99 latency in ms.\n",
		cc.rounds, cc.d, cc.warmup)
	fmt.Fprintf(out, "%d items of ~%d bytes, Query returns %d items.\n\n", cc.items, cc.itemSize, cc.queryItems)
	header := []string{"workload"}
	for _, n := range names {
		header = append(header, n+" ops/s", "p99")
	}
	rows := [][]string{header}
	for _, w := range cc.workloads {
		row := []string{w.String()}
		for _, n := range names {
			rs := rep.results[w.String()][n]
			row = append(row, fmt.Sprintf("%.0f", median(rs, func(r runResult) float64 { return r.ops })),
				fmt.Sprintf("%.2f", median(rs, func(r runResult) float64 { return r.p99 })/1000))
		}
		rows = append(rows, row)
	}
	writeTable(out, rows)

	if len(subjects) > 0 {
		fmt.Fprintf(out, "\nRatios of the medians (x = times the other's throughput)\n\n")
		header = []string{"workload"}
		for _, s := range subjects {
			for _, o := range append([]string{cc.ref}, cc.peers...) {
				if slices.Contains(names, o) {
					header = append(header, s+" / "+o)
				}
			}
		}
		rows = [][]string{header}
		for _, w := range cc.workloads {
			row := []string{w.String()}
			for _, s := range subjects {
				sv := median(rep.results[w.String()][s], func(r runResult) float64 { return r.ops })
				for _, o := range append([]string{cc.ref}, cc.peers...) {
					if !slices.Contains(names, o) {
						continue
					}
					ov := median(rep.results[w.String()][o], func(r runResult) float64 { return r.ops })
					if ov > 0 {
						row = append(row, fmt.Sprintf("%.2fx", sv/ov))
					} else {
						row = append(row, "-")
					}
				}
			}
			rows = append(rows, row)
		}
		writeTable(out, rows)
	}

	var errLines []string
	for _, w := range cc.workloads {
		for _, n := range names {
			var e uint64
			for _, r := range rep.results[w.String()][n] {
				e += r.errors
			}
			if e > 0 {
				errLines = append(errLines, fmt.Sprintf("  %s against %s: %d failed requests", w, n, e))
			}
		}
	}
	if len(errLines) > 0 {
		fmt.Fprintf(out, "\nErrors (see --json-out for their types):\n%s\n", strings.Join(errLines, "\n"))
	}

	var sampled []compareTarget
	for _, t := range cc.targets {
		if t.pid > 0 {
			sampled = append(sampled, t)
		}
	}
	if len(sampled) > 0 {
		fmt.Fprintf(out, "\nCPU time per operation in µs (median; user+system of the server process, and of this\n"+
			"generator for the same runs): less sensitive to a busy machine than ops/s\n\n")
		header = []string{"workload"}
		for _, t := range sampled {
			header = append(header, t.name, "generator")
		}
		rows = [][]string{header}
		for _, w := range cc.workloads {
			row := []string{w.String()}
			for _, t := range sampled {
				rs := rep.results[w.String()][t.name]
				row = append(row, fmt.Sprintf("%.1f", median(rs, func(r runResult) float64 { return r.serverCPU })),
					fmt.Sprintf("%.1f", median(rs, func(r runResult) float64 { return r.clientCPU })))
			}
			rows = append(rows, row)
		}
		writeTable(out, rows)
	}
	if len(sampled) > 0 {
		fmt.Fprintf(out, "\nResident memory (VmRSS): after setup, and the largest seen during each workload's runs\n\n")
		header = []string{"target", "after setup"}
		for _, w := range cc.workloads {
			header = append(header, w.String())
		}
		rows = [][]string{header}
		for _, t := range sampled {
			row := []string{t.name, mb(rep.rssIdle[t.name])}
			for _, w := range cc.workloads {
				var m int64
				for _, r := range rep.results[w.String()][t.name] {
					m = max(m, r.rssMax)
				}
				row = append(row, mb(m))
			}
			rows = append(rows, row)
		}
		writeTable(out, rows)
	}
	for _, t := range sampled {
		ss := rep.sustain[t.name]
		if len(ss) == 0 {
			continue
		}
		fmt.Fprintf(out, "\nSustained mixed load (50%% get, 30%% put, 20%% update, c=%d) against %s: VmRSS over time\n\n", cc.sustainC, t.name)
		rows = [][]string{{"after", "VmRSS", "ops/s"}}
		for _, s := range ss {
			rows = append(rows, []string{fmt.Sprintf("%.0fs", s.at.Seconds()), mb(s.rss), fmt.Sprintf("%.0f", s.ops)})
		}
		writeTable(out, rows)
	}
}

// writeTable prints rows as a Markdown table with aligned columns.
func writeTable(out io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&b, " %-*s |", width[i], c)
			} else {
				fmt.Fprintf(&b, " %*s |", width[i], c)
			}
		}
		fmt.Fprintln(out, b.String())
	}
	line(rows[0])
	sep := make([]string, len(width))
	for i, w := range width {
		if i == 0 {
			sep[i] = strings.Repeat("-", w)
		} else {
			sep[i] = strings.Repeat("-", w-1) + ":"
		}
	}
	line(sep)
	for _, r := range rows[1:] {
		line(r)
	}
}

// cpuUse is the CPU time a server process and this generator used in a
// measured window (Linux: /proc/PID/stat and /proc/self/stat).
type cpuUse struct {
	server, client time.Duration
	ok             bool
}

// sampleCPU reads the CPU times of pid and of this process at start and at
// end (in the background); the channel yields the differences after end.
func sampleCPU(pid int, start, end time.Time) <-chan cpuUse {
	ch := make(chan cpuUse, 1)
	if pid <= 0 {
		ch <- cpuUse{}
		return ch
	}
	go func() {
		time.Sleep(time.Until(start))
		s0, ok0 := procCPU(strconv.Itoa(pid))
		c0, ok1 := procCPU("self")
		time.Sleep(time.Until(end))
		s1, ok2 := procCPU(strconv.Itoa(pid))
		c1, ok3 := procCPU("self")
		ch <- cpuUse{server: s1 - s0, client: c1 - c0, ok: ok0 && ok1 && ok2 && ok3}
	}()
	return ch
}

// procCPU returns the user+system CPU time of /proc/<pid>/stat.
func procCPU(pid string) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields count from its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, true
}
