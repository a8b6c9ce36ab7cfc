// Package etcdtest starts real etcd clusters for tests: etcd server
// processes on loopback ports, with the settings the README recommends for
// Dynago. The etcd binary is $DYNAGO_ETCD_BIN or bin/etcd at the module
// root (`make etcd` builds it from etcd's Go module).
package etcdtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Binary returns the path of the etcd server binary, or "" when there is
// none.
func Binary() string {
	if p := os.Getenv("DYNAGO_ETCD_BIN"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "etcd")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Required reports whether tests must fail, not skip, without an etcd
// cluster: under CI, or with DYNAGO_REQUIRE_ETCD=1.
func Required() bool {
	return os.Getenv("DYNAGO_REQUIRE_ETCD") == "1" || os.Getenv("CI") == "true"
}

// Member is one etcd server process.
type Member struct {
	Name      string
	ClientURL string
	PeerURL   string
	dir       string
	cmd       *exec.Cmd
	exited    chan struct{}
}

// Cluster is a running etcd cluster.
type Cluster struct {
	Endpoints []string
	Members   []*Member
	// TLS is the client configuration of a cluster started with
	// StartTLSCluster (nil: plain HTTP).
	TLS     *tls.Config
	bin     string
	initial string // --initial-cluster
	extra   []string
	mu      sync.Mutex
}

// Flags are the etcd settings of test clusters: those the README
// recommends for Dynago, with Raft timing eased for a loaded 2-core
// machine so that test load alone does not trigger leader elections.
var Flags = []string{
	"--max-txn-ops=8192",
	"--max-request-bytes=8388608",
	"--quota-backend-bytes=4294967296",
	"--auto-compaction-mode=periodic",
	"--auto-compaction-retention=10m",
	"--heartbeat-interval=100",
	"--election-timeout=1500",
	"--log-level=warn",
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// StartCluster starts an n-member cluster with its data under dir and
// waits until it answers. extra flags are added to Flags.
func StartCluster(dir string, n int, extra ...string) (*Cluster, error) {
	return startCluster(dir, n, nil, extra)
}

// StartTLSCluster starts a cluster whose client URLs are https: extra must
// carry the members' --cert-file/--key-file (and --trusted-ca-file with
// --client-cert-auth for client certificates); tc is how clients (and
// WaitHealthy) connect.
func StartTLSCluster(dir string, n int, tc *tls.Config, extra ...string) (*Cluster, error) {
	return startCluster(dir, n, tc, extra)
}

func startCluster(dir string, n int, tc *tls.Config, extra []string) (*Cluster, error) {
	bin := Binary()
	if bin == "" {
		return nil, errors.New("etcdtest: no etcd binary (run `make etcd`, or set DYNAGO_ETCD_BIN)")
	}
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, extra: extra, TLS: tc}
	scheme := "http"
	if tc != nil {
		scheme = "https"
	}
	var initial []string
	for i := range n {
		m := &Member{
			Name:      fmt.Sprintf("m%d", i+1),
			ClientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[2*i]),
			PeerURL:   fmt.Sprintf("http://127.0.0.1:%d", ports[2*i+1]),
			dir:       filepath.Join(dir, fmt.Sprintf("m%d", i+1)),
		}
		c.Members = append(c.Members, m)
		c.Endpoints = append(c.Endpoints, m.ClientURL)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	c.initial = strings.Join(initial, ",")
	for i := range c.Members {
		if err := c.start(i, "new"); err != nil {
			c.Stop()
			return nil, err
		}
	}
	if err := c.WaitHealthy(60 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Start starts a cluster for one test and stops it when the test ends.
func Start(tb testing.TB, n int, extra ...string) *Cluster {
	tb.Helper()
	if Binary() == "" {
		if Required() {
			tb.Fatal("etcdtest: no etcd binary (run `make etcd`, or set DYNAGO_ETCD_BIN)")
		}
		tb.Skip("no etcd binary: run `make etcd` (or set DYNAGO_ETCD_BIN)")
	}
	c, err := StartCluster(tb.TempDir(), n, extra...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Stop)
	return c
}

func (c *Cluster) start(i int, state string) error {
	m := c.Members[i]
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(m.dir+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{
		"--name=" + m.Name,
		"--data-dir=" + filepath.Join(m.dir, "data"),
		"--listen-client-urls=" + m.ClientURL,
		"--advertise-client-urls=" + m.ClientURL,
		"--listen-peer-urls=" + m.PeerURL,
		"--initial-advertise-peer-urls=" + m.PeerURL,
		"--initial-cluster=" + c.initial,
		"--initial-cluster-state=" + state,
		"--initial-cluster-token=dynago-test",
	}
	args = append(args, Flags...)
	args = append(args, c.extra...)
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	m.cmd = cmd
	m.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		log.Close()
		close(m.exited)
	}()
	return nil
}

// Kill SIGKILLs member i and waits until it is gone.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.Members[i]
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Kill()
	<-m.exited
	m.cmd = nil
}

// Restart starts a killed member again on its data.
func (c *Cluster) Restart(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Members[i].cmd != nil {
		return fmt.Errorf("etcdtest: member %d is running", i)
	}
	return c.start(i, "existing")
}

// Stop kills every member.
func (c *Cluster) Stop() {
	for i := range c.Members {
		c.Kill(i)
	}
}

// Log returns member i's log.
func (c *Cluster) Log(i int) string {
	b, _ := os.ReadFile(c.Members[i].dir + ".log")
	return string(b)
}

// Client returns a client of the whole cluster; the caller closes it.
func (c *Cluster) Client() (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: c.Endpoints, TLS: c.TLS, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
}

// Leader returns the index of the member that leads, asking the running
// members.
func (c *Cluster) Leader(ctx context.Context) (int, error) {
	cli, err := c.Client()
	if err != nil {
		return -1, err
	}
	defer cli.Close()
	for i, m := range c.Members {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := cli.Status(sctx, m.ClientURL)
		cancel()
		if err != nil {
			continue
		}
		if st.Leader == 0 {
			continue
		}
		if st.Leader == st.Header.MemberId {
			return i, nil
		}
	}
	return -1, errors.New("etcdtest: no member reports leading")
}

// WaitHealthy waits until the cluster serves a linearizable write and read.
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	cli, err := c.Client()
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cli.Put(ctx, "etcdtest/health", "ok")
		if err == nil {
			_, err = cli.Get(ctx, "etcdtest/health")
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("etcdtest: cluster not healthy after %v: %v", timeout, last)
}
