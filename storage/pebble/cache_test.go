package pebble

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/storage"
)

// Pebble charges live memtables to the block cache. With full memtables
// live, reads must still be served from cached blocks, not decompressed
// from the files on every Get (as they were when the cache had no room
// beyond the memtables).
func TestBlockCacheSurvivesFullMemtables(t *testing.T) {
	const memtable = 1 << 20
	e, err := Open(t.TempDir(), Options{NoSync: true, CacheSize: 1 << 20, MemTableSize: memtable, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	key := func(i int) []byte { return fmt.Appendf(nil, "k%06d", i) }
	val := make([]byte, 200)
	const n = 4000
	put := func(from, to int) {
		t.Helper()
		if err := e.Update(ctx, func(tx storage.Tx) error {
			for i := from; i < to; i++ {
				if err := tx.Set(key(i), val); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(0, n)
	if err := e.db.Flush(); err != nil { // the keys now live in a file
		t.Fatal(err)
	}
	// Overwrite until the memtables have grown to their full size and a
	// full one is live next to the mutable one.
	for round := 0; e.db.Metrics().MemTable.Size < 2*memtable && round < 200; round++ {
		put(0, n)
	}
	if got := e.db.Metrics().MemTable.Size; got < memtable {
		t.Fatalf("memtables hold %d bytes; the test needs at least %d", got, memtable)
	}
	read := func() {
		t.Helper()
		for i := 0; i < n; i += 7 {
			if err := e.View(ctx, func(tx storage.ReadTx) error {
				_, err := tx.Get(key(i))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read() // warm the cache
	before := e.db.Metrics().BlockCache
	read()
	after := e.db.Metrics().BlockCache
	hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
	if hits < 4*misses { // about 9 in 10 hits when it works, none when it does not
		t.Fatalf("second pass over the same keys: %d block cache hits, %d misses (memtables %d bytes)",
			hits, misses, e.db.Metrics().MemTable.Size)
	}
}
