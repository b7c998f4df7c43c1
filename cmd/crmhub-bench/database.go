package main

import (
	"context"
	"fmt"
	"os"

	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/pgscratch"
)

// storeKind names a store the bench measures.
type storeKind string

const (
	sqlite   storeKind = "sqlite"
	postgres storeKind = "postgres"
)

func (k storeKind) title() string {
	if k == postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// database is a scratch store for one hub, and the hub's working folder.
type database struct {
	dir  string
	url  string
	drop func() // removes both
}

// newDatabase makes a working folder and an empty store: a SQLite file in
// its data folder, or a new database on the PostgreSQL server at pg.
func newDatabase(ctx context.Context, kind storeKind, pg string) (*database, error) {
	dir, err := os.MkdirTemp("", "crmhub-bench-")
	if err != nil {
		return nil, err
	}
	removeDir := func() { _ = os.RemoveAll(dir) }
	if kind == sqlite {
		return &database{dir: dir, url: harness.SQLiteIn(dir), drop: removeDir}, nil
	}
	name, u, err := pgscratch.Create(ctx, pg, "crmhubbench")
	if err != nil {
		removeDir()
		return nil, fmt.Errorf("PostgreSQL scratch database: %w", err)
	}
	return &database{dir: dir, url: u, drop: func() {
		if err := pgscratch.Drop(pg, name); err != nil {
			progress("could not drop database %s: %v", name, err)
		}
		removeDir()
	}}, nil
}
