package etcd_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/etcd"
)

// TestReversePages reads a 10,000-item partition backwards in pages of 13
// from fresh Views, as a reverse Query with Limit does, and checks order
// and speed: a reverse page must not cost the whole range.
func TestReversePages(t *testing.T) {
	e := open(t, etcd.Options{})
	defer e.Close()
	ctx := context.Background()
	const n = 10000
	pk := ddb.AttributeValue{Type: ddb.TypeS, S: "p"}
	key := func(i int) []byte {
		return keycodec.AppendItemKey(nil, 7, 0, pk, ddb.AttributeValue{Type: ddb.TypeN, S: strconv.Itoa(i)})
	}
	for start := 0; start < n; start += 2000 {
		if err := e.Update(ctx, func(tx storage.Tx) error {
			for i := start; i < start+2000; i++ {
				if err := tx.Set(key(i), []byte("v")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	lo := keycodec.AppendPartitionPrefix(nil, 7, 0, pk)
	hi := storage.PrefixEnd(lo)
	began := time.Now()
	next := n - 1
	pages := 0
	for hi != nil && pages < 200 {
		var last []byte
		got := 0
		err := e.View(ctx, func(tx storage.ReadTx) error {
			return tx.Scan(lo, hi, true, func(k, v []byte) (bool, error) {
				if string(k) != string(key(next)) {
					t.Fatalf("page %d: key %x, want item %d", pages, k, next)
				}
				next--
				got++
				last = append(last[:0], k...)
				return got < 13, nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		hi = append([]byte(nil), last...)
		pages++
	}
	per := time.Since(began) / time.Duration(pages)
	t.Logf("%d reverse pages of 13 over %d keys: %v per page", pages, n, per)
}
