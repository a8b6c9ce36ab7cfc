// Package etcd is a storage.Engine on an etcd cluster: several Dynago
// processes share one etcd cluster and serve the same data, any of them
// answering any request. etcd replicates every key to every member with
// Raft, so the data survives the loss of a minority of members; its size is
// bounded by what one member holds (etcd's --quota-backend-bytes).
//
// # Keys
//
// Every engine key k is stored as the etcd key Prefix + "k/" + k, so one
// etcd cluster can hold several independent Dynago stores (and the keys of
// other applications) side by side, and Prefix + "leader/" holds the
// leadership election of the processes sharing the store.
//
// # Transactions
//
// Update is optimistic concurrency control on etcd's multi-version store.
// The first read of an attempt is linearizable (after a conflict: a read at
// the revision the failed commit met, which is as fresh), and its revision
// R becomes the attempt's snapshot: every later read is at revision R,
// served by any member that has applied R, so fn sees one consistent state
// no older than the call. The attempt records what it read:
//
//   - a point read of key k: k's ModRevision at R (0 when k was absent);
//   - a scan of [lo, hi): the part it covered (up to where fn stopped it)
//     and the ModRevision at R of every key it returned.
//
// The commit is one etcd Txn whose comparisons check that nothing the
// attempt read has changed since R, and whose success branch applies every
// write:
//
//   - ModRevision(k) == m for every key read (point reads and keys a scan
//     returned): catches updates, deletions and re-creations of keys seen,
//     and, with m = 0, the creation of a key found absent;
//   - ModRevision < R+1 over every range scanned (an etcd range compare
//     holds only if it holds for every key in the range): catches keys
//     inserted into (or changed in) a scanned range, that is phantoms.
//
// etcd evaluates the comparisons and applies the writes atomically at one
// revision, so a transaction that commits is serializable at its commit
// revision, and linearizable. When a comparison fails, the writes are
// discarded and fn runs again on a fresh snapshot, up to a bounded number
// of attempts (with a short randomized pause between them); then Update
// returns storage.ErrConflict. A transaction that wrote nothing commits
// without a Txn: it is serializable at R, which was current when it began.
//
// # Limits
//
// etcd bounds one Txn by --max-txn-ops (comparisons and writes are each
// counted against it) and --max-request-bytes. A transaction beyond either
// (Options.MaxTxnOps, Options.MaxRequestBytes, which must match the
// cluster's settings; or refused by etcd itself) fails with
// storage.ErrTooLarge. It is never split into several Txns, which would not
// be atomic.
//
// # Outcomes
//
// The commit runs under its own timeout (Options.CommitTimeout), detached
// from the caller's context once it has begun, as storage.Engine requires.
// A member without a leader (during an election) refuses the commit before
// proposing it; the commit is then sent again until the timeout. When etcd
// does not answer (a timeout, a lost connection, a leader change
// during the commit), the writes may or may not have been applied: Update
// then returns an error wrapping storage.ErrUnknownOutcome and does not run
// fn again. The client library resends a Txn only when it was never sent.
//
// # Scans
//
// Forward scans read pages of keys and values at R. etcd has no reverse
// iterator (and sorting descending makes it read the whole range): a
// reverse scan finds the keys of its next pages with a few ascending
// keys-only reads (see window), then reads the values of exactly one page
// and returns them in reverse. A reverse page costs a few more round trips
// than a forward one.
//
// # Views
//
// View reads the snapshot at one revision, the revision of its first read,
// which is linearizable: every Update that returned before View was called
// is visible. Reads at R fail with etcd's "required revision has been
// compacted" if etcd's auto-compaction removes R while the View runs;
// auto-compaction retention must be longer than any transaction (minutes).
//
// # Durability
//
// An Update that returned nil was committed by a majority of etcd members
// (each fsyncs its log before acknowledging), so it survives the loss of a
// minority of members and restarts of all of them.
package etcd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/storage/internal/gate"
)

// Defaults of Options. The transaction limits are those of the etcd
// deployment the README recommends (etcd's own defaults, 128 operations and
// 1.5 MiB, are too small for DynamoDB's 100-item transactions).
const (
	DefaultPrefix          = "dynago/"
	DefaultMaxTxnOps       = 8192
	DefaultMaxRequestBytes = 8 << 20
	DefaultDialTimeout     = 5 * time.Second
	DefaultCommitTimeout   = 10 * time.Second
	DefaultAttempts        = 12
	DefaultLeaseTTL        = 10 * time.Second
)

// Options configure an Engine.
type Options struct {
	// Endpoints are the etcd members' client URLs (http://host:2379 or
	// https://...; a bare host:port is taken as is by the client).
	Endpoints []string
	// TLS, when set, is used for every connection to etcd (client
	// certificates go in TLS.Certificates, the CA in TLS.RootCAs).
	TLS *tls.Config
	// Username and Password authenticate to etcd when its auth is enabled.
	Username, Password string
	// Prefix namespaces this store's keys in etcd; default DefaultPrefix.
	Prefix string
	// MaxTxnOps and MaxRequestBytes must match the etcd cluster's
	// --max-txn-ops and --max-request-bytes; defaults DefaultMaxTxnOps and
	// DefaultMaxRequestBytes.
	MaxTxnOps       int
	MaxRequestBytes int
	// DialTimeout bounds the first connection; default DefaultDialTimeout.
	DialTimeout time.Duration
	// CommitTimeout bounds one commit; when it passes the outcome is
	// unknown. Default DefaultCommitTimeout.
	CommitTimeout time.Duration
	// Attempts is how many times Update runs fn before it returns
	// storage.ErrConflict; default DefaultAttempts.
	Attempts int
	// LeaseTTL is the lease of the leadership (storage.Leadership); a
	// leader that stops renewing it is replaced after about this long.
	// Default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// NodeName identifies this process in the leadership election;
	// default hostname:pid.
	NodeName string
	// Logger receives warnings (leadership changes, watch restarts).
	Logger *slog.Logger
}

// Engine is the etcd engine. Create it with Open.
type Engine struct {
	cli  *clientv3.Client
	opts Options
	data []byte // Prefix + "k/": the etcd key of engine key k is data + k
	end  []byte // the smallest etcd key after every data key
	log  *slog.Logger
	gate gate.Gate

	leaderOnce sync.Once
	leader     leadership
	stop       chan struct{} // closed by Close: ends the campaign and watches
	bg         sync.WaitGroup
}

var (
	_ storage.Engine     = (*Engine)(nil)
	_ storage.Watcher    = (*Engine)(nil)
	_ storage.Leadership = (*Engine)(nil)
	_ storage.Limits     = (*Engine)(nil)
)

// Open connects to the etcd cluster and checks that it answers.
func Open(opts Options) (*Engine, error) {
	if len(opts.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.MaxTxnOps <= 0 {
		opts.MaxTxnOps = DefaultMaxTxnOps
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.CommitTimeout <= 0 {
		opts.CommitTimeout = DefaultCommitTimeout
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.NodeName == "" {
		host, _ := os.Hostname()
		opts.NodeName = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   opts.Endpoints,
		TLS:         opts.TLS,
		Username:    opts.Username,
		Password:    opts.Password,
		DialTimeout: opts.DialTimeout,
		// A request carries at most MaxRequestBytes of payload; leave room
		// for gRPC's framing so that etcd, not the client, judges the size.
		MaxCallSendMsgSize:   opts.MaxRequestBytes + 1<<20,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: connecting to %s: %w", strings.Join(opts.Endpoints, ","), err)
	}
	e := &Engine{
		cli:  cli,
		opts: opts,
		data: []byte(opts.Prefix + "k/"),
		log:  opts.Logger,
		stop: make(chan struct{}),
	}
	e.end = storage.PrefixEnd(e.data)
	// Fail now, not on the first request, when the cluster is unreachable
	// or refuses our credentials.
	ctx, cancel := context.WithTimeout(context.Background(), opts.DialTimeout)
	defer cancel()
	if _, err := cli.Get(ctx, string(e.data), clientv3.WithCountOnly()); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd: reading from %s: %w", strings.Join(opts.Endpoints, ","), err)
	}
	return e, nil
}

// Client is the underlying etcd client (for tests and tools).
func (e *Engine) Client() *clientv3.Client { return e.cli }

// Prefix is the namespace of this store's keys in etcd.
func (e *Engine) Prefix() string { return e.opts.Prefix }

// TxnLimits implements storage.Limits.
func (e *Engine) TxnLimits() (maxOps, maxBytes int) { return e.opts.MaxTxnOps, e.opts.MaxRequestBytes }

// Close implements storage.Engine: it waits for running transactions, ends
// the leadership campaign (resigning if this process leads) and the
// watches, and closes the connection. The data stays in etcd.
func (e *Engine) Close() error {
	if !e.gate.Close() {
		return nil
	}
	close(e.stop)
	e.bg.Wait()
	return e.cli.Close()
}

func (e *Engine) key(k []byte) []byte {
	out := make([]byte, 0, len(e.data)+len(k))
	return append(append(out, e.data...), k...)
}

// bounds turns a Scan's [lo, hi) into etcd keys.
func (e *Engine) bounds(lo, hi []byte) (elo, ehi []byte) {
	elo = e.key(lo)
	if len(hi) == 0 {
		return elo, e.end
	}
	return elo, e.key(hi)
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
	tx := &readTx{e: e, ctx: ctx}
	defer func() { tx.done = true }()
	return fn(tx)
}

// Update implements storage.Engine.
func (e *Engine) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	if !e.gate.Enter() {
		return storage.ErrClosed
	}
	defer e.gate.Exit()
	var current int64 // the store's revision when the last attempt failed
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		tx := &updateTx{
			// The first attempt's first read is linearizable; after a
			// conflict, reading at the revision the failed commit met is
			// as fresh, and any member that has applied it can serve it.
			readTx: readTx{e: e, ctx: ctx, atLeast: current},
			writes: btree.NewG(16, lessWrite),
			reads:  map[string]int64{},
		}
		err := func() error {
			defer func() { tx.done = true }()
			return fn(tx)
		}()
		switch {
		case tx.stale && attempt < e.opts.Attempts:
			// The snapshot was compacted away under fn: start afresh.
			continue
		case err != nil:
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if tx.writes.Len() == 0 {
			return nil
		}
		ok, rev, err := e.commit(ctx, tx)
		if err != nil || ok {
			return err
		}
		current = rev
		if attempt >= e.opts.Attempts {
			return fmt.Errorf("etcd: %d attempts: %w", attempt, storage.ErrConflict)
		}
		// Back off a little, more after each conflict, so that transactions
		// fighting over the same keys spread out.
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Per-operation overhead in a Txn request, on top of keys and values: the
// protobuf framing of a RequestOp or Compare is a few bytes; this bound is
// generous.
const opOverhead = 16

// commit sends tx's writes as one etcd Txn guarded by comparisons of
// everything tx read. ok reports
// whether the comparisons held (and so the writes were applied); rev is
// the store's revision the Txn met.
func (e *Engine) commit(ctx context.Context, tx *updateTx) (ok bool, rev int64, err error) {
	cmps := make([]clientv3.Cmp, 0, len(tx.reads)+len(tx.spans))
	size := 0
	for k, rev := range tx.reads {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", rev))
		size += len(k) + opOverhead
	}
	for _, s := range tx.spans {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(string(s.lo)), "<", tx.rev+1).WithRange(string(s.hi)))
		size += len(s.lo) + len(s.hi) + opOverhead
	}
	ops := make([]clientv3.Op, 0, tx.writes.Len())
	tx.writes.Ascend(func(w *write) bool {
		k := string(e.key(w.key))
		if w.deleted {
			ops = append(ops, clientv3.OpDelete(k))
		} else {
			ops = append(ops, clientv3.OpPut(k, string(w.value)))
		}
		size += len(k) + len(w.value) + opOverhead
		return true
	})
	if n := max(len(cmps), len(ops)); n > e.opts.MaxTxnOps {
		return false, 0, fmt.Errorf("etcd: transaction of %d writes validating %d reads exceeds the %d operations etcd accepts in one Txn (--max-txn-ops): %w",
			len(ops), len(cmps), e.opts.MaxTxnOps, storage.ErrTooLarge)
	}
	if size > e.opts.MaxRequestBytes {
		return false, 0, fmt.Errorf("etcd: transaction of about %d bytes exceeds the %d bytes etcd accepts in one request (--max-request-bytes): %w",
			size, e.opts.MaxRequestBytes, storage.ErrTooLarge)
	}
	// Once the commit is sent its outcome must be reported, whatever
	// happens to the caller's context.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.opts.CommitTimeout)
	defer cancel()
	for {
		// WithRequireLeader: a member without a leader (an election is
		// under way) refuses the Txn before proposing it, so nothing was
		// applied and sending it again is safe.
		resp, err := e.cli.Txn(clientv3.WithRequireLeader(cctx)).If(cmps...).Then(ops...).Commit()
		if errors.Is(err, rpctypes.ErrNoLeader) && cctx.Err() == nil {
			e.pause(cctx, 50*time.Millisecond+time.Duration(rand.Int64N(int64(100*time.Millisecond))))
			continue
		}
		if err != nil {
			return false, 0, commitError(err)
		}
		return resp.Succeeded, resp.Header.Revision, nil
	}
}

// commitError classifies a failed commit: errors that prove the Txn was
// not applied pass through (wrapped); any other leaves the outcome unknown.
func commitError(err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrTooManyOps):
		return fmt.Errorf("etcd refused the transaction: too many operations for one Txn (raise etcd's --max-txn-ops): %v: %w", err, storage.ErrTooLarge)
	case errors.Is(err, rpctypes.ErrRequestTooLarge):
		return fmt.Errorf("etcd refused the transaction: request too large (raise etcd's --max-request-bytes): %v: %w", err, storage.ErrTooLarge)
	case status.Code(err) == codes.ResourceExhausted && strings.Contains(err.Error(), "larger than max"):
		return fmt.Errorf("etcd: the transaction is larger than the gRPC message limit: %v: %w", err, storage.ErrTooLarge)
	case errors.Is(err, rpctypes.ErrNoLeader):
		return fmt.Errorf("etcd has no leader (refused before proposing, nothing applied): %w", err)
	case errors.Is(err, rpctypes.ErrNoSpace):
		return fmt.Errorf("etcd is out of space (alarm NOSPACE: compact, defragment, raise --quota-backend-bytes, then disarm): %w", err)
	case errors.Is(err, rpctypes.ErrPermissionDenied), errors.Is(err, rpctypes.ErrUserEmpty),
		errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrInvalidAuthToken):
		return fmt.Errorf("etcd refused the transaction: %w", err)
	}
	return fmt.Errorf("etcd: commit outcome unknown (%v): %w", err, storage.ErrUnknownOutcome)
}

// readTx reads at one revision: the revision of its first read.
type readTx struct {
	e    *Engine
	ctx  context.Context
	rev  int64 // 0 until the first read
	done bool
	// atLeast, when set, is the revision of the first read: a revision
	// known to be current after the transaction began (see Update).
	atLeast int64
	// stale is set when a read failed because etcd compacted rev away.
	stale bool
}

// get reads etcd keys at tx.rev, fixing tx.rev on the first read. The
// first read is linearizable (confirmed by the Raft leader), unless
// atLeast names a revision already known to be current. Later reads name
// revision tx.rev, so any member that has applied it serves them from its
// own state, and only a member that is behind sends them on to the leader.
func (tx *readTx) get(key []byte, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	rev := tx.rev
	if rev == 0 {
		rev = tx.atLeast
	}
	var resp *clientv3.GetResponse
	var err error
	switch {
	case rev != 0:
		opts = append(opts, clientv3.WithRev(rev))
		resp, err = tx.e.cli.Get(tx.ctx, string(key), append(opts, clientv3.WithSerializable())...)
		if errors.Is(err, rpctypes.ErrFutureRev) { // this member is behind
			resp, err = tx.e.cli.Get(tx.ctx, string(key), opts...)
		}
	default:
		resp, err = tx.e.cli.Get(tx.ctx, string(key), opts...)
	}
	if err != nil {
		if errors.Is(err, rpctypes.ErrCompacted) {
			tx.stale = true
		}
		if tx.ctx.Err() != nil {
			return nil, tx.ctx.Err()
		}
		return nil, fmt.Errorf("etcd: %w", err)
	}
	if tx.rev == 0 {
		// The snapshot is the revision read: the one asked for, else the
		// revision of the answering member's state.
		tx.rev = rev
		if tx.rev == 0 {
			tx.rev = resp.Header.Revision
		}
	}
	return resp, nil
}

// getRev returns the value of key and its ModRevision (0: absent).
func (tx *readTx) getRev(key []byte) (value []byte, rev int64, err error) {
	resp, err := tx.get(tx.e.key(key))
	if err != nil {
		return nil, 0, err
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, nil
	}
	return resp.Kvs[0].Value, resp.Kvs[0].ModRevision, nil
}

func (tx *readTx) Get(key []byte) ([]byte, error) {
	if tx.done {
		return nil, storage.ErrTxDone
	}
	if len(key) == 0 {
		return nil, storage.ErrEmptyKey
	}
	v, rev, err := tx.getRev(key)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		return nil, storage.ErrNotFound
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (tx *readTx) Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if tx.done {
		return storage.ErrTxDone
	}
	_, err := tx.scan(lo, hi, reverse, nil, nil, fn)
	return err
}

// Page sizes of scans: the first page is small (many scans stop early), the
// next ones double up to maxPage keys, and shrink so that a page holds
// about pageBytes of values.
const (
	firstPage = 32
	maxPage   = 1024
	pageBytes = 4 << 20
)

type kv struct {
	key, value []byte // key: the engine key (without the prefix)
	rev        int64
	deleted    bool // a pending deletion (never from the store)
	pending    bool // from the transaction's own writes
}

// pager reads a range of the store at tx.rev page by page, in scan order.
type pager struct {
	tx       *readTx
	lo, hi   []byte // etcd keys; the part still to read
	reverse  bool
	limit    int
	buf      []kv
	finished bool
	// Reverse scans: the keys of [winLow, hi) not returned yet, ascending
	// (see window); winFinal when winLow is lo.
	winKeys  [][]byte
	winLow   []byte
	winFinal bool
}

func (p *pager) next() (kv, bool, error) {
	for len(p.buf) == 0 {
		if p.finished {
			return kv{}, false, nil
		}
		if err := p.fill(); err != nil {
			return kv{}, false, err
		}
	}
	x := p.buf[0]
	p.buf = p.buf[1:]
	return x, true, nil
}

func (p *pager) fill() error {
	if bytes.Compare(p.lo, p.hi) >= 0 {
		p.finished = true
		return nil
	}
	e := p.tx.e
	limit := p.limit
	p.limit = min(2*p.limit, maxPage)
	var kvs []kv
	if !p.reverse {
		resp, err := p.tx.get(p.lo, clientv3.WithRange(string(p.hi)), clientv3.WithLimit(int64(limit)))
		if err != nil {
			return err
		}
		size := 0
		for _, x := range resp.Kvs {
			kvs = append(kvs, kv{key: x.Key[len(e.data):], value: x.Value, rev: x.ModRevision})
			size += len(x.Value)
		}
		if !resp.More {
			p.finished = true
		} else {
			last := resp.Kvs[len(resp.Kvs)-1].Key
			p.lo = append(bytes.Clone(last), 0)
		}
		p.shrink(size, len(kvs))
	} else {
		if len(p.winKeys) == 0 {
			if p.winFinal {
				p.finished = true
				return nil
			}
			if p.winLow != nil {
				p.hi = p.winLow
			}
			keys, low, final, err := p.window()
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				p.finished = true
				return nil
			}
			p.winKeys, p.winLow, p.winFinal = keys, low, final
		}
		page := p.winKeys[max(0, len(p.winKeys)-limit):]
		p.winKeys = p.winKeys[:len(p.winKeys)-len(page)]
		first, last := page[0], page[len(page)-1]
		resp, err := p.tx.get(first, clientv3.WithRange(string(append(bytes.Clone(last), 0))))
		if err != nil {
			return err
		}
		size := 0
		for i := len(resp.Kvs) - 1; i >= 0; i-- {
			x := resp.Kvs[i]
			kvs = append(kvs, kv{key: x.Key[len(e.data):], value: x.Value, rev: x.ModRevision})
			size += len(x.Value)
		}
		if len(p.winKeys) == 0 && p.winFinal {
			p.finished = true
		}
		p.shrink(size, len(kvs))
	}
	p.buf = kvs
	return nil
}

// Reverse windows: a window holds at most maxWindow keys; finding one
// takes at most maxProbes probes before etcd is asked to sort.
const (
	maxWindow = 1024
	maxProbes = 64
)

// window finds the keys of the next reverse window: a start s such that
// [s, p.hi) holds between 1 and maxWindow keys (or s = p.lo, final, when
// the rest of the range holds fewer), and returns those keys ascending.
//
// etcd has no reverse iterator, and a descending sort makes it read the
// whole range before it truncates, so each reverse page of a large range
// would cost the whole range. Instead window probes with ascending
// keys-only reads from etcd's in-memory index, limited to maxWindow+1 keys:
// first at prefixes of p.hi ever shorter (1, 2, 4, ... bytes cut), which
// finds the keys just below p.hi in a few probes when they share a prefix
// with it (the next page of a Query), then by bisecting the key space
// between the last probe that found too many keys and the last that found
// none. Any s gives a correct window (exactly the keys of [s, p.hi)); the
// search only makes it cheap.
func (p *pager) window() (keys [][]byte, s []byte, final bool, err error) {
	probe := func(s []byte) ([][]byte, error) {
		resp, err := p.tx.get(s, clientv3.WithRange(string(p.hi)), clientv3.WithLimit(maxWindow+1), clientv3.WithKeysOnly())
		if err != nil {
			return nil, err
		}
		keys := make([][]byte, len(resp.Kvs))
		for i, x := range resp.Kvs {
			keys[i] = x.Key
		}
		return keys, nil
	}
	high := p.hi // [high, p.hi) holds no key
	var low []byte
	cut := 1
	for range maxProbes {
		var s []byte
		final := false
		if low == nil { // gallop down from p.hi
			if cut < len(p.hi) {
				s = p.hi[:len(p.hi)-cut]
			}
			if bytes.Compare(s, p.lo) <= 0 {
				s, final = p.lo, true
			}
			cut *= 2
		} else if s = midpoint(low, high); s == nil {
			break
		}
		keys, err := probe(s)
		if err != nil {
			return nil, nil, false, err
		}
		switch {
		case len(keys) == 0:
			if final {
				return nil, s, true, nil
			}
			high = s
		case len(keys) <= maxWindow:
			return keys, s, final, nil
		default:
			low = s
		}
	}
	// Keys too dense for the search: let etcd sort the range.
	resp, err := p.tx.get(p.lo, clientv3.WithRange(string(p.hi)), clientv3.WithLimit(maxWindow),
		clientv3.WithKeysOnly(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend))
	if err != nil {
		return nil, nil, false, err
	}
	for i := len(resp.Kvs) - 1; i >= 0; i-- {
		keys = append(keys, resp.Kvs[i].Key)
	}
	if len(keys) == 0 {
		return nil, p.lo, true, nil
	}
	if !resp.More {
		return keys, p.lo, true, nil
	}
	return keys, keys[0], false, nil
}

// midpoint returns a key m with a < m < b, for a < b, near the middle of
// the keys between them: the two are read as fractions (big-endian digits
// in base 256), averaged, and given one more digit when they are too close.
// It returns nil when there is no such key (b is a followed by zero bytes).
func midpoint(a, b []byte) []byte {
	base := max(len(a), len(b))
	for n := base + 1; n <= base+2; n++ {
		x := new(big.Int).SetBytes(pad(a, n))
		y := new(big.Int).SetBytes(pad(b, n))
		m := x.Add(x, y).Rsh(x, 1)
		mid := m.FillBytes(make([]byte, n))
		if bytes.Compare(mid, a) > 0 && bytes.Compare(mid, b) < 0 {
			return mid
		}
	}
	return nil
}

func pad(k []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, k)
	return out
}

// shrink lowers the next page's size when values are large.
func (p *pager) shrink(size, n int) {
	if n == 0 || size == 0 {
		return
	}
	if fit := pageBytes / (size/n + 1); fit < p.limit {
		p.limit = max(fit, 1)
	}
}

// scan merges the store's [lo, hi) at tx.rev with pending (the
// transaction's writes in the range, in scan order) and calls fn. seen, if
// not nil, is called with every key and ModRevision the store returned and
// fn saw. It returns the last key passed to fn if fn stopped the scan.
func (tx *readTx) scan(lo, hi []byte, reverse bool, pending []kv, seen func(k []byte, rev int64), fn func(k, v []byte) (bool, error)) (stop []byte, err error) {
	if len(hi) != 0 && bytes.Compare(lo, hi) >= 0 {
		return nil, nil
	}
	elo, ehi := tx.e.bounds(lo, hi)
	p := &pager{tx: tx, lo: elo, hi: ehi, reverse: reverse, limit: firstPage}
	var cur kv
	var have bool
	advance := func() error {
		var err error
		cur, have, err = p.next()
		return err
	}
	if err := advance(); err != nil {
		return nil, err
	}
	n := 0
	for {
		var next kv
		switch {
		case !have && len(pending) == 0:
			return nil, nil
		case !have:
			next, pending = pending[0], pending[1:]
		case len(pending) == 0:
			next = cur
			if err := advance(); err != nil {
				return nil, err
			}
		default:
			c := bytes.Compare(cur.key, pending[0].key)
			if reverse {
				c = -c
			}
			switch {
			case c < 0:
				next = cur
				if err := advance(); err != nil {
					return nil, err
				}
			case c > 0:
				next, pending = pending[0], pending[1:]
			default: // the transaction's own write shadows the store
				next, pending = pending[0], pending[1:]
				if err := advance(); err != nil {
					return nil, err
				}
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
		if seen != nil && !next.pending {
			seen(next.key, next.rev)
		}
		more, err := fn(next.key, next.value)
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

// span is a scanned range of etcd keys, [lo, hi).
type span struct{ lo, hi []byte }

type updateTx struct {
	readTx
	writes *btree.BTreeG[*write]
	reads  map[string]int64 // etcd key -> ModRevision at rev (0: absent)
	values map[string][]byte
	spans  []span
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
		return w.value, nil
	}
	ek := string(tx.e.key(key))
	if v, ok := tx.values[ek]; ok { // read before in this attempt: same snapshot
		if v == nil {
			return nil, storage.ErrNotFound
		}
		return v, nil
	}
	v, rev, err := tx.getRev(key)
	if err != nil {
		return nil, err
	}
	tx.reads[ek] = rev
	if tx.values == nil {
		tx.values = map[string][]byte{}
	}
	if rev == 0 {
		tx.values[ek] = nil
		return nil, storage.ErrNotFound
	}
	if v == nil {
		v = []byte{}
	}
	tx.values[ek] = v
	return v, nil
}

func (tx *updateTx) Scan(lo, hi []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if tx.done {
		return storage.ErrTxDone
	}
	if len(hi) != 0 && bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	// The writes in range as of now: writes fn makes do not affect this
	// scan. Buffered values are never modified, only replaced.
	var pending []kv
	collect := func(w *write) bool {
		pending = append(pending, kv{key: w.key, value: w.value, deleted: w.deleted, pending: true})
		return true
	}
	if len(hi) == 0 {
		tx.writes.AscendGreaterOrEqual(&write{key: lo}, collect)
	} else {
		tx.writes.AscendRange(&write{key: lo}, &write{key: hi}, collect)
	}
	if reverse {
		for i, j := 0, len(pending)-1; i < j; i, j = i+1, j-1 {
			pending[i], pending[j] = pending[j], pending[i]
		}
	}
	seen := func(k []byte, rev int64) { tx.reads[string(tx.e.key(k))] = rev }
	stop, err := tx.scan(lo, hi, reverse, pending, seen, fn)
	// Validate what the scan covered: up to and including the key where
	// fn stopped it, or the whole range.
	s := span{}
	s.lo, s.hi = tx.e.bounds(lo, hi)
	if stop != nil {
		if reverse {
			s.lo = tx.e.key(stop)
		} else {
			s.hi = append(tx.e.key(stop), 0)
		}
	}
	if tx.rev != 0 { // rev is 0 only if the scan read nothing from the store
		tx.spans = append(tx.spans, s)
	}
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
