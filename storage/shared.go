package storage

import (
	"context"
	"errors"
)

// Engines shared by several Dynago processes (storage/etcd) have more to
// say than Engine does: a transaction may be too big for them, a commit
// may end without a known outcome, other processes change the data, and
// background work must run on one process only. These optional interfaces
// and errors carry that; engines that one process owns (memory, pebble)
// implement none of the interfaces and never return the errors.

var (
	// ErrTooLarge is returned by Update when the transaction has more
	// operations or bytes than the engine accepts in one atomic commit.
	// Nothing was written. Retrying the same transaction fails the same
	// way; an engine never splits a transaction to make it fit.
	ErrTooLarge = errors.New("storage: transaction too large for one atomic commit")
	// ErrUnknownOutcome is returned by Update when the commit was sent
	// but its outcome could not be learned (a timeout, a lost connection,
	// a leader change): the writes may or may not have been applied. fn
	// is not run again. Callers report this as an internal error; a client
	// retry is safe only where the request is idempotent (DynamoDB's
	// ClientRequestToken makes TransactWriteItems so).
	ErrUnknownOutcome = errors.New("storage: commit outcome unknown")
)

// Watcher is implemented by engines whose data other processes change.
// Caches of what is stored (the table catalog) use it to learn of changes
// made elsewhere; it only wakes readers, it is never a source of truth.
type Watcher interface {
	// Watch calls fn for every change to a key under prefix, in commit
	// order (value nil for a deletion), until ctx is done; Watch then
	// returns ctx.Err(). It first calls fn with reset=true and key nil,
	// and again whenever changes may have been missed (the engine lost its
	// history): the caller must then reread what it caches; every change
	// committed after that reread began is delivered as an event. fn runs
	// on one goroutine and must not block for long.
	Watch(ctx context.Context, prefix []byte, fn func(key, value []byte, reset bool)) error
}

// Leadership is implemented by engines that several processes share, to
// elect the one that runs cluster-wide background work. An engine without
// it has one process: that process always leads.
type Leadership interface {
	// Leading reports whether this process holds the leadership now. The
	// first call starts the campaign, so it may report false for a while.
	// Leadership is a lease: two processes may both believe they lead for
	// up to the lease time, so the work it guards must stay correct
	// (transactional) when it runs twice.
	Leading() bool
}

// Limits is implemented by engines that bound the size of one transaction.
type Limits interface {
	// TxnLimits returns the most operations (reads validated plus writes,
	// each counted against its own limit) and the most bytes one Update may
	// carry; a larger one fails with ErrTooLarge.
	TxnLimits() (maxOps, maxBytes int)
}
