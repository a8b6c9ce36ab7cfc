// Package memory is an in-memory storage.Engine: the reference model that
// tests and `--in-memory` servers run on. It favours obvious correctness
// over speed.
//
// # Design
//
// The store is a B-tree of records, one per key, each holding the key's
// versions (value or deletion, stamped with the commit timestamp that
// wrote it). A commit timestamp is a counter incremented by every commit
// that writes.
//
// A transaction reads the snapshot at its start timestamp: for each key the
// newest version not newer than that timestamp. Update buffers writes in
// the transaction (read-your-writes) and records what it read: the keys it
// got and the key ranges its scans covered (only up to where a scan
// stopped). Commit is optimistic concurrency control with backward
// validation: under the commit lock, if any key read, or any key in a range
// scanned (present, inserted or deleted: deletions leave a version too), has
// a version newer than the start timestamp, a concurrent transaction
// changed what this one saw, so its writes are discarded and fn runs again
// on a fresh snapshot. Otherwise the writes get the next timestamp. A
// transaction that wrote nothing commits without validation: it is
// serializable at its snapshot.
//
// After a few optimistic attempts, Update runs fn while holding the commit
// lock, so no other transaction can commit in between and validation cannot
// fail: Update always makes progress and never returns storage.ErrConflict.
//
// Versions that no open transaction can read are collected: a version is
// kept only if it is newer than the oldest open snapshot, or if it is the
// newest version not newer than it (and not a deletion).
//
// Nothing is durable: the data is gone when the process exits.
package memory

import (
	"bytes"
	"context"
	"sync"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/internal/gate"
	"github.com/google/btree"
)

// optimisticAttempts is how many times Update runs fn optimistically before
// it runs fn under the commit lock.
const optimisticAttempts = 4

// scanChunk is how many entries a Scan copies out of the tree per read lock.
const scanChunk = 128

// gcMinBacklog is the smallest backlog of records with collectable
// versions that triggers a sweep.
const gcMinBacklog = 1024

type version struct {
	ts      uint64
	value   []byte // owned by the store, never modified
	deleted bool
}

type record struct {
	key      []byte    // owned by the store, never modified
	versions []version // oldest first; never empty while the record is in the tree
	removed  bool      // taken out of the tree by garbage collection
}

func (r *record) newest() *version { return &r.versions[len(r.versions)-1] }

// at returns the version visible at ts, or nil.
func (r *record) at(ts uint64) *version {
	for i := len(r.versions) - 1; i >= 0; i-- {
		if r.versions[i].ts <= ts {
			return &r.versions[i]
		}
	}
	return nil
}

func lessRecord(a, b *record) bool { return bytes.Compare(a.key, b.key) < 0 }

// Engine is the in-memory engine. Create it with New.
type Engine struct {
	gate gate.Gate

	// commitMu serializes commits; a transaction in its last attempt holds it
	// while fn runs. Lock order: commitMu, then mu.
	commitMu sync.Mutex

	mu      sync.RWMutex
	tree    *btree.BTreeG[*record]
	clock   uint64           // timestamp of the newest commit
	active  map[uint64]int   // start timestamp -> open transactions
	garbage map[*record]bool // records that may hold collectable versions
	gcLimit int              // sweep garbage when it grows past this
}

var _ storage.Engine = (*Engine)(nil)

// New returns an empty engine.
func New() *Engine {
	return &Engine{
		tree:    btree.NewG(32, lessRecord),
		active:  map[uint64]int{},
		garbage: map[*record]bool{},
		gcLimit: gcMinBacklog,
	}
}

// Close implements storage.Engine. It waits for running transactions and
// then drops the data.
func (e *Engine) Close() error {
	if !e.gate.Close() {
		return nil
	}
	e.mu.Lock()
	e.tree.Clear(false)
	e.garbage = nil
	e.mu.Unlock()
	return nil
}

// View implements storage.Engine.
func (e *Engine) View(ctx context.Context, fn func(tx storage.ReadTx) error) error {
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	defer e.gate.Exit()
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := &readTx{e: e, ctx: ctx, ts: e.begin()}
	defer e.end(tx.ts)
	defer func() { tx.done = true }()
	return fn(tx)
}

// Update implements storage.Engine.
func (e *Engine) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	defer e.gate.Exit()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		retry, err := e.attempt(ctx, fn, attempt > optimisticAttempts)
		if !retry {
			return err
		}
		if attempt > optimisticAttempts {
			// Cannot happen: nobody commits while we hold commitMu.
			return storage.ErrConflict
		}
	}
}

// attempt runs fn once and commits. It reports retry=true when validation
// failed.
func (e *Engine) attempt(ctx context.Context, fn func(tx storage.Tx) error, exclusive bool) (retry bool, err error) {
	if exclusive {
		e.commitMu.Lock()
		defer e.commitMu.Unlock()
	}
	tx := &updateTx{
		readTx: readTx{e: e, ctx: ctx, ts: e.begin()},
		writes: btree.NewG(16, lessWrite),
		points: map[string]bool{},
	}
	defer e.end(tx.ts)
	err = func() error {
		defer func() { tx.done = true }()
		return fn(tx)
	}()
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if tx.writes.Len() == 0 {
		return false, nil
	}
	if !exclusive {
		e.commitMu.Lock()
		defer e.commitMu.Unlock()
	}
	return e.commit(tx)
}

// begin opens a snapshot at the current timestamp.
func (e *Engine) begin() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	ts := e.clock
	e.active[ts]++
	return ts
}

// end closes a snapshot opened by begin.
func (e *Engine) end(ts uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active[ts]--; e.active[ts] == 0 {
		delete(e.active, ts)
	}
	e.maybeSweep()
}

// commit validates tx and applies its writes. The caller holds commitMu.
func (e *Engine) commit(tx *updateTx) (retry bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.clock != tx.ts && !e.validLocked(tx) {
		return true, nil
	}
	e.clock++
	ts := e.clock
	probe := &record{}
	tx.writes.Ascend(func(w *write) bool {
		probe.key = w.key
		r, ok := e.tree.Get(probe)
		switch {
		case !ok && w.deleted:
			// Deleting an absent key changes nothing anyone could read.
		case !ok:
			e.tree.ReplaceOrInsert(&record{key: w.key, versions: []version{{ts: ts, value: w.value}}})
		default:
			r.versions = append(r.versions, version{ts: ts, value: w.value, deleted: w.deleted})
			e.collectLocked(r)
		}
		return true
	})
	e.maybeSweep()
	return false, nil
}

// validLocked reports whether nothing tx read has changed since tx.ts.
func (e *Engine) validLocked(tx *updateTx) bool {
	probe := &record{}
	for k := range tx.points {
		probe.key = []byte(k)
		if r, ok := e.tree.Get(probe); ok && r.newest().ts > tx.ts {
			return false
		}
	}
	for _, s := range tx.spans {
		valid := true
		e.ascend(s.lo, s.hi, func(r *record) bool {
			valid = r.newest().ts <= tx.ts
			return valid
		})
		if !valid {
			return false
		}
	}
	return true
}

// ascend calls fn for the records in [lo, hi) (hi nil: unbounded) in
// ascending order until fn returns false. The caller holds mu.
func (e *Engine) ascend(lo, hi []byte, fn func(r *record) bool) {
	start := &record{key: lo}
	if hi == nil {
		e.tree.AscendGreaterOrEqual(start, fn)
		return
	}
	if bytes.Compare(lo, hi) >= 0 {
		return
	}
	e.tree.AscendRange(start, &record{key: hi}, fn)
}

// oldestLocked returns the oldest timestamp an open or future transaction
// can read at.
func (e *Engine) oldestLocked() uint64 {
	oldest := e.clock
	for ts := range e.active {
		oldest = min(oldest, ts)
	}
	return oldest
}

// collectLocked drops the versions of r no transaction can read, removes r
// from the tree when none is left, and remembers r in garbage when it still
// holds versions that will become collectable.
func (e *Engine) collectLocked(r *record) {
	if r.removed {
		delete(e.garbage, r)
		return
	}
	oldest := e.oldestLocked()
	// Keep the newest version not newer than oldest (what the oldest
	// snapshot reads) and everything newer.
	keep := 0
	for i := len(r.versions) - 1; i >= 0; i-- {
		if r.versions[i].ts <= oldest {
			keep = i
			break
		}
	}
	// A deletion every snapshot can see is the same as no version: it
	// cannot make validation fail either, as every open or future
	// transaction starts at or after oldest.
	if r.versions[keep].ts <= oldest && r.versions[keep].deleted {
		keep++
	}
	if keep > 0 {
		r.versions = append([]version(nil), r.versions[keep:]...)
	}
	switch {
	case len(r.versions) == 0:
		e.tree.Delete(r)
		r.removed = true
		delete(e.garbage, r)
	case len(r.versions) > 1 || r.versions[0].deleted:
		e.garbage[r] = true
	default:
		delete(e.garbage, r)
	}
}

// maybeSweep collects the garbage backlog once it has grown enough. The
// limit grows with the backlog that survives a sweep (versions pinned by
// long-running snapshots), so sweeping stays amortized constant per commit.
func (e *Engine) maybeSweep() {
	if len(e.garbage) < e.gcLimit {
		return
	}
	for r := range e.garbage {
		e.collectLocked(r)
	}
	e.gcLimit = max(gcMinBacklog, 2*len(e.garbage))
}

// get returns the value of key at ts. The caller must not modify it.
func (e *Engine) get(key []byte, ts uint64) ([]byte, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	r, ok := e.tree.Get(&record{key: key})
	if !ok {
		return nil, false
	}
	v := r.at(ts)
	if v == nil || v.deleted {
		return nil, false
	}
	return v.value, true
}

type entry struct {
	key, value []byte
	deleted    bool
}

// chunk appends to buf up to scanChunk entries visible at ts in [lo, hi),
// in the scan's order, starting after the key after when it is not nil.
// The entries share memory with the store and must not be modified.
func (e *Engine) chunk(buf []entry, ts uint64, lo, hi []byte, reverse bool, after []byte) []entry {
	e.mu.RLock()
	defer e.mu.RUnlock()
	visit := func(r *record) bool {
		if after != nil && bytes.Equal(r.key, after) {
			return true
		}
		if reverse && bytes.Compare(r.key, lo) < 0 {
			return false
		}
		if !reverse && hi != nil && bytes.Compare(r.key, hi) >= 0 {
			return false
		}
		if v := r.at(ts); v != nil && !v.deleted {
			buf = append(buf, entry{key: r.key, value: v.value})
		}
		return len(buf) < scanChunk
	}
	switch {
	case !reverse && after != nil:
		e.tree.AscendGreaterOrEqual(&record{key: after}, visit)
	case !reverse:
		e.tree.AscendGreaterOrEqual(&record{key: lo}, visit)
	case after != nil:
		e.tree.DescendLessOrEqual(&record{key: after}, visit)
	case hi != nil:
		e.tree.DescendLessOrEqual(&record{key: hi}, func(r *record) bool {
			if bytes.Equal(r.key, hi) {
				return true
			}
			return visit(r)
		})
	default:
		e.tree.Descend(visit)
	}
	return buf
}

type readTx struct {
	e    *Engine
	ctx  context.Context
	ts   uint64
	done bool
}

func (tx *readTx) Get(key []byte) ([]byte, error) {
	if tx.done {
		return nil, storage.ErrTxDone
	}
	if len(key) == 0 {
		return nil, storage.ErrEmptyKey
	}
	v, ok := tx.e.get(key, tx.ts)
	if !ok {
		return nil, storage.ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (tx *readTx) Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	_, err := tx.scan(lo, hi, reverse, nil, fn)
	return err
}

// scan merges the snapshot in [lo, hi) with pending (the transaction's
// writes in that range, in scan order) and calls fn. It returns the last
// key passed to fn if fn stopped the scan, else nil.
func (tx *readTx) scan(lo, hi []byte, reverse bool, pending []entry, fn func(k, v []byte) (bool, error)) (stop []byte, err error) {
	if tx.done {
		return nil, storage.ErrTxDone
	}
	if len(hi) == 0 {
		hi = nil
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil, nil
	}
	var buf []entry
	var after []byte
	exhausted := false
	n := 0
	for {
		if len(buf) == 0 && !exhausted {
			buf = tx.e.chunk(buf[:0], tx.ts, lo, hi, reverse, after)
			exhausted = len(buf) < scanChunk
			if len(buf) > 0 {
				after = buf[len(buf)-1].key
			}
		}
		var next entry
		switch {
		case len(buf) == 0 && len(pending) == 0:
			return nil, nil
		case len(pending) == 0:
			next, buf = buf[0], buf[1:]
		case len(buf) == 0:
			next, pending = pending[0], pending[1:]
		default:
			c := bytes.Compare(buf[0].key, pending[0].key)
			if reverse {
				c = -c
			}
			switch {
			case c < 0:
				next, buf = buf[0], buf[1:]
			case c > 0:
				next, pending = pending[0], pending[1:]
			default: // the transaction's write shadows the snapshot
				next, buf, pending = pending[0], buf[1:], pending[1:]
			}
		}
		if next.deleted {
			continue
		}
		if n++; n%256 == 0 {
			if err := tx.ctx.Err(); err != nil {
				return next.key, err
			}
		}
		more, err := fn(bytes.Clone(next.key), bytes.Clone(next.value))
		if err != nil || !more {
			return next.key, err
		}
	}
}

type write struct {
	key, value []byte
	deleted    bool
}

func lessWrite(a, b *write) bool { return bytes.Compare(a.key, b.key) < 0 }

type span struct{ lo, hi []byte } // hi nil: unbounded

type updateTx struct {
	readTx
	writes *btree.BTreeG[*write]
	points map[string]bool // keys read from the snapshot
	spans  []span          // ranges scanned
}

func (tx *updateTx) Get(key []byte) ([]byte, error) {
	if tx.done {
		return nil, storage.ErrTxDone
	}
	if len(key) == 0 {
		return nil, storage.ErrEmptyKey
	}
	if w, ok := tx.writes.Get(&write{key: key}); ok {
		if w.deleted {
			return nil, storage.ErrNotFound
		}
		return bytes.Clone(w.value), nil
	}
	tx.points[string(key)] = true
	return tx.readTx.Get(key)
}

func (tx *updateTx) Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(hi) == 0 {
		hi = nil
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	// Take the writes in range now, so that writes fn makes do not affect
	// this scan. Buffered values are never modified, only replaced.
	var pending []entry
	collect := func(w *write) bool {
		pending = append(pending, entry{key: w.key, value: w.value, deleted: w.deleted})
		return true
	}
	start := &write{key: lo}
	switch {
	case hi != nil:
		tx.writes.AscendRange(start, &write{key: hi}, collect)
	default:
		tx.writes.AscendGreaterOrEqual(start, collect)
	}
	if reverse {
		for i, j := 0, len(pending)-1; i < j; i, j = i+1, j-1 {
			pending[i], pending[j] = pending[j], pending[i]
		}
	}
	stop, err := tx.scan(lo, hi, reverse, pending, fn)
	// Record what the scan covered: up to and including the key it
	// stopped at, or the whole range.
	s := span{lo: bytes.Clone(lo), hi: bytes.Clone(hi)}
	if stop != nil {
		if reverse {
			s.lo = bytes.Clone(stop)
		} else {
			s.hi = append(bytes.Clone(stop), 0)
		}
	}
	tx.spans = append(tx.spans, s)
	return err
}

func (tx *updateTx) Set(key, value []byte) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(key) == 0 {
		return storage.ErrEmptyKey
	}
	tx.writes.ReplaceOrInsert(&write{key: bytes.Clone(key), value: bytes.Clone(value)})
	return nil
}

func (tx *updateTx) Delete(key []byte) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(key) == 0 {
		return storage.ErrEmptyKey
	}
	tx.writes.ReplaceOrInsert(&write{key: bytes.Clone(key), deleted: true})
	return nil
}
