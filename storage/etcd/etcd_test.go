package etcd_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/etcd"
	"github.com/dynago/dynago/storage/etcd/etcdtest"
	"github.com/dynago/dynago/storage/storagetest"
)

// endpoints of the cluster the tests share: $DYNAGO_ETCD_ENDPOINTS
// (comma-separated), or a three-member cluster TestMain starts.
var endpoints []string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if env := os.Getenv("DYNAGO_ETCD_ENDPOINTS"); env != "" {
		endpoints = strings.Split(env, ",")
		return m.Run()
	}
	if etcdtest.Binary() == "" {
		if etcdtest.Required() {
			fmt.Fprintln(os.Stderr, "storage/etcd: no etcd binary: run `make etcd` (or set DYNAGO_ETCD_BIN or DYNAGO_ETCD_ENDPOINTS)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "storage/etcd: no etcd binary, skipping (run `make etcd`)")
		return m.Run() // every test skips
	}
	dir, err := os.MkdirTemp("", "dynago-etcd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	c, err := etcdtest.StartCluster(dir, 3)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Stop()
	endpoints = c.Endpoints
	return m.Run()
}

// open returns an engine on a fresh, unique prefix of the shared cluster,
// whose keys are deleted when the test ends.
func open(tb testing.TB, opts etcd.Options) *etcd.Engine {
	tb.Helper()
	if endpoints == nil {
		tb.Skip("no etcd cluster")
	}
	var b [8]byte
	rand.Read(b[:])
	opts.Endpoints = endpoints
	if opts.Prefix == "" {
		opts.Prefix = "test/" + hex.EncodeToString(b[:]) + "/"
	}
	e, err := etcd.Open(opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second})
		if err != nil {
			return
		}
		defer cli.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cli.Delete(ctx, opts.Prefix, clientv3.WithPrefix())
	})
	return e
}

func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return open(t, etcd.Options{}) })
}

// TestSmallLimits: with etcd's own default limits (128 operations per
// Txn), as on a cluster started without Dynago's recommended settings, a
// transaction at the limit commits and one beyond it fails with
// ErrTooLarge, checked by the engine before etcd sees it.
func TestSmallLimits(t *testing.T) {
	e := open(t, etcd.Options{MaxTxnOps: 128, MaxRequestBytes: 1536 * 1024})
	defer e.Close()
	write := func(reads, writes int) error {
		return e.Update(context.Background(), func(tx storage.Tx) error {
			for i := range reads {
				if _, err := tx.Get(fmt.Appendf(nil, "r%05d", i)); !errors.Is(err, storage.ErrNotFound) {
					return err
				}
			}
			for i := range writes {
				if err := tx.Set(fmt.Appendf(nil, "w%05d", i), nil); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := write(128, 128); err != nil {
		t.Fatalf("128 reads and 128 writes: %v", err)
	}
	for _, c := range [][2]int{{129, 1}, {0, 129}} {
		if err := write(c[0], c[1]); !errors.Is(err, storage.ErrTooLarge) {
			t.Fatalf("%d reads and %d writes: %v, want ErrTooLarge", c[0], c[1], err)
		}
	}
}

// TestServerRefusesTooLarge: when Dynago is told bigger limits than the
// cluster has, etcd's own refusal also surfaces as ErrTooLarge.
func TestServerRefusesTooLarge(t *testing.T) {
	e := open(t, etcd.Options{MaxTxnOps: 100000, MaxRequestBytes: 64 << 20})
	defer e.Close()
	err := e.Update(context.Background(), func(tx storage.Tx) error {
		for i := range 8193 { // the test cluster's --max-txn-ops is 8192
			if err := tx.Set(fmt.Appendf(nil, "k%05d", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, storage.ErrTooLarge) {
		t.Fatalf("Update of 8193 writes = %v, want ErrTooLarge", err)
	}
	err = e.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Set([]byte("big"), make([]byte, 9<<20)) // --max-request-bytes is 8 MiB
	})
	if !errors.Is(err, storage.ErrTooLarge) {
		t.Fatalf("Update of a 9 MiB value = %v, want ErrTooLarge", err)
	}
}

func FuzzEngine(f *testing.F) {
	storagetest.Fuzz(f, func(t *testing.T) storage.Engine { return open(t, etcd.Options{}) })
}

func BenchmarkEngine(b *testing.B) {
	storagetest.Benchmark(b, func(tb testing.TB) storage.Engine { return open(tb, etcd.Options{}) })
}

// TestUnknownOutcome: a commit that etcd does not answer in time (here:
// the whole cluster is stopped) is reported as ErrUnknownOutcome, and fn
// is not run again.
func TestUnknownOutcome(t *testing.T) {
	c := etcdtest.Start(t, 1)
	e, err := etcd.Open(etcd.Options{Endpoints: c.Endpoints, CommitTimeout: time.Second, Prefix: "unknown/"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	runs := 0
	err = e.Update(context.Background(), func(tx storage.Tx) error {
		runs++
		if _, err := tx.Get([]byte("a")); !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if runs == 1 {
			c.Stop()
		}
		return tx.Set([]byte("a"), []byte("1"))
	})
	if !errors.Is(err, storage.ErrUnknownOutcome) || runs != 1 {
		t.Fatalf("Update with etcd gone = %v after %d runs, want ErrUnknownOutcome after 1", err, runs)
	}
}

// TestWatch: changes made through one engine reach another's watch in
// order, deletions included.
func TestWatch(t *testing.T) {
	a := open(t, etcd.Options{})
	defer a.Close()
	b, err := etcd.Open(etcd.Options{Endpoints: endpoints, Prefix: a.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type event struct{ key, value string }
	events := make(chan event, 16)
	go b.Watch(ctx, []byte("cat/"), func(k, v []byte, reset bool) {
		if reset {
			events <- event{"reset", ""}
			return
		}
		if v == nil {
			events <- event{string(k), "<deleted>"}
			return
		}
		events <- event{string(k), string(v)}
	})
	select { // the watch starts with a reset
	case ev := <-events:
		if ev.key != "reset" {
			t.Fatalf("first event %v, want a reset", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reset")
	}
	put := func(k, v string) {
		t.Helper()
		if err := a.Update(ctx, func(tx storage.Tx) error {
			if v == "" {
				return tx.Delete([]byte(k))
			}
			return tx.Set([]byte(k), []byte(v))
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("cat/t1", "v1")
	put("other", "x")
	put("cat/t1", "v2")
	put("cat/t1", "")
	want := []event{{"cat/t1", "v1"}, {"cat/t1", "v2"}, {"cat/t1", "<deleted>"}}
	for _, w := range want {
		select {
		case got := <-events:
			if got != w {
				t.Fatalf("event %v, want %v", got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no event, want %v", w)
		}
	}
}

// TestLeadership: of several engines on one store, exactly one leads; when
// it closes, another takes over.
func TestLeadership(t *testing.T) {
	first := open(t, etcd.Options{LeaseTTL: 2 * time.Second})
	engines := []*etcd.Engine{first}
	for range 2 {
		e, err := etcd.Open(etcd.Options{Endpoints: endpoints, Prefix: first.Prefix(), LeaseTTL: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	defer func() {
		for _, e := range engines {
			e.Close()
		}
	}()
	leaders := func(es []*etcd.Engine) (n, who int) {
		who = -1
		for i, e := range es {
			if e.Leading() {
				n++
				who = i
			}
		}
		return n, who
	}
	waitOne := func(es []*etcd.Engine) int {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if n, who := leaders(es); n == 1 {
				return who
			} else if n > 1 {
				t.Fatalf("%d engines lead at once", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("no engine leads")
		return -1
	}
	who := waitOne(engines)
	engines[who].Close()
	rest := append(append([]*etcd.Engine(nil), engines[:who]...), engines[who+1:]...)
	waitOne(rest)
}

// TestConflictRetries: concurrent increments of one key from several
// engines (as from several Dynago nodes) lose nothing.
func TestConflictRetriesAcrossEngines(t *testing.T) {
	first := open(t, etcd.Options{})
	engines := []*etcd.Engine{first}
	for range 2 {
		e, err := etcd.Open(etcd.Options{Endpoints: endpoints, Prefix: first.Prefix()})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		engines = append(engines, e)
	}
	defer first.Close()
	const perWorker = 30
	var acked atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		e := engines[w%len(engines)]
		wg.Go(func() {
			for range perWorker {
				err := e.Update(context.Background(), func(tx storage.Tx) error {
					n := 0
					v, err := tx.Get([]byte("counter"))
					if err == nil {
						fmt.Sscan(string(v), &n)
					} else if !errors.Is(err, storage.ErrNotFound) {
						return err
					}
					return tx.Set([]byte("counter"), fmt.Append(nil, n+1))
				})
				if err == nil {
					acked.Add(1)
				} else if !errors.Is(err, storage.ErrConflict) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var got string
	first.View(context.Background(), func(tx storage.ReadTx) error {
		v, err := tx.Get([]byte("counter"))
		got = string(v)
		return err
	})
	if got != fmt.Sprint(acked.Load()) {
		t.Fatalf("counter = %s, acknowledged increments %d", got, acked.Load())
	}
}
