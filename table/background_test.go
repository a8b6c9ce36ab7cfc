package table

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/storage/pebble"
)

// TestCountTableAfterReopen: the ItemCount and TableSizeBytes a table gets
// when it is first seen after start-up come from a scan in pages; across
// several pages they are exact when nothing writes meanwhile.
func TestCountTableAfterReopen(t *testing.T) {
	dir := t.TempDir()
	eng, err := pebble.Open(dir, pebble.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	db, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	createPKSKTable(t, db, "count")
	m := db.lookup("count").meta
	const n = 3*countPage + 17
	var wantBytes int64
	item := func(i int) ddb.Item {
		return benchItem("p"+strconv.Itoa(i/10), i%10, bytes.Repeat([]byte("v"), i%300))
	}
	for i := 0; i < n; i++ {
		wantBytes += int64(item(i).Size())
	}
	bulkLoad(t, eng, m, n, item) // straight into the store: the running DB's counts do not see them
	db.Close()

	db, err = Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.statsFor(m.ID)
	for deadline := time.Now().Add(30 * time.Second); st.items.Load() != n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := st.items.Load(); got != n {
		t.Fatalf("ItemCount %d, want %d", got, n)
	}
	if got := st.bytes.Load(); got != wantBytes {
		t.Fatalf("TableSizeBytes %d, want %d", got, wantBytes)
	}
}

// TestDropTableData: the data of a deleted table goes in chunks, each
// resuming after the previous one, down to the last key, and then the
// table's deletion record.
func TestDropTableData(t *testing.T) {
	for _, n := range []int{0, 1, dropChunk - 1, dropChunk, 3*dropChunk + 5} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			eng := memory.New()
			db := openTestDB(t, eng, nil)
			createTestTable(t, db, "d")
			m := db.lookup("d").meta
			bulkLoad(t, eng, m, n, func(i int) ddb.Item {
				return ddb.Item{"pk": ddb.S(fmt.Sprintf("k%05d", i)), "sk": ddb.S("s")}
			})
			lo, hi := keycodec.AppendTablePrefix(nil, m.ID, 0), keycodec.AppendTablePrefix(nil, m.ID+1, 0)
			if got := len(storeRange(t, eng, lo, hi)); got != n {
				t.Fatalf("%d keys loaded, want %d", got, n)
			}
			if err := eng.Update(context.Background(), func(tx storage.Tx) error { return tx.Set(droppedKey(m.ID), nil) }); err != nil {
				t.Fatal(err)
			}
			if err := db.dropTableData(context.Background(), m.ID); err != nil {
				t.Fatal(err)
			}
			if left := storeRange(t, eng, lo, hi); len(left) != 0 {
				t.Fatalf("%d keys left", len(left))
			}
			if rec := storeRange(t, eng, droppedKey(m.ID), keycodec.Successor(droppedKey(m.ID))); len(rec) != 0 {
				t.Fatal("deletion record left")
			}
		})
	}
}
