package testutil

import "time"

// Settle waits, off a benchmark's clock, for the background work that
// the writes of its setup left in the process (Badger's memtable flushes
// and compactions): until the process uses under 5 ms of CPU in 100 ms,
// or for at most 30 s. Where the process's CPU time cannot be read it
// waits 100 ms.
func Settle() {
	deadline := time.Now().Add(30 * time.Second)
	for last := processCPU(); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		now := processCPU()
		if now-last < 5*time.Millisecond {
			return
		}
		last = now
	}
}
