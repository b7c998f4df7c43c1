//go:build race

package sdktest_test

// raceEnabled says whether this test binary runs under the race detector.
const raceEnabled = true
