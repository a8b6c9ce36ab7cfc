// Package server is Dynago's composition root: it turns a Config into a
// running server (storage engine, data plane, HTTP handler) and shuts it
// down cleanly.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/dynago/dynago/api"
	"github.com/dynago/dynago/server/http1"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/table"
)

// Config is everything `dynago serve` can be told.
type Config struct {
	Addr     string // listen address, default 127.0.0.1:8000
	DataDir  string // Pebble data directory, default ./dynago-data
	InMemory bool   // keep data in memory only (lost at exit)
	// Store selects a shared store instead of the local one:
	// "etcd://host1:2379,host2:2379" (several Dynago nodes may serve one
	// etcd cluster); Etcd holds its TLS, auth and limit options.
	Store string
	Etcd  EtcdConfig
	// NoSync skips fsync on commit: faster, but acknowledged writes may be
	// lost in a crash. For throwaway development data only.
	NoSync bool
	Region string // region shown in ARNs, default us-east-1
	// Credentials, when not empty, turns on SigV4 verification: every API
	// request must be signed with one of these access keys (id -> secret),
	// scoped to Region. Empty: any well-formed signature is accepted.
	Credentials map[string]string
	// CredentialsFile (--credentials), when set, is read into Credentials
	// at start (api.ParseCredentials' format) and again by
	// ReloadCredentials (SIGHUP in Run).
	CredentialsFile string
	Pprof           bool // serve /debug/pprof/ on the same port
	// NetHTTP serves every request with net/http instead of the HTTP/1.1
	// fast path (server/http1) for API requests.
	NetHTTP bool
	Log     *slog.Logger
	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration
	// TTLInterval is how often the TTL expirer deletes expired items
	// (--ttl-interval); 0 means 1 second.
	TTLInterval time.Duration
	// TTLCooldown is how long after a change of a table's time to live
	// UpdateTimeToLive refuses another (--ttl-cooldown); 0 means DynamoDB's
	// hour, a negative value no cooldown.
	TTLCooldown time.Duration
	// StreamShardDuration and StreamRetention override how long a stream
	// shard stays open (default 4 hours) and how long stream records are
	// kept (default 24 hours). For tests.
	StreamShardDuration time.Duration
	StreamRetention     time.Duration
	// ItemCollectionLimit overrides the size at which an item collection of
	// a table with local secondary indexes is full (default DynamoDB's
	// 10 GB). For tests.
	ItemCollectionLimit int64
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8000"
	}
	if c.DataDir == "" {
		c.DataDir = "./dynago-data"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: %v", c.Addr, err)
	}
	if !c.InMemory && c.DataDir == "" {
		return errors.New("--data-dir must not be empty")
	}
	if c.TTLInterval < 0 {
		return errors.New("--ttl-interval must not be negative")
	}
	return c.validateStore()
}

// Server is a running Dynago.
type Server struct {
	cfg  Config
	eng  storage.Engine
	db   *table.DB
	http *http.Server
	// front serves ln: http itself with NetHTTP, else an http1.Server
	// that hands every request it does not serve to http.
	front interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
	}
	ln    net.Listener
	done  chan error
	fresh freshConns
	sigv4 *api.SigV4 // nil without Credentials
}

// freshConns tracks connections on which no request has started yet.
// Shutdown closes them at once: http.Server.Shutdown would otherwise wait
// up to 5 seconds for each (clients often open connections they never
// use). No byte of a request has been read on such a connection, so no
// request is cut short.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, s http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s == http.StateNew {
		if f.conns == nil {
			f.conns = make(map[net.Conn]struct{})
		}
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
		delete(f.conns, c)
	}
}

// Start opens the store and begins serving in the background.
func Start(cfg Config) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CredentialsFile != "" {
		keys, err := readCredentials(cfg.CredentialsFile)
		if err != nil {
			return nil, err
		}
		cfg.Credentials = keys
	}
	eng, err := openEngine(&cfg)
	if err != nil {
		return nil, err
	}
	db, err := table.Open(eng, table.Config{Region: cfg.Region, Log: cfg.Log,
		TTLInterval: cfg.TTLInterval, TTLCooldown: cfg.TTLCooldown,
		StreamShardDuration: cfg.StreamShardDuration, StreamRetention: cfg.StreamRetention,
		ItemCollectionLimit: cfg.ItemCollectionLimit})
	if err != nil {
		eng.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		db.Close()
		eng.Close()
		return nil, err
	}
	var auth api.Authenticator
	var sigv4 *api.SigV4
	if len(cfg.Credentials) > 0 {
		sigv4 = &api.SigV4{Region: cfg.Region, Keys: cfg.Credentials}
		auth = sigv4
	}
	handler := api.NewHandler(api.Options{
		Auth:       auth,
		Ops:        api.Operations(db),
		EncodeItem: api.EncodeItem,
		Log:        cfg.Log,
	})
	var root http.Handler = handler
	if cfg.Pprof {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/store", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if m, ok := eng.(interface{ Metrics() string }); ok {
				io.WriteString(w, m.Metrics())
				return
			}
			io.WriteString(w, "this store reports no metrics\n")
		})
		mux.Handle("/", handler)
		root = mux
	}
	s := &Server{
		cfg: cfg, eng: eng, db: db, ln: ln, done: make(chan error, 1), sigv4: sigv4,
		http: &http.Server{
			Handler:           root,
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       5 * time.Minute,
			ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		},
	}
	s.http.ConnState = s.fresh.track
	s.front = s.http
	if !cfg.NetHTTP {
		s.front = &http1.Server{Handler: root, Fallback: s.http, IdleTimeout: s.http.IdleTimeout,
			ReadHeaderTimeout: s.http.ReadHeaderTimeout, Log: cfg.Log}
	}
	go func() {
		err := s.front.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	cfg.Log.Info("dynago serving", "addr", ln.Addr().String(), "store", s.storeDescription())
	return s, nil
}

func (s *Server) storeDescription() string {
	switch {
	case s.cfg.Store != "":
		return s.cfg.Store + " (prefix " + s.eng.(interface{ Prefix() string }).Prefix() + ")"
	case s.cfg.InMemory:
		return "memory"
	case s.cfg.NoSync:
		return "pebble:" + s.cfg.DataDir + " (sync off)"
	}
	return "pebble:" + s.cfg.DataDir
}

func openEngine(cfg *Config) (storage.Engine, error) {
	if cfg.Store != "" {
		return openEtcd(cfg)
	}
	if cfg.InMemory {
		return memory.New(), nil
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return pebble.Open(dir, pebble.Options{NoSync: cfg.NoSync, Logger: cfg.Log})
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the endpoint URL for clients.
func (s *Server) URL() string { return "http://" + s.Addr() }

// DB exposes the data plane (for tests and tools in this module).
func (s *Server) DB() *table.DB { return s.db }

// Shutdown stops accepting requests, lets in-flight requests finish (up
// to ctx), stops background work, and closes the store cleanly.
func (s *Server) Shutdown(ctx context.Context) error {
	shut := make(chan error, 1)
	go func() { shut <- s.front.Shutdown(ctx) }()
	var err error
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		s.fresh.closeAll()
		select {
		case err = <-shut:
			break wait
		case <-tick.C:
		}
	}
	if serveErr := <-s.done; err == nil {
		err = serveErr
	}
	if e := s.db.Close(); err == nil {
		err = e
	}
	if e := s.eng.Close(); err == nil {
		err = e
	}
	return err
}

// Run starts the server and serves until ctx is cancelled (SIGINT/SIGTERM
// in main), then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	if s.sigv4 != nil && cfg.CredentialsFile != "" {
		// SIGHUP rereads the credentials; without them it keeps its
		// default action (the process ends).
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err := <-s.done:
			s.done <- err
			break wait
		case <-hup:
			if err := s.ReloadCredentials(); err != nil {
				s.cfg.Log.Error("credentials not reloaded; the previous keys stay in use", "err", err)
			} else {
				s.cfg.Log.Info("credentials reloaded", "file", s.cfg.CredentialsFile)
			}
		}
	}
	s.cfg.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err = s.Shutdown(sctx)
	if err == nil {
		s.cfg.Log.Info("stopped cleanly")
	}
	return err
}

// ReloadCredentials rereads Config.CredentialsFile and verifies signatures
// with its keys from then on. On an error the keys in use stay.
func (s *Server) ReloadCredentials() error {
	if s.sigv4 == nil || s.cfg.CredentialsFile == "" {
		return errors.New("no credentials file to reload (--credentials)")
	}
	keys, err := readCredentials(s.cfg.CredentialsFile)
	if err != nil {
		return err
	}
	s.sigv4.SetKeys(keys)
	return nil
}

func readCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	keys, err := api.ParseCredentials(f)
	if err != nil {
		return nil, fmt.Errorf("credentials %s: %w", path, err)
	}
	return keys, nil
}
