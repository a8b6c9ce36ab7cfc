package bench

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestParseArgsDefaults(t *testing.T) {
	cfg, err := parseArgs(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Endpoint: "http://127.0.0.1:8000", Op: "get", C: 8, Duration: 10 * time.Second, Warmup: time.Second,
		Items: 10000, ItemSize: 200, Table: "dynago_bench", Region: "us-east-1",
		AccessKey: "AKIDDYNAGOBENCH", SecretKey: "dynagoBenchSecretKey", QueryItems: 10, Client: "fast",
	}
	got := *cfg
	got.endpoint = nil
	if got != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if cfg.endpoint.Host != "127.0.0.1:8000" || cfg.endpoint.Path != "/" {
		t.Errorf("endpoint URL %v", cfg.endpoint)
	}
}

func TestParseArgsAll(t *testing.T) {
	args := []string{
		"--endpoint", "https://dynamodb.eu-west-1.amazonaws.com", "--op", "mixed", "-c", "64", "-d", "1m30s",
		"--warmup=0", "--items", "500", "--item-size", "1024", "--table", "bench_x.y-z", "--setup",
		"--region", "eu-west-1", "--access-key", "AK", "--secret-key", "SK", "--query-items", "50", "--json", "--client", "nethttp",
	}
	cfg, err := parseArgs(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "https://dynamodb.eu-west-1.amazonaws.com" || cfg.Op != "mixed" || cfg.C != 64 ||
		cfg.Duration != 90*time.Second || cfg.Warmup != 0 || cfg.Items != 500 || cfg.ItemSize != 1024 ||
		cfg.Table != "bench_x.y-z" || !cfg.Setup || cfg.Region != "eu-west-1" || cfg.AccessKey != "AK" ||
		cfg.SecretKey != "SK" || cfg.QueryItems != 50 || !cfg.JSON || cfg.Client != "nethttp" {
		t.Errorf("parsed %+v", *cfg)
	}
	// Bare numbers are seconds.
	cfg, err = parseArgs([]string{"-d", "2.5", "--warmup", "0.25"}, &bytes.Buffer{})
	if err != nil || cfg.Duration != 2500*time.Millisecond || cfg.Warmup != 250*time.Millisecond {
		t.Errorf("bare seconds: %+v, %v", cfg, err)
	}
}

func TestParseArgsErrors(t *testing.T) {
	cases := map[string][]string{
		"--endpoint":    {"--endpoint", "127.0.0.1:8000"},
		"--endpoint ":   {"--endpoint", "ftp://x"},
		"--op":          {"--op", "delete"},
		"-c":            {"-c", "0"},
		"-d":            {"-d", "0s"},
		"want a durat":  {"-d", "soon"},
		"--warmup":      {"--warmup", "-1s"},
		"--items":       {"--items", "0"},
		"batchwrite":    {"--op", "batchwrite", "--items", "24"},
		"--item-size":   {"--item-size", "0"},
		"--item-size ":  {"--item-size", "400000"},
		"--query-items": {"--query-items", "11", "--items", "10"},
		"--table":       {"--table", "ab"},
		"--table ":      {"--table", "bad name"},
		"must not be":   {"--secret-key", ""},
		"--client":      {"--client", "curl"},
		"unexpected":    {"get"},
		"not defined":   {"--nope"},
	}
	for want, args := range cases {
		var stderr bytes.Buffer
		_, err := parseArgs(args, &stderr)
		if err == nil {
			t.Errorf("%v: no error", args)
			continue
		}
		msg := err.Error() + stderr.String()
		if !strings.Contains(msg, strings.TrimSpace(want)) {
			t.Errorf("%v: error %q does not mention %q", args, msg, want)
		}
	}
	var stderr bytes.Buffer
	if _, err := parseArgs([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "--query-items") && !strings.Contains(stderr.String(), "-query-items") {
		t.Errorf("-h: %v, usage %q", err, stderr.String())
	}
}

func TestMainUsageExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--op", "nope"}, &out, &errb); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "--op") || out.Len() != 0 {
		t.Errorf("stderr %q stdout %q", errb.String(), out.String())
	}
	if code := Main([]string{"-h"}, &out, &errb); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}
