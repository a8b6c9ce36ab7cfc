package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dynago/dynago/storage/etcd/etcdtest"
)

// etcdStore is the --store of the servers startServer starts when the
// suite runs on etcd: DYNAGO_E2E_ETCD=1 starts a three-member etcd cluster
// for the run (bin/etcd, see `make etcd`); DYNAGO_E2E_ETCD=host:port,...
// uses a running one. Every server gets a fresh key prefix.
var etcdStore string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	switch env := os.Getenv("DYNAGO_E2E_ETCD"); env {
	case "", "0":
	case "1":
		dir, err := os.MkdirTemp("", "dynago-e2e-etcd")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		c, err := etcdtest.StartCluster(dir, 3)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e: starting etcd:", err)
			return 1
		}
		defer c.Stop()
		etcdStore = "etcd://" + strings.Join(c.Endpoints, ",")
	default:
		etcdStore = "etcd://" + env
	}
	return m.Run()
}

// etcdPrefix is a fresh key prefix for one server.
func etcdPrefix() string {
	var b [8]byte
	rand.Read(b[:])
	return "e2e/" + hex.EncodeToString(b[:]) + "/"
}
