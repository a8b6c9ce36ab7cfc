package table

// Benchmarks and a memory measurement of the read path: Query and Scan
// through DB (no HTTP), on the default engine (Pebble, on disk).
//
// The cost per item of a Query returning 100 items and of a full Scan:
//
//	go test ./table -run '^$' -bench 'Query100|ScanFull' -benchtime 3s
//
// Scanning a table much larger than a page keeps memory bounded by the
// page: ScanMemory pages through DYNAGO_SCAN_GB gigabytes of 4 KB items and
// reports the peak Go heap and process RSS while it does. It is skipped
// unless DYNAGO_SCAN_GB is set, so it stays out of `go test ./...`; see
// scripts/scan-memory.sh.
//
//	DYNAGO_SCAN_GB=1 go test ./table -run '^$' -bench ScanMemory -benchtime 1x -timeout 1h -v

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/wire"
)

// benchTable opens a DB on Pebble in dir and creates table (pk S, sk N).
func benchTable(b *testing.B, dir, name string) (*DB, *pebble.Engine, *Meta) {
	b.Helper()
	eng, err := pebble.Open(dir, pebble.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	db, err := Open(eng, Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		eng.Close()
	})
	if db.lookup(name) == nil {
		createPKSKTable(b, db, name)
	}
	return db, eng, db.lookup(name).meta
}

// createPKSKTable creates table (pk S, sk N), the key of benchItem.
func createPKSKTable(t testing.TB, db *DB, name string) {
	t.Helper()
	_, err := db.CreateTable(context.Background(), &wire.CreateTableInput{
		TableName: qsStr(name),
		AttributeDefinitions: []wire.AttributeDefinition{
			{AttributeName: qsStr("pk"), AttributeType: qsStr("S")},
			{AttributeName: qsStr("sk"), AttributeType: qsStr("N")},
		},
		KeySchema: []wire.KeySchemaElement{
			{AttributeName: qsStr("pk"), KeyType: qsStr("HASH")},
			{AttributeName: qsStr("sk"), KeyType: qsStr("RANGE")},
		},
		BillingMode: qsStr("PAY_PER_REQUEST"),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bulkLoad writes items straight into the store (as PutItem would store
// them), many per transaction.
func bulkLoad(b testing.TB, eng storage.Engine, m *Meta, n int, item func(i int) ddb.Item) {
	b.Helper()
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		err := eng.Update(context.Background(), func(tx storage.Tx) error {
			for i := lo; i < min(n, lo+batch); i++ {
				it := item(i)
				k := keycodec.AppendItemKey(nil, m.ID, 0, it["pk"], it["sk"])
				if err := tx.Set(k, itemcodec.Append(nil, it)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchItem(pk string, sk int, pad []byte) ddb.Item {
	return ddb.Item{"pk": ddb.S(pk), "sk": ddb.N(strconv.Itoa(sk)), "n": ddb.N(strconv.Itoa(sk * 7)), "v": ddb.S(string(pad))}
}

// A Query returning 100 items of about 200 bytes from a table of 100,000.
func BenchmarkQuery100(b *testing.B) {
	db, eng, m := benchTable(b, b.TempDir(), "bench")
	pad := bytes.Repeat([]byte("v"), 180)
	bulkLoad(b, eng, m, 100000, func(i int) ddb.Item { return benchItem("p"+strconv.Itoa(i/100), i%100, pad) })
	ctx := context.Background()
	for _, sel := range []string{"ALL_ATTRIBUTES", "COUNT"} {
		b.Run(sel, func(b *testing.B) {
			in := &wire.QueryInput{TableName: qsStr("bench"), KeyConditionExpression: qsStr("pk = :p"),
				ExpressionAttributeValues: wire.Item{":p": ddb.S("p500")}, Select: qsStr(sel)}
			b.ReportAllocs()
			for b.Loop() {
				out, err := db.Query(ctx, in)
				if err != nil || out.Count != 100 {
					b.Fatalf("%v %v", out, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/item")
		})
	}
}

// A full Scan, page by page (1 MB pages), of items of about 200 bytes.
func BenchmarkScanFull(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			db, eng, m := benchTable(b, b.TempDir(), "bench")
			pad := bytes.Repeat([]byte("v"), 180)
			bulkLoad(b, eng, m, n, func(i int) ddb.Item { return benchItem("p"+strconv.Itoa(i/10), i%10, pad) })
			ctx := context.Background()
			b.ReportAllocs()
			pages := 0
			for b.Loop() {
				in := &wire.ScanInput{TableName: qsStr("bench")}
				got := 0
				for {
					out, err := db.Scan(ctx, in)
					if err != nil {
						b.Fatal(err)
					}
					got += int(out.Count)
					pages++
					if out.LastEvaluatedKey == nil {
						break
					}
					in.ExclusiveStartKey = out.LastEvaluatedKey
				}
				if got != n {
					b.Fatalf("scanned %d items, want %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
			b.ReportMetric(float64(pages)/float64(b.N), "pages")
		})
	}
}

// memSampler records the peak of the Go heap (bytes in live and not yet
// swept objects) and of the process's resident set while it runs.
type memSampler struct {
	stop       chan struct{}
	done       sync.WaitGroup
	peakHeap   atomic.Uint64
	peakRSS    atomic.Uint64
	sampleHeap []metrics.Sample
}

func startMemSampler() *memSampler {
	s := &memSampler{stop: make(chan struct{}), sampleHeap: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memSampler) sample() {
	metrics.Read(s.sampleHeap)
	if h := s.sampleHeap[0].Value.Uint64(); h > s.peakHeap.Load() {
		s.peakHeap.Store(h)
	}
	if r := rss(); r > s.peakRSS.Load() {
		s.peakRSS.Store(r)
	}
}

func (s *memSampler) close() {
	close(s.stop)
	s.done.Wait()
}

// rss returns the process's resident set size (Linux), or 0.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(string(f[1]), 10, 64)
	return pages * uint64(os.Getpagesize())
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

const mib = 1 << 20

// ScanMemory: see the top of the file.
func BenchmarkScanMemory(b *testing.B) {
	gb, _ := strconv.ParseFloat(os.Getenv("DYNAGO_SCAN_GB"), 64)
	if gb <= 0 {
		b.Skip("set DYNAGO_SCAN_GB (e.g. 1) to run; see scripts/scan-memory.sh")
	}
	dir := os.Getenv("DYNAGO_SCAN_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, eng, m := benchTable(b, dir, "scanmem")
	const itemBytes = 4096
	n := int(gb * (1 << 30) / itemBytes)
	loaded := dir + "/loaded-" + strconv.Itoa(n)
	if _, err := os.Stat(loaded); err != nil {
		// Incompressible 4 KB items (so that the store really holds 1 GB).
		start := time.Now()
		r := rand.New(rand.NewPCG(1, 2))
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		pad := make([]byte, itemBytes-len("pk")-8-len("sk")-3-len("n")-3-len("v"))
		bulkLoad(b, eng, m, n, func(i int) ddb.Item {
			for j := range pad {
				pad[j] = letters[r.IntN(len(letters))]
			}
			return benchItem(fmt.Sprintf("p%07d", i), i%1000, pad)
		})
		if err := os.WriteFile(loaded, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d items of %d bytes (%.2f GB) in %v", n, itemBytes, float64(n)*itemBytes/(1<<30), time.Since(start).Round(time.Second))
	}

	ctx := context.Background()
	for b.Loop() {
		runtime.GC()
		baseHeap, baseRSS := heapObjects(), rss()
		s := startMemSampler()
		start := time.Now()
		in := &wire.ScanInput{TableName: qsStr("scanmem")}
		items, pages, maxPage := 0, 0, 0
		var read int
		for {
			out, err := db.Scan(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			items += int(out.Count)
			pages++
			page := 0
			all, err := out.AllItems()
			if err != nil {
				b.Fatal(err)
			}
			for _, it := range all {
				page += ddb.Item(it).Size()
			}
			read += page
			maxPage = max(maxPage, page)
			if out.LastEvaluatedKey == nil {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		elapsed := time.Since(start)
		s.close()
		if items != n {
			b.Fatalf("scanned %d items, want %d", items, n)
		}
		b.Logf("scanned %d items (%.2f GB) in %d pages in %v (%.0f MB/s, %.0f ns/item); largest page %.2f MB",
			items, float64(read)/(1<<30), pages, elapsed.Round(time.Millisecond), float64(read)/mib/elapsed.Seconds(),
			float64(elapsed.Nanoseconds())/float64(items), float64(maxPage)/mib)
		b.Logf("Go heap (objects): %.1f MB before, peak %.1f MB during the scan (+%.1f MB)",
			float64(baseHeap)/mib, float64(s.peakHeap.Load())/mib, float64(s.peakHeap.Load()-min(baseHeap, s.peakHeap.Load()))/mib)
		b.Logf("process RSS: %.1f MB before, peak %.1f MB during the scan", float64(baseRSS)/mib, float64(s.peakRSS.Load())/mib)
		b.ReportMetric(float64(s.peakHeap.Load())/mib, "peak-heap-MB")
		b.ReportMetric(float64(s.peakRSS.Load())/mib, "peak-RSS-MB")
		b.ReportMetric(float64(read)/mib, "MB-scanned")
	}
}

// BenchmarkCountTable is the scan that computes a table's ItemCount and
// TableSizeBytes when the table is first seen after start-up.
func BenchmarkCountTable(b *testing.B) {
	const n = 100000
	db, eng, m := benchTable(b, b.TempDir(), "bench")
	pad := bytes.Repeat([]byte("v"), 180)
	bulkLoad(b, eng, m, n, func(i int) ddb.Item { return benchItem("p"+strconv.Itoa(i/10), i%10, pad) })
	b.ReportAllocs()
	for b.Loop() {
		st := db.statsFor(m.ID)
		st.items.Store(0)
		st.bytes.Store(0)
		db.bg.Add(1)
		db.countTable(m)
		if got := st.items.Load(); got != n {
			b.Fatalf("counted %d items, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
}

// BenchmarkDropTableData is the background deletion of a deleted table's
// items, in chunks.
func BenchmarkDropTableData(b *testing.B) {
	const n = 100000
	pad := bytes.Repeat([]byte("v"), 180)
	for b.Loop() {
		b.StopTimer()
		db, eng, m := benchTable(b, b.TempDir(), "bench")
		bulkLoad(b, eng, m, n, func(i int) ddb.Item { return benchItem("p"+strconv.Itoa(i/10), i%10, pad) })
		b.StartTimer()
		if err := db.dropTableData(context.Background(), m.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
}
