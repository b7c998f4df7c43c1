package main

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/secret"
)

// The hashing pool runs in turns until its rate settles: a fresh pool
// first grows its heap, and where the machine is a VM that backs a page
// only once it is touched, those first turns read far below what the
// pool reaches (one hash a second where it reaches seventy).
const (
	hashingTurn     = time.Second
	hashingMaxTurns = 8
	// hashingSettled is how close two turns in a row read once settled.
	hashingSettled = 0.05
)

// measureHashing counts the secret.HashPassword calls per second that
// runtime.NumCPU() goroutines reach once their rate has settled: the mean
// of the first two turns in a row within hashingSettled of each other, or
// of the last two. Every add hashes a new user's password with it, so this
// is the most adds per second a hub on this machine could apply if hashing
// were all it did.
func measureHashing(ctx context.Context) float64 {
	var last float64
	for turn := 1; ; turn++ {
		rate := hashingRate(ctx, hashingTurn)
		if turn > 1 && (math.Abs(rate-last) <= hashingSettled*last || turn == hashingMaxTurns) {
			return (rate + last) / 2
		}
		last = rate
	}
}

// hashingRate is the pool's hashes per second over about d.
func hashingRate(ctx context.Context, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var hashes atomic.Int64
	var pool sync.WaitGroup
	start := time.Now()
	for range runtime.NumCPU() {
		pool.Go(func() {
			for ctx.Err() == nil {
				secret.HashPassword(secret.GeneratePassword())
				hashes.Add(1)
			}
		})
	}
	pool.Wait() // each finishes the hash it started: count it, and its time
	return float64(hashes.Load()) / time.Since(start).Seconds()
}
