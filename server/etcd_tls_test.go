package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/etcd/etcdtest"
)

// testCA is a throwaway certificate authority; its certificate is ca.pem
// in dir, and issue writes certificates it signs (for 127.0.0.1) there as
// name.pem and name-key.pem.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	dir  string
}

func newTestCA(t *testing.T, dir string) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dynago test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, dir: dir}
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", der)
	return ca
}

func (ca *testCA) issue(t *testing.T, name string, serial int64) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(ca.dir, name+".pem"), filepath.Join(ca.dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEtcdTLSAndAuth: --store etcd:// over TLS with a client certificate
// (etcd's --client-cert-auth), then with etcd's password auth enabled.
func TestEtcdTLSAndAuth(t *testing.T) {
	if etcdtest.Binary() == "" {
		if etcdtest.Required() {
			t.Fatal("no etcd binary (make etcd)")
		}
		t.Skip("no etcd binary (make etcd)")
	}
	dir := t.TempDir()
	ca := newTestCA(t, dir)
	srvCert, srvKey := ca.issue(t, "etcd-member", 2)
	cliCert, cliKey := ca.issue(t, "dynago-node", 3)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	pair, err := tls.LoadX509KeyPair(cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}
	c, err := etcdtest.StartTLSCluster(filepath.Join(dir, "etcd"), 1, tc,
		"--cert-file="+srvCert, "--key-file="+srvKey, "--trusted-ca-file="+filepath.Join(dir, "ca.pem"), "--client-cert-auth")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	hostPort := strings.TrimPrefix(c.Endpoints[0], "https://")

	open := func(ec EtcdConfig) (storage.Engine, error) {
		cfg := Config{Addr: "127.0.0.1:0", Store: "etcd://" + hostPort, Etcd: ec}
		cfg.Defaults()
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		return openEtcd(&cfg)
	}
	roundTrip := func(eng storage.Engine) error {
		defer eng.Close()
		ctx := context.Background()
		if err := eng.Update(ctx, func(tx storage.Tx) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
			return err
		}
		return eng.View(ctx, func(tx storage.ReadTx) error {
			_, err := tx.Get([]byte("k"))
			return err
		})
	}
	tlsOpts := EtcdConfig{CACert: filepath.Join(dir, "ca.pem"), Cert: cliCert, Key: cliKey, Prefix: "tls/"}
	eng, err := open(tlsOpts)
	if err != nil {
		t.Fatalf("open over TLS: %v", err)
	}
	if err := roundTrip(eng); err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	// Without the client certificate the member refuses the connection.
	noCert := tlsOpts
	noCert.Cert, noCert.Key = "", ""
	if eng, err := open(noCert); err == nil {
		eng.Close()
		t.Fatal("opened without a client certificate")
	}

	// etcd's auth: a root user with a password.
	cli, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	if _, err := cli.UserAdd(ctx, "root", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	withUser := tlsOpts
	withUser.User = "root:s3cret"
	eng, err = open(withUser)
	if err != nil {
		t.Fatalf("open with user root: %v", err)
	}
	if err := roundTrip(eng); err != nil {
		t.Fatalf("as user root: %v", err)
	}
	wrong := tlsOpts
	wrong.User, wrong.Password = "root", "wrong"
	if eng, err := open(wrong); err == nil {
		eng.Close()
		t.Fatal("opened with a wrong password")
	}
}
