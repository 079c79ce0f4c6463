package mirror

import (
	"context"
	"time"
)

// Backoffs of a loop whose passes fail: the first retry comes after
// minBackoff, each next one after twice the wait before, up to maxBackoff
// and never later than the loop's own period.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// Loop runs a pass now and then every Every, until its context ends. A
// pass that fails is retried after a backoff (see Backoff) instead, and the
// loop goes on: a source that cannot be reached never stops it.
type Loop struct {
	// Every is the time from the start of one good pass to the start of
	// the next. Required (positive).
	Every time.Duration
	// Pass runs one pass.
	Pass func(ctx context.Context) error
	// Wait waits d, or until ctx ends (then returning its error); default
	// a timer. Tests give one that returns at once.
	Wait func(ctx context.Context, d time.Duration) error
	// Now is the time; default time.Now.
	Now func() time.Time
	// Next, when set, is told when the next pass begins.
	Next func(at time.Time)
}

// Run runs the loop until ctx ends, and returns nil then.
func (l *Loop) Run(ctx context.Context) error {
	wait, now := l.Wait, l.Now
	if wait == nil {
		wait = sleep
	}
	if now == nil {
		now = time.Now
	}
	failures := 0
	for ctx.Err() == nil {
		start := now()
		d := l.Every
		err := l.Pass(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			d = Backoff(failures, l.Every)
		default:
			failures = 0
			d -= now().Sub(start) // a period, not a pause between passes
		}
		d = max(d, 0)
		if l.Next != nil {
			l.Next(now().Add(d))
		}
		if wait(ctx, d) != nil {
			break
		}
	}
	return nil
}

// Backoff returns the wait before the retry of a pass that failed n times
// in a row, in a loop of period every: 1s, 2s, 4s and so on, at most 5
// minutes and at most every.
func Backoff(n int, every time.Duration) time.Duration {
	d := minBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff, every)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
