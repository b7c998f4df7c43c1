package store

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"runtime"
	"sync"

	"github.com/crmhub/crmhub/internal/chans"
)

// walSync flushes a SQLite database's write-ahead log to disk apart from
// its connection. A commit made with synchronous NORMAL is in the log but
// not flushed; flushing the log file afterwards makes it exactly as
// durable as a commit made with synchronous FULL, which flushes the same
// file before it returns. Doing it here lets the only writer go on with
// the next transaction while the disk catches up, and one flush serves
// every commit made while the previous one ran — a group commit.
type walSync struct {
	path     string // the -wal file next to the database
	requests chan chan error
	stop     sync.Once
	done     chan struct{}
}

func newWALSync(dbPath string) *walSync {
	w := &walSync{path: dbPath + "-wal", requests: make(chan chan error), done: make(chan struct{})}
	go w.run()
	return w
}

// flush returns once every transaction committed before it was called is
// on disk.
func (w *walSync) flush() error {
	answer := make(chan error, 1)
	select {
	case w.requests <- answer:
	case <-w.done:
		return errors.New("store: closed")
	}
	return <-answer
}

// run flushes the log for every request, and once for all the requests
// that arrived while it flushed.
func (w *walSync) run() {
	for {
		var waiting []chan error
		select {
		case first := <-w.requests:
			waiting = append(waiting, first)
		case <-w.done:
			return
		}
		waiting = chans.Drain(w.requests, waiting, math.MaxInt)
		err := w.sync()
		for _, answer := range waiting {
			answer <- err
		}
		// Go queues the goroutines just answered on this goroutine's
		// processor. Going straight into the next fsync would hold that
		// processor, and them with it, until the disk answers: under a
		// stream of webhooks 1.0–1.7 ms passed from an answer to its
		// waiter running. Yielding first lets them run (0.2–0.4 ms);
		// another processor picks this loop up.
		runtime.Gosched()
	}
}

// sync flushes the log file. It is opened each time, so a log SQLite
// removed and made anew is never missed; fsync flushes the file whoever
// wrote it. No log file means nothing waits in one.
func (w *walSync) sync() error {
	f, err := os.Open(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: open the write-ahead log: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: flush the write-ahead log: %w", err)
	}
	return nil
}

func (w *walSync) close() { w.stop.Do(func() { close(w.done) }) }
