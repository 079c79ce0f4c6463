//go:build race

package mirror

// raceEnabled is whether the tests run under the race detector, which slows
// each request down many times: the largest tests then do less.
const raceEnabled = true
