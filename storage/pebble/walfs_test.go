package pebble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dynago/dynago/storage"
)

// TestWALExtended checks that the write-ahead log is extended ahead of its
// writes (and nothing else is), and that a copy of the directory taken
// while the engine runs, as a crash would leave it (a WAL without its EOF
// trailer, ending in zeros), opens with every acknowledged write. The
// second case rotates (and so recycles) WAL files many times.
func TestWALExtended(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fallocate is Linux's")
	}
	t.Run("one WAL", func(t *testing.T) { testWALExtended(t, 0, 3000, true) })
	t.Run("recycled WALs", func(t *testing.T) { testWALExtended(t, 1<<20, 40000, true) })
	t.Run("no fallocate", func(t *testing.T) {
		// A file system without fallocate: plain appends, the same data.
		defer func(f func(int, int64, int64) error) { extendFile = f }(extendFile)
		extendFile = func(int, int64, int64) error { return errors.New("fallocate: operation not supported") }
		testWALExtended(t, 0, 3000, false)
	})
}

func testWALExtended(t *testing.T, memtable uint64, n int, extended bool) {
	dir := t.TempDir()
	e, err := Open(dir, Options{Logger: quiet, MemTableSize: memtable})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	const perUpdate = 10
	for i := 0; i < n; i += perUpdate {
		if err := e.Update(ctx, func(tx storage.Tx) error {
			for j := i; j < i+perUpdate; j++ {
				if err := tx.Set(fmt.Appendf(nil, "k%05d", j), []byte(strings.Repeat("v", 200))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	wals := 0
	for _, de := range entries {
		fi, err := de.Info()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(de.Name(), ".log") {
			wals++
			if extended && (fi.Size() == 0 || fi.Size()%walExtendStep != 0) {
				t.Errorf("WAL %s: size %d, want a non-zero multiple of %d", de.Name(), fi.Size(), walExtendStep)
			}
			if !extended && fi.Size()%walExtendStep == 0 {
				t.Errorf("WAL %s: size %d: extended although fallocate failed", de.Name(), fi.Size())
			}
		} else if fi.Size() >= walExtendStep && !strings.HasSuffix(de.Name(), ".sst") {
			t.Errorf("%s: size %d: only WAL files should be extended", de.Name(), fi.Size())
		}
	}
	if wals == 0 {
		t.Fatal("no WAL file")
	}

	// The crash image: copy every file while the engine is open.
	img := t.TempDir()
	for _, de := range entries {
		if de.IsDir() {
			continue
		}
		copyFile(t, filepath.Join(dir, de.Name()), filepath.Join(img, de.Name()))
	}
	c, err := Open(img, Options{Logger: quiet})
	if err != nil {
		t.Fatalf("open the crash image: %v", err)
	}
	defer c.Close()
	got := 0
	if err := c.View(ctx, func(tx storage.ReadTx) error {
		return tx.Scan([]byte("k"), []byte("l"), false, func(k, v []byte) (bool, error) {
			got++
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("crash image holds %d of the %d acknowledged writes", got, n)
	}
	// And it takes writes again.
	if err := c.Update(ctx, func(tx storage.Tx) error { return tx.Set([]byte("after"), []byte("x")) }); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
