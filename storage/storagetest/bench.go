package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/dynago/dynago/storage"
)

// benchKeys is the number of keys the benchmarks preload; benchValue is
// the size of each value.
const (
	benchKeys  = 10000
	benchValue = 100
)

func benchKey(i int) []byte { return fmt.Appendf(nil, "bench/%08d", i) }

// Benchmark runs the engine benchmarks. open must return a new, empty
// engine; Benchmark closes it.
//
//   - UpdateGetSet: Update reading one key and writing it back, serially
//     and from 8 goroutines per CPU (b.RunParallel) on random keys.
//   - ViewGet: View with one Get, serially and in parallel.
//   - Scan100: View scanning 100 consecutive keys.
func Benchmark(b *testing.B, open func(tb testing.TB) storage.Engine) {
	ctx := context.Background()
	setup := func(b *testing.B) storage.Engine {
		e := open(b)
		b.Cleanup(func() { e.Close() })
		value := bytes.Repeat([]byte{'v'}, benchValue)
		for start := 0; start < benchKeys; start += 1000 {
			err := e.Update(ctx, func(tx storage.Tx) error {
				for i := start; i < start+1000; i++ {
					if err := tx.Set(benchKey(i), value); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		return e
	}
	getSet := func(key []byte) func(tx storage.Tx) error {
		return func(tx storage.Tx) error {
			v, err := tx.Get(key)
			if err != nil {
				return err
			}
			nv := append([]byte(nil), v...)
			nv[0]++
			return tx.Set(key, nv)
		}
	}
	b.Run("UpdateGetSet/serial", func(b *testing.B) {
		e := setup(b)
		i := 0
		for b.Loop() {
			if err := e.Update(ctx, getSet(benchKey(i%benchKeys))); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("UpdateGetSet/parallel", func(b *testing.B) {
		e := setup(b)
		// Writers wait on fsync, not CPU: run several per CPU so that
		// engines can share fsyncs among them.
		b.SetParallelism(8)
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(seed.Add(1), 1))
			for pb.Next() {
				if err := e.Update(ctx, getSet(benchKey(r.IntN(benchKeys)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	get := func(key []byte) func(tx storage.ReadTx) error {
		return func(tx storage.ReadTx) error {
			_, err := tx.Get(key)
			return err
		}
	}
	b.Run("ViewGet/serial", func(b *testing.B) {
		e := setup(b)
		i := 0
		for b.Loop() {
			if err := e.View(ctx, get(benchKey(i%benchKeys))); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ViewGet/parallel", func(b *testing.B) {
		e := setup(b)
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(seed.Add(1), 2))
			for pb.Next() {
				if err := e.View(ctx, get(benchKey(r.IntN(benchKeys)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Scan100", func(b *testing.B) {
		e := setup(b)
		i := 0
		for b.Loop() {
			start := benchKey(i % (benchKeys - 100))
			n := 0
			err := e.View(ctx, func(tx storage.ReadTx) error {
				return tx.Scan(start, nil, false, func(k, v []byte) (bool, error) {
					n++
					return n < 100, nil
				})
			})
			if err != nil || n != 100 {
				b.Fatalf("Scan: %d keys, %v", n, err)
			}
			i++
		}
	})
}
