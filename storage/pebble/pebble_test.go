package pebble

import (
	"io"
	"log/slog"
	"testing"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openT(t testing.TB, dir string, opts Options) *Engine {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	e, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return e
}

func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return openT(t, t.TempDir(), Options{}) })
}

func TestContractNoSync(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return openT(t, t.TempDir(), Options{NoSync: true}) })
}

func TestContractInMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return openT(t, "", Options{InMemory: true}) })
}

func TestDurable(t *testing.T) {
	storagetest.RunDurable(t, func(t *testing.T, dir string) storage.Engine { return openT(t, dir, Options{}) })
}

func TestDurableNoSync(t *testing.T) {
	storagetest.RunDurable(t, func(t *testing.T, dir string) storage.Engine { return openT(t, dir, Options{NoSync: true}) })
}

func BenchmarkSync(b *testing.B) {
	storagetest.Benchmark(b, func(tb testing.TB) storage.Engine { return openT(tb, tb.TempDir(), Options{}) })
}

// BenchmarkSyncAppendWAL is BenchmarkSync with WAL files growing by
// appends, as Pebble writes them without walExtendFS: compare the two.
func BenchmarkSyncAppendWAL(b *testing.B) {
	storagetest.Benchmark(b, func(tb testing.TB) storage.Engine { return openT(tb, tb.TempDir(), Options{appendWAL: true}) })
}

func BenchmarkNoSync(b *testing.B) {
	storagetest.Benchmark(b, func(tb testing.TB) storage.Engine { return openT(tb, tb.TempDir(), Options{NoSync: true}) })
}

func FuzzEngine(f *testing.F) {
	storagetest.Fuzz(f, func(t *testing.T) storage.Engine { return openT(t, "", Options{InMemory: true}) })
}
