package server

import (
	"slices"
	"strings"
	"testing"
)

func TestEtcdStoreConfig(t *testing.T) {
	eps, ok := etcdEndpoints("etcd://h1:2379, h2:2379,,h3:2379/")
	if !ok || !slices.Equal(eps, []string{"h1:2379", "h2:2379", "h3:2379"}) {
		t.Fatalf("etcdEndpoints = %q, %v", eps, ok)
	}
	for _, tc := range []struct {
		cfg  Config
		want string // part of the error; "" for none
	}{
		{Config{Addr: "127.0.0.1:0", Store: "etcd://h1:2379"}, ""},
		{Config{Addr: "127.0.0.1:0", Store: "tikv://h1"}, "want etcd://"},
		{Config{Addr: "127.0.0.1:0", Store: "etcd://"}, "names no etcd endpoint"},
		{Config{Addr: "127.0.0.1:0", Store: "etcd://h1:2379", InMemory: true}, "exclusive"},
		{Config{Addr: "127.0.0.1:0", Store: "etcd://h1:2379", Etcd: EtcdConfig{Cert: "c.pem"}}, "go together"},
	} {
		tc.cfg.Defaults()
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.cfg.Store, err, tc.want)
		}
	}
}
