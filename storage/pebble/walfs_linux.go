package pebble

import "golang.org/x/sys/unix"

// extendFile allocates [off, off+n) of the file and extends its size to
// cover it (the new range reads as zeros). A variable for tests.
var extendFile = func(fd int, off, n int64) error {
	return unix.Fallocate(fd, 0, off, n)
}
