package etcdtest

import "syscall"

// dieWithParent makes a member die with the test process, even when the
// test is killed.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
