//go:build race

package sstest_test

// raceEnabled is whether the tests run under the race detector, whose
// shadow memory multiplies a process's RSS: footprints are not checked then.
const raceEnabled = true
