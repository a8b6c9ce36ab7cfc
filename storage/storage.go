// Package storage defines the one interface between Dynago's data plane
// (package table) and the key-value engines below it: serializable
// transactions over an ordered map from byte-string keys to byte-string
// values.
//
// Engines live in subpackages: storage/memory (the reference model, kept
// in RAM), storage/pebble (the default, on disk) and storage/etcd (shared
// by several Dynago processes; see shared.go for what such engines add).
// Every engine passes the contract suite in storage/storagetest.
//
// # Keys and values
//
// A key is any non-empty byte string; keys are ordered by bytes.Compare.
// Get, Set and Delete of the empty key return ErrEmptyKey (Pebble mishandles
// an empty key in its columnar sstable writer, and etcd rejects it; the key
// layout never needs one). A value is any byte string, including the empty one; an
// engine does not distinguish a nil value from an empty one. Set copies its
// arguments: the caller may reuse them as soon as Set returns.
//
// # Transactions
//
// Update runs a read-write transaction and View a read-only one. Both are
// serializable and linearizable: every transaction behaves as if it ran
// alone at one instant between the call and the return, and a committed
// Update is visible to every transaction that starts after Update returns.
// Inside Update, reads see the transaction's own earlier writes
// (read-your-writes), both for Get and for Scan.
//
// The function passed to Update may be run more than once (when an engine
// detects a conflict it retries), so it must have no effects outside its
// transaction and must decide only from what it read in this run. A Tx or
// ReadTx is valid only until the function returns, must not be used from
// more than one goroutine at a time, and must not be used to call back into
// the Engine (no nested Update or View from inside fn: an engine may hold a
// lock while fn runs).
package storage

import (
	"context"
	"errors"
)

// Errors shared by all engines. Engines return them as is or wrapped; test
// with errors.Is.
var (
	// ErrNotFound is returned by Get when the key has no value.
	ErrNotFound = errors.New("storage: key not found")
	// ErrConflict is returned by Update when the transaction kept
	// conflicting with concurrent transactions and the engine gave up
	// retrying it. No write of the transaction took effect; the caller may
	// retry.
	ErrConflict = errors.New("storage: transaction conflict, retries exhausted")
	// ErrClosed is returned by every method of an Engine (and of its
	// transactions) once Close has been called.
	ErrClosed = errors.New("storage: engine closed")
	// ErrEmptyKey is returned by Get, Set and Delete for the empty key.
	ErrEmptyKey = errors.New("storage: empty key")
	// ErrTxDone is returned when a Tx or ReadTx is used after the function
	// it was passed to has returned.
	ErrTxDone = errors.New("storage: transaction used after its function returned")
)

// Engine is a transactional ordered key-value store.
//
// All methods are safe for concurrent use.
type Engine interface {
	// Update runs fn in a read-write transaction and commits the writes fn
	// made, atomically.
	//
	// Isolation is serializable: every key fn read, by Get or by Scan
	// (including keys that were absent, so phantoms are covered), is
	// protected, either by locking or by validation at commit. If fn saw
	// state that a concurrent transaction changed before this one
	// committed, the engine discards the writes and runs fn again; after a
	// bounded number of attempts it returns an error wrapping ErrConflict.
	// An engine may also prevent conflicts altogether (for example by
	// running Update functions one at a time).
	//
	// If fn returns an error, nothing is written and Update returns that
	// error unchanged (it is not retried). A transaction without writes
	// commits trivially.
	//
	// ctx is checked before fn runs and again before the commit: when it is
	// done, nothing is written and Update returns ctx.Err(). Once the
	// commit has begun its outcome is reported regardless of ctx. When
	// Update returns nil the writes are durable to the degree the engine
	// promises (see the engine's documentation).
	Update(ctx context.Context, fn func(tx Tx) error) error

	// View runs fn on a consistent, read-only snapshot: the state at one
	// instant between the call and fn's first read (engines take it at the
	// start or at the first read). Writes committed after that instant are
	// not visible to fn; every Update that returned before View was called
	// is. If fn
	// returns an error, View returns it unchanged. ctx is checked before fn
	// runs (and periodically during long Scans); View then returns
	// ctx.Err().
	View(ctx context.Context, fn func(tx ReadTx) error) error

	// Close waits for running transactions to finish, releases the
	// engine's resources (flushing what it holds in memory for durable
	// engines) and makes every later call return ErrClosed. Calling Close
	// again returns nil.
	Close() error
}

// SerialUpdater is implemented by an Engine whose Update functions never
// overlap: each runs after the previous one has committed or failed and
// reads everything committed before it (Pebble runs them under one writer
// mutex). Its user may then check a fact in one Update function and trust
// it in later ones until an Update function that could change it has run,
// instead of reading it again each time. Optimistic engines (memory, whose
// functions may run concurrently and again) and distributed ones (etcd,
// written by other nodes too) do not implement it, or report false.
type SerialUpdater interface {
	SerialUpdates() bool
}

// SerialUpdates reports whether e guarantees SerialUpdater's ordering.
func SerialUpdates(e Engine) bool {
	s, ok := e.(SerialUpdater)
	return ok && s.SerialUpdates()
}

// PointReader is an optional fast path of an Engine for the most common
// read: one key on its own. GetOne returns what a View doing a single Get
// of key would return (ErrNotFound when absent, ErrEmptyKey, ErrClosed,
// ctx.Err()), with the same visibility and durability guarantees; the
// value belongs to the caller. An engine implements it when it has a
// cheaper way than a snapshot (Pebble: a point lookup that stops at the
// newest level holding the key).
type PointReader interface {
	GetOne(ctx context.Context, key []byte) ([]byte, error)
}

// GetOne reads one key from e: through e's PointReader if it has one, else
// with a View. The value belongs to the caller.
func GetOne(ctx context.Context, e Engine, key []byte) ([]byte, error) {
	if pr, ok := e.(PointReader); ok {
		return pr.GetOne(ctx, key)
	}
	var out []byte
	err := e.View(ctx, func(tx ReadTx) error {
		v, err := tx.Get(key)
		if err != nil {
			return err
		}
		out = append(make([]byte, 0, len(v)), v...)
		return nil
	})
	return out, err
}

// ReadTx reads from a transaction.
type ReadTx interface {
	// Get returns the value of key, or ErrNotFound. The returned slice is
	// valid until the transaction's function returns (also across later
	// writes in the same transaction) and must not be modified.
	Get(key []byte) ([]byte, error)

	// Scan calls fn for every key k with lo <= k < hi, in ascending order,
	// or in descending order when reverse is set. A nil (or empty) lo means
	// no lower bound; a nil (or empty) hi means no upper bound. If hi is
	// set and lo >= hi, the range is empty and fn is not called.
	//
	// fn returns more=false to stop the scan early, or an error, which Scan
	// returns unchanged. k and v are valid only during the call to fn and
	// must not be modified.
	//
	// Inside Update, fn may call Set and Delete (for example to delete the
	// keys it visits). The running Scan does not observe writes made while
	// it runs: it visits the transaction's state as of the Scan call. Later
	// reads do observe them.
	Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (more bool, err error)) error
}

// Tx is a read-write transaction. Its writes become visible to other
// transactions only when Update commits.
type Tx interface {
	ReadTx
	// Set stores value under key, replacing any earlier value.
	Set(key, value []byte) error
	// Delete removes key. Deleting an absent key is not an error.
	Delete(key []byte) error
}
