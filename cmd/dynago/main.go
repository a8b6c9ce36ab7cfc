// Command dynago is a DynamoDB-compatible database server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dynago/dynago/api"
	"github.com/dynago/dynago/bench"
	"github.com/dynago/dynago/server"
	"github.com/dynago/dynago/server/http1"
)

const usage = `dynago: a DynamoDB-compatible database server

Usage:
  dynago serve [flags]     serve the DynamoDB API (and DynamoDB Streams) on one port
  dynago bench [flags]     load-generate against any DynamoDB endpoint ("dynago bench --help")
  dynago version           print the version
  dynago help              print this help

Point any AWS SDK or tool at the endpoint, e.g.
  aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
Any well-formed SigV4 credentials are accepted, unless --credentials names the keys to verify.

Flags of "dynago serve":
`

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "bench":
		return bench.Main(args, stdout, stderr)
	// Hidden commands of scripts/perf-compare.sh: the fixed-response server
	// that benchmarks compare with, the interleaved comparison, and the
	// start-up measurement.
	case "trivial":
		return bench.TrivialMain(args, stdout, stderr, func(ln net.Listener, h http.Handler) error {
			return (&http1.Server{Handler: h, Fallback: &http.Server{Handler: h}}).Serve(ln)
		})
	case "bench-compare":
		return bench.CompareMain(args, stdout, stderr)
	case "measure-startup":
		return bench.StartupMain(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "dynago", Version)
		return 0
	case "help":
		fs, _ := serveFlags(stderr)
		printUsage(stdout, fs)
		return 0
	default:
		fmt.Fprintf(stderr, "dynago: unknown command %q\n\n", cmd)
		fs, _ := serveFlags(stderr)
		printUsage(stderr, fs)
		return 2
	}
}

type serveOptions struct {
	cfg         server.Config
	logLevel    string
	logFormat   string
	sync        bool
	credentials string
}

func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("dynago serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cfg.Addr, "addr", "127.0.0.1:8000", "`host:port` to listen on")
	fs.StringVar(&o.cfg.DataDir, "data-dir", "./dynago-data", "`directory` of the on-disk store (Pebble)")
	fs.BoolVar(&o.cfg.InMemory, "in-memory", false, "keep all data in memory; nothing is written to disk and everything is lost at exit")
	fs.StringVar(&o.cfg.Store, "store", "", "a shared store instead of --data-dir: `etcd://host1:2379,host2:2379,...` (several Dynago nodes\nmay serve one etcd cluster; see the README for the etcd settings it needs)")
	fs.StringVar(&o.cfg.Etcd.CACert, "etcd-cacert", "", "with --store etcd://: verify the etcd members' TLS certificates with this CA `file` (PEM); any\nof --etcd-cacert/--etcd-cert switches to TLS")
	fs.StringVar(&o.cfg.Etcd.Cert, "etcd-cert", "", "with --store etcd://: client certificate `file` (PEM) for etcd's --client-cert-auth")
	fs.StringVar(&o.cfg.Etcd.Key, "etcd-key", "", "with --store etcd://: the client certificate's key `file` (PEM)")
	fs.StringVar(&o.cfg.Etcd.User, "etcd-user", "", "with --store etcd://: etcd user (`name` or name:password; or the password in $DYNAGO_ETCD_PASSWORD)")
	fs.StringVar(&o.cfg.Etcd.Prefix, "etcd-prefix", "dynago/", "with --store etcd://: key `prefix` of this Dynago cluster's data in etcd (the same on every node)")
	fs.IntVar(&o.cfg.Etcd.MaxTxnOps, "etcd-max-txn-ops", 8192, "with --store etcd://: the etcd cluster's --max-txn-ops (`n`); bigger transactions are refused")
	fs.IntVar(&o.cfg.Etcd.MaxRequestBytes, "etcd-max-request-bytes", 8<<20, "with --store etcd://: the etcd cluster's --max-request-bytes (`n`); bigger transactions are refused")
	fs.BoolVar(&o.sync, "sync", true, "fsync every acknowledged write (group-committed); --sync=false is faster but a crash may lose\nacknowledged writes: for throwaway development data only")
	fs.StringVar(&o.cfg.Region, "region", "us-east-1", "`region` shown in table ARNs (and, with --credentials, the region requests must be signed for)")
	fs.StringVar(&o.credentials, "credentials", "", "verify SigV4 signatures: every request must be signed with an access key from this `file`\n(lines of \"ACCESS_KEY_ID SECRET_ACCESS_KEY\", or the AWS shared credentials format), reread on\nSIGHUP; without it any well-formed signature is accepted")
	fs.DurationVar(&o.cfg.TTLInterval, "ttl-interval", time.Second, "how often expired items (Time to Live) are deleted: an item is gone about this `duration` after its\nexpiry (DynamoDB takes up to a few days)")
	fs.DurationVar(&o.cfg.TTLCooldown, "ttl-cooldown", time.Hour, "how long after a change UpdateTimeToLive refuses another, as DynamoDB does (`duration`; 0: no cooldown)")
	fs.BoolVar(&o.cfg.Pprof, "pprof", false, "serve Go profiling endpoints under /debug/pprof/ on the same port")
	fs.BoolVar(&o.cfg.NetHTTP, "net-http", false, "serve every request with Go's net/http; by default DynamoDB API requests (POST / over\nHTTP/1.1 with a Content-Length) take a leaner HTTP/1.1 path and everything else goes to net/http")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json (structured, on stderr)")
	fs.Usage = func() { printUsage(stderr, fs) }
	return fs, o
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usage)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs, o := serveFlags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dynago serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(stderr, "dynago serve: --log-level %q: %v\n", o.logLevel, err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		o.cfg.Log = slog.New(slog.NewTextHandler(stderr, hopts))
	case "json":
		o.cfg.Log = slog.New(slog.NewJSONHandler(stderr, hopts))
	default:
		fmt.Fprintf(stderr, "dynago serve: --log-format must be text or json, not %q\n", o.logFormat)
		return 2
	}
	o.cfg.NoSync = !o.sync
	if o.cfg.TTLCooldown == 0 {
		o.cfg.TTLCooldown = -1 // no cooldown
	}
	if o.credentials != "" {
		// Read here too, to refuse a bad file with the usage error code
		// before anything starts; the server reads it again (and on SIGHUP).
		f, err := os.Open(o.credentials)
		if err == nil {
			_, err = api.ParseCredentials(f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "dynago serve: --credentials %s: %v\n", o.credentials, err)
			return 2
		}
		o.cfg.CredentialsFile = o.credentials
	}
	if o.cfg.Etcd.Password == "" {
		o.cfg.Etcd.Password = os.Getenv("DYNAGO_ETCD_PASSWORD")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC(ctx) // gc.go
	if err := server.Run(ctx, o.cfg); err != nil {
		o.cfg.Log.Error("dynago serve failed", "err", err)
		return 1
	}
	return 0
}
