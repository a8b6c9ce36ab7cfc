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
// write and an fdatasync, as one durable write costs when it shares its
// fsync with nobody. Besides the time, it reports the CPU the process spent
// per sync (cpu-ns/op; on the development VM 60-100 µs, most of the
// difference between durable and --sync=false writes). "append" grows the
// file, as a new WAL in Pebble does (the file's size changes with every
// sync, one more write for the file system); "overwrite" writes into a file
// already written and synced, as a recycled WAL does; "fallocate" extends
// the file's size ahead of the writes, as Dynago's WAL files do
// (walExtendStep). Run it with the data
// directory's file system: DYNAGO_FSYNC_DIR=/path go test ...
func BenchmarkFdatasync(b *testing.B) {
	for _, mode := range []string{"append", "overwrite", "fallocate"} {
		b.Run(mode, func(b *testing.B) {
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
			const rec = 300
			if mode == "overwrite" {
				// Room for b.N records, written and synced beforehand.
				if _, err := f.Write(make([]byte, (b.N+1)*rec)); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			buf := make([]byte, rec)
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			b.ResetTimer()
			allocated := int64(0)
			for i := 0; i < b.N; i++ {
				if end := int64(i+1) * rec; mode == "fallocate" && end > allocated {
					if err := syscall.Fallocate(int(f.Fd()), 0, allocated, walExtendStep); err != nil {
						b.Fatal(err)
					}
					allocated += walExtendStep
				}
				if _, err := f.WriteAt(buf, int64(i)*rec); err != nil {
					b.Fatal(err)
				}
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
