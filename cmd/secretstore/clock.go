package main

import (
	"sync"
	"time"
)

// offsetClock is the server's clock under --test-mode: it runs with real time
// plus an offset that POST /_secretstore/clock changes, forwards or
// backwards. It is a secretstore.Clock and an awsapi.RealTimeClock ({"set":
// "now"} and POST /_secretstore/reset put it back on the real time), safe
// for concurrent use.
type offsetClock struct {
	wall func() time.Time // the real time: time.Now outside tests

	mu     sync.Mutex
	offset time.Duration
}

func newOffsetClock(wall func() time.Time) *offsetClock {
	return &offsetClock{wall: wall}
}

// Now returns the real time plus the offset.
func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall().Add(c.offset)
}

// Advance adds d to the offset (d may be negative) and returns the new time.
func (c *offsetClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.wall().Add(c.offset)
}

// Set makes Now return t at this instant; the clock keeps running from
// there.
func (c *offsetClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.wall())
}

// ResetToRealTime sets the offset back to zero: Now is the real time again.
func (c *offsetClock) ResetToRealTime() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}
