package apps

import "time"

// backoffSteps multiply the wait before each further retry: from 5s they
// make about 5s, 5min, 30min, 2h, 5h, 10h — a receiver that is down for an
// afternoon, or a night, still gets everything.
var backoffSteps = []float64{60, 6, 4, 2.5, 2}

// Backoff is the wait before the next attempt after n failed attempts
// (n ≥ 1): initial, then initial multiplied step by step (the last step
// repeats), never more than max.
func Backoff(n int, initial, max time.Duration) time.Duration {
	d := float64(initial)
	for i := 1; i < n && time.Duration(d) < max; i++ {
		d *= backoffSteps[min(i-1, len(backoffSteps)-1)]
	}
	return min(time.Duration(d), max)
}
