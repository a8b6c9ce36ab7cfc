package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is the parsed command line.
type config struct {
	Endpoint   string
	Op         string
	C          int
	Duration   time.Duration
	Warmup     time.Duration
	Items      int
	ItemSize   int
	Table      string
	Setup      bool
	Region     string
	AccessKey  string
	SecretKey  string
	QueryItems int
	JSON       bool
	Client     string

	endpoint *url.URL
	cpuPID   int // > 0: measure this process's CPU time (and the generator's) in the measured window
}

var validOps = []string{"put", "get", "query", "update", "batchwrite", "scan", "mixed"}

const (
	maxItemSize  = 350 * 1024 // leaves room under DynamoDB's 400 KB item limit
	batchSize    = 25         // BatchWriteItem's limit
	scanPageSize = 100
)

// durationValue is a flag.Value accepting Go durations ("10s", "1m30s") or a
// bare number of seconds ("10", "0.5").
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}

func (v durationValue) Set(s string) error {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*v.d = time.Duration(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 10s, 2m or a number of seconds")
	}
	*v.d = d
	return nil
}

// parseArgs parses and validates the flags of `dynago bench`. Usage and errors
// are written to stderr; flag.ErrHelp is returned for -h.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("dynago bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Endpoint, "endpoint", "http://127.0.0.1:8000", "DynamoDB endpoint URL")
	fs.StringVar(&cfg.Op, "op", "get", "workload: "+strings.Join(validOps, ", "))
	fs.IntVar(&cfg.C, "c", 8, "concurrency: number of workers, each with one request in flight")
	cfg.Duration = 10 * time.Second
	fs.Var(durationValue{&cfg.Duration}, "d", "measured duration (e.g. 10s, or seconds)")
	cfg.Warmup = time.Second
	fs.Var(durationValue{&cfg.Warmup}, "warmup", "warm-up before measuring, excluded from the statistics")
	fs.IntVar(&cfg.Items, "items", 10000, "number of distinct items (keys) the workload touches")
	fs.IntVar(&cfg.ItemSize, "item-size", 200, "approximate item size in bytes (DynamoDB's size rules)")
	fs.StringVar(&cfg.Table, "table", "dynago_bench", "table name")
	fs.BoolVar(&cfg.Setup, "setup", false, "create the table (pk S, sk N) if needed, wait until ACTIVE and preload --items items")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "region of the SigV4 credential scope")
	fs.StringVar(&cfg.AccessKey, "access-key", "AKIDDYNAGOBENCH", "access key id")
	fs.StringVar(&cfg.SecretKey, "secret-key", "dynagoBenchSecretKey", "secret access key")
	fs.IntVar(&cfg.QueryItems, "query-items", 10, "items per partition (what one Query returns)")
	fs.BoolVar(&cfg.JSON, "json", false, "print only the JSON result line")
	fs.StringVar(&cfg.Client, "client", "fast", "HTTP client of the workers: fast (one synchronous keep-alive connection per worker)\nor nethttp (net/http's Transport; costs more CPU per request)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: dynago bench [flags]\n\nA load generator for any DynamoDB endpoint.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *config) validate() error {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--endpoint %q: want http://host:port or https://host", c.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	c.endpoint = u
	valid := false
	for _, op := range validOps {
		if c.Op == op {
			valid = true
		}
	}
	switch {
	case !valid:
		return fmt.Errorf("--op %q: want one of %s", c.Op, strings.Join(validOps, ", "))
	case c.C < 1:
		return fmt.Errorf("-c %d: want at least 1", c.C)
	case c.Duration <= 0:
		return fmt.Errorf("-d %v: want a positive duration", c.Duration)
	case c.Warmup < 0:
		return fmt.Errorf("--warmup %v: want zero or more", c.Warmup)
	case c.Items < 1:
		return fmt.Errorf("--items %d: want at least 1", c.Items)
	case c.Op == "batchwrite" && c.Items < batchSize:
		return fmt.Errorf("--items %d: batchwrite needs at least %d distinct items", c.Items, batchSize)
	case c.ItemSize < 1 || c.ItemSize > maxItemSize:
		return fmt.Errorf("--item-size %d: want 1 to %d", c.ItemSize, maxItemSize)
	case c.QueryItems < 1 || c.QueryItems > c.Items:
		return fmt.Errorf("--query-items %d: want 1 to --items (%d)", c.QueryItems, c.Items)
	case len(c.Table) < 3 || len(c.Table) > 255 || !validTableName(c.Table):
		return fmt.Errorf("--table %q: want 3-255 characters from a-z A-Z 0-9 _ - .", c.Table)
	case c.Client != "fast" && c.Client != "nethttp":
		return fmt.Errorf("--client %q: want fast or nethttp", c.Client)
	case c.Region == "" || c.AccessKey == "" || c.SecretKey == "":
		return errors.New("--region, --access-key and --secret-key must not be empty")
	}
	return nil
}

func validTableName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
