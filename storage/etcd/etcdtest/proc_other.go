//go:build !linux

package etcdtest

import "syscall"

// dieWithParent: only Linux has a parent-death signal; elsewhere members
// are stopped by the cluster's Stop.
func dieWithParent() *syscall.SysProcAttr { return nil }
