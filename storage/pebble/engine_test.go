package pebble

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/dynago/dynago/storage"
)

// walSyncInjector acts on syncs of write-ahead log files once armed: it
// blocks them until released, or fails them.
type walSyncInjector struct {
	armed   atomic.Bool
	fail    atomic.Bool
	entered chan struct{} // receives once per blocked sync
	release chan struct{} // closed to let blocked syncs proceed
	synced  atomic.Int64  // WAL syncs completed while armed
}

func newWALSyncInjector() *walSyncInjector {
	return &walSyncInjector{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (w *walSyncInjector) String() string { return "walSyncInjector" }

func (w *walSyncInjector) MaybeError(op errorfs.Op) error {
	if !w.armed.Load() || !strings.HasSuffix(op.Path, ".log") {
		return nil
	}
	switch op.Kind {
	case errorfs.OpFileSync, errorfs.OpFileSyncData, errorfs.OpFileSyncTo:
	default:
		return nil
	}
	if w.fail.Load() {
		return errors.New("injected WAL sync failure")
	}
	w.entered <- struct{}{}
	<-w.release
	w.synced.Add(1)
	return nil
}

func put(t *testing.T, e *Engine, key, value string) error {
	t.Helper()
	return e.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Set([]byte(key), []byte(value))
	})
}

// TestViewWaitsForDurability checks that a write Pebble has made visible
// but not yet fsync'd is not observed by a View (nor by a read-only
// Update) before the fsync completes.
func TestViewWaitsForDurability(t *testing.T) {
	inj := newWALSyncInjector()
	e := openT(t, "db", Options{fs: errorfs.Wrap(vfs.NewMem(), inj)})
	defer e.Close()
	if err := put(t, e, "k", "old"); err != nil {
		t.Fatal(err)
	}

	inj.armed.Store(true)
	updated := make(chan error)
	go func() { updated <- put(t, e, "k", "new") }()
	<-inj.entered // the WAL sync of the Update has started and is held
	// Wait until Pebble itself shows the write to readers.
	for {
		v, closer, err := e.db.Get([]byte("k"))
		if err == nil {
			visible := string(v) == "new"
			closer.Close()
			if visible {
				break
			}
		}
		time.Sleep(time.Millisecond)
	}

	var wg sync.WaitGroup
	var viewSaw, updateSaw string
	var viewSynced, updateSynced int64
	wg.Go(func() {
		err := e.View(context.Background(), func(tx storage.ReadTx) error {
			v, err := tx.Get([]byte("k"))
			viewSaw = string(v)
			viewSynced = inj.synced.Load()
			return err
		})
		if err != nil {
			t.Errorf("View: %v", err)
		}
	})
	wg.Go(func() {
		err := e.Update(context.Background(), func(tx storage.Tx) error {
			v, err := tx.Get([]byte("k"))
			updateSaw = string(v)
			return err
		})
		updateSynced = inj.synced.Load()
		if err != nil {
			t.Errorf("read-only Update: %v", err)
		}
	})
	// Give a wrong implementation the chance to read before the sync. A
	// correct one is blocked here whatever the timing.
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-updated:
		t.Fatalf("Update returned (%v) before its WAL sync completed", err)
	default:
	}
	close(inj.release)
	if err := <-updated; err != nil {
		t.Fatalf("Update: %v", err)
	}
	wg.Wait()
	if viewSaw == "new" && viewSynced == 0 {
		t.Error("View observed a write before its WAL sync completed")
	}
	if updateSaw == "new" && updateSynced == 0 {
		t.Error("read-only Update returned a write before its WAL sync completed")
	}
}

// TestWALSyncFailure checks that the engine stops acknowledging writes,
// and refuses reads that could see a lost write, once an fsync fails.
func TestWALSyncFailure(t *testing.T) {
	inj := newWALSyncInjector()
	e := openT(t, "db", Options{fs: errorfs.Wrap(vfs.NewMem(), inj)})
	if err := put(t, e, "before", "1"); err != nil {
		t.Fatal(err)
	}
	inj.fail.Store(true)
	inj.armed.Store(true)
	if err := put(t, e, "lost", "1"); err == nil {
		t.Fatal("Update acknowledged although its WAL sync failed")
	}
	inj.armed.Store(false)
	if err := put(t, e, "after", "1"); err == nil {
		t.Fatal("Update acknowledged after an earlier WAL sync failure")
	}
	err := e.View(context.Background(), func(tx storage.ReadTx) error {
		_, err := tx.Get([]byte("lost"))
		return err
	})
	if err == nil {
		t.Fatal("View read a write whose WAL sync failed")
	}
	if err := e.Close(); err != nil {
		t.Logf("Close after failure: %v", err)
	}
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	e := openT(t, dir, Options{})
	defer e.Close()
	_, err := Open(dir, Options{Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open of a held directory = %v, want an in-use error", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := openT(t, dir, Options{}) // the lock is released by Close
	e2.Close()
}

func TestOpenNeedsDirectory(t *testing.T) {
	if _, err := Open("", Options{Logger: quiet}); err == nil {
		t.Fatal("Open without a directory succeeded")
	}
}

func TestInMemoryEnginesAreSeparate(t *testing.T) {
	a := openT(t, "", Options{InMemory: true})
	defer a.Close()
	b := openT(t, "", Options{InMemory: true})
	defer b.Close()
	if err := put(t, a, "k", "a"); err != nil {
		t.Fatal(err)
	}
	err := b.View(context.Background(), func(tx storage.ReadTx) error {
		_, err := tx.Get([]byte("k"))
		return err
	})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second in-memory engine sees the first one's key: %v", err)
	}
}
