package secretstore

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling thread has used (Linux's
// RUSAGE_THREAD), or 0 where it cannot be read.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // 1: RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
