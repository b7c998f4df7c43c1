package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/internal/chans"
)

// maxShared bounds how many callers' work shares one transaction.
const maxShared = 64

// makeWayAfter is how long a shared transaction keeps the connection
// before it makes way for webhooks waiting to be committed (see
// runTogether). Making way at once, after every call, cut the
// transactions to a call or two under a stream of webhooks, and each
// commit writes its pages again: update_tags lost about a tenth of its
// rate in make bench. After 3 ms it kept its rate, and ingest while
// processing still went from 8–11% to 15–17% of the bare handler.
const makeWayAfter = 3 * time.Millisecond

// InTxShared is InTxNoSync for work that many goroutines do at once, such
// as applying events. On SQLite, where every transaction waits for the
// one connection, the transactions of callers waiting together run as
// one: each fn in a savepoint of its own, so that its failure undoes its
// own work alone, while the commit and its writes to the log are shared.
// It returns once the shared transaction is committed, with fn's error or
// the commit's. Inside fn use only tx, as in InTx: a call to the Store
// would wait for the transaction fn runs in. ctx is checked before fn
// starts; once started, fn runs within the shared transaction's
// context, not ctx (see runTogether). On PostgreSQL, whose connections
// work in parallel, it is InTxNoSync.
func (s *Store) InTxShared(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if s.shared == nil {
		return s.InTxNoSync(ctx, fn)
	}
	call := &sharedCall{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.shared.calls <- call:
	case <-s.shared.closed:
		return errors.New("store: closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-call.done
}

// sharer runs the calls of InTxShared in shared transactions, one at a
// time.
type sharer struct {
	store  *Store
	calls  chan *sharedCall
	stop   sync.Once
	closed chan struct{}

	// receiving counts the webhooks' commits that want the connection
	// (SaveReceived); a shared transaction makes way for them between
	// two calls (see runTogether).
	receiving atomic.Int32
}

type sharedCall struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	err  error
	done chan error
}

func newSharer(s *Store) *sharer {
	sh := &sharer{store: s, calls: make(chan *sharedCall), closed: make(chan struct{})}
	go sh.run()
	return sh
}

func (sh *sharer) close() { sh.stop.Do(func() { close(sh.closed) }) }

// run takes the calls waiting, up to maxShared, and runs them together.
func (sh *sharer) run() {
	for {
		var calls []*sharedCall
		select {
		case first := <-sh.calls:
			calls = append(calls, first)
		case <-sh.closed:
			return
		}
		sh.runTogether(chans.Drain(sh.calls, calls, maxShared))
	}
}

// runTogether runs calls in shared transactions and answers each: in one,
// unless webhooks just received wait to be committed. Their senders wait
// for that commit to be acknowledged, while the calls here are work that
// can wait; so a transaction that has held the connection for
// makeWayAfter commits early, between two calls, and leaves the
// connection to them, and the calls left run in the next one. Each
// transaction runs at least one call, so the work goes on however fast
// webhooks arrive.
func (sh *sharer) runTogether(calls []*sharedCall) {
	for len(calls) > 0 {
		answered, err := sh.runSome(calls)
		for _, c := range calls[:answered] {
			if err != nil {
				c.done <- err
			} else {
				c.done <- c.err
			}
		}
		calls = calls[answered:]
	}
}

// runSome runs calls in one transaction until they are done or webhooks
// wait for the connection, and returns how many of them its outcome
// answers: those it ran, or all of them when the transaction could not
// start.
//
// SQLite rolls the whole transaction back when a write inside it is
// interrupted, as a statement whose context ends is, and after some other
// failures (see endsTransaction); the calls after it would then run
// outside any transaction, each committing on its own while its caller is
// told the shared commit failed. So a call runs under the transaction's
// context, which no caller can end (see runTx), and a failure that may
// have ended the transaction fails every call of it.
func (sh *sharer) runSome(calls []*sharedCall) (answered int, err error) {
	use := &sh.store.use
	err = sh.store.inTx(context.Background(), false, holderShared, func(ctx context.Context, tx *Tx) error {
		use.sharedTransactions.Add(1)
		start := time.Now()
		for i, c := range calls {
			if i > 0 && sh.receiving.Load() > 0 && time.Since(start) >= makeWayAfter {
				return nil
			}
			answered = i + 1
			if err := c.ctx.Err(); err != nil {
				c.err = err
				continue
			}
			use.sharedCalls.Add(1)
			c.err = runInSavepoint(ctx, tx, c.fn)
			if endsTransaction(c.err) {
				// Every caller is told, the innocent ones too: say whose.
				return fmt.Errorf("store: one call's failure ended a shared transaction: %w", c.err)
			}
		}
		return nil
	})
	if answered == 0 {
		answered = len(calls)
	}
	return answered, err
}

// runInSavepoint runs fn in a savepoint of tx, undoing fn's work alone
// when it fails.
func runInSavepoint(ctx context.Context, tx *Tx, fn func(ctx context.Context, tx *Tx) error) error {
	sp, err := tx.tx.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	if err := fn(ctx, &Tx{Queries: Queries{idb: sp, dialect: tx.dialect, stmts: tx.stmts}, tx: sp}); err != nil {
		if rbErr := sp.Rollback(); rbErr != nil {
			return errors.Join(err, fmt.Errorf("store: roll back to savepoint: %w", rbErr))
		}
		return err
	}
	if err := sp.Commit(); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}
