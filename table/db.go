// Package table is Dynago's data plane: the catalog of tables, item
// operations with DynamoDB's semantics (expressions, conditions, return
// values, capacity), and the background work that keeps the store tidy.
// It is written against storage.Engine only.
package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// Config configures a DB.
type Config struct {
	Region    string // used in ARNs; default us-east-1
	AccountID string // used in ARNs; default 000000000000
	Log       *slog.Logger
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// ItemCollectionLimit is the size in bytes past which a write may not
	// grow an item collection of a table with local secondary indexes;
	// 0 means DynamoDB's 10 GB (tests lower it).
	ItemCollectionLimit int64

	// TTLInterval is how often the TTL expirer runs, and so about how long
	// an expired item outlives its expiry; 0 means 1 second.
	TTLInterval time.Duration
	// TTLCooldown is how long after a change of a table's time to live
	// UpdateTimeToLive refuses another (DynamoDB: up to an hour); 0 means
	// an hour, a negative value none.
	TTLCooldown time.Duration
	// StreamShardDuration is how long a stream shard stays open before the
	// next one takes over; 0 means 4 hours (as DynamoDB's shards).
	StreamShardDuration time.Duration
	// StreamRetention is how long stream records are kept; 0 means 24
	// hours (as DynamoDB).
	StreamRetention time.Duration
}

// DB serves DynamoDB operations on one storage engine.
type DB struct {
	eng storage.Engine
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex
	tables map[string]*tableState // catalog cache, by table name
	stats  map[uint64]*tableStats // by table id

	bg     sync.WaitGroup
	stop   chan struct{}
	wakeGC chan struct{}

	// inflightTokens holds the ClientRequestTokens of the TransactWriteItems
	// requests running on this node (see idempotency.go).
	inflightTokens sync.Map
	// nextTokenSweep is when a tokened transaction next starts a sweep of
	// expired token records (unix ns).
	nextTokenSweep atomic.Int64
	// ix is the secondary indexes' background work and statistics
	// (backfill.go).
	ix indexWork

	// clock hands out stream sequence values (streams.go); writerID is
	// this process's writer id in stream record keys.
	clock    streamClock
	writerID uint32
	// ttlWake starts a TTL round early (expirer.go).
	ttlWake chan struct{}

	// serial is set when the engine runs Update functions one at a time
	// (storage.SerialUpdater). Then catalogEpoch, bumped inside every
	// Update function that writes a catalog entry (setCatalog,
	// deleteCatalog), lets checkTable skip reading an entry it has found
	// unchanged since the last bump: no catalog write can have committed
	// in between, since nothing else runs between Update functions.
	serial       bool
	catalogEpoch atomic.Uint64
}

// tableState is a cached catalog entry: the parsed Meta and the exact bytes
// it was parsed from, so a transaction can check cheaply that the table it
// prepared a request for is still the one in the catalog.
type tableState struct {
	meta *Meta
	raw  []byte
	// checked is the DB's catalogEpoch when an Update function last found
	// raw in the store (serial engines only; 0: never): while the epoch is
	// unchanged, no catalog entry has been written since.
	checked atomic.Uint64
}

// tableStats are approximate ItemCount and TableSizeBytes, kept in memory
// and recomputed by a scan when a table is first seen after start-up.
// DynamoDB itself only refreshes these about every six hours.
type tableStats struct {
	items atomic.Int64
	bytes atomic.Int64
}

// Open returns a DB on eng and starts its background work.
func Open(eng storage.Engine, cfg Config) (*DB, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db := &DB{
		eng: eng, cfg: cfg, log: cfg.Log,
		tables: make(map[string]*tableState),
		stats:  make(map[uint64]*tableStats),
		stop:   make(chan struct{}),
		wakeGC: make(chan struct{}, 1),
	}
	db.clock.now = cfg.Now
	db.serial = storage.SerialUpdates(eng)
	db.catalogEpoch.Store(1)
	if err := db.loadCatalog(context.Background()); err != nil {
		return nil, err
	}
	if err := db.openStreams(context.Background()); err != nil {
		return nil, err
	}
	db.bg.Add(1)
	go db.dropLoop()
	db.startIndexLoop()
	db.startTTLAndStreamLoops()
	db.startCatalogWatch() // other nodes' catalog changes (cluster.go); after the loops it wakes
	return db, nil
}

// Close stops background work. It does not close the engine.
func (db *DB) Close() error {
	select {
	case <-db.stop:
	default:
		close(db.stop)
	}
	db.bg.Wait()
	return nil
}

// Metadata keys (prefix 0x00).
var (
	keyNextTableID = []byte("\x00next-table-id")
	prefixDropped  = []byte("\x00dropped/") // + 8-byte table id: data still to delete
)

func droppedKey(id uint64) []byte {
	k := append([]byte(nil), prefixDropped...)
	return binary.BigEndian.AppendUint64(k, id)
}

func catalogKey(name string) []byte { return keycodec.AppendCatalogKey(nil, name) }

// loadCatalog fills the cache from the store and starts the stats scans.
func (db *DB) loadCatalog(ctx context.Context) error {
	lo := []byte{keycodec.PrefixCatalog}
	hi := []byte{keycodec.PrefixCatalog + 1}
	var metas []*tableState
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		metas = metas[:0]
		return tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
			m, err := unmarshalMeta(v)
			if err != nil {
				return false, err
			}
			metas = append(metas, &tableState{meta: m, raw: bytes.Clone(v)})
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	db.mu.Lock()
	for _, ts := range metas {
		db.tables[ts.meta.Name] = ts
		st := &tableStats{}
		db.stats[ts.meta.ID] = st
	}
	db.mu.Unlock()
	for _, ts := range metas {
		db.bg.Add(1)
		go db.countTable(ts.meta)
	}
	return nil
}

// countPage is how many items countTable reads in one View: each page
// is a View of its own, so counting a large table never holds one snapshot
// (and the memtables and files it reads from) for long.
const countPage = 4096

// countTable computes a table's item count and size by scanning it, adding
// the result to whatever deltas writes have recorded meanwhile. It reads
// sizes from the stored encoding without decoding the items.
func (db *DB) countTable(m *Meta) {
	defer db.bg.Done()
	lo := keycodec.AppendTablePrefix(nil, m.ID, 0)
	hi := keycodec.AppendTablePrefix(nil, m.ID, 1)
	var n, size int64
	for lo != nil {
		var pn, psize int64
		var next []byte
		err := db.eng.View(context.Background(), func(tx storage.ReadTx) error {
			pn, psize, next = 0, 0, nil
			return tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
				if pn == countPage {
					next = bytes.Clone(k) // the next page starts here
					return false, nil
				}
				select {
				case <-db.stop:
					return false, errStopped
				default:
				}
				pn++
				if s, err := itemcodec.Size(v); err == nil {
					psize += int64(s)
				}
				return true, nil
			})
		})
		if err != nil {
			if !errors.Is(err, errStopped) {
				db.log.Warn("counting table items", "table", m.Name, "err", err)
			}
			return
		}
		n, size, lo = n+pn, size+psize, next
	}
	if st := db.statsFor(m.ID); st != nil {
		st.items.Add(n)
		st.bytes.Add(size)
	}
}

var errStopped = errors.New("db stopped")

func (db *DB) statsFor(id uint64) *tableStats {
	db.mu.RLock()
	st := db.stats[id]
	db.mu.RUnlock()
	return st
}

// lookup returns the cached catalog entry of a table, or nil.
func (db *DB) lookup(name string) *tableState {
	db.mu.RLock()
	ts := db.tables[name]
	db.mu.RUnlock()
	if ts == nil {
		ts = db.lookupMiss(name) // another node may have created it (cluster.go)
	}
	return ts
}

// setCached records a committed catalog change in the cache (m nil:
// deleted), unless the cache holds a later state of the name: a later
// table (ids only grow) or a later write of the same one (Meta.Rev). Commits
// reach the cache out of order: two writers of one entry cache their
// results in whichever order their goroutines run, and on a shared engine
// the watch delivers this node's own commits after it cached them. It
// reports whether the cache took m.
func (db *DB) setCached(name string, m *Meta, raw []byte) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	ts := db.tables[name]
	if m == nil {
		if ts != nil {
			delete(db.stats, ts.meta.ID)
		}
		delete(db.tables, name)
		return true
	}
	if ts != nil && (m.ID < ts.meta.ID || m.ID == ts.meta.ID && m.Rev < ts.meta.Rev) {
		return false
	}
	db.tables[name] = &tableState{meta: m, raw: raw}
	if db.stats[m.ID] == nil {
		db.stats[m.ID] = &tableStats{}
	}
	return true
}

// tableNames returns the cached table names in order.
func (db *DB) tableNames() []string {
	db.mu.RLock()
	names := make([]string, 0, len(db.tables))
	for n := range db.tables {
		names = append(names, n)
	}
	db.mu.RUnlock()
	sort.Strings(names)
	return names
}

// errCatalogChanged tells an item operation that the table changed between
// preparing the request and running it; the operation prepares again.
var errCatalogChanged = errors.New("table changed while the request ran")

// checkTable verifies, inside tx, that the table is still the one ts
// describes. A missing table is ResourceNotFoundException.
//
// On a serial engine the read is skipped when ts was found current since
// the last catalog write (see DB.serial): a write pays for one catalog
// read only after a table changed.
func (db *DB) checkTable(tx storage.ReadTx, ts *tableState) error {
	var epoch uint64
	if db.serial {
		epoch = db.catalogEpoch.Load()
		if ts.checked.Load() == epoch {
			return nil
		}
	}
	raw, err := tx.Get(catalogKey(ts.meta.Name))
	if errors.Is(err, storage.ErrNotFound) {
		return ddb.ResourceNotFound()
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(raw, ts.raw) {
		return errCatalogChanged
	}
	if db.serial {
		ts.checked.Store(epoch)
	}
	return nil
}

// setCatalog writes a table's catalog entry in tx; deleteCatalog deletes
// it. Every change to the catalog goes through them: they move
// catalogEpoch on, so that checkTable reads the catalog again.
func (db *DB) setCatalog(tx storage.Tx, name string, raw []byte) error {
	db.catalogEpoch.Add(1)
	return tx.Set(catalogKey(name), raw)
}

func (db *DB) deleteCatalog(tx storage.Tx, name string) error {
	db.catalogEpoch.Add(1)
	return tx.Delete(catalogKey(name))
}

// refresh reloads one catalog entry into the cache (after errCatalogChanged).
func (db *DB) refresh(ctx context.Context, name string) error {
	var raw []byte
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		v, err := tx.Get(catalogKey(name))
		if err != nil {
			return err
		}
		raw = bytes.Clone(v)
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		db.setCached(name, nil, nil)
		return nil
	}
	if err != nil {
		return err
	}
	m, err := unmarshalMeta(raw)
	if err != nil {
		return err
	}
	db.setCached(name, m, raw)
	return nil
}
