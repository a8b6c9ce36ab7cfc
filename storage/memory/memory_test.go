package memory

import (
	"testing"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/storagetest"
)

func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return New() })
}

func BenchmarkEngine(b *testing.B) {
	storagetest.Benchmark(b, func(tb testing.TB) storage.Engine { return New() })
}

func FuzzEngine(f *testing.F) {
	storagetest.Fuzz(f, func(t *testing.T) storage.Engine { return New() })
}
