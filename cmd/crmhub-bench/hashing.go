package main

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/secret"
)

// The hashing pool runs in turns until its rate settles: a fresh pool
// first grows its heap, and on a VM where a page fault is dear (10 to
// over 100 µs on the shared EPYC) those first turns read far below what
// the pool reaches: 1, 1, 1, then 86 hashes a second in one run.
const (
	hashingTurn      = time.Second
	hashingMaxTurns  = 10
	hashingMinHashes = 20 // in a turn that counts as settled
	// hashingSettled is how close two settled turns in a row read.
	hashingSettled = 0.05
)

// measureHashing counts the secret.HashPassword calls per second that
// runtime.NumCPU() goroutines reach once their rate has settled: the mean
// of the first two turns in a row of hashingMinHashes or more within
// hashingSettled of each other, or of the last two. Every add hashes a
// new user's password with it, so this is the most adds per second a hub
// on this machine could apply if hashing were all it did. turns are the
// rates of every turn.
func measureHashing(ctx context.Context) (rate float64, turns []float64) {
	minRate := hashingMinHashes / hashingTurn.Seconds()
	for len(turns) < hashingMaxTurns && ctx.Err() == nil {
		turns = append(turns, hashingRate(ctx, hashingTurn))
		if n := len(turns); n >= 2 {
			last, prev := turns[n-1], turns[n-2]
			rate = (last + prev) / 2
			if min(last, prev) >= minRate && math.Abs(last-prev) <= hashingSettled*prev {
				break
			}
		}
	}
	return rate, turns
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

// rates lists per-second rates for the progress lines.
func rates(rs []float64) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = count(r)
	}
	return strings.Join(s, ", ")
}
