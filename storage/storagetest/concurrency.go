package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/storage"
)

// updateRetrying runs Update until it does not fail with ErrConflict, as a
// client would. It returns the number of conflicts seen.
func updateRetrying(ctx context.Context, e storage.Engine, fn func(tx storage.Tx) error) (conflicts int, err error) {
	for {
		err := e.Update(ctx, fn)
		if !errors.Is(err, storage.ErrConflict) {
			return conflicts, err
		}
		conflicts++
	}
}

// rendezvous makes the first attempts of two transactions wait for each
// other after their reads, so that engines that run transactions
// concurrently really interleave them. An engine that runs Update
// functions one at a time makes the wait time out, which is fine: the
// outcome checked never depends on the timing.
type rendezvous struct {
	arrived atomic.Int32
	all     chan struct{}
}

func newRendezvous() *rendezvous { return &rendezvous{all: make(chan struct{})} }

func (r *rendezvous) meet() {
	if r.arrived.Add(1) == 2 {
		close(r.all)
	}
	select {
	case <-r.all:
	case <-time.After(2 * time.Millisecond):
	}
}

func itoa(n int) []byte { return strconv.AppendInt(nil, int64(n), 10) }

func atoi(t testing.TB, b []byte) int {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Errorf("bad number %q", b)
	}
	return n
}

func testConcurrentCounter(t *testing.T, e storage.Engine) {
	const goroutines, increments = 8, 100
	key := []byte("counter")
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range increments {
				c, err := updateRetrying(context.Background(), e, func(tx storage.Tx) error {
					n := 0
					v, err := tx.Get(key)
					switch {
					case err == nil:
						n = atoi(t, v)
					case !errors.Is(err, storage.ErrNotFound):
						return err
					}
					return tx.Set(key, itoa(n+1))
				})
				conflicts.Add(int64(c))
				if err != nil {
					t.Errorf("increment: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	v, ok := lookup(t, e, string(key))
	if !ok || v != strconv.Itoa(goroutines*increments) {
		t.Fatalf("counter = %q after %d acknowledged increments (ErrConflict seen %d times)", v, goroutines*increments, conflicts.Load())
	}
}

// testWriteSkew is the two-doctors-on-call test: each of two transactions
// takes its doctor off call if at least two doctors are on call. Run
// serially, one of them must stay on call; snapshot isolation without
// serializability lets both go off. With byDelete, a doctor goes off call
// by deleting its key (so reads must catch deletions, which a range read
// sees only as a key gone missing).
func testWriteSkew(t *testing.T, e storage.Engine, rangeReads, byDelete bool) {
	const rounds = 100
	doctors := []string{"alice", "bob"}
	for round := range rounds {
		prefix := fmt.Sprintf("oncall/%03d/", round)
		put(t, e, prefix+"alice", "on", prefix+"bob", "on")
		meet := newRendezvous()
		var wg sync.WaitGroup
		for _, me := range doctors {
			wg.Go(func() {
				attempt := 0
				_, err := updateRetrying(context.Background(), e, func(tx storage.Tx) error {
					onCall := 0
					if rangeReads {
						err := tx.Scan([]byte(prefix), storage.PrefixEnd([]byte(prefix)), false, func(k, v []byte) (bool, error) {
							if string(v) == "on" {
								onCall++
							}
							return true, nil
						})
						if err != nil {
							return err
						}
					} else {
						for _, d := range doctors {
							v, ok, err := getString(tx, prefix+d)
							if err != nil {
								return err
							}
							if ok && v == "on" {
								onCall++
							}
						}
					}
					if attempt++; attempt == 1 {
						meet.meet()
					}
					if onCall >= 2 {
						if byDelete {
							return tx.Delete([]byte(prefix + me))
						}
						return tx.Set([]byte(prefix+me), []byte("off"))
					}
					return nil
				})
				if err != nil {
					t.Errorf("round %d, %s: %v", round, me, err)
				}
			})
		}
		wg.Wait()
		var state []kv
		view(t, e, func(tx storage.ReadTx) error {
			var err error
			state, err = scan(tx, []byte(prefix), storage.PrefixEnd([]byte(prefix)), false, 0)
			return err
		})
		onCall := 0
		for _, p := range state {
			if p.v == "on" {
				onCall++
			}
		}
		if onCall != 1 {
			t.Fatalf("round %d: write skew: %d doctors on call afterwards (%v), want exactly 1", round, onCall, state)
		}
	}
}

// testPhantom: two transactions each scan an empty range and, finding it
// empty, insert a key into it. Serially the second sees the first's insert,
// so exactly one key must exist afterwards.
func testPhantom(t *testing.T, e storage.Engine) {
	const rounds = 100
	for round := range rounds {
		prefix := fmt.Sprintf("slot/%03d/", round)
		// Keys just outside the range must not matter.
		put(t, e, fmt.Sprintf("slot/%03d", round), "below", string(storage.PrefixEnd([]byte(prefix))), "above")
		meet := newRendezvous()
		var wg sync.WaitGroup
		for _, me := range []string{"x", "y"} {
			wg.Go(func() {
				attempt := 0
				_, err := updateRetrying(context.Background(), e, func(tx storage.Tx) error {
					empty := true
					err := tx.Scan([]byte(prefix), storage.PrefixEnd([]byte(prefix)), round%2 == 1, func(k, v []byte) (bool, error) {
						empty = false
						return false, nil
					})
					if err != nil {
						return err
					}
					if attempt++; attempt == 1 {
						meet.meet()
					}
					if empty {
						return tx.Set([]byte(prefix+me), []byte("taken"))
					}
					return nil
				})
				if err != nil {
					t.Errorf("round %d, %s: %v", round, me, err)
				}
			})
		}
		wg.Wait()
		var got []kv
		view(t, e, func(tx storage.ReadTx) error {
			var err error
			got, err = scan(tx, []byte(prefix), storage.PrefixEnd([]byte(prefix)), false, 0)
			return err
		})
		if len(got) != 1 {
			t.Fatalf("round %d: phantom: range holds %v, want exactly one key", round, got)
		}
	}
}

// testBankInvariant moves money between accounts concurrently while Views
// check, by Scan and by Get, that every snapshot has the same total.
func testBankInvariant(t *testing.T, e storage.Engine) {
	const accounts, initial = 10, 100
	const transferers, transfers = 4, 150
	account := func(i int) []byte { return fmt.Appendf(nil, "acct/%02d", i) }
	update(t, e, func(tx storage.Tx) error {
		for i := range accounts {
			if err := tx.Set(account(i), itoa(initial)); err != nil {
				return err
			}
		}
		return nil
	})
	done := make(chan struct{})
	var writers, readers sync.WaitGroup
	for w := range transferers {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			for range transfers {
				from, to, amount := r.IntN(accounts), r.IntN(accounts), 1+r.IntN(20)
				_, err := updateRetrying(context.Background(), e, func(tx storage.Tx) error {
					fv, err := tx.Get(account(from))
					if err != nil {
						return err
					}
					tv, err := tx.Get(account(to))
					if err != nil {
						return err
					}
					f, to2 := atoi(t, fv), atoi(t, tv)
					if f < amount || from == to {
						return nil
					}
					if err := tx.Set(account(from), itoa(f-amount)); err != nil {
						return err
					}
					return tx.Set(account(to), itoa(to2+amount))
				})
				if err != nil {
					t.Errorf("transfer: %v", err)
					return
				}
			}
		})
	}
	var checks atomic.Int64
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				err := e.View(context.Background(), func(tx storage.ReadTx) error {
					byScan, n := 0, 0
					err := tx.Scan([]byte("acct/"), []byte("acct0"), false, func(k, v []byte) (bool, error) {
						byScan += atoi(t, v)
						n++
						return true, nil
					})
					if err != nil {
						return err
					}
					byGet := 0
					for i := range accounts {
						v, err := tx.Get(account(i))
						if err != nil {
							return err
						}
						byGet += atoi(t, v)
					}
					if n != accounts || byScan != accounts*initial || byGet != accounts*initial {
						t.Errorf("inconsistent snapshot: %d accounts, total %d by Scan, %d by Get; want %d", n, byScan, byGet, accounts*initial)
					}
					return nil
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
				checks.Add(1)
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	// The same check inside read-write transactions.
	update(t, e, func(tx storage.Tx) error {
		total := 0
		err := tx.Scan([]byte("acct/"), []byte("acct0"), true, func(k, v []byte) (bool, error) {
			total += atoi(t, v)
			return true, nil
		})
		if total != accounts*initial {
			t.Errorf("final total %d, want %d", total, accounts*initial)
		}
		return err
	})
}
