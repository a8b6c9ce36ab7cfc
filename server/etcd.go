package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dynago/dynago/storage/etcd"
)

// EtcdConfig is how Dynago reaches a shared etcd cluster (--store etcd://).
type EtcdConfig struct {
	// CACert, Cert and Key are PEM files: the CA that signed the etcd
	// members' certificates, and this client's certificate and key (for
	// etcd's --client-cert-auth). Any of them switches the connection to
	// TLS.
	CACert, Cert, Key string
	// User and Password authenticate with etcd's auth (user:password in
	// User is split, as etcdctl --user does).
	User, Password string
	// Prefix namespaces Dynago's keys in etcd (default "dynago/"); all
	// nodes of one Dynago cluster use the same prefix.
	Prefix string
	// MaxTxnOps and MaxRequestBytes must equal the etcd cluster's
	// --max-txn-ops and --max-request-bytes (0: the recommended 8192 and
	// 8 MiB).
	MaxTxnOps, MaxRequestBytes int
	// NodeName identifies this node in the leadership election (default
	// hostname:pid).
	NodeName string
}

// etcdEndpoints parses a --store of the form etcd://host1:2379,host2:2379.
func etcdEndpoints(store string) ([]string, bool) {
	rest, ok := strings.CutPrefix(store, "etcd://")
	if !ok {
		return nil, false
	}
	var eps []string
	for h := range strings.SplitSeq(strings.TrimSuffix(rest, "/"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			eps = append(eps, h)
		}
	}
	return eps, true
}

func (c *EtcdConfig) tls() bool { return c.CACert != "" || c.Cert != "" || c.Key != "" }

// validateStore checks --store and the etcd options.
func (c *Config) validateStore() error {
	if c.Store == "" {
		return nil
	}
	eps, ok := etcdEndpoints(c.Store)
	if !ok {
		return fmt.Errorf("--store %q: want etcd://host:port[,host:port...]", c.Store)
	}
	if len(eps) == 0 {
		return fmt.Errorf("--store %q names no etcd endpoint", c.Store)
	}
	if c.InMemory {
		return errors.New("--in-memory and --store are exclusive")
	}
	if (c.Etcd.Cert == "") != (c.Etcd.Key == "") {
		return errors.New("--etcd-cert and --etcd-key go together")
	}
	return nil
}

func openEtcd(cfg *Config) (*etcd.Engine, error) {
	eps, _ := etcdEndpoints(cfg.Store)
	ec := cfg.Etcd
	scheme := "http://"
	var tc *tls.Config
	if ec.tls() {
		scheme = "https://"
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
		if ec.CACert != "" {
			pem, err := os.ReadFile(ec.CACert)
			if err != nil {
				return nil, fmt.Errorf("--etcd-cacert: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--etcd-cacert %s: no PEM certificate in it", ec.CACert)
			}
			tc.RootCAs = pool
		}
		if ec.Cert != "" {
			cert, err := tls.LoadX509KeyPair(ec.Cert, ec.Key)
			if err != nil {
				return nil, fmt.Errorf("--etcd-cert/--etcd-key: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
	}
	for i, ep := range eps {
		if !strings.Contains(ep, "://") {
			eps[i] = scheme + ep
		}
	}
	user, password := ec.User, ec.Password
	if u, p, ok := strings.Cut(user, ":"); ok && password == "" {
		user, password = u, p
	}
	return etcd.Open(etcd.Options{
		Endpoints:       eps,
		TLS:             tc,
		Username:        user,
		Password:        password,
		Prefix:          ec.Prefix,
		MaxTxnOps:       ec.MaxTxnOps,
		MaxRequestBytes: ec.MaxRequestBytes,
		NodeName:        ec.NodeName,
		Logger:          cfg.Log,
	})
}
