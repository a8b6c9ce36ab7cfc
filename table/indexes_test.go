package table

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/wire"
)

// ixTable creates a table keyed by pk (S) and sk (N) with two local and
// three global indexes of every projection type.
func ixTable(t *testing.T, db *DB, name string) *Meta {
	t.Helper()
	key := func(h, r string) []wire.KeySchemaElement {
		k := []wire.KeySchemaElement{{AttributeName: sp(h), KeyType: sp("HASH")}}
		if r != "" {
			k = append(k, wire.KeySchemaElement{AttributeName: sp(r), KeyType: sp("RANGE")})
		}
		return k
	}
	def := func(n, typ string) wire.AttributeDefinition {
		return wire.AttributeDefinition{AttributeName: sp(n), AttributeType: sp(typ)}
	}
	proj := func(typ string, attrs ...string) *wire.Projection {
		return &wire.Projection{ProjectionType: sp(typ), NonKeyAttributes: attrs}
	}
	_, err := db.CreateTable(context.Background(), &wire.CreateTableInput{
		TableName: sp(name),
		AttributeDefinitions: []wire.AttributeDefinition{def("pk", "S"), def("sk", "N"), def("l", "S"),
			def("g", "S"), def("h", "N")},
		KeySchema:   key("pk", "sk"),
		BillingMode: sp("PAY_PER_REQUEST"),
		LocalSecondaryIndexes: []wire.LocalSecondaryIndex{
			{IndexName: sp("lsiAll"), KeySchema: key("pk", "l"), Projection: proj("ALL")},
			{IndexName: sp("lsiKeys"), KeySchema: key("pk", "h"), Projection: proj("KEYS_ONLY")},
		},
		GlobalSecondaryIndexes: []wire.GlobalSecondaryIndex{
			{IndexName: sp("gAll"), KeySchema: key("g", ""), Projection: proj("ALL")},
			{IndexName: sp("gInc"), KeySchema: key("g", "h"), Projection: proj("INCLUDE", "x", "l")},
			{IndexName: sp("gSk"), KeySchema: key("h", "sk"), Projection: proj("KEYS_ONLY")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db.lookup(name).meta
}

// storeRange returns the keys and values of [lo, hi).
func storeRange(t *testing.T, eng storage.Engine, lo, hi []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := eng.View(context.Background(), func(tx storage.ReadTx) error {
		return tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
			out[string(k)] = string(v)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkIndexes compares every index of m with one rebuilt from the base
// table, and the item collection sizes with the partitions' contents.
func checkIndexes(t *testing.T, db *DB, eng storage.Engine, m *Meta) {
	t.Helper()
	lo, hi := keycodec.IndexBounds(m.ID, 0)
	base := storeRange(t, eng, lo, hi)
	collections := map[string]int64{}
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		want := map[string]string{}
		for _, v := range base {
			item, err := itemcodec.Decode([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			if k := entryKey(m, idx, item); k != nil {
				want[string(k)] = string(itemcodec.Append(nil, projectEntry(m, idx, item)))
			}
		}
		lo, hi := keycodec.IndexBounds(m.ID, idx.ID)
		got := storeRange(t, eng, lo, hi)
		if len(got) != len(want) {
			t.Fatalf("index %s: %d entries, want %d", idx.Name, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("index %s: entry %x is %x, want %x", idx.Name, k, got[k], v)
			}
		}
		return nil
	})
	if len(m.LSIs) > 0 {
		for _, v := range base {
			item, _ := itemcodec.Decode([]byte(v))
			collections[string(collectionKey(m, item["pk"]))] += collectionShare(m, item)
		}
		lo, hi := keycodec.IndexBounds(m.ID, collectionIndexID)
		got := storeRange(t, eng, lo, hi)
		if len(got) != len(collections) {
			t.Fatalf("%d collection counters, want %d", len(got), len(collections))
		}
		for k, want := range collections {
			v := []byte(got[k])
			if len(v) != 8 || int64(bytesToUint(v)) != want {
				t.Fatalf("collection %x: size %x, want %d", k, v, want)
			}
		}
	}
}

func bytesToUint(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// randIxItem returns a random item of ixTable's shape: index key
// attributes are often missing, sometimes of another type (allowed only
// before a global index exists, so the generator leaves those out).
func randIxItem(r *rand.Rand, pk string) ddb.Item {
	it := ddb.Item{"pk": ddb.S(pk), "sk": ddb.N(strconv.Itoa(r.IntN(8)))}
	if r.IntN(3) > 0 {
		it["l"] = ddb.S(string(rune('a' + r.IntN(5))))
	}
	if r.IntN(3) > 0 {
		it["g"] = ddb.S(string(rune('A' + r.IntN(4))))
	}
	if r.IntN(3) > 0 {
		it["h"] = ddb.N(strconv.Itoa(r.IntN(5)))
	}
	if r.IntN(2) > 0 {
		it["x"] = ddb.S(fmt.Sprint(r.IntN(100)))
	}
	if r.IntN(2) > 0 {
		it["y"] = ddb.N(strconv.Itoa(r.IntN(100)))
	}
	return it
}

// TestIndexMaintenance applies random puts, updates and deletes through
// every writing operation and checks after each that every index equals
// one rebuilt from the table, and that the collection sizes are right.
func TestIndexMaintenance(t *testing.T) {
	eng := memory.New()
	db := openTestDB(t, eng, nil)
	m := ixTable(t, db, "ix_m")
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	pks := []string{"p1", "p2", "p3"}
	for step := 0; step < 400; step++ {
		pk := pks[r.IntN(len(pks))]
		it := randIxItem(r, pk)
		key := wire.Item{"pk": it["pk"], "sk": it["sk"]}
		var err error
		switch r.IntN(6) {
		case 0:
			_, err = db.PutItem(ctx, &wire.PutItemInput{TableName: sp("ix_m"), Item: wire.Item(it)})
		case 1:
			_, err = db.DeleteItem(ctx, &wire.DeleteItemInput{TableName: sp("ix_m"), Key: key})
		case 2:
			vals := wire.Item{":x": ddb.S("u" + strconv.Itoa(r.IntN(3))), ":g": ddb.S("B")}
			_, err = db.UpdateItem(ctx, &wire.UpdateItemInput{TableName: sp("ix_m"), Key: key,
				UpdateExpression: sp("SET x = :x, g = :g REMOVE h"), ExpressionAttributeValues: vals})
		case 3:
			_, err = db.UpdateItem(ctx, &wire.UpdateItemInput{TableName: sp("ix_m"), Key: key,
				UpdateExpression: sp("REMOVE l, g")})
		case 4:
			it2 := randIxItem(r, pks[r.IntN(len(pks))])
			if it2["sk"].S == it["sk"].S && it2["pk"].S == it["pk"].S {
				it2["sk"] = ddb.N("100")
			}
			_, err = db.BatchWriteItem(ctx, &wire.BatchWriteItemInput{RequestItems: map[string][]wire.WriteRequest{"ix_m": {
				{PutRequest: &wire.PutRequest{Item: wire.Item(it)}},
				{DeleteRequest: &wire.DeleteRequest{Key: wire.Item{"pk": it2["pk"], "sk": it2["sk"]}}},
			}}})
		default:
			_, err = db.TransactWriteItems(ctx, &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{
				{Put: &wire.Put{TableName: sp("ix_m"), Item: wire.Item(it)}},
			}})
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		checkIndexes(t, db, eng, m)
	}
}

// fillTable puts n items into table name (keyed by pk, sk) in batches.
func fillTable(t *testing.T, db *DB, name string, n int, item func(i int) ddb.Item) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 25 {
		var reqs []wire.WriteRequest
		for j := i; j < min(i+25, n); j++ {
			reqs = append(reqs, wire.WriteRequest{PutRequest: &wire.PutRequest{Item: wire.Item(item(j))}})
		}
		if _, err := db.BatchWriteItem(ctx, &wire.BatchWriteItemInput{RequestItems: map[string][]wire.WriteRequest{name: reqs}}); err != nil {
			t.Fatal(err)
		}
	}
}

func createGSIRequest(table, index, attr string) *wire.UpdateTableInput {
	return &wire.UpdateTableInput{
		TableName:            sp(table),
		AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: sp(attr), AttributeType: sp("S")}},
		GlobalSecondaryIndexUpdates: []wire.GlobalSecondaryIndexUpdate{{Create: &wire.CreateGlobalSecondaryIndexAction{
			IndexName:  sp(index),
			KeySchema:  []wire.KeySchemaElement{{AttributeName: sp(attr), KeyType: sp("HASH")}},
			Projection: &wire.Projection{ProjectionType: sp("INCLUDE"), NonKeyAttributes: []string{"x"}},
		}}},
	}
}

// waitIndexActive waits until the index is ACTIVE and returns the table's
// catalog entry.
func waitIndexActive(t *testing.T, db *DB, table, index string) *Meta {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m := db.lookup(table).meta
		if idx, ok := m.index(index); ok && idx.Status == StatusActive {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("index %s did not become ACTIVE", index)
	return nil
}

// TestBackfillResume stops a backfill after a few chunks, reopens the DB on
// the same store and checks that the backfill resumes where it stopped and
// the finished index is exact.
func TestBackfillResume(t *testing.T) {
	eng := memory.New()
	db, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	createTestTable(t, db, "ix_r")
	fillTable(t, db, "ix_r", 1000, func(i int) ddb.Item {
		it := ddb.Item{"pk": ddb.S(fmt.Sprintf("k%04d", i)), "x": ddb.S("v")}
		if i%3 != 0 {
			it["f"] = ddb.S(fmt.Sprint(i % 7))
		}
		if i%10 == 0 {
			it["f"] = ddb.N("1") // of the wrong type: not indexed
		}
		return it
	})
	db.ix.chunkItems = 50
	// After the fourth chunk the backfill stops as at a shutdown, and stays
	// stopped: should the index loop start it again before db.Close, that
	// run stops after its first chunk.
	var chunks atomic.Int32
	stopped := make(chan struct{})
	db.ix.afterChunk = func(items int64) bool {
		switch n := chunks.Add(1); {
		case n == 4:
			close(stopped)
			return false
		case n > 4:
			return false
		}
		return true
	}
	in := &wire.UpdateTableInput{
		TableName:            sp("ix_r"),
		AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: sp("f"), AttributeType: sp("S")}},
		GlobalSecondaryIndexUpdates: []wire.GlobalSecondaryIndexUpdate{{Create: &wire.CreateGlobalSecondaryIndexAction{
			IndexName:  sp("byF"),
			KeySchema:  []wire.KeySchemaElement{{AttributeName: sp("f"), KeyType: sp("HASH")}},
			Projection: &wire.Projection{ProjectionType: sp("KEYS_ONLY")},
		}}},
	}
	if _, err := db.UpdateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	<-stopped
	// While the index is being created: no second index, no DeleteTable.
	in2 := createGSIRequest("ix_r", "byX", "x")
	_, err = db.UpdateTable(ctx, in2)
	wantDDBError(t, err, ddb.ErrLimitExceeded, "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	_, err = db.DeleteTable(ctx, &wire.DeleteTableInput{TableName: sp("ix_r")})
	wantDDBError(t, err, ddb.ErrResourceInUse, "Attempt to change a resource which is still in use: Table is being updated: ix_r")
	_, err = db.Scan(ctx, &wire.ScanInput{TableName: sp("ix_r"), IndexName: sp("byF")})
	wantDDBError(t, err, ddb.ErrValidation, "Cannot read from backfilling global secondary index: byF")
	d, err := db.DescribeTable(ctx, &wire.DescribeTableInput{TableName: sp("ix_r")})
	if err != nil {
		t.Fatal(err)
	}
	if g := d.Table.GlobalSecondaryIndexes[0]; g.IndexStatus != StatusCreating || g.Backfilling == nil || !*g.Backfilling || d.Table.TableStatus != StatusActive {
		t.Fatalf("described during the backfill: %s %+v", d.Table.TableStatus, g)
	}
	db.Close()
	m := db.lookup("ix_r").meta
	idx, _ := m.index("byF")
	if idx.Status != StatusCreating || !idx.Backfilling {
		t.Fatalf("status %s backfilling %v", idx.Status, idx.Backfilling)
	}
	rec := storeRange(t, eng, prefixBackfill, keycodec.PrefixEnd(prefixBackfill))
	if len(rec) != 1 {
		t.Fatalf("%d backfill records", len(rec))
	}
	for _, v := range rec {
		// 4 chunks of 50 items, plus one for each restart of the loop.
		var r backfillRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			t.Fatal(err)
		}
		if want := 50 * int64(chunks.Load()); r.Items != want || len(r.After) == 0 {
			t.Fatalf("backfill record %s after %d chunks", v, chunks.Load())
		}
	}

	db2, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	m = waitIndexActive(t, db2, "ix_r", "byF")
	checkIndexes(t, db2, eng, m)
	if n := len(storeRange(t, eng, prefixBackfill, keycodec.PrefixEnd(prefixBackfill))); n != 0 {
		t.Fatalf("%d backfill records left", n)
	}
	idx, _ = m.index("byF")
	if items, _ := db2.indexCounts(m.ID, idx); items != 600 {
		t.Fatalf("ItemCount %d, want 600", items)
	}
}

// TestBackfillWithWriters creates an index while writers keep changing
// items (and the index key), and checks the finished index is exact.
func TestBackfillWithWriters(t *testing.T) {
	eng := memory.New()
	db := openTestDB(t, eng, nil)
	ctx := context.Background()
	createTestTable(t, db, "ix_w")
	const n = 3000
	fillTable(t, db, "ix_w", n, func(i int) ddb.Item {
		return ddb.Item{"pk": ddb.S(fmt.Sprintf("k%05d", i)), "f": ddb.S(fmt.Sprint(i % 13)), "sk": ddb.S("s")}
	})
	db.ix.chunkItems = 64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("k%05d", r.IntN(n+200))
				var err error
				switch r.IntN(4) {
				case 0:
					_, err = db.DeleteItem(ctx, &wire.DeleteItemInput{TableName: sp("ix_w"), Key: wire.Item{"pk": ddb.S(k)}})
				case 1:
					_, err = db.UpdateItem(ctx, &wire.UpdateItemInput{TableName: sp("ix_w"), Key: wire.Item{"pk": ddb.S(k)},
						UpdateExpression: sp("REMOVE f")})
				default:
					_, err = db.UpdateItem(ctx, &wire.UpdateItemInput{TableName: sp("ix_w"), Key: wire.Item{"pk": ddb.S(k)},
						UpdateExpression: sp("SET f = :f, x = :x"), ExpressionAttributeValues: wire.Item{
							":f": ddb.S(fmt.Sprint(r.IntN(20))), ":x": ddb.S(fmt.Sprint(i))}})
				}
				if err != nil {
					t.Error(err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := db.UpdateTable(ctx, createGSIRequest("ix_w", "byF", "f")); err != nil {
		t.Fatal(err)
	}
	before := writes.Load()
	// The write path keeps running during the backfill.
	if _, err := db.Query(ctx, &wire.QueryInput{TableName: sp("ix_w"), IndexName: sp("byF"),
		KeyConditionExpression: sp("f = :f"), ExpressionAttributeValues: wire.Item{":f": ddb.S("1")}}); err == nil {
		t.Log("index already active")
	} else {
		wantDDBError(t, err, ddb.ErrValidation, "Cannot read from backfilling global secondary index: byF")
	}
	waitIndexActive(t, db, "ix_w", "byF")
	during := writes.Load() - before
	close(stop)
	wg.Wait()
	if during == 0 {
		t.Fatal("no write ran during the backfill")
	}
	t.Logf("%d writes during the backfill", during)
	checkIndexes(t, db, eng, db.lookup("ix_w").meta)
}

// TestIndexDelete deletes a global index and checks its entries go in
// the background and its name can be reused at once.
func TestIndexDelete(t *testing.T) {
	eng := memory.New()
	db := openTestDB(t, eng, nil)
	ctx := context.Background()
	createTestTable(t, db, "ix_d")
	fillTable(t, db, "ix_d", 2000, func(i int) ddb.Item {
		return ddb.Item{"pk": ddb.S(fmt.Sprintf("k%05d", i)), "f": ddb.S(fmt.Sprint(i % 13)), "sk": ddb.S("s")}
	})
	if _, err := db.UpdateTable(ctx, createGSIRequest("ix_d", "byF", "f")); err != nil {
		t.Fatal(err)
	}
	m := waitIndexActive(t, db, "ix_d", "byF")
	old, _ := m.index("byF")
	oldID := old.ID
	lo, hi := keycodec.IndexBounds(m.ID, oldID)
	if n := len(storeRange(t, eng, lo, hi)); n != 2000 {
		t.Fatalf("%d entries", n)
	}
	out, err := db.UpdateTable(ctx, &wire.UpdateTableInput{TableName: sp("ix_d"), GlobalSecondaryIndexUpdates: []wire.GlobalSecondaryIndexUpdate{
		{Delete: &wire.DeleteGlobalSecondaryIndexAction{IndexName: sp("byF")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.TableDescription.GlobalSecondaryIndexes; len(g) != 1 || g[0].IndexStatus != StatusDeleting {
		t.Fatalf("UpdateTable answer: %+v", g)
	}
	if len(db.lookup("ix_d").meta.AttrDefs) != 1 {
		t.Fatalf("attribute definitions %+v", db.lookup("ix_d").meta.AttrDefs)
	}
	if _, err := db.UpdateTable(ctx, createGSIRequest("ix_d", "byF", "f")); err != nil {
		t.Fatal(err)
	}
	m = waitIndexActive(t, db, "ix_d", "byF")
	deadline := time.Now().Add(10 * time.Second)
	for len(storeRange(t, eng, lo, hi)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("entries of the deleted index remain")
		}
		time.Sleep(5 * time.Millisecond)
	}
	checkIndexes(t, db, eng, m)
	keys := storeRange(t, eng, prefixDroppedIndex, keycodec.PrefixEnd(prefixDroppedIndex))
	if len(keys) != 0 {
		t.Fatalf("%d deletion records left", len(keys))
	}
}

func TestJavaHashSetOrder(t *testing.T) {
	// The order DynamoDB (Local) lists [zeta, alpha, l] in.
	got := javaHashSetOrder([]string{"zeta", "l", "alpha"})
	if fmt.Sprint(got) != "[zeta alpha l]" {
		t.Fatal(got)
	}
	var many []string
	for i := 0; i < 40; i++ {
		many = append(many, fmt.Sprint("attr", i))
	}
	got = javaHashSetOrder(many)
	sorted := append([]string(nil), got...)
	sort.Strings(sorted)
	if len(got) != 40 || sorted[0] != "attr0" {
		t.Fatal(got)
	}
}
