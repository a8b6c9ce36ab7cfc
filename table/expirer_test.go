package table

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/wire"
)

// ttlTable creates a table with TTL on attribute "exp" holding n items, of
// which the first expiring ones expire in 5 seconds, the others in an hour.
func ttlTable(t testing.TB, db *DB, name string, n, expiring int) {
	t.Helper()
	ctx := context.Background()
	createStreamedTable(t, db, name, "")
	_, err := db.UpdateTimeToLive(ctx, &wire.UpdateTimeToLiveInput{TableName: sp(name),
		TimeToLiveSpecification: &wire.TimeToLiveSpecification{AttributeName: sp("exp"), Enabled: wire.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	now := db.cfg.Now().Unix()
	for i := range n {
		exp := now + 3600
		if i < expiring {
			exp = now + 5
		}
		putTestItem(t, db, name, ddb.Item{"pk": ddb.S(fmt.Sprintf("item-%07d", i)), "exp": ddb.N(strconv.FormatInt(exp, 10)),
			"pad": ddb.S("a payload of a few dozen bytes, like an item")})
	}
}

// TestExpireRoundCost measures expirer rounds (expireTable) on tables of
// 10,000 and 100,000 items of which 1,000 have expired, then an idle round
// on each: a round costs time in proportion to the expired items, not to
// the table. Skipped with -short and under the race detector.
func TestExpireRoundCost(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("loads 110,000 items")
	}
	ctx := context.Background()
	fc := &fakeClock{t: time.Now()}
	eng := &countingEngine{Engine: memory.New()}
	db, err := Open(eng, Config{TTLInterval: time.Hour, Now: fc.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		eng.Close()
	})
	// round runs one expiry round and returns how many items it deleted
	// and how many stored keys it read: the work measure (time is not,
	// on a shared machine).
	round := func(name string) (deleted int, read int64) {
		t.Helper()
		ts := db.lookup(name)
		before := eng.reads.Load()
		start := time.Now()
		n, err := db.expireTable(ctx, ts, db.cfg.Now())
		if err != nil {
			t.Fatal(err)
		}
		read = eng.reads.Load() - before
		t.Logf("%s: round deleted %d items, read %d keys in %v", name, n, read, time.Since(start))
		return n, read
	}
	var busy, idle []int64
	for _, size := range []int{10_000, 100_000} {
		name := fmt.Sprintf("cost_%d", size)
		ttlTable(t, db, name, size, 1000)
		fc.add(10 * time.Second)
		n, r := round(name)
		if n != 1000 {
			t.Fatalf("%s: round deleted %d items, want 1000", name, n)
		}
		n2, r2 := round(name)
		if n2 != 0 {
			t.Fatalf("%s: a second round deleted %d more", name, n2)
		}
		busy, idle = append(busy, r), append(idle, r2)
	}
	// A round reads what it deletes (a few keys per expired item: the
	// expiry-index entry, the item, the catalog), whatever the table's size;
	// an idle round reads next to nothing.
	if busy[1] != busy[0] {
		t.Errorf("a round read %d keys on 100,000 items but %d on 10,000: not proportional to the expired items", busy[1], busy[0])
	}
	if busy[0] > 10*1000 {
		t.Errorf("a round read %d keys to delete 1,000 items", busy[0])
	}
	if idle[1] > 10 {
		t.Errorf("an idle round read %d keys", idle[1])
	}
}

// countingEngine counts the keys transactions read (Get calls and keys
// visited by Scan).
type countingEngine struct {
	storage.Engine
	reads atomic.Int64
}

type countingTx struct {
	storage.Tx
	reads *atomic.Int64
}

type countingReadTx struct {
	storage.ReadTx
	reads *atomic.Int64
}

func (e *countingEngine) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	return e.Engine.Update(ctx, func(tx storage.Tx) error { return fn(countingTx{tx, &e.reads}) })
}

func (e *countingEngine) View(ctx context.Context, fn func(tx storage.ReadTx) error) error {
	return e.Engine.View(ctx, func(tx storage.ReadTx) error { return fn(countingReadTx{tx, &e.reads}) })
}

func (t countingTx) Get(k []byte) ([]byte, error) { t.reads.Add(1); return t.Tx.Get(k) }
func (t countingTx) Scan(lo, hi []byte, rev bool, fn func(k, v []byte) (bool, error)) error {
	return t.Tx.Scan(lo, hi, rev, func(k, v []byte) (bool, error) { t.reads.Add(1); return fn(k, v) })
}
func (t countingReadTx) Get(k []byte) ([]byte, error) { t.reads.Add(1); return t.ReadTx.Get(k) }
func (t countingReadTx) Scan(lo, hi []byte, rev bool, fn func(k, v []byte) (bool, error)) error {
	return t.ReadTx.Scan(lo, hi, rev, func(k, v []byte) (bool, error) { t.reads.Add(1); return fn(k, v) })
}

// TestTTLBackfillAndDisable: items that exist when TTL is enabled are
// indexed by the backfill and expire; disabling TTL clears the index.
// (UpdateTimeToLive wakes the background round; the test waits for it.)
func TestTTLBackfillAndDisable(t *testing.T) {
	ctx := context.Background()
	db := openStreamTestDB(t, Config{TTLInterval: time.Hour, TTLCooldown: -1})
	createStreamedTable(t, db, "bf", "")
	now := db.cfg.Now().Unix()
	for i := range 2500 {
		exp := now + 3600
		if i%10 == 0 {
			exp = now - 1
		}
		putTestItem(t, db, "bf", ddb.Item{"pk": ddb.S(strconv.Itoa(i)), "exp": ddb.N(strconv.FormatInt(exp, 10))})
	}
	update := func(on bool) {
		t.Helper()
		_, err := db.UpdateTimeToLive(ctx, &wire.UpdateTimeToLiveInput{TableName: sp("bf"),
			TimeToLiveSpecification: &wire.TimeToLiveSpecification{AttributeName: sp("exp"), Enabled: wire.Ptr(on)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	entries := func() int {
		n := 0
		prefix := expiryPrefix(db.lookup("bf").meta.ID)
		if err := db.eng.View(ctx, func(tx storage.ReadTx) error {
			return tx.Scan(prefix, keycodec.PrefixEnd(prefix), false, func(_, _ []byte) (bool, error) { n++; return true, nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	settle := func(done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !done() && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	update(true)
	settle(func() bool { return db.statsFor(db.lookup("bf").meta.ID).items.Load() == 2250 })
	if !db.lookup("bf").meta.TTL.Indexed {
		t.Fatal("backfill did not mark the index complete")
	}
	if n := entries(); n != 2250 {
		t.Errorf("%d expiry entries after the backfill and a round, want 2250", n)
	}
	if st := db.statsFor(db.lookup("bf").meta.ID); st.items.Load() != 2250 {
		t.Errorf("item count %d after expiry, want 2250", st.items.Load())
	}
	update(false)
	settle(func() bool { return !db.lookup("bf").meta.TTL.Stale })
	if n := entries(); n != 0 || db.lookup("bf").meta.TTL.Stale {
		t.Errorf("%d expiry entries after disabling (stale=%v)", n, db.lookup("bf").meta.TTL.Stale)
	}
}
