package table

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash"
	"slices"
	"sort"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// Client request tokens of TransactWriteItems.
//
// A transaction that commits with a ClientRequestToken leaves a record of
// the token, written as an ordinary key in the same storage transaction as
// its writes: every engine then behaves the same, the token and the writes
// it vouches for are durable together, and a restart forgets neither.
//
//	[0x00] "txtoken/" token                        -> tokenRecord (JSON)
//	[0x00] "txtoken-exp/" be64(expiry ns) token     -> empty (expiry index)
//
// A record is valid for tokenTTL after its transaction committed (DynamoDB:
// "valid for 10 minutes after the first request that uses it is
// completed"). A request whose token has a valid record does not run
// again: the same request (same TransactItems) succeeds without writing, a
// different one is IdempotentParameterMismatchException. An expired record
// is ignored and overwritten. Expired records are deleted by sweepTokens,
// which walks the expiry index; until then they cost only space.
//
// A token whose first request is still running on this node is
// TransactionInProgressException (inflightTokens). Across nodes sharing a
// store, the second request waits for or conflicts with the first in the
// store and then sees its record.
const tokenTTL = 10 * time.Minute

var (
	prefixToken    = []byte("\x00txtoken/")
	prefixTokenExp = []byte("\x00txtoken-exp/")
)

func tokenKey(token string) []byte {
	return append(slices.Clip(prefixToken), token...)
}

func tokenExpKey(expires int64, token string) []byte {
	k := binary.BigEndian.AppendUint64(slices.Clip(prefixTokenExp), uint64(expires))
	return append(k, token...)
}

// tokenRecord is what a committed token remembers.
type tokenRecord struct {
	Hash    []byte `json:"h"` // requestHash of the TransactItems
	Expires int64  `json:"e"` // unix nanoseconds
	// Replay is the capacity a repeat of the request consumes: DynamoDB
	// answers a repeat as a transactional read of the items, so these are
	// read units computed from the items' sizes after the commit.
	Replay []tableCapacity `json:"r,omitempty"`
}

// tableCapacity is capacity units consumed on one table.
type tableCapacity struct {
	Table string  `json:"t"`
	Units float64 `json:"u"` // in all, indexes included
	// GSIs and LSIs are the units of each secondary index (included in
	// Units).
	GSIs map[string]float64 `json:"g,omitempty"`
	LSIs map[string]float64 `json:"l,omitempty"`
}

// errTokenReplay is returned from inside the storage transaction when the
// request repeats a committed one; nothing is written.
type errTokenReplay struct{ rec *tokenRecord }

func (e *errTokenReplay) Error() string { return "idempotent replay of a committed transaction" }

// getToken returns the valid record of token at time now, or nil.
func getToken(tx storage.ReadTx, token string, now time.Time) (*tokenRecord, error) {
	raw, err := tx.Get(tokenKey(token))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec tokenRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	if now.UnixNano() >= rec.Expires {
		return nil, nil
	}
	return &rec, nil
}

// checkToken runs first in a tokened transaction: a valid record of the
// same request means replay, of another request a mismatch.
func checkToken(tx storage.ReadTx, token string, hash []byte, now time.Time) error {
	rec, err := getToken(tx, token, now)
	if err != nil || rec == nil {
		return err
	}
	if !bytes.Equal(rec.Hash, hash) {
		return ddb.Errorf(ddb.ErrIdempotentParameterMismatch, "")
	}
	return &errTokenReplay{rec: rec}
}

// putToken records a committed token (and drops the expiry-index entry of
// an expired record it replaces).
func putToken(tx storage.Tx, token string, rec *tokenRecord) error {
	if raw, err := tx.Get(tokenKey(token)); err == nil {
		var old tokenRecord
		if json.Unmarshal(raw, &old) == nil {
			if err := tx.Delete(tokenExpKey(old.Expires, token)); err != nil {
				return err
			}
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := tx.Set(tokenKey(token), raw); err != nil {
		return err
	}
	return tx.Set(tokenExpKey(rec.Expires, token), nil)
}

// beginToken marks token in flight on this node (db.inflightTokens), or
// reports that it already is.
func (db *DB) beginToken(token string) (end func(), err error) {
	if _, loaded := db.inflightTokens.LoadOrStore(token, struct{}{}); loaded {
		return nil, ddb.Errorf(ddb.ErrTransactionInProgress, "Transaction from previous request is still in progress")
	}
	return func() { db.inflightTokens.Delete(token) }, nil
}

// Sweeping expired tokens.
const (
	tokenSweepEvery   = time.Minute
	tokenSweepBatch   = 1000 // expiry-index entries per sweep transaction
	tokenSweepBatches = 100  // transactions per sweep at most; the next sweep goes on
)

// maybeSweepTokens starts a background sweep of expired token records when
// one is due. It runs after a tokened commit; the request does not wait.
func (db *DB) maybeSweepTokens() {
	now := db.cfg.Now()
	next := db.nextTokenSweep.Load()
	if now.UnixNano() < next || !db.leader() || !db.nextTokenSweep.CompareAndSwap(next, now.Add(tokenSweepEvery).UnixNano()) {
		return
	}
	select {
	case <-db.stop:
		return
	default:
	}
	db.bg.Add(1)
	go func() {
		defer db.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), tokenSweepEvery)
		defer cancel()
		if _, err := db.sweepTokens(ctx, now); err != nil && !errors.Is(err, storage.ErrClosed) && !errors.Is(err, context.DeadlineExceeded) {
			db.log.Warn("sweeping expired transaction tokens", "err", err)
		}
	}()
}

// sweepTokens deletes the records that expired before now, in batches, and
// returns how many expiry-index entries it removed.
func (db *DB) sweepTokens(ctx context.Context, now time.Time) (int, error) {
	total, batches := 0, 0
	lo := slices.Clip(prefixTokenExp)
	hi := tokenExpKey(now.UnixNano()+1, "") // records expire at their expiry instant
	batch := db.batch(tokenSweepBatch, 2)   // each entry: two keys read, two deleted
	for {
		n := 0
		err := db.eng.Update(ctx, func(tx storage.Tx) error {
			n = 0
			type entry struct {
				key     []byte
				expires int64
				token   string
			}
			var expired []entry
			err := tx.Scan(lo, hi, false, func(k, _ []byte) (bool, error) {
				rest := k[len(prefixTokenExp):]
				if len(rest) < 8 {
					expired = append(expired, entry{key: bytes.Clone(k)})
				} else {
					expired = append(expired, entry{key: bytes.Clone(k), expires: int64(binary.BigEndian.Uint64(rest)), token: string(rest[8:])})
				}
				return len(expired) < batch, nil
			})
			if err != nil {
				return err
			}
			for _, e := range expired {
				if e.token != "" {
					raw, err := tx.Get(tokenKey(e.token))
					if err == nil {
						var rec tokenRecord
						if json.Unmarshal(raw, &rec) != nil || rec.Expires == e.expires {
							if err := tx.Delete(tokenKey(e.token)); err != nil {
								return err
							}
						}
					} else if !errors.Is(err, storage.ErrNotFound) {
						return err
					}
				}
				if err := tx.Delete(e.key); err != nil {
					return err
				}
			}
			n = len(expired)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
		if batches++; batches == tokenSweepBatches {
			return total, nil
		}
	}
}

// requestHash identifies a TransactWriteItems request for idempotency: a
// SHA-256 over a canonical encoding of TransactItems (attribute maps and
// set members in sorted order, so equal requests hash alike however their
// JSON was ordered). ReturnConsumedCapacity and ReturnItemCollectionMetrics
// shape only the answer and are left out: a retry may change them (DynamoDB
// Local accepts such a retry as the same request).
func requestHash(items []wire.TransactWriteItem) []byte {
	var h hashWriter
	h.h = sha256.New()
	h.int(len(items))
	for _, ti := range items {
		switch {
		case ti.Put != nil:
			a := ti.Put
			h.str("Put")
			h.ptr(a.TableName)
			h.item(ddb.Item(a.Item))
			h.ptr(a.ConditionExpression)
			h.names(a.ExpressionAttributeNames)
			h.item(ddb.Item(a.ExpressionAttributeValues))
			h.ptr(a.ReturnValuesOnConditionCheckFailure)
		case ti.Update != nil:
			a := ti.Update
			h.str("Update")
			h.ptr(a.TableName)
			h.item(ddb.Item(a.Key))
			h.ptr(a.UpdateExpression)
			h.ptr(a.ConditionExpression)
			h.names(a.ExpressionAttributeNames)
			h.item(ddb.Item(a.ExpressionAttributeValues))
			h.ptr(a.ReturnValuesOnConditionCheckFailure)
		case ti.Delete != nil:
			a := ti.Delete
			h.str("Delete")
			h.ptr(a.TableName)
			h.item(ddb.Item(a.Key))
			h.ptr(a.ConditionExpression)
			h.names(a.ExpressionAttributeNames)
			h.item(ddb.Item(a.ExpressionAttributeValues))
			h.ptr(a.ReturnValuesOnConditionCheckFailure)
		case ti.ConditionCheck != nil:
			a := ti.ConditionCheck
			h.str("ConditionCheck")
			h.ptr(a.TableName)
			h.item(ddb.Item(a.Key))
			h.ptr(a.ConditionExpression)
			h.names(a.ExpressionAttributeNames)
			h.item(ddb.Item(a.ExpressionAttributeValues))
			h.ptr(a.ReturnValuesOnConditionCheckFailure)
		}
	}
	return h.h.Sum(nil)
}

type hashWriter struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

func (w *hashWriter) int(n int) {
	w.h.Write(binary.AppendUvarint(w.buf[:0], uint64(n)))
}

func (w *hashWriter) bytes(b []byte) {
	w.int(len(b))
	w.h.Write(b)
}

func (w *hashWriter) str(s string) {
	w.int(len(s))
	w.h.Write([]byte(s))
}

// ptr distinguishes absent from empty.
func (w *hashWriter) ptr(s *string) {
	if s == nil {
		w.int(0)
		return
	}
	w.int(1)
	w.str(*s)
}

func (w *hashWriter) names(m map[string]string) {
	if m == nil {
		w.int(0)
		return
	}
	w.int(len(m) + 1)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.str(k)
		w.str(m[k])
	}
}

func (w *hashWriter) item(it ddb.Item) {
	if it == nil {
		w.int(0)
		return
	}
	w.int(len(it) + 1)
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.str(k)
		w.value(it[k])
	}
}

func (w *hashWriter) value(v ddb.AttributeValue) {
	w.int(int(v.Type))
	switch v.Type {
	case ddb.TypeS, ddb.TypeN:
		w.str(v.S)
	case ddb.TypeB:
		w.bytes(v.B)
	case ddb.TypeBOOL:
		if v.BOOL {
			w.int(1)
		} else {
			w.int(0)
		}
	case ddb.TypeSS, ddb.TypeNS:
		s := slices.Clone(v.SS)
		sort.Strings(s)
		w.int(len(s))
		for _, x := range s {
			w.str(x)
		}
	case ddb.TypeBS:
		s := slices.Clone(v.BS)
		slices.SortFunc(s, bytes.Compare)
		w.int(len(s))
		for _, x := range s {
			w.bytes(x)
		}
	case ddb.TypeL:
		w.int(len(v.L))
		for _, x := range v.L {
			w.value(x)
		}
	case ddb.TypeM:
		w.item(ddb.Item(v.M))
	}
}
