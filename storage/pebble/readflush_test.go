package pebble

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dynago/dynago/storage"
)

func rfKey(p, s int) []byte { return []byte(fmt.Sprintf("t/p%05d/s%02d", p, s)) }

// rewrite writes partitions x 10 keys, rounds times over; the value of each
// key in round r is "r<r>" padded to 200 bytes.
func rewrite(t testing.TB, e *Engine, partitions, rounds int) {
	t.Helper()
	for r := 0; r < rounds; r++ {
		val := fmt.Appendf(make([]byte, 0, 200), "r%d", r)
		val = val[:200]
		for p := 0; p < partitions; p++ {
			err := e.Update(context.Background(), func(tx storage.Tx) error {
				for s := 0; s < 10; s++ {
					if err := tx.Set(rfKey(p, s), val); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// scanPartition scans partition p and returns the number of keys,
// checking every value is from round want.
func scanPartition(t testing.TB, e *Engine, p int, want string) int {
	t.Helper()
	n := 0
	err := e.View(context.Background(), func(tx storage.ReadTx) error {
		return tx.Scan(rfKey(p, 0), rfKey(p+1, 0), false, func(k, v []byte) (bool, error) {
			if got := string(v[:len(want)]); got != want || (len(v) > len(want) && v[len(want)] != 0) {
				return false, fmt.Errorf("%s = %q..., want %q", k, v[:8], want)
			}
			n++
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// visited returns how many entries a scan of partition p steps over.
func visited(t testing.TB, e *Engine, p int) uint64 {
	t.Helper()
	it, err := e.db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for ok := it.SeekGE(rfKey(p, 0)); ok && string(it.Key()) < string(rfKey(p+1, 0)); ok = it.Next() {
	}
	return it.Stats().InternalStats.PointCount
}

func TestReadTriggeredFlush(t *testing.T) {
	e := openT(t, t.TempDir(), Options{NoSync: true})
	defer e.Close()
	const partitions, rounds = 100, 40
	rewrite(t, e, partitions, rounds)
	if v := visited(t, e, 7); v < 10*rounds {
		t.Fatalf("a scan of 10 keys written %d times visits %d entries; the test needs them in the memtable", rounds, v)
	}
	flushesBefore := e.db.Metrics().Flush.Count
	want := fmt.Sprintf("r%d", rounds-1)
	// Each scan steps over 390 dead entries: the flush starts after 169.
	start := time.Now()
	for i := 0; i < 400; i++ {
		if n := scanPartition(t, e, i%partitions, want); n != 10 {
			t.Fatalf("scan %d: %d keys, want 10", i, n)
		}
	}
	if got, limit := e.readFlush.flushes.Load(), 1+uint64(time.Since(start)/readFlushInterval); got < 1 || got > limit {
		t.Fatalf("read-triggered flushes = %d, want 1..%d", got, limit)
	}
	deadline := time.Now().Add(30 * time.Second)
	for e.db.Metrics().Flush.Count == flushesBefore || visited(t, e, 7) > 11 {
		if time.Now().After(deadline) {
			t.Fatalf("no flush: %d flushes, a scan visits %d entries", e.db.Metrics().Flush.Count, visited(t, e, 7))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for p := 0; p < partitions; p++ {
		if n := scanPartition(t, e, p, want); n != 10 {
			t.Fatalf("after the flush, partition %d: %d keys, want 10", p, n)
		}
	}
}

func TestReadFlushNotForLiveData(t *testing.T) {
	e := openT(t, t.TempDir(), Options{NoSync: true})
	defer e.Close()
	rewrite(t, e, 1000, 1)
	flushesBefore := e.db.Metrics().Flush.Count
	for i := 0; i < 20000; i++ { // 200,000 keys read, each once in the memtable
		if n := scanPartition(t, e, i%1000, "r0"); n != 10 {
			t.Fatalf("scan %d: %d keys", i, n)
		}
	}
	if got := e.readFlush.flushes.Load(); got != 0 {
		t.Fatalf("read-triggered flushes = %d, want 0", got)
	}
	if got := e.db.Metrics().Flush.Count; got != flushesBefore {
		t.Fatalf("flushes %d -> %d", flushesBefore, got)
	}
}

// TestReadFlushPolicy drives noteScan directly: a flush needs
// readFlushDead dead entries, more dead entries than live keys, and
// readFlushInterval since the last one.
func TestReadFlushPolicy(t *testing.T) {
	for _, c := range []struct {
		name        string
		keys, dead  uint64 // per scan
		scans       int
		wantFlushes bool
	}{
		{"live data", 10, 0, 100000, false},
		{"one dead entry per scan of 10", 10, 1, 100000, false},
		{"as many dead entries as live", 10, 10, 20000, true},
		{"fewer dead than live", 100, 90, 2000, false},
		{"just under the threshold", 0, readFlushDead - 1, 1, false},
		{"at the threshold", 0, readFlushDead, 1, true},
		{"tombstones only, over and over", 0, 5000, 2000, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := openT(t, t.TempDir(), Options{NoSync: true})
			defer e.Close()
			start := time.Now()
			for i := 0; i < c.scans; i++ {
				e.noteScan(c.keys, c.keys+c.dead)
			}
			elapsed := time.Since(start)
			got := e.readFlush.flushes.Load()
			if !c.wantFlushes {
				if got != 0 {
					t.Fatalf("%d flushes, want none", got)
				}
				return
			}
			if limit := 1 + uint64(elapsed/readFlushInterval); got < 1 || got > limit {
				t.Fatalf("%d flushes in %v, want 1..%d", got, elapsed, limit)
			}
		})
	}
}

func TestReadFlushAfterClose(t *testing.T) {
	e := openT(t, t.TempDir(), Options{NoSync: true})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e.noteScan(0, readFlushDead) // must not touch the closed DB
	if got := e.readFlush.flushes.Load(); got != 0 {
		t.Fatalf("%d flushes after Close", got)
	}
}

// BenchmarkScanVersions scans 10 keys (a Query's page) after every key was
// written once (fresh) or rewritten six times, with and without
// read-triggered flushes.
func BenchmarkScanVersions(b *testing.B) {
	for _, c := range []struct {
		name    string
		rounds  int
		noFlush bool
	}{{"fresh", 1, false}, {"rewritten6", 6, false}, {"rewritten6-noreadflush", 6, true}} {
		b.Run(c.name, func(b *testing.B) {
			e := openT(b, b.TempDir(), Options{NoSync: true, noReadFlush: c.noFlush})
			defer e.Close()
			rewrite(b, e, 1000, c.rounds)
			want := fmt.Sprintf("r%d", c.rounds-1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if n := scanPartition(b, e, rand.IntN(1000), want); n != 10 {
					b.Fatal(n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(visited(b, e, 500)), "entries/scan")
		})
	}
}
