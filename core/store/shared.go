package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/crmhub/crmhub/internal/chans"
)

// maxShared bounds how many callers' work shares one transaction.
const maxShared = 64

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

// runTogether runs calls in one transaction and answers each.
//
// SQLite rolls the whole transaction back when a write inside it is
// interrupted, as a statement whose context ends is, and after some other
// failures (see endsTransaction); the calls after it would then run
// outside any transaction, each committing on its own while its caller is
// told the shared commit failed. So a call runs under the transaction's
// context, which no caller can end (see runTx), and a failure that may
// have ended the transaction fails every call of it.
func (sh *sharer) runTogether(calls []*sharedCall) {
	err := sh.store.inTx(context.Background(), false, func(ctx context.Context, tx *Tx) error {
		for _, c := range calls {
			if err := c.ctx.Err(); err != nil {
				c.err = err
				continue
			}
			c.err = runInSavepoint(ctx, tx, c.fn)
			if endsTransaction(c.err) {
				// Every caller is told, the innocent ones too: say whose.
				return fmt.Errorf("store: one call's failure ended a shared transaction: %w", c.err)
			}
		}
		return nil
	})
	for _, c := range calls {
		if err != nil {
			c.done <- err
		} else {
			c.done <- c.err
		}
	}
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
