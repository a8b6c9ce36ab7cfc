package pebble

import (
	"sync/atomic"
	"time"
)

// Read-triggered flushes.
//
// An LSM keeps every version of a key until a flush or compaction drops the
// shadowed ones. Pebble's memtable keeps them all, and a memtable grows to
// MemTableSize (16 MiB) before it is flushed; Pebble even lets immutable
// memtables queue until they hold half that. A range read (Query, Scan)
// steps over each dead entry on its way to the next key: where the same
// items are rewritten often (a counter, a status field, a benchmark over a
// small key set) a scan of 10 keys written six times each visits 61
// entries and costs 9-10 µs, 3.4 µs once they are flushed
// (BenchmarkScanVersions). A point read is not affected: it stops at the
// newest version.
//
// So reads count what they step over: Scan compares the entries its
// iterator visited (Pebble's InternalStats.PointCount: every version and
// deletion tombstone, in every memtable and level) with the keys it
// returned, and the engine adds the difference up. Once reads have stepped
// over readFlushDead dead entries, and over at least as many dead entries
// as live ones, the engine asks Pebble to flush its memtables (at most one
// flush at a time, and one per readFlushInterval); the flush writes only
// the newest version of each key. Dead entries already in sstables are
// compactions' business: a flush does not remove them, and the interval
// bounds the extra flushes when those are what reads see. A flush costs
// about what the live part of the memtable is to write once; reads that
// keep stepping over versions cost that many times over.

const (
	// readFlushDead is how many dead entries reads step over before the
	// engine considers a flush: 6-8 ms of reads' CPU at about 110 ns each
	// (BenchmarkScanVersions: 50 more entries, 5.8 µs more).
	readFlushDead = 64 << 10
	// readFlushInterval is the least time between two read-triggered
	// flushes.
	readFlushInterval = time.Second
)

// readFlush is the engine's bookkeeping for read-triggered flushes.
type readFlush struct {
	dead, live atomic.Uint64 // entries stepped over and keys returned since the last check
	last       atomic.Int64  // time of the last read-triggered flush (UnixNano)
	running    atomic.Bool   // a read-triggered flush is in progress
	flushes    atomic.Uint64 // read-triggered flushes started (for tests and the log)
}

// noteScan records one range read that returned keys keys while its
// iterator visited points entries, and starts a flush when reads have been
// stepping over more dead entries than live ones.
func (e *Engine) noteScan(keys, points uint64) {
	rf := &e.readFlush
	if points <= keys {
		if keys > 0 {
			rf.live.Add(keys)
		}
		return
	}
	rf.live.Add(keys)
	if rf.dead.Add(points-keys) < readFlushDead {
		return
	}
	dead, live := rf.dead.Swap(0), rf.live.Swap(0)
	if dead < readFlushDead || dead < live {
		return // another reader took the count, or most entries read are live
	}
	now := time.Now().UnixNano()
	if now-rf.last.Load() < int64(readFlushInterval) || !rf.running.CompareAndSwap(false, true) {
		return
	}
	rf.last.Store(now)
	if !e.gate.Enter() { // closing: Close flushes anyway
		rf.running.Store(false)
		return
	}
	if e.dur.failure() != nil {
		e.gate.Exit()
		rf.running.Store(false)
		return
	}
	rf.flushes.Add(1)
	go func() {
		defer rf.running.Store(false)
		defer e.gate.Exit()
		// AsyncFlush rotates the memtable and schedules the flush; the
		// flush itself is not waited for (Close flushes what is left).
		if _, err := e.db.AsyncFlush(); err != nil {
			e.log.Warn("read-triggered flush", "err", err)
			return
		}
		e.log.Debug("read-triggered flush", "dead_entries", dead, "live_keys", live)
	}()
}
