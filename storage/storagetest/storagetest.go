// Package storagetest is the contract suite every storage.Engine passes.
//
// An engine's own tests call Run (and RunDurable when it persists data):
//
//	func TestContract(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Engine { return memory.New() })
//	}
//
// The suite uses only the storage interface, so it stays engine-neutral. It
// closes every engine it opens; open need not register a cleanup.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/dynago/dynago/storage"
)

// Run runs the contract suite. open must return a new, empty engine.
func Run(t *testing.T, open func(t *testing.T) storage.Engine) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e storage.Engine)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"GetOne", testGetOne},
		{"ArgumentsCopied", testArgumentsCopied},
		{"ReadYourWrites", testReadYourWrites},
		{"GetValueStable", testGetValueStable},
		{"EmptyKey", testEmptyKey},
		{"Ordering", testOrdering},
		{"ScanBounds", testScanBounds},
		{"ScanEarlyStop", testScanEarlyStop},
		{"ScanError", testScanError},
		{"WritesDuringScan", testWritesDuringScan},
		{"ScanModel", testScanModel},
		{"FnErrorAborts", testFnErrorAborts},
		{"ReadOnlyUpdate", testReadOnlyUpdate},
		{"LargeTransaction", testLargeTransaction},
		{"TxDone", testTxDone},
		{"ContextCanceled", testContextCanceled},
		{"ViewSnapshotIsolation", testViewSnapshotIsolation},
		{"ViewSnapshotFirstScan", testViewSnapshotFirstScan},
		{"ConcurrentCounter", testConcurrentCounter},
		{"WriteSkewPointReads", func(t *testing.T, e storage.Engine) { testWriteSkew(t, e, false, false) }},
		{"WriteSkewRangeReads", func(t *testing.T, e storage.Engine) { testWriteSkew(t, e, true, false) }},
		{"WriteSkewPointDeletes", func(t *testing.T, e storage.Engine) { testWriteSkew(t, e, false, true) }},
		{"WriteSkewRangeDeletes", func(t *testing.T, e storage.Engine) { testWriteSkew(t, e, true, true) }},
		{"Phantom", testPhantom},
		{"BankInvariant", testBankInvariant},
		{"CloseWaits", testCloseWaits},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := open(t)
			t.Cleanup(func() {
				if err := e.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, e)
		})
	}
}

// RunDurable runs the tests of engines that keep data across Close: open
// must open the engine whose data lives in dir (creating it when dir is
// empty).
func RunDurable(t *testing.T, open func(t *testing.T, dir string) storage.Engine) {
	t.Run("Reopen", func(t *testing.T) { testReopen(t, open) })
	t.Run("CloseWaitsThenReopen", func(t *testing.T) { testCloseWaitsThenReopen(t, open) })
}

var errBoom = errors.New("storagetest: boom")

// kv is a key-value pair as scanned.
type kv struct{ k, v string }

func (p kv) String() string { return fmt.Sprintf("%q=%q", p.k, p.v) }

func update(t testing.TB, e storage.Engine, fn func(tx storage.Tx) error) {
	t.Helper()
	if err := e.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, e storage.Engine, fn func(tx storage.ReadTx) error) {
	t.Helper()
	if err := e.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// put commits key=value pairs.
func put(t testing.TB, e storage.Engine, pairs ...string) {
	t.Helper()
	update(t, e, func(tx storage.Tx) error {
		for i := 0; i < len(pairs); i += 2 {
			if err := tx.Set([]byte(pairs[i]), []byte(pairs[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
}

// lookup reads key in a View; ok is false when it is absent.
func lookup(t testing.TB, e storage.Engine, key string) (value string, ok bool) {
	t.Helper()
	view(t, e, func(tx storage.ReadTx) error {
		v, err := tx.Get([]byte(key))
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		value, ok = string(v), true
		return nil
	})
	return value, ok
}

func getString(tx storage.ReadTx, key string) (string, bool, error) {
	v, err := tx.Get([]byte(key))
	if errors.Is(err, storage.ErrNotFound) {
		return "", false, nil
	}
	return string(v), err == nil, err
}

// scan collects up to limit pairs (limit <= 0: all) of tx in [lo, hi).
func scan(tx storage.ReadTx, lo, hi []byte, reverse bool, limit int) ([]kv, error) {
	var out []kv
	err := tx.Scan(lo, hi, reverse, func(k, v []byte) (bool, error) {
		out = append(out, kv{string(k), string(v)})
		return limit <= 0 || len(out) < limit, nil
	})
	return out, err
}

// scanAll returns every pair committed, in a View.
func scanAll(t testing.TB, e storage.Engine) []kv {
	t.Helper()
	var out []kv
	view(t, e, func(tx storage.ReadTx) error {
		var err error
		out, err = scan(tx, nil, nil, false, 0)
		return err
	})
	return out
}

func equalKVs(a, b []kv) bool { return slices.Equal(a, b) }

func testGetSetDelete(t *testing.T, e storage.Engine) {
	if _, ok := lookup(t, e, "k"); ok {
		t.Fatal("new engine has key k")
	}
	put(t, e, "k", "v1", "empty", "")
	if v, ok := lookup(t, e, "k"); !ok || v != "v1" {
		t.Fatalf("Get(k) = %q, %v; want v1", v, ok)
	}
	if v, ok := lookup(t, e, "empty"); !ok || v != "" {
		t.Fatalf("Get(empty) = %q, %v; want an empty value", v, ok)
	}
	put(t, e, "k", "v2")
	if v, _ := lookup(t, e, "k"); v != "v2" {
		t.Fatalf("after overwrite Get(k) = %q, want v2", v)
	}
	update(t, e, func(tx storage.Tx) error {
		if err := tx.Delete([]byte("k")); err != nil {
			return err
		}
		return tx.Delete([]byte("never-existed"))
	})
	if _, ok := lookup(t, e, "k"); ok {
		t.Fatal("deleted key k still present")
	}
	if _, ok := lookup(t, e, "never-existed"); ok {
		t.Fatal("deleting an absent key created it")
	}
	if got, want := scanAll(t, e), []kv{{"empty", ""}}; !equalKVs(got, want) {
		t.Fatalf("Scan = %v, want %v", got, want)
	}
	// Get of an absent key returns exactly ErrNotFound (possibly wrapped).
	view(t, e, func(tx storage.ReadTx) error {
		if _, err := tx.Get([]byte("k")); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Get(absent) error = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// testGetOne: storage.GetOne (the engine's PointReader, if it has one)
// answers as a View with one Get does.
func testGetOne(t *testing.T, e storage.Engine) {
	ctx := context.Background()
	put(t, e, "a", "1", "b", "", "c", "3")
	for _, k := range []string{"a", "b", "c", "d", "a\x00", ""} {
		got, gerr := storage.GetOne(ctx, e, []byte(k))
		var want []byte
		var werr error
		_ = e.View(ctx, func(tx storage.ReadTx) error {
			v, err := tx.Get([]byte(k))
			want, werr = bytes.Clone(v), err
			return nil
		})
		if !errors.Is(gerr, werr) && !(gerr == nil && werr == nil) {
			t.Errorf("GetOne(%q) error %v; View's Get: %v", k, gerr, werr)
			continue
		}
		if werr == nil && (got == nil || !bytes.Equal(got, want)) {
			t.Errorf("GetOne(%q) = %q (nil %v); View's Get: %q", k, got, got == nil, want)
		}
	}
	// The value belongs to the caller: changing it changes nothing stored.
	v, err := storage.GetOne(ctx, e, []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	v[0] = 'x'
	if got, _ := lookup(t, e, "a"); got != "1" {
		t.Fatalf("after changing GetOne's value, a = %q", got)
	}
	put(t, e, "a", "2")
	if got, err := storage.GetOne(ctx, e, []byte("a")); err != nil || string(got) != "2" {
		t.Fatalf("GetOne after an Update returned = %q, %v; want 2", got, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := storage.GetOne(canceled, e, []byte("a")); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetOne with a canceled context: %v", err)
	}
}

func testArgumentsCopied(t *testing.T, e storage.Engine) {
	key, value := []byte("key"), []byte("value")
	update(t, e, func(tx storage.Tx) error {
		if err := tx.Set(key, value); err != nil {
			return err
		}
		copy(key, "XXX")
		copy(value, "XXXXX")
		v, err := tx.Get([]byte("key"))
		if err != nil || string(v) != "value" {
			t.Errorf("inside Update, Get after reusing Set's buffers = %q, %v", v, err)
		}
		return nil
	})
	if got, want := scanAll(t, e), []kv{{"key", "value"}}; !equalKVs(got, want) {
		t.Fatalf("after reusing Set's buffers, store = %v, want %v", got, want)
	}
}

func testReadYourWrites(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "2", "c", "3", "e", "5")
	update(t, e, func(tx storage.Tx) error {
		steps := []struct {
			op, key, value string
		}{
			{"set", "b", "22"},
			{"set", "d", "4"},
			{"del", "c", ""},
			{"del", "e", ""},
			{"set", "e", "55"}, // set after delete
			{"set", "f", "6"},
			{"del", "f", ""}, // delete after set
			{"del", "zz", ""},
		}
		for _, s := range steps {
			var err error
			if s.op == "set" {
				err = tx.Set([]byte(s.key), []byte(s.value))
			} else {
				err = tx.Delete([]byte(s.key))
			}
			if err != nil {
				return err
			}
		}
		wantGets := map[string]string{"a": "1", "b": "22", "d": "4", "e": "55"}
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "zz"} {
			v, ok, err := getString(tx, k)
			if err != nil {
				return err
			}
			if want, wok := wantGets[k]; ok != wok || v != want {
				t.Errorf("Get(%s) in tx = %q, %v; want %q, %v", k, v, ok, want, wok)
			}
		}
		want := []kv{{"a", "1"}, {"b", "22"}, {"d", "4"}, {"e", "55"}}
		got, err := scan(tx, nil, nil, false, 0)
		if err != nil {
			return err
		}
		if !equalKVs(got, want) {
			t.Errorf("Scan in tx = %v, want %v", got, want)
		}
		got, err = scan(tx, nil, nil, true, 0)
		if err != nil {
			return err
		}
		slices.Reverse(want)
		if !equalKVs(got, want) {
			t.Errorf("reverse Scan in tx = %v, want %v", got, want)
		}
		return nil
	})
	want := []kv{{"a", "1"}, {"b", "22"}, {"d", "4"}, {"e", "55"}}
	if got := scanAll(t, e); !equalKVs(got, want) {
		t.Fatalf("after commit, store = %v, want %v", got, want)
	}
}

func testGetValueStable(t *testing.T, e storage.Engine) {
	put(t, e, "committed", "old")
	update(t, e, func(tx storage.Tx) error {
		c, err := tx.Get([]byte("committed"))
		if err != nil {
			return err
		}
		if err := tx.Set([]byte("own"), []byte("first")); err != nil {
			return err
		}
		o, err := tx.Get([]byte("own"))
		if err != nil {
			return err
		}
		// Overwrite both and write enough to make buffers grow.
		if err := tx.Set([]byte("committed"), []byte("new")); err != nil {
			return err
		}
		if err := tx.Set([]byte("own"), []byte("second")); err != nil {
			return err
		}
		for i := range 1000 {
			if err := tx.Set(fmt.Appendf(nil, "filler%04d", i), bytes.Repeat([]byte{'x'}, 100)); err != nil {
				return err
			}
		}
		if string(c) != "old" || string(o) != "first" {
			t.Errorf("values from Get changed after later writes: %q, %q", c, o)
		}
		return nil
	})
}

func testEmptyKey(t *testing.T, e storage.Engine) {
	for _, key := range [][]byte{nil, {}} {
		update(t, e, func(tx storage.Tx) error {
			if err := tx.Set(key, []byte("v")); !errors.Is(err, storage.ErrEmptyKey) {
				t.Errorf("Set(%#v) = %v, want ErrEmptyKey", key, err)
			}
			if err := tx.Delete(key); !errors.Is(err, storage.ErrEmptyKey) {
				t.Errorf("Delete(%#v) = %v, want ErrEmptyKey", key, err)
			}
			if _, err := tx.Get(key); !errors.Is(err, storage.ErrEmptyKey) {
				t.Errorf("Get(%#v) in Update = %v, want ErrEmptyKey", key, err)
			}
			return nil
		})
		view(t, e, func(tx storage.ReadTx) error {
			if _, err := tx.Get(key); !errors.Is(err, storage.ErrEmptyKey) {
				t.Errorf("Get(%#v) in View = %v, want ErrEmptyKey", key, err)
			}
			return nil
		})
	}
	if got := scanAll(t, e); len(got) != 0 {
		t.Fatalf("store = %v after rejected writes, want empty", got)
	}
}

// binaryKeys are keys whose order under bytes.Compare is easy to get wrong.
var binaryKeys = [][]byte{
	{0x00}, {0x00, 0x00}, {0x00, 0x01}, {0x00, 0xff}, {0x01}, {0x7f}, {0x80},
	[]byte("a"), []byte("a\x00"), []byte("a\x00\x00"), []byte("a\x01"), []byte("a\xff"),
	[]byte("ab"), []byte("b"), {0xfe, 0xff}, {0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
}

func testOrdering(t *testing.T, e storage.Engine) {
	shuffled := slices.Clone(binaryKeys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	update(t, e, func(tx storage.Tx) error {
		for _, k := range shuffled {
			if err := tx.Set(k, append([]byte("v"), k...)); err != nil {
				return err
			}
		}
		return nil
	})
	want := slices.Clone(binaryKeys)
	slices.SortFunc(want, bytes.Compare)
	for _, reverse := range []bool{false, true} {
		var got [][]byte
		view(t, e, func(tx storage.ReadTx) error {
			return tx.Scan(nil, nil, reverse, func(k, v []byte) (bool, error) {
				if !bytes.Equal(v, append([]byte("v"), k...)) {
					t.Errorf("key %x has value %x", k, v)
				}
				got = append(got, bytes.Clone(k))
				return true, nil
			})
		})
		w := slices.Clone(want)
		if reverse {
			slices.Reverse(w)
		}
		if !slices.EqualFunc(got, w, bytes.Equal) {
			t.Errorf("Scan(reverse=%v) keys = %x, want %x", reverse, got, w)
		}
	}
	view(t, e, func(tx storage.ReadTx) error {
		for _, k := range binaryKeys {
			v, err := tx.Get(k)
			if err != nil || !bytes.Equal(v, append([]byte("v"), k...)) {
				t.Errorf("Get(%x) = %x, %v", k, v, err)
			}
		}
		return nil
	})
}

func testScanBounds(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "2", "c", "3", "d", "4")
	b := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name   string
		lo, hi []byte
		want   string // keys in ascending order
	}{
		{"unbounded", nil, nil, "abcd"},
		{"empty bounds mean unbounded", b(""), b(""), "abcd"},
		{"lo only", b("b"), nil, "bcd"},
		{"hi only", nil, b("c"), "ab"},
		{"lo inclusive hi exclusive", b("b"), b("d"), "bc"},
		{"bounds between keys", b("bb"), b("cc"), "c"},
		{"single key", b("a"), b("a\x00"), "a"},
		{"lo before all", b("\x00"), b("z"), "abcd"},
		{"hi at last key", b("a"), b("d"), "abc"},
		{"lo after all", b("e"), nil, ""},
		{"hi before all", nil, b("\x00"), ""},
		{"lo equals hi", b("b"), b("b"), ""},
		{"lo above hi", b("c"), b("b"), ""},
		{"empty gap", b("b\x00"), b("c"), ""},
	}
	for _, tt := range tests {
		for _, reverse := range []bool{false, true} {
			want := []byte(tt.want)
			if reverse {
				slices.Reverse(want)
			}
			check := func(where string, tx storage.ReadTx) error {
				var got []byte
				err := tx.Scan(tt.lo, tt.hi, reverse, func(k, v []byte) (bool, error) {
					got = append(got, k...)
					return true, nil
				})
				if !bytes.Equal(got, want) {
					t.Errorf("%s: %s: Scan(%q, %q, reverse=%v) = %q, want %q", where, tt.name, tt.lo, tt.hi, reverse, got, want)
				}
				return err
			}
			view(t, e, func(tx storage.ReadTx) error { return check("View", tx) })
			update(t, e, func(tx storage.Tx) error { return check("Update", tx) })
		}
	}
}

func testScanEarlyStop(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "2", "c", "3", "d", "4")
	check := func(where string, tx storage.ReadTx) error {
		for _, tt := range []struct {
			reverse bool
			want    []kv
		}{
			{false, []kv{{"a", "1"}, {"b", "2"}}},
			{true, []kv{{"d", "4"}, {"c", "3"}}},
		} {
			calls := 0
			got, err := scan(tx, nil, nil, tt.reverse, 2)
			if err != nil {
				return err
			}
			if !equalKVs(got, tt.want) {
				t.Errorf("%s: Scan(reverse=%v) stopping after 2 = %v, want %v", where, tt.reverse, got, tt.want)
			}
			err = tx.Scan(nil, nil, tt.reverse, func(k, v []byte) (bool, error) {
				calls++
				return false, nil
			})
			if err != nil || calls != 1 {
				t.Errorf("%s: Scan stopping at once: %d calls, err %v", where, calls, err)
			}
		}
		return nil
	}
	view(t, e, func(tx storage.ReadTx) error { return check("View", tx) })
	update(t, e, func(tx storage.Tx) error {
		if err := tx.Set([]byte("b"), []byte("2")); err != nil { // a pending write in the way
			return err
		}
		return check("Update", tx)
	})
}

func testScanError(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "2", "c", "3")
	check := func(tx storage.ReadTx) error {
		calls := 0
		err := tx.Scan(nil, nil, false, func(k, v []byte) (bool, error) {
			if calls++; calls == 2 {
				return true, errBoom
			}
			return true, nil
		})
		if !errors.Is(err, errBoom) || calls != 2 {
			t.Errorf("Scan with failing fn: err %v after %d calls, want errBoom after 2", err, calls)
		}
		return err
	}
	if err := e.View(context.Background(), check); !errors.Is(err, errBoom) {
		t.Errorf("View = %v, want errBoom", err)
	}
	err := e.Update(context.Background(), func(tx storage.Tx) error {
		if err := tx.Set([]byte("x"), []byte("x")); err != nil {
			return err
		}
		return check(tx)
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Update = %v, want errBoom", err)
	}
	if _, ok := lookup(t, e, "x"); ok {
		t.Error("write of a failed Update was committed")
	}
}

func testWritesDuringScan(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "2", "c", "3")
	for _, reverse := range []bool{false, true} {
		err := e.Update(context.Background(), func(tx storage.Tx) error {
			var got []kv
			err := tx.Scan(nil, nil, reverse, func(k, v []byte) (bool, error) {
				got = append(got, kv{string(k), string(v)})
				// Write around the cursor, ahead of it and behind it.
				for _, w := range []kv{{"a", "A"}, {"b", "B"}, {"c", "C"}, {"bb", "new"}, {"0", "new"}, {"z", "new"}} {
					if err := tx.Set([]byte(w.k), []byte(w.v)); err != nil {
						return false, err
					}
				}
				return true, tx.Delete(k)
			})
			if err != nil {
				return err
			}
			want := []kv{{"a", "1"}, {"b", "2"}, {"c", "3"}}
			if reverse {
				slices.Reverse(want)
			}
			if !equalKVs(got, want) {
				t.Errorf("Scan(reverse=%v) writing as it goes saw %v, want the state at its start %v", reverse, got, want)
			}
			got, err = scan(tx, nil, nil, false, 0)
			if err != nil {
				return err
			}
			var wantAfter []kv
			if reverse { // the last callback ran at "a": deleted a, rewrote b and c
				wantAfter = []kv{{"0", "new"}, {"b", "B"}, {"bb", "new"}, {"c", "C"}, {"z", "new"}}
			} else { // the last callback ran at "c"
				wantAfter = []kv{{"0", "new"}, {"a", "A"}, {"b", "B"}, {"bb", "new"}, {"z", "new"}}
			}
			if !equalKVs(got, wantAfter) {
				t.Errorf("Scan after writing scan (reverse=%v) = %v, want %v", reverse, got, wantAfter)
			}
			return errBoom // abort, so the next round starts from a, b, c again
		})
		if err != errBoom {
			t.Fatalf("Update = %v, want errBoom", err)
		}
	}
}

// model is a plain map model of a store, for randomized comparisons.
type model map[string]string

func (m model) scan(lo, hi []byte, reverse bool, limit int) []kv {
	var out []kv
	for k, v := range m {
		if bytes.Compare([]byte(k), lo) >= 0 && (len(hi) == 0 || bytes.Compare([]byte(k), hi) < 0) {
			out = append(out, kv{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	if reverse {
		slices.Reverse(out)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// modelBulkKeys is how many keys "m000".."m399" testScanModel preloads, so
// that scans cross the chunks an engine may read in, with pending writes
// interleaved.
const modelBulkKeys = 400

func randKey(r *rand.Rand) []byte {
	if r.IntN(3) == 0 {
		return fmt.Appendf(nil, "m%03d", r.IntN(modelBulkKeys))
	}
	alphabet := []byte{0x00, 0x01, 'a', 'b', 0xfe, 0xff}
	k := make([]byte, 1+r.IntN(3))
	for i := range k {
		k[i] = alphabet[r.IntN(len(alphabet))]
	}
	return k
}

// randBound is a random scan bound; nil a fifth of the time.
func randBound(r *rand.Rand) []byte {
	if r.IntN(5) == 0 {
		return nil
	}
	return randKey(r)
}

// testScanModel compares random Gets and Scans, inside Updates that mix
// pending writes with committed state and in Views, with a map model.
func testScanModel(t *testing.T, e storage.Engine) {
	r := rand.New(rand.NewPCG(7, 11))
	committed := model{}
	update(t, e, func(tx storage.Tx) error {
		for i := range modelBulkKeys {
			k := fmt.Sprintf("m%03d", i)
			committed[k] = "bulk"
			if err := tx.Set([]byte(k), []byte("bulk")); err != nil {
				return err
			}
		}
		return nil
	})
	checkReads := func(where string, tx storage.ReadTx, m model, reads int) error {
		for range reads {
			lo, hi := randBound(r), randBound(r)
			reverse := r.IntN(2) == 0
			limit := r.IntN(6) // 0 = no limit
			if limit == 5 {
				limit = 200 + r.IntN(150)
			}
			got, err := scan(tx, lo, hi, reverse, limit)
			if err != nil {
				return err
			}
			if want := m.scan(lo, hi, reverse, limit); !equalKVs(got, want) {
				t.Fatalf("%s: Scan(%x, %x, reverse=%v, limit %d) = %v, want %v", where, lo, hi, reverse, limit, got, want)
			}
			k := randKey(r)
			v, ok, err := getString(tx, string(k))
			if err != nil {
				return err
			}
			if wv, wok := m[string(k)]; v != wv || ok != wok {
				t.Fatalf("%s: Get(%x) = %q, %v; want %q, %v", where, k, v, ok, wv, wok)
			}
		}
		return nil
	}
	for round := range 60 {
		pending := maps(committed)
		abort := r.IntN(5) == 0
		err := e.Update(context.Background(), func(tx storage.Tx) error {
			pending = maps(committed) // fn may run again
			for range 1 + r.IntN(25) {
				k := randKey(r)
				if r.IntN(3) == 0 {
					if err := tx.Delete(k); err != nil {
						return err
					}
					delete(pending, string(k))
				} else {
					v := fmt.Sprintf("r%d-%d", round, r.IntN(100))
					if err := tx.Set(k, []byte(v)); err != nil {
						return err
					}
					pending[string(k)] = v
				}
				if err := checkReads(fmt.Sprintf("round %d Update", round), tx, pending, 2); err != nil {
					return err
				}
			}
			if abort {
				return errBoom
			}
			return nil
		})
		if abort {
			if !errors.Is(err, errBoom) {
				t.Fatalf("round %d: aborted Update = %v", round, err)
			}
		} else {
			if err != nil {
				t.Fatalf("round %d: Update: %v", round, err)
			}
			committed = pending
		}
		view(t, e, func(tx storage.ReadTx) error {
			return checkReads(fmt.Sprintf("round %d View", round), tx, committed, 10)
		})
	}
}

func maps(m model) model {
	c := make(model, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func testFnErrorAborts(t *testing.T, e storage.Engine) {
	put(t, e, "keep", "1")
	err := e.Update(context.Background(), func(tx storage.Tx) error {
		for i := range 10 {
			if err := tx.Set(fmt.Appendf(nil, "k%d", i), []byte("v")); err != nil {
				return err
			}
		}
		if err := tx.Delete([]byte("keep")); err != nil {
			return err
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Update = %v, want errBoom returned as is", err)
	}
	if got, want := scanAll(t, e), []kv{{"keep", "1"}}; !equalKVs(got, want) {
		t.Fatalf("after failed Update, store = %v, want %v", got, want)
	}
	if err := e.View(context.Background(), func(tx storage.ReadTx) error { return errBoom }); err != errBoom {
		t.Fatalf("View = %v, want errBoom returned as is", err)
	}
}

func testReadOnlyUpdate(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1")
	update(t, e, func(tx storage.Tx) error {
		if v, ok, err := getString(tx, "a"); err != nil || !ok || v != "1" {
			t.Errorf("Get(a) = %q, %v, %v", v, ok, err)
		}
		_, err := scan(tx, nil, nil, false, 0)
		return err
	})
	if got, want := scanAll(t, e), []kv{{"a", "1"}}; !equalKVs(got, want) {
		t.Fatalf("store = %v, want %v", got, want)
	}
}

func testLargeTransaction(t *testing.T, e storage.Engine) {
	n := 20000
	value := bytes.Repeat([]byte("v"), 100)
	if l, ok := e.(storage.Limits); ok {
		// An engine with a transaction limit refuses a bigger transaction
		// whole (never splitting it) and takes one at the limit.
		maxOps, maxBytes := l.TxnLimits()
		testTooLarge(t, e, maxOps, maxBytes)
		n = min(n, maxOps, maxBytes/(2*len(value)))
	}
	update(t, e, func(tx storage.Tx) error {
		for i := range n {
			if err := tx.Set(fmt.Appendf(nil, "big%06d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	count := func() int {
		c := 0
		view(t, e, func(tx storage.ReadTx) error {
			return tx.Scan([]byte("big"), []byte("bih"), false, func(k, v []byte) (bool, error) {
				c++
				return true, nil
			})
		})
		return c
	}
	if c := count(); c != n {
		t.Fatalf("after one Update of %d keys, found %d", n, c)
	}
	// Delete in chunks, the way table deletes a table.
	for {
		deleted := 0
		update(t, e, func(tx storage.Tx) error {
			deleted = 0
			return tx.Scan([]byte("big"), []byte("bih"), false, func(k, v []byte) (bool, error) {
				deleted++
				return deleted < 5000, tx.Delete(k)
			})
		})
		if deleted == 0 {
			break
		}
	}
	if c := count(); c != 0 {
		t.Fatalf("after deleting, found %d keys", c)
	}
}

// testTooLarge checks that transactions beyond an engine's limits fail
// with ErrTooLarge and write nothing.
func testTooLarge(t *testing.T, e storage.Engine, maxOps, maxBytes int) {
	cases := []struct {
		name   string
		writes int
		value  int
	}{
		{"too many writes", maxOps + 1, 1},
		{"too many bytes", 4, maxBytes/4 + 1},
	}
	for _, c := range cases {
		err := e.Update(context.Background(), func(tx storage.Tx) error {
			for i := range c.writes {
				if err := tx.Set(fmt.Appendf(nil, "toolarge%06d", i), bytes.Repeat([]byte("x"), c.value)); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, storage.ErrTooLarge) {
			t.Errorf("%s: Update = %v, want ErrTooLarge", c.name, err)
		}
	}
	// Too many reads to validate.
	err := e.Update(context.Background(), func(tx storage.Tx) error {
		for i := range maxOps + 1 {
			if _, err := tx.Get(fmt.Appendf(nil, "absent%06d", i)); !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		return tx.Set([]byte("toolarge-reads"), nil)
	})
	if !errors.Is(err, storage.ErrTooLarge) {
		t.Errorf("too many reads: Update = %v, want ErrTooLarge", err)
	}
	view(t, e, func(tx storage.ReadTx) error {
		return tx.Scan([]byte("toolarge"), []byte("toolargf"), false, func(k, v []byte) (bool, error) {
			t.Errorf("a refused transaction wrote %q", k)
			return false, nil
		})
	})
}

func testTxDone(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1")
	var leakedTx storage.Tx
	var leakedRead storage.ReadTx
	update(t, e, func(tx storage.Tx) error { leakedTx = tx; return nil })
	view(t, e, func(tx storage.ReadTx) error { leakedRead = tx; return nil })
	scanFn := func(k, v []byte) (bool, error) { return true, nil }
	for name, err := range map[string]error{
		"Update Get":    second(leakedTx.Get([]byte("a"))),
		"Update Scan":   leakedTx.Scan(nil, nil, false, scanFn),
		"Update Set":    leakedTx.Set([]byte("a"), []byte("2")),
		"Update Delete": leakedTx.Delete([]byte("a")),
		"View Get":      second(leakedRead.Get([]byte("a"))),
		"View Scan":     leakedRead.Scan(nil, nil, false, scanFn),
	} {
		if !errors.Is(err, storage.ErrTxDone) {
			t.Errorf("%s after fn returned: %v, want ErrTxDone", name, err)
		}
	}
	if v, _ := lookup(t, e, "a"); v != "1" {
		t.Fatalf("a = %q after writes through a finished tx, want 1", v)
	}
}

func second(_ []byte, err error) error { return err }

func testContextCanceled(t *testing.T, e storage.Engine) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := e.Update(canceled, func(tx storage.Tx) error { called = true; return tx.Set([]byte("x"), nil) })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update with canceled ctx = %v (fn called: %v), want context.Canceled without calling fn", err, called)
	}
	err = e.View(canceled, func(tx storage.ReadTx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("View with canceled ctx = %v (fn called: %v), want context.Canceled without calling fn", err, called)
	}

	// Canceled while fn runs: nothing is committed.
	ctx, cancel := context.WithCancel(context.Background())
	err = e.Update(ctx, func(tx storage.Tx) error {
		cancel()
		return tx.Set([]byte("x"), []byte("1"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update canceled during fn = %v, want context.Canceled", err)
	}
	if _, ok := lookup(t, e, "x"); ok {
		t.Error("Update canceled before commit wrote its key")
	}

	// A long Scan notices cancellation.
	update(t, e, func(tx storage.Tx) error {
		for i := range 3000 {
			if err := tx.Set(fmt.Appendf(nil, "s%05d", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	for _, inUpdate := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		visited := 0
		scanFn := func(tx storage.ReadTx) error {
			return tx.Scan(nil, nil, false, func(k, v []byte) (bool, error) {
				visited++
				cancel()
				return true, nil
			})
		}
		if inUpdate {
			err = e.Update(ctx, func(tx storage.Tx) error { return scanFn(tx) })
		} else {
			err = e.View(ctx, scanFn)
		}
		if !errors.Is(err, context.Canceled) || visited >= 3000 {
			t.Errorf("Scan (in Update: %v) canceled at its first key: err %v after %d keys; want context.Canceled before the end", inUpdate, err, visited)
		}
	}
}

func testViewSnapshotIsolation(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "1", "c", "1")
	read := make(chan struct{})
	written := make(chan error)
	go func() {
		<-read
		written <- e.Update(context.Background(), func(tx storage.Tx) error {
			for _, kv := range []kv{{"a", "2"}, {"b", "2"}, {"d", "2"}} {
				if err := tx.Set([]byte(kv.k), []byte(kv.v)); err != nil {
					return err
				}
			}
			return tx.Delete([]byte("c"))
		})
	}()
	view(t, e, func(tx storage.ReadTx) error {
		if v, _, err := getString(tx, "a"); err != nil || v != "1" {
			t.Errorf("first read of a = %q, %v", v, err)
		}
		close(read)
		if err := <-written; err != nil {
			return err
		}
		// The Update has committed; this View must not see it.
		for _, k := range []string{"a", "b", "c"} {
			if v, ok, err := getString(tx, k); err != nil || !ok || v != "1" {
				t.Errorf("View read %s = %q, %v, %v after a concurrent commit, want 1", k, v, ok, err)
			}
		}
		if _, ok, _ := getString(tx, "d"); ok {
			t.Error("View sees a key inserted after it started")
		}
		for _, reverse := range []bool{false, true} {
			got, err := scan(tx, nil, nil, reverse, 0)
			if err != nil {
				return err
			}
			want := []kv{{"a", "1"}, {"b", "1"}, {"c", "1"}}
			if reverse {
				slices.Reverse(want)
			}
			if !equalKVs(got, want) {
				t.Errorf("View Scan(reverse=%v) = %v after a concurrent commit, want %v", reverse, got, want)
			}
		}
		return nil
	})
	if got, want := scanAll(t, e), []kv{{"a", "2"}, {"b", "2"}, {"d", "2"}}; !equalKVs(got, want) {
		t.Fatalf("a new View sees %v, want %v", got, want)
	}
}

// testViewSnapshotFirstScan: a View whose first read is a bounded Scan
// (engines may take the snapshot then, with that Scan's bounds) still reads
// one snapshot everywhere: Gets inside and outside the bounds, during the
// Scan and after it, and further Scans, ignore a commit made meanwhile.
func testViewSnapshotFirstScan(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1", "b", "1", "c", "1", "x", "1")
	read := make(chan struct{})
	written := make(chan error)
	go func() {
		<-read
		written <- e.Update(context.Background(), func(tx storage.Tx) error {
			for _, kv := range []kv{{"a", "2"}, {"b", "2"}, {"x", "2"}, {"y", "2"}} {
				if err := tx.Set([]byte(kv.k), []byte(kv.v)); err != nil {
					return err
				}
			}
			return tx.Delete([]byte("c"))
		})
	}()
	view(t, e, func(tx storage.ReadTx) error {
		var seen []kv
		err := tx.Scan([]byte("a"), []byte("d"), false, func(k, v []byte) (bool, error) {
			seen = append(seen, kv{string(k), string(v)})
			if len(seen) == 1 {
				close(read)
				if err := <-written; err != nil {
					return false, err
				}
				// Committed now; a Get inside the Scan, out of its bounds.
				if v, ok, err := getString(tx, "x"); err != nil || !ok || v != "1" {
					t.Errorf("Get(x) during the first Scan = %q, %v, %v; want 1", v, ok, err)
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if want := []kv{{"a", "1"}, {"b", "1"}, {"c", "1"}}; !equalKVs(seen, want) {
			t.Errorf("first Scan = %v, want %v", seen, want)
		}
		for _, k := range []string{"a", "b", "c", "x"} {
			if v, ok, err := getString(tx, k); err != nil || !ok || v != "1" {
				t.Errorf("Get(%s) after the first Scan = %q, %v, %v; want 1", k, v, ok, err)
			}
		}
		if _, ok, _ := getString(tx, "y"); ok {
			t.Error("View sees a key inserted after its first Scan")
		}
		got, err := scan(tx, nil, nil, true, 0)
		if err != nil {
			return err
		}
		if want := []kv{{"x", "1"}, {"c", "1"}, {"b", "1"}, {"a", "1"}}; !equalKVs(got, want) {
			t.Errorf("second Scan = %v, want %v", got, want)
		}
		return nil
	})
}

func testCloseWaits(t *testing.T, e storage.Engine) {
	started := make(chan struct{})
	release := make(chan struct{})
	updated := make(chan error)
	go func() {
		updated <- e.Update(context.Background(), func(tx storage.Tx) error {
			close(started)
			<-release
			return tx.Set([]byte("k"), []byte("v"))
		})
	}()
	<-started
	closed := make(chan error)
	go func() { closed <- e.Close() }()
	// Close cannot finish while the Update runs; once the Update is
	// released it commits normally, then Close returns.
	close(release)
	if err := <-updated; err != nil {
		t.Fatalf("Update running when Close was called: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.View(context.Background(), func(tx storage.ReadTx) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("View after Close = %v, want ErrClosed", err)
	}
}

func testClosed(t *testing.T, e storage.Engine) {
	put(t, e, "a", "1")
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	called := false
	if err := e.Update(context.Background(), func(tx storage.Tx) error { called = true; return nil }); !errors.Is(err, storage.ErrClosed) || called {
		t.Errorf("Update after Close = %v (fn called: %v), want ErrClosed", err, called)
	}
	if err := e.View(context.Background(), func(tx storage.ReadTx) error { called = true; return nil }); !errors.Is(err, storage.ErrClosed) || called {
		t.Errorf("View after Close = %v (fn called: %v), want ErrClosed", err, called)
	}
}

func testReopen(t *testing.T, open func(t *testing.T, dir string) storage.Engine) {
	dir := t.TempDir()
	m := model{}
	r := rand.New(rand.NewPCG(3, 5))
	for cycle := range 3 {
		e := open(t, dir)
		if got, want := scanAll(t, e), m.scan(nil, nil, false, 0); !equalKVs(got, want) {
			e.Close()
			t.Fatalf("cycle %d: after reopen store has %d pairs, want %d (first difference at %v)", cycle, len(got), len(want), firstDiff(got, want))
		}
		for range 20 {
			update(t, e, func(tx storage.Tx) error {
				for range 50 {
					k := fmt.Sprintf("key%04d", r.IntN(800))
					if r.IntN(4) == 0 {
						delete(m, k)
						if err := tx.Delete([]byte(k)); err != nil {
							return err
						}
						continue
					}
					v := fmt.Sprintf("c%d-%s", cycle, bytes.Repeat([]byte{'x'}, r.IntN(300)))
					m[k] = v
					if err := tx.Set([]byte(k), []byte(v)); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := e.Close(); err != nil {
			t.Fatalf("cycle %d: Close: %v", cycle, err)
		}
	}
	e := open(t, dir)
	defer e.Close()
	if got, want := scanAll(t, e), m.scan(nil, nil, false, 0); !equalKVs(got, want) {
		t.Fatalf("final reopen: store has %d pairs, want %d (first difference at %v)", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []kv) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("index %d: %v vs %v", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("index %d (length)", min(len(a), len(b)))
}

func testCloseWaitsThenReopen(t *testing.T, open func(t *testing.T, dir string) storage.Engine) {
	dir := t.TempDir()
	e := open(t, dir)
	testCloseWaits(t, e)
	e = open(t, dir)
	defer e.Close()
	if v, ok := lookup(t, e, "k"); !ok || v != "v" {
		t.Fatalf("the Update that ran during Close is lost after reopen: %q, %v", v, ok)
	}
}
