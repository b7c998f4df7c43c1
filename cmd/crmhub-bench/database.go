package main

import (
	"context"
	"fmt"
	"path/filepath"

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

// database is a scratch store for one hub.
type database struct {
	url  string
	drop func()
}

// newDatabase makes an empty store: a SQLite file in dir, or a new
// database on the PostgreSQL server at pg, dropped by drop.
func newDatabase(ctx context.Context, kind storeKind, dir, pg string) (*database, error) {
	if kind == sqlite {
		return &database{url: "sqlite://" + filepath.Join(dir, "crmhub.db"), drop: func() {}}, nil
	}
	name, u, err := pgscratch.Create(ctx, pg, "crmhubbench")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL scratch database: %w", err)
	}
	return &database{url: u, drop: func() {
		if err := pgscratch.Drop(pg, name); err != nil {
			progress("could not drop database %s: %v", name, err)
		}
	}}, nil
}
