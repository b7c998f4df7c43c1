//go:build !race

package sdktest_test

const raceEnabled = false
