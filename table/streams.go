package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
)

// DynamoDB Streams.
//
// A table's stream is a log of its item changes: one record per change,
// written by writeStreamRecord in the storage transaction of the change
// itself, so a record exists exactly when its change committed. Records of
// one stream are ordered by a sequence value, and a stream's shards are
// consecutive time slices of that order.
//
// Keys:
//
//	[0x00] "stream/" table-name 0x00 label   -> streamMeta (JSON): one per stream, kept
//	                                           until 24 hours after the stream ended
//	[0x00] "stream-writer"                   -> be64 counter of writer ids
//	[0x03] table-id stream-no be64(seq) be32(writer) -> record (encodeRecord)
//
// table-id and stream-no are keycodec varints. stream-no counts the
// streams a table has had (1, 2, ...), so a disabled and re-enabled stream
// (a new ARN) has its own key range while the old one stays readable.
//
// Sequence values. seq is a hybrid clock: wall-clock milliseconds shifted
// left by clockLogicalBits, incremented when two values would otherwise be
// equal, strictly increasing on a node (streamClock). writer is a per-process
// id allocated from the store when the DB opens, so two nodes sharing a
// store never write the same record key. A record's SequenceNumber is the
// decimal seq (20 digits) followed by the decimal writer (6 digits): numeric
// order is key order. No key is read or written by every append: writes to
// different items never conflict on the stream, on any engine.
//
// Per-item order: two writes of one item conflict in the store (each reads
// the item), so the second one's transaction runs after the first committed
// and takes a larger seq. (With several nodes on one store this relies on
// their clocks agreeing to within the time between two writes of an item;
// see ARCHITECTURE.md.)
//
// Readers. Transactions take their seq before they commit, so records do
// not commit in seq order: a reader that passed seq 100 could later see
// 99 commit. The DB therefore tracks the appends in flight on this node
// (streamClock): a record is given to readers only when every transaction
// that holds a lower seq has finished (the horizon). Item writes reach
// writeStreamRecord only through updateItems, which keeps that
// bookkeeping.
//
// Shards. Shard k of a stream holds the records whose seq falls in
// [created + k*shardMs, created + (k+1)*shardMs) (milliseconds, shifted):
// one open shard at a time, rolled over every shardMs (4 hours by default,
// like DynamoDB's shards), each the parent of the next. A shard is closed
// once the horizon has passed its end, or when the stream is disabled.

// clockLogicalBits is the number of low bits of a sequence value below the
// milliseconds: up to a million sequence values per millisecond per node.
const clockLogicalBits = 20

// maxWriterID bounds writer ids (six decimal digits in a SequenceNumber).
const maxWriterID = 1_000_000

// Stream defaults and limits.
const (
	defaultShardDuration   = 4 * time.Hour
	defaultStreamRetention = 24 * time.Hour
	iteratorLifetime       = 15 * time.Minute
)

// Stream view types.
const (
	viewKeysOnly      = "KEYS_ONLY"
	viewNewImage      = "NEW_IMAGE"
	viewOldImage      = "OLD_IMAGE"
	viewNewAndOldImgs = "NEW_AND_OLD_IMAGES"
)

var (
	prefixStreamMeta = []byte("\x00stream/")
	keyStreamWriter  = []byte("\x00stream-writer")
)

// streamMeta describes one stream (one ARN) of a table. It outlives the
// table's catalog entry: a deleted table's last stream stays readable for
// 24 hours.
type streamMeta struct {
	Table    string        `json:"table"`
	TableID  uint64        `json:"tableId"`
	TableARN string        `json:"tableArn"`
	No       uint32        `json:"no"`
	Label    string        `json:"label"`
	ViewType string        `json:"viewType"`
	Key      ddb.KeySchema `json:"key"`
	Created  int64         `json:"created"` // unix ms; also the label
	ShardMs  int64         `json:"shardMs"`
	Disabled int64         `json:"disabled,omitempty"` // unix ms; 0 while enabled
	// TrimmedSeq and TrimmedWriter are the position of the last record
	// trimming deleted (zero: none): an iterator at or before it points
	// at trimmed data.
	TrimmedSeq    uint64 `json:"trimmedSeq,omitempty"`
	TrimmedWriter uint32 `json:"trimmedWriter,omitempty"`
}

func (s *streamMeta) trimmed() streamPos { return streamPos{s.TrimmedSeq, s.TrimmedWriter} }

// wasTrimmed reports whether records at or after p may have been trimmed.
func (s *streamMeta) wasTrimmed(p streamPos) bool {
	return (s.TrimmedSeq != 0 || s.TrimmedWriter != 0) && !s.trimmed().less(p)
}

func (s *streamMeta) arn() string { return s.TableARN + "/stream/" + s.Label }

// shardStart is the first sequence value of shard k.
func (s *streamMeta) shardStart(k int64) uint64 { return msClock(s.Created + k*s.ShardMs) }

// shardEnd is the sequence value just past shard k.
func (s *streamMeta) shardEnd(k int64) uint64 { return msClock(s.Created + (k+1)*s.ShardMs) }

// shardAt returns the shard of time ms (unix ms), never below 0.
func (s *streamMeta) shardAt(ms int64) int64 {
	if ms <= s.Created {
		return 0
	}
	return (ms - s.Created) / s.ShardMs
}

func streamMetaKey(table, label string) []byte {
	k := append(bytes.Clone(prefixStreamMeta), table...)
	k = append(k, 0)
	return append(k, label...)
}

func streamPrefix(tableID uint64, no uint32) []byte {
	k := []byte{keycodec.PrefixStream}
	k = keycodec.AppendUvarint(k, tableID)
	return keycodec.AppendUvarint(k, uint64(no))
}

// streamPos is a position in a stream: a record key's (seq, writer).
type streamPos struct {
	seq    uint64
	writer uint32
}

func (p streamPos) less(q streamPos) bool {
	return p.seq < q.seq || p.seq == q.seq && p.writer < q.writer
}

// next is the smallest position after p.
func (p streamPos) next() streamPos {
	if p.writer < maxWriterID-1 {
		return streamPos{p.seq, p.writer + 1}
	}
	return streamPos{p.seq + 1, 0}
}

// text is the SequenceNumber of the position.
func (p streamPos) text() string { return fmt.Sprintf("%020d%06d", p.seq, p.writer) }

// parseSequenceNumber reads a SequenceNumber (any run of digits; numbers
// shorter than ours are left-padded). ok is false for a number too large
// to be a position.
func parseSequenceNumber(s string) (p streamPos, ok bool) {
	for len(s) > 26 && s[0] == '0' {
		s = s[1:]
	}
	if len(s) > 26 {
		return p, false
	}
	var digits [26]byte
	for i := range digits {
		digits[i] = '0'
	}
	copy(digits[26-len(s):], s)
	var seq uint64
	for _, c := range digits[:20] {
		if c < '0' || c > '9' {
			return p, false
		}
		d := uint64(c - '0')
		if seq > (1<<64-1-d)/10 {
			return p, false
		}
		seq = seq*10 + d
	}
	var w uint32
	for _, c := range digits[20:] {
		if c < '0' || c > '9' {
			return p, false
		}
		w = w*10 + uint32(c-'0')
	}
	return streamPos{seq, w}, true
}

func appendPos(dst []byte, p streamPos) []byte {
	dst = binary.BigEndian.AppendUint64(dst, p.seq)
	return binary.BigEndian.AppendUint32(dst, p.writer)
}

func streamRecordKey(tableID uint64, no uint32, p streamPos) []byte {
	return appendPos(streamPrefix(tableID, no), p)
}

// msClock is the first sequence value of unix millisecond ms.
func msClock(ms int64) uint64 {
	if ms < 0 {
		return 0
	}
	return uint64(ms) << clockLogicalBits
}

// clockMs is the unix millisecond of sequence value seq.
func clockMs(seq uint64) int64 { return int64(seq >> clockLogicalBits) }

// streamClock hands out sequence values and keeps the horizon: the lowest
// sequence value that a transaction still running on this node may
// commit.
type streamClock struct {
	now func() time.Time

	mu    sync.Mutex
	last  uint64
	queue []*seqTicket // in allocation (so seq) order
	head  int
}

// seqTicket is one running transaction's lowest sequence value.
type seqTicket struct {
	seq  uint64
	done bool
}

// streamRun is the stream bookkeeping of one item-writing transaction
// (see updateItems).
type streamRun struct {
	ticket *seqTicket
	// service marks the transaction's changes as made by DynamoDB itself
	// (TTL deletions): their records carry the service's userIdentity.
	service bool
}

func (c *streamClock) tickLocked() uint64 {
	v := msClock(c.now().UnixMilli())
	if v <= c.last {
		v = c.last + 1
	}
	c.last = v
	return v
}

// observe makes every later sequence value greater than v.
func (c *streamClock) observe(v uint64) {
	c.mu.Lock()
	if v > c.last {
		c.last = v
	}
	c.mu.Unlock()
}

// next returns a new sequence value for a record of run; the first one
// registers run as in flight until release.
func (c *streamClock) next(run *streamRun) uint64 {
	c.mu.Lock()
	v := c.tickLocked()
	if run.ticket == nil {
		t := &seqTicket{seq: v}
		c.queue = append(c.queue, t)
		run.ticket = t
	}
	c.mu.Unlock()
	return v
}

// release ends run's registration (its transaction committed or gave up).
func (c *streamClock) release(run *streamRun) {
	if run.ticket == nil {
		return
	}
	c.mu.Lock()
	run.ticket.done = true
	run.ticket = nil
	c.popLocked()
	c.mu.Unlock()
}

func (c *streamClock) popLocked() {
	for c.head < len(c.queue) && c.queue[c.head].done {
		c.queue[c.head] = nil
		c.head++
	}
	switch {
	case c.head == len(c.queue):
		c.queue, c.head = c.queue[:0], 0
	case c.head >= 256 && 2*c.head >= len(c.queue):
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
}

// horizon returns a sequence value h such that every record with a lower
// sequence value that will ever be committed by this node has been
// committed (and is visible to a snapshot taken after horizon returns).
func (c *streamClock) horizon() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.popLocked()
	if c.head < len(c.queue) {
		return c.queue[c.head].seq
	}
	// Nothing in flight: everything up to now is final. Later values
	// must then be at least h.
	h := msClock(c.now().UnixMilli())
	if h <= c.last {
		h = c.last + 1
	}
	c.last = h - 1
	return h
}

// streamTx is the storage transaction of an item write, carrying its
// stream bookkeeping to writeStreamRecord.
type streamTx struct {
	storage.Tx
	run *streamRun
}

// updateItems runs fn in a storage transaction, as db.eng.Update does, for
// operations that change items: it keeps the stream horizon right for the
// stream records the transaction writes. Every item write goes through
// here (writeItem, runWrites, the TTL expirer).
func (db *DB) updateItems(ctx context.Context, fn func(tx storage.Tx) error) error {
	return db.updateItemsAs(ctx, false, fn)
}

// updateItemsAs is updateItems; service marks the changes as made by
// DynamoDB itself (TTL deletions).
func (db *DB) updateItemsAs(ctx context.Context, service bool, fn func(tx storage.Tx) error) error {
	run := &streamRun{service: service}
	err := db.eng.Update(ctx, func(tx storage.Tx) error {
		db.clock.release(run) // an earlier attempt's, which did not commit
		return fn(&streamTx{Tx: tx, run: run})
	})
	db.clock.release(run)
	return err
}

// errNoStreamRun is a bug: an item write that did not come through
// updateItems.
var errNoStreamRun = errors.New("table: stream record written outside updateItems")

// Record format (the value of a record key), version 1:
//
//	0x01 event flags keys [new] [old]
//
// event is 1 INSERT, 2 MODIFY, 3 REMOVE; flags bit 0 marks a change made
// by the service (TTL), bit 1 a new image, bit 2 an old image; keys and the
// images are uvarint-length-prefixed itemcodec items.
const (
	recINSERT = 1
	recMODIFY = 2
	recREMOVE = 3

	recFlagService = 1
	recFlagNew     = 2
	recFlagOld     = 4
)

var eventNames = [...]string{recINSERT: "INSERT", recMODIFY: "MODIFY", recREMOVE: "REMOVE"}

// writeStreamRecord appends the stream record of one item change to the
// table's stream, when the table has one (see afterWrite). old is nil for
// an insert, next nil for a delete. A write that leaves the item as it was
// has no record, as in DynamoDB.
func (db *DB) writeStreamRecord(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	if !m.Stream.Enabled || m.Stream.No == 0 { // 0: a catalog entry older than stream records
		return nil
	}
	if old != nil && next != nil && ddb.ItemsEqual(old, next) {
		return nil
	}
	st, ok := tx.(*streamTx)
	if !ok {
		return errNoStreamRun
	}
	event := byte(recMODIFY)
	keysFrom := next
	switch {
	case old == nil:
		event = recINSERT
	case next == nil:
		event, keysFrom = recREMOVE, old
	}
	var flags byte
	if st.run.service {
		flags |= recFlagService
	}
	var newImg, oldImg ddb.Item
	switch m.Stream.ViewType {
	case viewNewImage:
		newImg = next
	case viewOldImage:
		oldImg = old
	case viewNewAndOldImgs:
		newImg, oldImg = next, old
	}
	val := make([]byte, 0, 64)
	val = append(val, 1, event, 0)
	val = appendItemField(val, m.Key.Project(keysFrom))
	if newImg != nil {
		flags |= recFlagNew
		val = appendItemField(val, newImg)
	}
	if oldImg != nil {
		flags |= recFlagOld
		val = appendItemField(val, oldImg)
	}
	val[2] = flags
	pos := streamPos{db.clock.next(st.run), db.writerID}
	return tx.Set(streamRecordKey(m.ID, m.Stream.No, pos), val)
}

func appendItemField(dst []byte, it ddb.Item) []byte {
	enc := itemcodec.Append(nil, it)
	dst = binary.AppendUvarint(dst, uint64(len(enc)))
	return append(dst, enc...)
}

// streamRecord is a decoded record.
type streamRecord struct {
	event          byte
	service        bool
	keys           ddb.Item
	newImg         ddb.Item
	oldImg         ddb.Item
	hasNew, hasOld bool
}

func decodeRecord(v []byte) (*streamRecord, error) {
	if len(v) < 3 || v[0] != 1 || v[1] < recINSERT || v[1] > recREMOVE {
		return nil, errors.New("corrupt stream record")
	}
	r := &streamRecord{event: v[1], service: v[2]&recFlagService != 0}
	rest := v[3:]
	field := func() (ddb.Item, error) {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return nil, errors.New("corrupt stream record")
		}
		it, err := itemcodec.Decode(rest[w : w+int(n)])
		rest = rest[w+int(n):]
		return it, err
	}
	var err error
	if r.keys, err = field(); err != nil {
		return nil, err
	}
	if v[2]&recFlagNew != 0 {
		r.hasNew = true
		if r.newImg, err = field(); err != nil {
			return nil, err
		}
	}
	if v[2]&recFlagOld != 0 {
		r.hasOld = true
		if r.oldImg, err = field(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// eventID derives a record's eventID (32 hex digits) from its key.
func eventID(key []byte) string {
	h := fnv.New128a()
	h.Write(key)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// Stream lifecycle, in the transactions that change the catalog.

// createStream starts a new stream for m (whose Stream.Enabled and
// ViewType are set) in tx: it picks the stream's number and label (unique
// among the streams of tables of that name), records them in m and writes
// the stream's metadata. prevNo is the number of the table's previous
// stream (0 for none).
func (db *DB) createStream(tx storage.Tx, m *Meta, prevNo uint32, prevCreated int64, now time.Time) error {
	created := now.UnixMilli()
	if created <= prevCreated {
		created = prevCreated + 1
	}
	var key []byte
	for {
		key = streamMetaKey(m.Name, streamLabel(time.UnixMilli(created)))
		_, err := tx.Get(key)
		if errors.Is(err, storage.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		created++
	}
	m.Stream.No = prevNo + 1
	m.Stream.Created = created
	m.Stream.ShardMs = db.shardDuration().Milliseconds()
	m.LatestStreamLabel = streamLabel(time.UnixMilli(created))
	sm := &streamMeta{
		Table: m.Name, TableID: m.ID, TableARN: m.ARN, No: m.Stream.No,
		Label: m.LatestStreamLabel, ViewType: m.Stream.ViewType, Key: m.Key,
		Created: created, ShardMs: m.Stream.ShardMs,
	}
	raw, err := json.Marshal(sm)
	if err != nil {
		return err
	}
	return tx.Set(key, raw)
}

// applyStreamChange writes, in the transaction of an UpdateTable that
// changed the table's catalog entry from prev to m, the stream metadata
// that an enabled or disabled stream implies.
func (db *DB) applyStreamChange(tx storage.Tx, prev, m *Meta, now time.Time) error {
	switch {
	case !prev.Stream.Enabled && m.Stream.Enabled:
		return db.createStream(tx, m, prev.Stream.No, prev.Stream.Created, now)
	case prev.Stream.Enabled && !m.Stream.Enabled:
		return db.retireStream(tx, prev, now)
	}
	return nil
}

// retireStream marks the stream that m describes as disabled (at now), in
// tx: it stays readable until trimmed. A stream is retired when it is
// disabled and when its table is deleted.
func (db *DB) retireStream(tx storage.Tx, m *Meta, now time.Time) error {
	if !m.Stream.Enabled || m.LatestStreamLabel == "" {
		return nil
	}
	key := streamMetaKey(m.Name, m.LatestStreamLabel)
	raw, err := tx.Get(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // a stream of a catalog written before streams were kept
	}
	if err != nil {
		return err
	}
	var sm streamMeta
	if err := json.Unmarshal(raw, &sm); err != nil {
		return err
	}
	if sm.Disabled != 0 {
		return nil
	}
	sm.Disabled = max(now.UnixMilli(), sm.Created)
	out, err := json.Marshal(&sm)
	if err != nil {
		return err
	}
	return tx.Set(key, out)
}

func (db *DB) shardDuration() time.Duration {
	if db.cfg.StreamShardDuration > 0 {
		return db.cfg.StreamShardDuration
	}
	return defaultShardDuration
}

func (db *DB) streamRetention() time.Duration {
	if db.cfg.StreamRetention > 0 {
		return db.cfg.StreamRetention
	}
	return defaultStreamRetention
}

// trimClock is the lowest sequence value still retained at now.
func (db *DB) trimClock(now time.Time) uint64 {
	return msClock(now.Add(-db.streamRetention()).UnixMilli())
}

// openStreams allocates this process's writer id and moves the clock past
// every stored record (so that a clock set back across a restart cannot
// reorder records).
func (db *DB) openStreams(ctx context.Context) error {
	err := db.eng.Update(ctx, func(tx storage.Tx) error {
		var n uint64
		v, err := tx.Get(keyStreamWriter)
		switch {
		case err == nil && len(v) == 8:
			n = binary.BigEndian.Uint64(v)
		case err == nil:
			return errors.New("corrupt stream writer counter")
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		db.writerID = uint32(n % maxWriterID)
		return tx.Set(keyStreamWriter, binary.BigEndian.AppendUint64(nil, n+1))
	})
	if err != nil {
		return err
	}
	metas, err := db.streamMetas(ctx, nil, nil)
	if err != nil {
		return err
	}
	return db.eng.View(ctx, func(tx storage.ReadTx) error {
		for _, sm := range metas {
			lo := streamPrefix(sm.TableID, sm.No)
			err := tx.Scan(lo, keycodec.PrefixEnd(lo), true, func(k, _ []byte) (bool, error) {
				if len(k) == len(lo)+12 {
					db.clock.observe(binary.BigEndian.Uint64(k[len(lo):]))
				}
				return false, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// streamMetas reads the stream metadata in [lo, hi) of the stream
// metadata keys (nil: all).
func (db *DB) streamMetas(ctx context.Context, lo, hi []byte) ([]*streamMeta, error) {
	if lo == nil {
		lo = prefixStreamMeta
	}
	if hi == nil {
		hi = keycodec.PrefixEnd(prefixStreamMeta)
	}
	var out []*streamMeta
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		out = out[:0]
		return tx.Scan(lo, hi, false, func(_, v []byte) (bool, error) {
			sm := new(streamMeta)
			if err := json.Unmarshal(v, sm); err != nil {
				return false, err
			}
			out = append(out, sm)
			return true, nil
		})
	})
	return out, err
}

// streamTrimChunk is how many records one trimming transaction deletes.
const streamTrimChunk = 512

// trimStreams is one round of stream trimming: it deletes the records
// older than the retention period, and the streams that ended longer ago
// than that. It runs on the cluster's leader (backgroundLoop); two nodes
// running it at once only repeat work.
func (db *DB) trimStreams(ctx context.Context) error {
	metas, err := db.streamMetas(ctx, nil, nil)
	if err != nil {
		return err
	}
	now := db.cfg.Now()
	cut := now.Add(-db.streamRetention()).UnixMilli()
	for _, sm := range metas {
		if db.stopped() {
			return nil
		}
		prefix := streamPrefix(sm.TableID, sm.No)
		gone := sm.Disabled != 0 && sm.Disabled < cut
		hi := appendPos(bytes.Clone(prefix), streamPos{seq: msClock(cut)})
		if gone {
			hi = keycodec.PrefixEnd(prefix)
		}
		lastGone, err := db.deleteRange(ctx, prefix, hi)
		if err != nil {
			return err
		}
		if lastGone != nil && !gone {
			err := db.eng.Update(ctx, func(tx storage.Tx) error {
				key := streamMetaKey(sm.Table, sm.Label)
				raw, err := tx.Get(key)
				if errors.Is(err, storage.ErrNotFound) {
					return nil
				} else if err != nil {
					return err
				}
				var cur streamMeta
				if err := json.Unmarshal(raw, &cur); err != nil {
					return err
				}
				p := streamPos{binary.BigEndian.Uint64(lastGone[len(prefix):]), binary.BigEndian.Uint32(lastGone[len(prefix)+8:])}
				if !cur.trimmed().less(p) {
					return nil
				}
				cur.TrimmedSeq, cur.TrimmedWriter = p.seq, p.writer
				out, err := json.Marshal(&cur)
				if err != nil {
					return err
				}
				return tx.Set(key, out)
			})
			if err != nil {
				return err
			}
		}
		if gone {
			key := streamMetaKey(sm.Table, sm.Label)
			err := db.eng.Update(ctx, func(tx storage.Tx) error { return tx.Delete(key) })
			if err != nil {
				return err
			}
			db.log.Info("stream trimmed away", "stream", sm.arn())
		}
	}
	return nil
}

// deleteRange deletes every stream record key in [lo, hi), in chunks, and
// returns the last key it deleted (nil: none).
func (db *DB) deleteRange(ctx context.Context, lo, hi []byte) (last []byte, err error) {
	recordKeyLen := len(lo) + 12 // lo is the stream's prefix
	for {
		if db.stopped() {
			return last, nil
		}
		var n int
		var chunkLast []byte
		size := db.batch(streamTrimChunk, 2)
		err := db.eng.Update(ctx, func(tx storage.Tx) error {
			var err error
			n, chunkLast, err = deleteChunk(tx, lo, hi, size)
			return err
		})
		if err != nil {
			return last, err
		}
		if chunkLast != nil && len(chunkLast) == recordKeyLen {
			last = chunkLast
		}
		if n < size {
			return last, nil
		}
		lo = keycodec.Successor(chunkLast)
	}
}
