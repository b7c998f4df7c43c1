package inbox

import (
	"math/rand/v2"
	"time"
)

// backoff is the delay before attempt n+1 after n failed attempts:
// initial·2^(n-1), ±20% jitter so retries of many events spread out,
// never more than max.
func backoff(n int, initial, max time.Duration) time.Duration {
	d := initial
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(d, max)
}
