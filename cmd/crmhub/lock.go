package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/crmhub/crmhub/core/store"
)

// A SQLite store serves one process: two hubs on one file would each take
// back the other's leases and claims as stale at start. So `serve` (and
// `migrate`, which must not change the schema under a running hub) hold a
// lock on a file beside the database, <db>.lock, for as long as they run.
// The read commands and `events replay` take no lock: SQLite's own locking
// keeps them safe beside a running hub, which picks replayed events up.
//
// The lock is flock(2) (LockFileEx on Windows): the kernel releases it
// when the process ends, however it ends, so a hub killed with SIGKILL
// leaves no stale lock behind. Go opens files close-on-exec, so the plugin
// processes a hub starts never inherit it. The file is never removed:
// removing a lock file while another process opens it would let two
// processes each lock a file of their own.

// lockSQLite takes the lock of the SQLite store dbURL names for command
// (e.g. "serve"), or says who holds it; busyHint ends that message. It
// returns the function that releases the lock. Any other store needs no
// lock: PostgreSQL serves several hubs.
func lockSQLite(dbURL, command, busyHint string) (release func(), err error) {
	path, ok := store.SQLitePath(dbURL)
	if !ok || path == "" {
		return func() {}, nil
	}
	// Every path to one file must meet one lock: a database reached
	// through a symlink locks beside the file itself.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	lockPath := path + ".lock"
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o750); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	lock := flock.New(lockPath, flock.SetFlag(os.O_CREATE|os.O_RDWR))
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !locked {
		return nil, fmt.Errorf("%s is in use by %s; one process per SQLite file — %s", path, holder(lockPath), busyHint)
	}
	// Who holds the lock, for the message of the next one who tries,
	// written through a descriptor of its own: closing that one leaves the
	// flock held. Naming the holder is a courtesy: where the file cannot be
	// written (Windows forbids writing a locked range through another
	// handle) the lock still holds and the message names no process.
	host, _ := os.Hostname()
	_ = os.WriteFile(lockPath, fmt.Appendf(nil, "crmhub %s (pid %d on %s)\n", command, os.Getpid(), host), 0o600)
	return func() { _ = lock.Unlock() }, nil
}

// holder reads who holds the lock at lockPath, as its holder wrote it.
func holder(lockPath string) string {
	b, err := os.ReadFile(lockPath)
	if who := strings.TrimSpace(string(b)); err == nil && who != "" {
		return who
	}
	return "another crmhub process"
}
