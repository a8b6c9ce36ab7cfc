package pebble

import (
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// walExtendStep is how far ahead of its writes a new write-ahead log file is
// extended (see walExtendFS).
const walExtendStep = 1 << 20

// walExtendFS makes the write-ahead log cheaper to sync. Pebble appends to a
// new WAL file, so the file's size changes with every write, and every
// fdatasync must also write the inode: on the development VM (ext4, virtio
// disk) an appending fdatasync took 160-180 µs and 75-105 µs of CPU, one
// into space already part of the file 105-110 µs and 50-65 µs
// (BenchmarkFdatasync). So the file is extended (fallocate, which sets the
// size and reads as zeros) walExtendStep at a time ahead of the writes;
// only the sync after an extension writes the inode.
//
// This is the state Pebble itself puts a WAL in when it recycles an old log
// file (whose tail holds old records): its reader stops at the first chunk
// that is not of this log, zeros included, and the WAL that ended with
// such a tail is always the last one (Pebble closes a WAL, with an EOF
// trailer, before it creates the next, and flushes what it replayed at
// open before it creates a new one). The crash test and the storage
// contract run with it.
//
// Only files Pebble creates or recycles as WALs are touched (a recycled one
// when writes pass its old size); a file system without fallocate gets
// plain appends.
type walExtendFS struct{ vfs.FS }

func (fs walExtendFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil || category != "pebble-wal" || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	fd := f.Fd()
	if fd == vfs.InvalidFd {
		return f, nil
	}
	return &walExtendFile{File: f, fd: int(fd)}, nil
}

// ReuseForWrite wraps a recycled WAL file, written from its start, so that
// writes past its old size extend it too.
func (fs walExtendFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil || category != "pebble-wal" || !strings.HasSuffix(newname, ".log") {
		return f, err
	}
	fd := f.Fd()
	fi, serr := f.Stat()
	if fd == vfs.InvalidFd || serr != nil {
		return f, nil
	}
	return &walExtendFile{File: f, fd: int(fd), allocated: fi.Size()}, nil
}

// walExtendFile is a WAL file written sequentially by Pebble's log writer
// (one goroutine).
type walExtendFile struct {
	vfs.File
	fd        int
	offset    int64 // where the next Write goes
	allocated int64 // the file's size, as extended
	disabled  bool  // fallocate failed: append
}

func (f *walExtendFile) Write(p []byte) (int, error) {
	if end := f.offset + int64(len(p)); end > f.allocated && !f.disabled {
		n := (end - f.allocated + walExtendStep - 1) / walExtendStep * walExtendStep
		if err := extendFile(f.fd, f.allocated, n); err != nil {
			f.disabled = true
		} else {
			f.allocated += n
		}
	}
	n, err := f.File.Write(p)
	f.offset += int64(n)
	return n, err
}
