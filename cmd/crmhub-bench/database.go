package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/crmhub/crmhub/core/store"
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

// defaultPGURL is the test server the specs use too.
const defaultPGURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func pgURL() string {
	if u := os.Getenv("CRMHUBTEST_PG_URL"); u != "" {
		return u
	}
	return defaultPGURL
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
	admin, err := store.Open(ctx, pg)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", redacted(pg), err)
	}
	defer admin.Close()
	name := fmt.Sprintf("crmhubbench_%d_%d", os.Getpid(), rand.Uint32())
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, _ := url.Parse(pg) // parsed by store.Open already
	u.Path = "/" + name
	return &database{url: u.String(), drop: func() { dropDatabase(pg, name) }}, nil
}

// dropDatabase drops a scratch database, closing its sessions.
func dropDatabase(pg, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := store.Open(ctx, pg)
	if err != nil {
		progress("could not drop database %s: %v", name, err)
		return
	}
	defer admin.Close()
	if _, err := admin.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		progress("could not drop database %s: %v", name, err)
	}
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable URL)"
	}
	return u.Redacted()
}
