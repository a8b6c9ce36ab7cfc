package memory

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/storage"
)

// versions returns the number of records and of versions in the tree.
func (e *Engine) versions() (records, versions int) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	e.tree.Ascend(func(r *record) bool {
		records++
		versions += len(r.versions)
		return true
	})
	return records, versions
}

func set(t *testing.T, e *Engine, key, value string) {
	t.Helper()
	err := e.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Set([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, e *Engine, key string) {
	t.Helper()
	err := e.Update(context.Background(), func(tx storage.Tx) error { return tx.Delete([]byte(key)) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestGarbageCollection(t *testing.T) {
	e := New()
	defer e.Close()
	const keys, rounds = 50, 100
	for r := range rounds {
		for k := range keys {
			set(t, e, fmt.Sprintf("k%02d", k), fmt.Sprint(r))
		}
	}
	// Without open snapshots, old versions are collected, up to a backlog
	// bounded by gcMinBacklog records.
	if recs, vers := e.versions(); recs != keys || vers > keys+gcMinBacklog {
		t.Fatalf("after %d overwrites of %d keys: %d records, %d versions", rounds, keys, recs, vers)
	}
	for k := range keys {
		del(t, e, fmt.Sprintf("k%02d", k))
	}
	e.mu.Lock()
	for r := range e.garbage {
		e.collectLocked(r)
	}
	e.mu.Unlock()
	if recs, vers := e.versions(); recs != 0 || vers != 0 {
		t.Fatalf("after deleting everything: %d records, %d versions; want none", recs, vers)
	}
}

func TestGarbageCollectionKeepsSnapshot(t *testing.T) {
	e := New()
	defer e.Close()
	set(t, e, "k", "old")
	set(t, e, "gone", "old")
	inView := make(chan struct{})
	release := make(chan struct{})
	viewed := make(chan error)
	go func() {
		viewed <- e.View(context.Background(), func(tx storage.ReadTx) error {
			close(inView)
			<-release
			for _, key := range []string{"k", "gone"} {
				v, err := tx.Get([]byte(key))
				if err != nil || string(v) != "old" {
					return fmt.Errorf("snapshot read of %s = %q, %v; want old", key, v, err)
				}
			}
			return nil
		})
	}()
	<-inView
	for i := range 3 * gcMinBacklog {
		set(t, e, "k", fmt.Sprint(i))
		set(t, e, fmt.Sprintf("other%05d", i), "x")
		set(t, e, fmt.Sprintf("other%05d", i), "y")
	}
	del(t, e, "gone")
	close(release)
	if err := <-viewed; err != nil {
		t.Fatal(err)
	}
}
