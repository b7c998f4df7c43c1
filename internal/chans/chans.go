// Package chans holds what the hub's batching loops share: a committer,
// a flusher or a shared transaction takes a first request, then whatever
// else is waiting, and serves them all at once.
package chans

// Drain appends to batch the values ready in c, without waiting for more,
// until none is ready or batch holds max.
func Drain[T any](c <-chan T, batch []T, max int) []T {
	for len(batch) < max {
		select {
		case v := <-c:
			batch = append(batch, v)
		default:
			return batch
		}
	}
	return batch
}
