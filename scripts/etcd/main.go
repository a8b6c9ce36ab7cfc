// Command etcd is the etcd server, built from etcd's own Go module at the
// version go.mod names, for Dynago's tests and scripts: `make etcd` builds it
// into bin/etcd. It lives in a module of its own so that the etcd server's
// dependencies never enter Dynago's go.mod; Dynago itself needs only the
// client.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
