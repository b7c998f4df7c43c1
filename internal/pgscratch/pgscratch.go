// Package pgscratch makes and drops throwaway PostgreSQL databases on the
// test server, for test suites and the bench. It knows no test framework.
//
// The server is CRMHUBTEST_PG_URL, or DefaultURL when that is unset; test
// variables never use the configuration's CRMHUB_ prefix.
package pgscratch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// DefaultURL is the test server when CRMHUBTEST_PG_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL is the PostgreSQL server for scratch databases.
func URL() string {
	if u := os.Getenv("CRMHUBTEST_PG_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Create makes an empty database named <prefix>_<pid>_<random> on the
// server at serverURL and returns its name and URL.
func Create(ctx context.Context, serverURL, prefix string) (name, dbURL string, err error) {
	admin, err := store.Open(ctx, serverURL)
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	name = fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), rand.Uint32())
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, _ := url.Parse(serverURL) // store.Open parsed it already
	u.Path = "/" + name
	return name, u.String(), nil
}

// Drop drops a database Create made, closing its remaining sessions.
func Drop(serverURL, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := store.Open(ctx, serverURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.DB().ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}
