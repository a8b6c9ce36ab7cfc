// Package pebble is the default storage.Engine: a durable store on disk,
// built on CockroachDB's Pebble LSM tree.
//
// # Concurrency: one writer at a time
//
// Update functions run one at a time, under a writer mutex. Each reads the
// latest committed state through a Pebble indexed batch, which also holds
// its writes, so reads see the transaction's own writes. Because no other
// transaction commits while fn runs, Update is trivially serializable (no
// lost update, no write skew, no phantom) and never returns
// storage.ErrConflict; fn runs exactly once.
//
// The alternative, optimistic transactions validated at commit, would let
// Update functions overlap, but they are short (a DynamoDB write touches a
// few keys) and their cost is dominated by the fsync, which is not under
// the mutex: the batch is applied with Pebble's ApplyNoSyncWait, which
// appends it to the write-ahead log and makes it visible to the next
// writer, and the mutex is released before waiting for the fsync
// (Batch.SyncWait). Pebble's WAL writer syncs everything queued while the
// previous fsync ran in one go, so concurrent Updates share fsyncs (group
// commit). Serial execution also means no retries, no read-set bookkeeping
// and no wasted work under contention on hot keys (counters, the catalog).
// Long read-only work (Query, Scan) belongs in View, which takes no lock.
//
// # Durability
//
// With Options.NoSync unset (the default), Update returns nil only after
// the transaction's WAL record is fsync'd. Pebble makes a batch visible to
// readers before its fsync completes, so a reader could observe a write that
// a crash then loses. To prevent that, commits take tickets in commit order
// and the engine tracks the prefix of tickets whose fsync has completed; a
// View (and a read-only Update, and an Update whose fn fails) waits, after
// taking its snapshot, until every commit its snapshot may contain is
// durable. When no commit is in flight this costs two atomic loads.
//
// If an fsync (or the write to the WAL) fails, the engine stops: the
// failing Update and every later Update return the error, and reads that
// could observe a write that may not be durable return it too. Reopen the
// store to recover (Pebble replays the WAL).
//
// With NoSync set, acknowledged writes survive a process crash only once
// Pebble has written them to the OS, and a machine crash may lose recent
// ones; reads never wait.
//
// # Pebble options
//
// The defaults aim at a small idle footprint and a point-lookup-heavy
// workload:
//   - Block cache: 32 MiB (Options.CacheSize) for blocks. Pebble fills it
//     on demand; nothing is allocated up front. Pebble charges the memory
//     of live memtables to the block cache, so the cache is created with
//     room for two full memtables (the mutable one and one being flushed)
//     on top: a cache of only CacheSize holds no blocks at all once two
//     16 MiB memtables are live, and every read then decompresses blocks
//     from disk (GetItem became 2.5x slower after a burst of writes).
//   - Memtable: 16 MiB (Options.MemTableSize). Pebble starts with a 256 KiB
//     memtable and doubles it with each rotation up to this size, so an
//     idle or small store stays small; up to 4 memtables may queue for
//     flushing before writes stall, which absorbs bursts.
//   - Bloom filters, 10 bits per key (about 1% false positives), on every
//     level: GetItem and the reads of conditional writes are point lookups
//     of whole keys, which the filters answer without reading data blocks.
//   - Compression: Pebble's "balanced" profile: the fastest codec on the
//     upper levels, which are rewritten often, and zstd on the two bottom
//     levels, which hold most of the data.
//   - L0: compaction starts at 4 sublevels (Pebble's default); writes stop
//     at 24 rather than 12, to ride out bursts without stalling.
//   - The on-disk format is pinned (FormatValueSeparation, the newest in
//     Pebble v2.1), so an upgrade of Pebble never rewrites it silently.
//   - Disk-health checks log a warning when a disk operation takes more
//     than 5 s.
package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/internal/gate"
)

// Defaults for Options.
const (
	DefaultCacheSize    = 32 << 20
	DefaultMemTableSize = 16 << 20
)

// Options configure Open. The zero value is the default: on disk, every
// acknowledged Update fsync'd.
type Options struct {
	// NoSync acknowledges an Update without waiting for the fsync of the
	// write-ahead log. Faster, but a crash of the machine (and possibly of
	// the process) may lose acknowledged writes.
	NoSync bool
	// InMemory keeps the whole store in memory (Pebble's in-memory file
	// system); the directory passed to Open is then only a name. Nothing
	// survives Close.
	InMemory bool
	// Logger receives Pebble's messages and notable events (background
	// errors, write stalls, slow disk). Nil means slog.Default().
	Logger *slog.Logger
	// CacheSize is the block cache capacity for blocks in bytes (the cache
	// also gets room for two memtables); 0 means
	// DefaultCacheSize.
	CacheSize int64
	// MemTableSize is the largest memtable size in bytes; 0 means
	// DefaultMemTableSize.
	MemTableSize uint64

	// fs overrides the file system (tests inject errors with it).
	fs vfs.FS
	// appendWAL leaves WAL files to grow by appends (no walExtendFS), for
	// the before/after benchmark (BenchmarkSyncAppendWAL).
	appendWAL bool
	// noReadFlush turns read-triggered flushes off (readflush.go), for the
	// before/after benchmark (BenchmarkScanVersions).
	noReadFlush bool
}

// Engine is the Pebble engine. Create it with Open.
type Engine struct {
	db   *pebble.DB
	lock *pebble.Lock
	gate gate.Gate
	sync bool
	log  *slog.Logger

	// wmu is held while an Update function runs and its batch is applied.
	wmu sync.Mutex
	dur *durability

	readFlush   readFlush // read-triggered flushes (readflush.go)
	noReadFlush bool
}

var (
	_ storage.Engine        = (*Engine)(nil)
	_ storage.PointReader   = (*Engine)(nil)
	_ storage.SerialUpdater = (*Engine)(nil)
)

// Open opens (creating if needed) the store in directory dir. It fails if
// another process (or another Engine in this process) has the directory
// open.
func Open(dir string, opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "storage/pebble")

	fs := opts.fs
	switch {
	case fs != nil:
	case opts.InMemory:
		fs = vfs.NewMem()
	default:
		fs = vfs.Default
	}
	if dir == "" {
		if !opts.InMemory {
			return nil, errors.New("storage/pebble: no data directory given")
		}
		dir = "dynago"
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage/pebble: create data directory: %w", err)
	}
	lock, err := pebble.LockDirectory(dir, fs)
	if err != nil {
		return nil, fmt.Errorf("storage/pebble: data directory %s is in use by another process (or another engine in this one): %w", dir, err)
	}

	errorLog := newLogThrottle(errorLogInterval)
	events := eventListener(log, errorLog)
	po := &pebble.Options{
		FS:                          fs,
		Lock:                        lock,
		Logger:                      pebbleLogger{log, errorLog},
		EventListener:               &events,
		CacheSize:                   DefaultCacheSize,
		MemTableSize:                DefaultMemTableSize,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       24,
		FormatMajorVersion:          pebble.FormatValueSeparation,
	}
	if opts.CacheSize > 0 {
		po.CacheSize = opts.CacheSize
	}
	if opts.MemTableSize > 0 {
		po.MemTableSize = opts.MemTableSize
	}
	po.CacheSize += 2 * int64(po.MemTableSize) // memtables are charged to the cache
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionBalanced })
	if !opts.InMemory && opts.fs == nil {
		po.WithFSDefaults() // disk-health checks, reported through events.DiskSlow
		if !opts.appendWAL {
			po.FS = walExtendFS{po.FS} // WAL files extended ahead of their writes (walfs.go)
		}
	}

	db, err := pebble.Open(dir, po)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("storage/pebble: open %s: %w", dir, err)
	}
	return &Engine{
		db:   db,
		lock: lock,
		sync: !opts.NoSync,
		log:  log,
		dur:  newDurability(),

		noReadFlush: opts.noReadFlush,
	}, nil
}

// Metrics describes the LSM: levels, memtables, compactions, block and
// file cache hit rates (Pebble's report; served on /debug/store with
// --pprof).
func (e *Engine) Metrics() string { return e.db.Metrics().String() }

// Close implements storage.Engine: it waits for running transactions,
// flushes the memtables to disk (unless the engine failed), closes Pebble
// and releases the directory lock.
func (e *Engine) Close() error {
	if !e.gate.Close() {
		return nil
	}
	var errs []error
	if e.dur.failure() == nil {
		if err := e.db.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("storage/pebble: flush on close: %w", err))
		}
	}
	if err := e.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage/pebble: close: %w", err))
	}
	if err := e.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("storage/pebble: release directory lock: %w", err))
	}
	return errors.Join(errs...)
}

// View implements storage.Engine.
//
// The snapshot is a Pebble iterator created at the first read (any instant
// within View is a valid serialization point): Get seeks it, later Scans
// clone it, so all reads see the same state. When the first read is a Scan,
// that Scan's own iterator is the snapshot (a Query costs one iterator, not
// a snapshot and a clone: HandlerQuery10 about 10% less CPU). This is about
// twice as cheap as a Pebble Snapshot, whose Close runs the compaction
// picker. Like a snapshot, it keeps the memtables and files it reads from
// alive until View returns.
func (e *Engine) View(ctx context.Context, fn func(tx storage.ReadTx) error) (err error) {
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	defer e.gate.Exit()
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := &readTx{ctx: ctx, view: e}
	defer func() {
		tx.done = true
		for _, it := range [...]*pebble.Iterator{tx.root, tx.pin} {
			if it != nil {
				if cerr := it.Close(); err == nil {
					err = cerr
				}
			}
		}
	}()
	return fn(tx)
}

// SerialUpdates implements storage.SerialUpdater: Update functions run one
// at a time under the writer mutex, and each applies its batch (making it
// visible) before the next starts.
func (e *Engine) SerialUpdates() bool { return true }

// GetOne implements storage.PointReader with Pebble's point lookup, which
// stops at the newest memtable or level that holds the key (a View's
// iterator seeks every level). Like a View, it waits until what it read is
// durable: assigned is loaded after the lookup, so it covers every commit
// the lookup could see.
func (e *Engine) GetOne(ctx context.Context, key []byte) ([]byte, error) {
	if !e.gate.Enter() {
		return nil, storage.ErrClosed
	}
	defer e.gate.Exit()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, storage.ErrEmptyKey
	}
	v, closer, err := e.db.Get(key)
	var out []byte
	switch {
	case err == nil:
		out = bytes.Clone(v)
		if out == nil {
			out = []byte{}
		}
		err = closer.Close()
	case errors.Is(err, pebble.ErrNotFound):
		err = storage.ErrNotFound
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if e.sync {
		if werr := e.dur.wait(ctx, e.dur.assigned.Load()); werr != nil {
			return nil, e.readError(werr)
		}
	}
	return out, err
}

// Update implements storage.Engine.
func (e *Engine) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	defer e.gate.Exit()
	if err := ctx.Err(); err != nil {
		return err
	}
	seen, b, err := e.execute(ctx, fn)
	if b != nil {
		// Committed; b is visible and in the WAL. Wait for its fsync.
		if e.sync {
			if serr := b.SyncWait(); serr != nil {
				err := fmt.Errorf("storage/pebble: write-ahead log sync failed, the engine refuses further writes: %w", serr)
				e.dur.fail(err)
				e.log.Error("write-ahead log sync failed", "err", serr)
				return err
			}
			e.dur.markSynced(seen)
		}
		_ = b.Close()
	}
	if seen > 0 {
		// What fn read (and, when it committed, what its writes depend on)
		// must be durable before anyone learns of it. This ignores ctx:
		// the outcome of a commit is always reported.
		if werr := e.dur.wait(context.Background(), seen); werr != nil {
			return e.readError(werr)
		}
	}
	return err
}

// readError is the error of a read that could observe non-durable state
// after the engine failed.
func (e *Engine) readError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("storage/pebble: engine stopped after a write failure: %w", err)
}

// execute runs fn under the writer mutex and applies its batch. It returns
// the newest ticket whose effects fn may have observed or depends on (0
// when nothing needs to be waited for), and the applied batch when fn wrote
// (the caller waits for its fsync and closes it).
func (e *Engine) execute(ctx context.Context, fn func(tx storage.Tx) error) (seen uint64, applied *pebble.Batch, err error) {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if err := e.dur.failure(); err != nil {
		return 0, nil, err
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	b := e.db.NewIndexedBatch()
	tx := &updateTx{readTx: readTx{ctx: ctx, batch: b}, b: b}
	err = func() error {
		defer func() { tx.done = true }()
		return fn(tx)
	}()
	if e.sync {
		seen = e.dur.assigned.Load()
	}
	if err == nil {
		err = ctx.Err()
		if err != nil {
			seen = 0 // reveals nothing read
		}
	}
	if err != nil || b.Empty() {
		_ = b.Close()
		return seen, nil, err
	}
	if e.sync {
		seen = e.dur.assign()
		err = e.db.ApplyNoSyncWait(b, pebble.Sync)
	} else {
		err = e.db.Apply(b, pebble.NoSync)
	}
	if err != nil {
		// The batch may be partly visible or in the WAL; we cannot know.
		err = fmt.Errorf("storage/pebble: commit failed, the engine refuses further writes: %w", err)
		e.dur.fail(err)
		e.log.Error("commit failed", "err", err)
		return 0, nil, err
	}
	return seen, b, nil
}

// readTx reads in a View (view set) or in an Update (batch set).
type readTx struct {
	ctx   context.Context
	done  bool
	arena []byte // backs the values Get returns

	// batch is the Update's indexed batch, over the latest state.
	batch *pebble.Batch
	// view is the engine of a View. Its first read fixes the snapshot:
	// pin is the iterator of a first read that was a Scan (created with
	// that Scan's bounds, kept open to hold the state); root is an
	// unbounded iterator for Gets (a clone of pin when there is one).
	view *Engine
	root *pebble.Iterator
	pin  *pebble.Iterator
}

// snapshot returns the View's root iterator, creating it (and waiting for
// the durability of what it may show) on first use.
func (tx *readTx) snapshot() (*pebble.Iterator, error) {
	if tx.root != nil {
		return tx.root, nil
	}
	// The root serves Gets, as SeekPrefixGE point lookups (the default
	// comparer's prefix is the whole key), which consult the bloom
	// filters, also on the last level.
	opts := &pebble.IterOptions{UseL6Filters: true}
	if tx.pin != nil {
		it, err := tx.pin.Clone(pebble.CloneOptions{IterOptions: opts})
		if err != nil {
			return nil, err
		}
		tx.root = it
		return it, nil
	}
	it, err := tx.first(opts)
	if err != nil {
		return nil, err
	}
	tx.root = it
	return it, nil
}

// first creates the View's first iterator, which fixes its snapshot, and
// waits until every commit the snapshot may contain is durable.
func (tx *readTx) first(opts *pebble.IterOptions) (*pebble.Iterator, error) {
	e := tx.view
	it, err := e.db.NewIter(opts)
	if err != nil {
		return nil, err
	}
	if e.sync {
		// Load assigned after the iterator fixed its state: see durability.
		if err := e.dur.wait(tx.ctx, e.dur.assigned.Load()); err != nil {
			_ = it.Close()
			return nil, e.readError(err)
		}
	}
	return it, nil
}

// arenaChunk is the largest block Get copies small values into.
const arenaChunk = 4 << 10

// copyValue returns a copy of v that stays valid until the transaction
// ends. Small values share arena blocks, to save allocations; the first
// block fits the first value exactly (a View with one Get allocates only
// that), later ones double up to arenaChunk.
func (tx *readTx) copyValue(v []byte) []byte {
	if len(v) > arenaChunk/4 {
		return bytes.Clone(v)
	}
	if cap(tx.arena)-len(tx.arena) < len(v) {
		tx.arena = make([]byte, 0, max(len(v), min(arenaChunk, 2*cap(tx.arena))))
	}
	start := len(tx.arena)
	tx.arena = append(tx.arena, v...)
	return tx.arena[start:len(tx.arena):len(tx.arena)]
}

func (tx *readTx) Get(key []byte) ([]byte, error) {
	if tx.done {
		return nil, storage.ErrTxDone
	}
	if len(key) == 0 {
		return nil, storage.ErrEmptyKey
	}
	if tx.batch != nil {
		v, closer, err := tx.batch.Get(key)
		if err != nil {
			if errors.Is(err, pebble.ErrNotFound) {
				return nil, storage.ErrNotFound
			}
			return nil, err
		}
		out := tx.copyValue(v)
		if err := closer.Close(); err != nil {
			return nil, err
		}
		return out, nil
	}
	it, err := tx.snapshot()
	if err != nil {
		return nil, err
	}
	if !it.SeekPrefixGE(key) || !bytes.Equal(it.Key(), key) {
		if err := it.Error(); err != nil {
			return nil, err
		}
		return nil, storage.ErrNotFound
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, err
	}
	return tx.copyValue(v), nil
}

func (tx *readTx) Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (bool, error)) (err error) {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(lo) == 0 {
		lo = nil
	}
	if len(hi) == 0 {
		hi = nil
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	bounds := &pebble.IterOptions{LowerBound: lo, UpperBound: hi}
	var it *pebble.Iterator
	if tx.batch != nil {
		// Sees the batch as it is now; fn's writes do not affect it.
		it, err = tx.batch.NewIter(bounds)
	} else {
		switch {
		case tx.root == nil && tx.pin == nil:
			// The View's first read: this Scan's iterator fixes the
			// snapshot and stays open to hold it (a Query reads with
			// one iterator instead of a snapshot and a clone).
			if it, err = tx.first(bounds); err == nil {
				tx.pin = it
			}
		case tx.root != nil:
			it, err = tx.root.Clone(pebble.CloneOptions{IterOptions: bounds})
		default:
			it, err = tx.pin.Clone(pebble.CloneOptions{IterOptions: bounds})
		}
	}
	if err != nil {
		return err
	}
	if it != tx.pin {
		defer func() {
			if cerr := it.Close(); err == nil {
				err = cerr
			}
		}()
	}
	var ok bool
	if reverse {
		ok = it.Last()
	} else {
		ok = it.First()
	}
	var n uint64 // keys the iterator stopped at
	defer func() {
		if tx.batch == nil && !tx.view.noReadFlush {
			tx.view.noteScan(n, it.Stats().InternalStats.PointCount)
		}
	}()
	for ok {
		n++
		if n%256 == 0 {
			if err := tx.ctx.Err(); err != nil {
				return err
			}
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		more, err := fn(it.Key(), v)
		if err != nil || !more {
			return err
		}
		if reverse {
			ok = it.Prev()
		} else {
			ok = it.Next()
		}
	}
	return it.Error()
}

type updateTx struct {
	readTx
	b *pebble.Batch
}

func (tx *updateTx) Set(key, value []byte) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(key) == 0 {
		return storage.ErrEmptyKey
	}
	return tx.b.Set(key, value, nil)
}

func (tx *updateTx) Delete(key []byte) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(key) == 0 {
		return storage.ErrEmptyKey
	}
	return tx.b.Delete(key, nil)
}
