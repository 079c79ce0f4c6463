//go:build !linux

package testutil

import "time"

func waitDir(_ string, limit time.Duration, cond func() bool) bool { return pollDir(limit, cond) }
