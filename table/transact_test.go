package table

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/wire"
)

func sp(s string) *string { return &s }

// testEngine wraps an engine so that tests can make Update fail with
// storage.ErrConflict or hold it until released.
type testEngine struct {
	storage.Engine
	conflict atomic.Bool
	hold     atomic.Pointer[holdPoint]
}

// holdPoint stops the next Update whose context carries holdKey (so that
// background work, such as a token sweep, never takes it).
type holdPoint struct {
	entered chan struct{} // closed when an Update reaches the hold point
	release chan struct{} // close to let it go on
}

type holdKey struct{}

func (e *testEngine) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if e.conflict.Load() {
		return storage.ErrConflict
	}
	if ctx.Value(holdKey{}) == nil {
		return e.Engine.Update(ctx, fn)
	}
	if h := e.hold.Swap(nil); h != nil {
		close(h.entered)
		<-h.release
	}
	return e.Engine.Update(ctx, fn)
}

// testClock is a settable Config.Now.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openTestDB(t *testing.T, eng storage.Engine, clock *testClock) *DB {
	t.Helper()
	cfg := Config{}
	if clock != nil {
		cfg.Now = clock.Now
	}
	db, err := Open(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func createTestTable(t *testing.T, db *DB, name string) {
	t.Helper()
	_, err := db.CreateTable(context.Background(), &wire.CreateTableInput{
		TableName:            sp(name),
		AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: sp("pk"), AttributeType: sp("S")}},
		KeySchema:            []wire.KeySchemaElement{{AttributeName: sp("pk"), KeyType: sp("HASH")}},
		BillingMode:          sp("PAY_PER_REQUEST"),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantDDBError(t *testing.T, err error, typ, msg string) *ddb.Error {
	t.Helper()
	var de *ddb.Error
	if !errors.As(err, &de) {
		t.Fatalf("want %s %q, got %v", typ, msg, err)
	}
	if de.Type != typ || (msg != "" && de.Message != msg) {
		t.Fatalf("want %s %q, got %s %q", typ, msg, de.Type, de.Message)
	}
	return de
}

func putAction(table, pk, v string) wire.TransactWriteItem {
	return wire.TransactWriteItem{Put: &wire.Put{TableName: sp(table), Item: wire.Item{"pk": ddb.S(pk), "v": ddb.N(v)}}}
}

func addAction(table, pk string) wire.TransactWriteItem {
	return wire.TransactWriteItem{Update: &wire.Update{
		TableName: sp(table), Key: wire.Item{"pk": ddb.S(pk)},
		UpdateExpression:          sp("ADD n :one"),
		ExpressionAttributeValues: wire.Item{":one": ddb.N("1")},
	}}
}

func getTestItem(t *testing.T, db *DB, table, pk string) ddb.Item {
	t.Helper()
	out, err := db.GetItem(context.Background(), &wire.GetItemInput{TableName: sp(table), Key: wire.Item{"pk": ddb.S(pk)}})
	if err != nil {
		t.Fatal(err)
	}
	item, err := out.GotItem()
	if err != nil {
		t.Fatal(err)
	}
	return ddb.Item(item)
}

// TestStorageConflict: when the engine gives up serializing (ErrConflict),
// a transaction is cancelled with TransactionConflict reasons, a
// single-item write is TransactionConflictException, and a batch write
// hands every request back as unprocessed.
func TestStorageConflict(t *testing.T) {
	eng := &testEngine{Engine: memory.New()}
	db := openTestDB(t, eng, nil)
	createTestTable(t, db, "tx_c")
	ctx := context.Background()
	eng.conflict.Store(true)

	_, err := db.TransactWriteItems(ctx, &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{
		putAction("tx_c", "a", "1"), putAction("tx_c", "b", "2"),
	}})
	de := wantDDBError(t, err, ddb.ErrTransactionCanceled,
		"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, TransactionConflict]")
	for _, r := range de.CancellationReasons {
		if r.Message != "Transaction is ongoing for the item" {
			t.Fatalf("reason %+v", r)
		}
	}

	_, err = db.PutItem(ctx, &wire.PutItemInput{TableName: sp("tx_c"), Item: wire.Item{"pk": ddb.S("a")}})
	wantDDBError(t, err, ddb.ErrTransactionConflict, "Transaction is ongoing for the item")

	req := map[string][]wire.WriteRequest{"tx_c": {{PutRequest: &wire.PutRequest{Item: wire.Item{"pk": ddb.S("a")}}}}}
	out, err := db.BatchWriteItem(ctx, &wire.BatchWriteItemInput{RequestItems: req})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedItems["tx_c"]) != 1 {
		t.Fatalf("unprocessed %+v", out.UnprocessedItems)
	}

	eng.conflict.Store(false)
	if it := getTestItem(t, db, "tx_c", "a"); it != nil {
		t.Fatalf("a conflicting write was applied: %v", it)
	}
}

// TestTokenInProgress: a request whose token is still running on this node
// is TransactionInProgressException; once it completes, the same request is
// answered from the token record and applied only once.
func TestTokenInProgress(t *testing.T) {
	eng := &testEngine{Engine: memory.New()}
	db := openTestDB(t, eng, nil)
	createTestTable(t, db, "tx_p")
	ctx := context.WithValue(context.Background(), holdKey{}, true)
	in := &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{addAction("tx_p", "a")}, ClientRequestToken: sp("tok-1")}

	h := &holdPoint{entered: make(chan struct{}), release: make(chan struct{})}
	eng.hold.Store(h)
	first := make(chan error, 1)
	go func() {
		_, err := db.TransactWriteItems(ctx, in)
		first <- err
	}()
	<-h.entered
	_, err := db.TransactWriteItems(ctx, in)
	wantDDBError(t, err, ddb.ErrTransactionInProgress, "Transaction from previous request is still in progress")
	close(h.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n := getTestItem(t, db, "tx_p", "a")["n"]; n.S != "1" {
		t.Fatalf("n = %v, want 1", n)
	}
}

// TestTokenExpiry: a token is remembered for 10 minutes after its commit;
// then the same token is a new request, and the sweep removes the records.
func TestTokenExpiry(t *testing.T) {
	clock := &testClock{now: time.Unix(1_700_000_000, 0)}
	eng := memory.New()
	db := openTestDB(t, eng, clock)
	createTestTable(t, db, "tx_e")
	ctx := context.Background()
	in := &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{addAction("tx_e", "a")}, ClientRequestToken: sp("tok-e")}
	other := &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{addAction("tx_e", "b")}, ClientRequestToken: sp("tok-e")}

	if _, err := db.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	clock.Add(tokenTTL - time.Second)
	if _, err := db.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, err := db.TransactWriteItems(ctx, other)
	wantDDBError(t, err, ddb.ErrIdempotentParameterMismatch, "")
	if n := getTestItem(t, db, "tx_e", "a")["n"]; n.S != "1" {
		t.Fatalf("n = %v, want 1", n)
	}

	clock.Add(2 * time.Second) // expired: the token is free again
	if _, err := db.TransactWriteItems(ctx, other); err != nil {
		t.Fatal(err)
	}
	if n := getTestItem(t, db, "tx_e", "b")["n"]; n.S != "1" {
		t.Fatalf("b.n = %v, want 1", n)
	}

	// Another token, then everything expires and is swept.
	if _, err := db.TransactWriteItems(ctx, &wire.TransactWriteItemsInput{
		TransactItems: []wire.TransactWriteItem{addAction("tx_e", "c")}, ClientRequestToken: sp("tok-f"),
	}); err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(t, eng, prefixToken); n != 2 {
		t.Fatalf("%d token records, want 2", n)
	}
	if n := countPrefix(t, eng, prefixTokenExp); n != 2 {
		t.Fatalf("%d expiry entries, want 2 (the replaced record's entry is gone)", n)
	}
	clock.Add(tokenTTL)
	// A background sweep may get there first; either way nothing is left.
	n, err := db.sweepTokens(ctx, clock.Now())
	if err != nil || (n != 2 && n != 0) {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if n := countPrefix(t, eng, prefixToken) + countPrefix(t, eng, prefixTokenExp); n != 0 {
		t.Fatalf("%d token keys left after the sweep", n)
	}
}

func countPrefix(t *testing.T, eng storage.Engine, prefix []byte) int {
	t.Helper()
	n := 0
	hi := append([]byte(nil), prefix...)
	hi[len(hi)-1]++
	err := eng.View(context.Background(), func(tx storage.ReadTx) error {
		n = 0
		return tx.Scan(prefix, hi, false, func(k, v []byte) (bool, error) {
			n++
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTokenSurvivesRestart: the token record is in the store, written with
// the transaction, so a reopened store still knows it.
func TestTokenSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	in := &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{addAction("tx_r", "a")}, ClientRequestToken: sp("tok-r")}

	eng, err := pebble.Open(dir, pebble.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	createTestTable(t, db, "tx_r")
	if _, err := db.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	eng, err = pebble.Open(dir, pebble.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	db = openTestDB(t, eng, nil)
	if _, err := db.TransactWriteItems(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n := getTestItem(t, db, "tx_r", "a")["n"]; n.S != "1" {
		t.Fatalf("n = %v, want 1", n)
	}
	in.TransactItems[0] = addAction("tx_r", "b")
	_, err = db.TransactWriteItems(ctx, in)
	wantDDBError(t, err, ddb.ErrIdempotentParameterMismatch, "")
}

func TestRequestHash(t *testing.T) {
	a := []wire.TransactWriteItem{{Put: &wire.Put{
		TableName:           sp("t1"),
		Item:                wire.Item{"pk": ddb.S("x"), "s": ddb.SS([]string{"b", "a"}), "m": ddb.M(map[string]ddb.AttributeValue{"p": ddb.N("1"), "q": ddb.Bool(true)})},
		ConditionExpression: sp("attribute_not_exists(#p)"), ExpressionAttributeNames: map[string]string{"#p": "pk"},
	}}}
	b := []wire.TransactWriteItem{{Put: &wire.Put{
		TableName:           sp("t1"),
		Item:                wire.Item{"m": ddb.M(map[string]ddb.AttributeValue{"q": ddb.Bool(true), "p": ddb.N("1")}), "s": ddb.SS([]string{"a", "b"}), "pk": ddb.S("x")},
		ConditionExpression: sp("attribute_not_exists(#p)"), ExpressionAttributeNames: map[string]string{"#p": "pk"},
	}}}
	if string(requestHash(a)) != string(requestHash(b)) {
		t.Fatal("equal requests hash differently")
	}
	variants := []func(p *wire.Put){
		func(p *wire.Put) { p.TableName = sp("t2") },
		func(p *wire.Put) { p.Item["pk"] = ddb.S("y") },
		func(p *wire.Put) { p.Item["extra"] = ddb.Null() },
		func(p *wire.Put) { p.ConditionExpression = nil },
		func(p *wire.Put) { p.ExpressionAttributeNames = map[string]string{"#p": "v"} },
		func(p *wire.Put) { p.ReturnValuesOnConditionCheckFailure = sp("ALL_OLD") },
	}
	for i, change := range variants {
		c := *b[0].Put
		c.Item = wire.Item(ddb.Item(c.Item).Clone())
		change(&c)
		if string(requestHash(a)) == string(requestHash([]wire.TransactWriteItem{{Put: &c}})) {
			t.Errorf("variant %d hashes like the original", i)
		}
	}
	// The same item as a Delete is another request.
	d := []wire.TransactWriteItem{{Delete: &wire.Delete{TableName: sp("t1"), Key: wire.Item{"pk": ddb.S("x")}}}}
	c := []wire.TransactWriteItem{{ConditionCheck: &wire.ConditionCheck{TableName: sp("t1"), Key: wire.Item{"pk": ddb.S("x")}}}}
	if string(requestHash(d)) == string(requestHash(c)) {
		t.Error("Delete and ConditionCheck of the same key hash alike")
	}
}

// TestTransactCatalogChange: a table recreated between preparing and
// running a transaction is detected (checkTable) and the request prepared
// again for the new table.
func TestTransactCatalogChange(t *testing.T) {
	eng := &testEngine{Engine: memory.New()}
	db := openTestDB(t, eng, nil)
	createTestTable(t, db, "tx_k")
	ctx := context.Background()
	holdCtx := context.WithValue(ctx, holdKey{}, true)

	h := &holdPoint{entered: make(chan struct{}), release: make(chan struct{})}
	eng.hold.Store(h)
	done := make(chan error, 1)
	go func() {
		_, err := db.TransactWriteItems(holdCtx, &wire.TransactWriteItemsInput{TransactItems: []wire.TransactWriteItem{putAction("tx_k", "a", "1")}})
		done <- err
	}()
	<-h.entered
	// Recreate the table under the held transaction, bypassing the cache of
	// db by using a second DB on the same engine.
	db2 := openTestDB(t, eng.Engine, nil)
	if _, err := db2.DeleteTable(ctx, &wire.DeleteTableInput{TableName: sp("tx_k")}); err != nil {
		t.Fatal(err)
	}
	createTestTable(t, db2, "tx_k")
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if it := getTestItem(t, db2, "tx_k", "a"); it == nil {
		t.Fatal("the item was not written to the new table")
	}
}
