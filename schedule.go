package secretstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// Rotation schedules: RotationRules' AutomaticallyAfterDays, or a
// ScheduleExpression, rate(N hours|days) or cron(...) in UTC, and a Duration,
// the length of the window in which a rotation happens. A rotation starts
// when its window opens; NextRotationDate is the last second of the window,
// the latest moment by which AWS promises the rotation ("on or before").

// schedule is a parsed RotationRules.
type schedule struct {
	days     int64         // AutomaticallyAfterDays, or rate(N days)
	hours    int64         // rate(N hours)
	cron     *cronExpr     // cron(...)
	duration time.Duration // the window; 0: the default
}

// minRotationInterval is the shortest time AWS allows between rotations.
const minRotationInterval = 4 * time.Hour

// parseSchedule validates RotationRules as AWS does (InvalidParameter for a
// rule it refuses, ValidationException for the model's constraints).
//
// As AWS, each member's own constraints come first (the model's range of
// AutomaticallyAfterDays, 1 to 1000, and lengths: ValidationException),
// then the rules across members (InvalidParameterException).
func parseSchedule(after int64, expr, duration string) (*schedule, error) {
	days := ""
	if after != 0 { // 0 is the member left out; the wire refuses an explicit 0
		days = awsmodel.Range("rotationRules.automaticallyAfterDays", after, 1, awsmodel.MaxRotationDays)
	}
	if err := validation(
		days,
		awsmodel.Length("rotationRules.scheduleExpression", len(expr), 0, 256),
		awsmodel.Length("rotationRules.duration", len(duration), 0, 3),
	); err != nil {
		return nil, err
	}
	switch {
	case after != 0 && expr != "":
		return nil, newError(ErrInvalidParameter, awsmodel.RotationFrequencyAndSchedule)
	case after == 0 && expr == "":
		return nil, newError(ErrInvalidParameter, "RotationRules must specify AutomaticallyAfterDays or ScheduleExpression.")
	}
	sc := &schedule{days: after}
	if expr != "" {
		var err error
		if sc, err = parseExpression(expr); err != nil {
			return nil, err
		}
	}
	if duration != "" {
		h, err := strconv.Atoi(strings.TrimSuffix(duration, "h"))
		if err != nil || !strings.HasSuffix(duration, "h") || len(duration) < 2 || h < 1 || h > 24 {
			return nil, newErrorf(ErrInvalidParameter, "RotationRules.Duration %q is not a number of hours from 1h to 24h.", duration)
		}
		sc.duration = time.Duration(h) * time.Hour
	}
	return sc, sc.checkWindow()
}

// parseExpression parses a ScheduleExpression.
func parseExpression(expr string) (*schedule, error) {
	bad := func(why string) error {
		return newErrorf(ErrInvalidParameter, "Invalid ScheduleExpression %q: %s.", expr, why)
	}
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[len("rate(") : len(expr)-1])
		if len(f) != 2 {
			return nil, bad("a rate is rate(N hours) or rate(N days)")
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 1 {
			return nil, bad("the rate must be a whole number of at least 1")
		}
		// EventBridge's rate syntax, which Secrets Manager's schedules
		// follow: a singular unit for 1, a plural one for any other value.
		if singular := !strings.HasSuffix(f[1], "s"); singular != (n == 1) {
			return nil, bad("a rate of 1 takes a singular unit, as in rate(1 day), and any other a plural one, as in rate(10 days)")
		}
		switch f[1] {
		case "hours", "hour":
			if n < 4 {
				return nil, bad("rotation can't be more frequent than every 4 hours")
			}
			if n%24 == 0 {
				return &schedule{days: n / 24}, nil
			}
			return &schedule{hours: n}, nil
		case "days", "day":
			if n > awsmodel.MaxRotationDays {
				return nil, bad(fmt.Sprintf("the rate can't exceed %d days", awsmodel.MaxRotationDays))
			}
			return &schedule{days: n}, nil
		}
		return nil, bad("the unit must be hours or days")
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[len("cron(") : len(expr)-1])
		if err != nil {
			return nil, bad(err.Error())
		}
		return &schedule{cron: c}, nil
	}
	return nil, bad("it must be rate(...) or cron(...)")
}

// interval returns the time between two windows, for a rate; for a cron
// expression, the shortest gap among its next occurrences.
func (sc *schedule) interval(from time.Time) time.Duration {
	switch {
	case sc.days > 0:
		return time.Duration(sc.days) * 24 * time.Hour
	case sc.hours > 0:
		return time.Duration(sc.hours) * time.Hour
	}
	gap := time.Duration(1<<63 - 1)
	prev, ok := sc.cron.next(from)
	for range 50 {
		if !ok {
			break
		}
		var t time.Time
		if t, ok = sc.cron.next(prev); ok {
			gap = min(gap, t.Sub(prev))
			prev = t
		}
	}
	return gap
}

// daily reports whether windows are a day or more apart: their window then
// runs to the end of the UTC day by default, else for an hour.
func (sc *schedule) daily(from time.Time) bool { return sc.interval(from) >= 24*time.Hour }

// checkWindow refuses schedules that rotate too often, or whose window
// reaches the next window or the next UTC day.
func (sc *schedule) checkWindow() error {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	iv := sc.interval(from)
	if iv < minRotationInterval {
		return newError(ErrInvalidParameter, "The schedule expression rotates the secret more often than every 4 hours, which Secrets Manager does not allow.")
	}
	if sc.duration == 0 {
		return nil
	}
	if sc.duration >= iv {
		return newError(ErrInvalidParameter, "The rotation window (Duration) must be shorter than the time between two rotations.")
	}
	if start, ok := sc.windowStart(from); ok && !start.Add(sc.duration).Before(day(start).Add(24*time.Hour).Add(time.Second)) {
		return newError(ErrInvalidParameter, "The rotation window (Duration) can't reach into the next UTC day.")
	}
	return nil
}

// windowStart returns the start of the first window after from (for a rate,
// the first after the one from is in; for cron, the next occurrence).
func (sc *schedule) windowStart(from time.Time) (time.Time, bool) {
	switch {
	case sc.days > 0:
		return day(from).AddDate(0, 0, int(sc.days)), true
	case sc.hours > 0:
		return from.Truncate(time.Hour).Add(time.Duration(sc.hours) * time.Hour), true
	}
	return sc.cron.next(from)
}

// window returns the next rotation window after the rotation (or the
// configuration) at from: when it opens, and NextRotationDate, its last
// second.
func (sc *schedule) window(from time.Time) (start, next time.Time, ok bool) {
	start, ok = sc.windowStart(from)
	if !ok {
		return start, next, false
	}
	d := sc.duration
	switch {
	case d > 0:
	case sc.daily(from):
		d = day(start).Add(24 * time.Hour).Sub(start)
	default:
		d = time.Hour
	}
	return start, start.Add(d - time.Second), true
}

// afterDays is AutomaticallyAfterDays as DescribeSecret reports it for a
// schedule expression: the whole days from the last rotation to the next
// rotation date, at least 1.
func afterDays(last, next time.Time) int64 {
	return max(1, int64((next.Sub(last)+24*time.Hour-time.Second)/(24*time.Hour)))
}
