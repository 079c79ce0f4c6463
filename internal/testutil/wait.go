package testutil

import "time"

// WaitDir waits until cond returns true, checking it at once and again
// each time an entry of the directory dir is created, written, removed or
// renamed (on Linux, as inotify reports it; elsewhere every 20 ms), for at
// most limit. It reports whether cond returned true. It is how a test waits
// for another process (a rotation function, Badger's compactions) to write
// or remove a file.
func WaitDir(dir string, limit time.Duration, cond func() bool) bool {
	return waitDir(dir, limit, cond)
}

// pollDir is WaitDir without notifications: it checks cond every 20 ms.
func pollDir(limit time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
		}
	}
	return true
}
