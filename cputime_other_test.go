//go:build !linux

package secretstore

import "time"

// threadCPU returns 0: the calling thread's CPU time is read on Linux only.
func threadCPU() time.Duration { return 0 }
