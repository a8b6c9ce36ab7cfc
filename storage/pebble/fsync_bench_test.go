//go:build linux

package pebble

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkFdatasync measures the disk under the write-ahead log: a 300-byte
// append and an fdatasync, as one durable write costs when it shares its
// fsync with nobody. Besides the time, it reports the CPU the process spent
// per sync (cpu-ns/op; on the development VM about 100 µs, most of the
// difference between durable and --sync=false writes). Run it with the
// data directory's file system: DYNAGO_FSYNC_DIR=/path go test ...
func BenchmarkFdatasync(b *testing.B) {
	dir := os.Getenv("DYNAGO_FSYNC_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	f, err := os.CreateTemp(dir, "fsync-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, filepath.Base(f.Name())))
	defer f.Close()
	rec := make([]byte, 300)
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		if _, err := f.Write(rec); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
