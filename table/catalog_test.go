package table

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/wire"
)

// catalogReadCounter counts the catalog entries read inside Update
// functions, and reports the wrapped engine's SerialUpdates.
type catalogReadCounter struct {
	storage.Engine
	reads atomic.Int64
}

type catalogReadTx struct {
	storage.Tx
	reads *atomic.Int64
}

func (e *catalogReadCounter) SerialUpdates() bool { return storage.SerialUpdates(e.Engine) }

func (e *catalogReadCounter) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	return e.Engine.Update(ctx, func(tx storage.Tx) error { return fn(catalogReadTx{tx, &e.reads}) })
}

func (t catalogReadTx) Get(k []byte) ([]byte, error) {
	if bytes.HasPrefix(k, []byte{keycodec.PrefixCatalog}) {
		t.reads.Add(1)
	}
	return t.Tx.Get(k)
}

// TestCheckTableCatalogChanges: a write notices every change of its table's
// catalog entry (update, delete, re-create, an index becoming ACTIVE), on
// every engine; on a serial engine (Pebble) it reads the entry only when the
// catalog changed since it last found it current.
func TestCheckTableCatalogChanges(t *testing.T) {
	engines := map[string]func(t *testing.T) storage.Engine{
		"memory": func(t *testing.T) storage.Engine { return memory.New() },
		"pebble": func(t *testing.T) storage.Engine {
			e, err := pebble.Open(t.TempDir(), pebble.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			return e
		},
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			inner := open(t)
			defer inner.Close()
			eng := &catalogReadCounter{Engine: inner}
			db, err := Open(eng, Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			serial := name == "pebble"
			if db.serial != serial {
				t.Fatalf("serial = %v, want %v", db.serial, serial)
			}
			ctx := context.Background()
			create := func() {
				t.Helper()
				_, err := db.CreateTable(ctx, &wire.CreateTableInput{
					TableName:            sp("t"),
					AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: sp("pk"), AttributeType: sp("S")}},
					KeySchema:            []wire.KeySchemaElement{{AttributeName: sp("pk"), KeyType: sp("HASH")}},
					BillingMode:          sp("PAY_PER_REQUEST"),
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			check := func(ts *tableState) error {
				return eng.Update(ctx, func(tx storage.Tx) error { return db.checkTable(tx, ts) })
			}
			put := func(pk string) {
				t.Helper()
				_, err := db.PutItem(ctx, &wire.PutItemInput{TableName: sp("t"),
					Item: wire.Item{"pk": ddb.S(pk), "g": ddb.S("x")}})
				if err != nil {
					t.Fatal(err)
				}
			}
			wantReads := func(serialN, otherN int64) {
				t.Helper()
				want := otherN
				if serial {
					want = serialN
				}
				if got := eng.reads.Swap(0); got != want {
					t.Fatalf("catalog reads in writes = %d, want %d", got, want)
				}
			}

			create()
			ts1 := db.lookup("t")
			eng.reads.Store(0)
			for range 2 {
				if err := check(ts1); err != nil {
					t.Fatal(err)
				}
			}
			put("a")
			put("b")
			wantReads(1, 4)

			// A catalog write that fails (deletion protection off: nothing
			// to change is fine too) leaves the entry as it was.
			if _, err := db.UpdateTable(ctx, &wire.UpdateTableInput{TableName: sp("t"),
				StreamSpecification: &wire.StreamSpecification{StreamEnabled: boolp(false)}}); err == nil {
				t.Fatal("disabling a stream that is not enabled succeeded")
			}
			if err := check(ts1); err != nil {
				t.Fatal(err)
			}

			// UpdateTable: the old entry is stale, the new one current.
			if _, err := db.UpdateTable(ctx, &wire.UpdateTableInput{TableName: sp("t"),
				StreamSpecification: &wire.StreamSpecification{StreamEnabled: boolp(true), StreamViewType: sp("KEYS_ONLY")}}); err != nil {
				t.Fatal(err)
			}
			if err := check(ts1); !errors.Is(err, errCatalogChanged) {
				t.Fatalf("after UpdateTable: %v, want errCatalogChanged", err)
			}
			ts2 := db.lookup("t")
			if err := check(ts2); err != nil {
				t.Fatal(err)
			}
			put("c")
			eng.reads.Store(0)

			// An index finishing its backfill changes the entry too.
			epoch := db.catalogEpoch.Load()
			if _, err := db.UpdateTable(ctx, createGSIRequest("t", "byG", "g")); err != nil {
				t.Fatal(err)
			}
			ts3 := db.lookup("t") // the index CREATING, unless the backfill already finished
			creating := ts3.meta.GSIs[0].Status != StatusActive
			if err := check(ts3); err != nil && !errors.Is(err, errCatalogChanged) {
				t.Fatal(err)
			}
			waitIndexActive(t, db, "t", "byG")
			if got := db.catalogEpoch.Load(); got < epoch+2 {
				t.Fatalf("catalog epoch %d after UpdateTable and the backfill, want at least %d", got, epoch+2)
			}
			if err := check(ts3); creating && !errors.Is(err, errCatalogChanged) {
				t.Fatalf("after the backfill: %v, want errCatalogChanged", err)
			}
			ts4 := db.lookup("t")
			put("d")
			eng.reads.Store(0)

			// DeleteTable, then CreateTable with the same name.
			if _, err := db.DeleteTable(ctx, &wire.DeleteTableInput{TableName: sp("t")}); err != nil {
				t.Fatal(err)
			}
			var de *ddb.Error
			if err := check(ts4); !errors.As(err, &de) || de.Type != ddb.ErrResourceNotFound {
				t.Fatalf("after DeleteTable: %v, want ResourceNotFoundException", err)
			}
			create()
			if err := check(ts4); !errors.Is(err, errCatalogChanged) {
				t.Fatalf("after re-creating the table: %v, want errCatalogChanged", err)
			}
			eng.reads.Store(0)
			put("e")
			put("f")
			wantReads(1, 2)
		})
	}
}

// TestCatalogWatchOrder: on a shared engine a node caches its own catalog
// commits at once and hears of every commit, its own included, later from
// the watch. A watched state older than the cached one (an earlier write of
// the table, or an earlier table of the same name) must not replace it: it
// did, and a node answered DescribeTimeToLive with the state before its own
// UpdateTimeToLive.
func TestCatalogWatchOrder(t *testing.T) {
	db := openTestDB(t, memory.New(), nil)
	ctx := context.Background()
	createTestTable(t, db, "w")
	states := [][]byte{db.lookup("w").raw}
	for _, enabled := range []bool{true, false} {
		if _, err := db.updateMeta(ctx, "w", func(m *Meta) error {
			m.DeletionProtection = enabled
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		states = append(states, db.lookup("w").raw)
	}
	rev := func() uint64 { return db.lookup("w").meta.Rev }
	if rev() != 2 {
		t.Fatalf("Rev after two writes = %d", rev())
	}
	// The watch delivers the commits in order, late.
	for i, raw := range states {
		db.applyCatalogChange("w", raw)
		if !bytes.Equal(db.lookup("w").raw, states[2]) {
			t.Fatalf("after the watched state %d the cache holds Rev %d, want 2", i, rev())
		}
	}
	// Another node's later write is taken.
	m, err := unmarshalMeta(states[2])
	if err != nil {
		t.Fatal(err)
	}
	m.Rev, m.DeletionProtection = 3, true
	later, err := m.marshal()
	if err != nil {
		t.Fatal(err)
	}
	db.applyCatalogChange("w", later)
	if rev() != 3 {
		t.Fatalf("a later watched state was not taken: Rev %d", rev())
	}

	// Deleted and created again: the new table has a larger id, and the
	// old table's states are older whatever their Rev.
	if _, err := db.DeleteTable(ctx, &wire.DeleteTableInput{TableName: sp("w")}); err != nil {
		t.Fatal(err)
	}
	createTestTable(t, db, "w")
	newID := db.lookup("w").meta.ID
	db.applyCatalogChange("w", later)
	if id := db.lookup("w").meta.ID; id != newID {
		t.Fatalf("the deleted table's state replaced the new table's: id %d, want %d", id, newID)
	}
}
