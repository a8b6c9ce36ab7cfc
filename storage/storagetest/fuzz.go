package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dynago/dynago/storage"
)

// Fuzz is a differential fuzz test: each input is a little program of
// Sets, Deletes, Gets and Scans, grouped into Updates that commit or
// abort, with Views in between, run on the engine and on a map model.
// Any difference fails. open must return a new, empty engine.
//
//	func FuzzEngine(f *testing.F) {
//		storagetest.Fuzz(f, func(t *testing.T) storage.Engine { return memory.New() })
//	}
func Fuzz(f *testing.F, open func(t *testing.T) storage.Engine) {
	f.Add([]byte{0x01, 0x41, 0x02, 0x01, 0x03, 0x00, 0x00, 0x00, 0x04})
	f.Add([]byte{0x07, 0x00, 0x30, 0x01, 0x05, 0x03, 0x02, 0x0a, 0x01, 0x04, 0x06, 0x00, 0x00})
	f.Add([]byte{0x07, 0x13, 0x3f, 0x04, 0x03, 0x00, 0x00, 0x03, 0x01, 0x22, 0x03, 0x10, 0x00, 0x02, 0x05, 0x06, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, program []byte) {
		if len(program) > 2000 {
			return
		}
		e := open(t)
		defer e.Close()
		runProgram(t, e, program)
	})
}

// fuzzKey maps a byte to one of 144 short keys, some with 0x00 and 0xff.
func fuzzKey(b byte) []byte {
	if b&0x10 == 0 {
		return []byte{0xf0 ^ b&0x0f<<4}
	}
	return []byte{0xf0 ^ b&0x0f<<4, []byte{0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 'a', 'b'}[b>>5]}
}

var errAbort = errors.New("storagetest: abort")

type fuzzOp struct{ code, a, b, c byte }

func runProgram(t *testing.T, e storage.Engine, program []byte) {
	committed := model{}
	var ops []fuzzOp
	next := func() byte {
		if len(program) == 0 {
			return 0
		}
		b := program[0]
		program = program[1:]
		return b
	}
	ctx := context.Background()
	// check compares a read with the model, failing the test.
	check := func(where string, tx storage.ReadTx, m model, op fuzzOp) error {
		switch op.code {
		case 2:
			k := fuzzKey(op.a)
			v, ok, err := getString(tx, string(k))
			if err != nil {
				return err
			}
			if wv, wok := m[string(k)]; ok != wok || v != wv {
				t.Fatalf("%s: Get(%x) = %q, %v; want %q, %v", where, k, v, ok, wv, wok)
			}
		case 3:
			var lo, hi []byte
			if op.c&1 != 0 {
				lo = fuzzKey(op.a)
			}
			if op.c&2 != 0 {
				hi = fuzzKey(op.b)
			}
			reverse, limit := op.c&4 != 0, int(op.c>>3)
			got, err := scan(tx, lo, hi, reverse, limit)
			if err != nil {
				return err
			}
			if want := m.scan(lo, hi, reverse, limit); !equalKVs(got, want) {
				t.Fatalf("%s: Scan(%x, %x, reverse=%v, limit %d) = %v, want %v", where, lo, hi, reverse, limit, got, want)
			}
		}
		return nil
	}
	runUpdate := func(commit bool) {
		var pending model
		err := e.Update(ctx, func(tx storage.Tx) error {
			pending = maps(committed)
			for i, op := range ops {
				where := fmt.Sprintf("Update op %d", i)
				switch op.code {
				case 0:
					k, v := fuzzKey(op.a), fmt.Sprint(op.b)
					pending[string(k)] = v
					if err := tx.Set(k, []byte(v)); err != nil {
						return err
					}
				case 1:
					k := fuzzKey(op.a)
					delete(pending, string(k))
					if err := tx.Delete(k); err != nil {
						return err
					}
				case 7:
					for j := range int(op.b % 64) {
						k, v := fuzzKey(op.a+byte(j)), fmt.Sprint(op.c)
						pending[string(k)] = v
						if err := tx.Set(k, []byte(v)); err != nil {
							return err
						}
					}
				default:
					if err := check(where, tx, pending, op); err != nil {
						return err
					}
				}
			}
			if !commit {
				return errAbort
			}
			return nil
		})
		switch {
		case !commit && errors.Is(err, errAbort):
		case err != nil:
			t.Fatalf("Update: %v", err)
		default:
			committed = pending
		}
		ops = ops[:0]
	}
	for len(program) > 0 {
		op := fuzzOp{code: next() & 7}
		switch op.code {
		case 0, 3, 7:
			op.a, op.b, op.c = next(), next(), next()
			ops = append(ops, op)
		case 1, 2:
			op.a = next()
			ops = append(ops, op)
		case 4:
			runUpdate(true)
		case 5:
			runUpdate(false)
		case 6:
			op = fuzzOp{code: 3, a: next(), b: next(), c: next()}
			view(t, e, func(tx storage.ReadTx) error { return check("View", tx, committed, op) })
		}
	}
	runUpdate(true)
	if got, want := scanAll(t, e), committed.scan(nil, nil, false, 0); !equalKVs(got, want) {
		t.Fatalf("final state %v, want %v", got, want)
	}
}
