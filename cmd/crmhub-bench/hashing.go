package main

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/secret"
)

// hashingTime is how long the hashing pool runs.
const hashingTime = 3 * time.Second

// measureHashing counts the secret.HashPassword calls per second that
// runtime.NumCPU() goroutines reach in about hashingTime. Every add hashes
// a new user's password with it, so this is the most adds per second a
// hub on this machine could apply if hashing were all it did.
func measureHashing(ctx context.Context) float64 {
	ctx, cancel := context.WithTimeout(ctx, hashingTime)
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
