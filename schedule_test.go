package secretstore

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		after    int64
		expr     string
		duration string
		err      string // part of the error; "" for none
	}{
		{7, "", "", ""},
		{1000, "", "", ""},
		{1001, "", "", "ValidationException: 1 validation error detected: Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{-1, "", "", "ValidationException: 1 validation error detected: Value '-1' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{7, "rate(7 days)", "", "InvalidParameterException: You cannot specify both rotation frequency and schedule expression together."},
		{1001, "rate(7 days)", "", "ValidationException"}, // the member's range before the rule across members
		{0, "rate(10 day)", "", "a rate of 1 takes a singular unit"},
		{0, "rate(1 days)", "", "a rate of 1 takes a singular unit"},
		{0, "rate(5 hour)", "", "a rate of 1 takes a singular unit"},
		{0, "rate(10 days)", "", ""},
		{0, "rate(1 hour)", "", "more frequent than every 4 hours"},
		{0, "", "", "must specify"},
		{0, "rate(7 days)", "", ""},
		{0, "rate(1 day)", "", ""},
		{0, "rate(4 hours)", "", ""},
		{0, "rate(3 hours)", "", "more frequent than every 4 hours"},
		{0, "rate(48 hours)", "", ""},
		{0, "rate(7 weeks)", "", "hours or days"},
		{0, "rate(0 days)", "", "at least 1"},
		{0, "rate(1001 days)", "", "can't exceed 1000 days"},
		{0, "rate(7 days)", "2h", ""},
		{0, "rate(7 days)", "25h", "from 1h to 24h"},
		{0, "rate(7 days)", "2", "from 1h to 24h"},
		{0, "rate(4 hours)", "4h", "shorter than the time between"},
		{0, "rate(4 hours)", "3h", ""},
		{0, "cron(0 16 1,15 * ? *)", "", ""},
		{0, "cron(0 8 ? * MON-FRI *)", "2h", ""},
		{0, "cron(0 20 ? * 6L *)", "3h", ""},
		{0, "cron(0 22 ? * 6L *)", "3h", "next UTC day"},
		{0, "cron(0 23 ? * 6L *)", "3h", "next UTC day"},
		{0, "cron(0 */4 * * ? *)", "", ""},
		{0, "cron(0 */2 * * ? *)", "", "more often than every 4 hours"},
		{0, "cron(0 0 ? * 2#1 *)", "", ""},
		{0, "cron(0 0 L * ? *)", "", ""},
		{0, "cron(0 0 * * * *)", "", "one of day-of-month and day-of-week"},
		{0, "cron(0 0 ? * ? *)", "", "one of day-of-month and day-of-week"},
		{0, "cron(0 24 * * ? *)", "", "hours"},
		{0, "cron(0 0 1 * ?)", "", "six fields"},
		{0, "at(2030-01-01T00:00:00)", "", "rate(...) or cron(...)"},
	}
	for _, tt := range tests {
		_, err := parseSchedule(tt.after, tt.expr, tt.duration)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseSchedule(%d, %q, %q) = %v; want %q", tt.after, tt.expr, tt.duration, err, tt.err)
		}
	}
}

func TestScheduleWindows(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		after       int64
		expr, dur   string
		from        string
		start, next string
	}{
		// Days: the window is the whole UTC day N days later.
		{7, "", "", "2026-01-15T10:00:00Z", "2026-01-22T00:00:00Z", "2026-01-22T23:59:59Z"},
		{0, "rate(7 days)", "", "2026-01-15T10:00:00Z", "2026-01-22T00:00:00Z", "2026-01-22T23:59:59Z"},
		{0, "rate(7 days)", "3h", "2026-01-15T10:00:00Z", "2026-01-22T00:00:00Z", "2026-01-22T02:59:59Z"},
		// Hours: a window of an hour.
		{0, "rate(6 hours)", "", "2026-01-15T10:20:00Z", "2026-01-15T16:00:00Z", "2026-01-15T16:59:59Z"},
		// Cron: from the next occurrence; a daily one to the end of the day.
		{0, "cron(0 16 1,15 * ? *)", "", "2026-01-15T10:00:00Z", "2026-01-15T16:00:00Z", "2026-01-15T23:59:59Z"},
		{0, "cron(0 16 1,15 * ? *)", "", "2026-01-15T16:00:00Z", "2026-02-01T16:00:00Z", "2026-02-01T23:59:59Z"},
		{0, "cron(0 8 ? * MON-FRI *)", "2h", "2026-01-16T09:00:00Z", "2026-01-19T08:00:00Z", "2026-01-19T09:59:59Z"},
		{0, "cron(0 */4 * * ? *)", "", "2026-01-15T10:00:00Z", "2026-01-15T12:00:00Z", "2026-01-15T12:59:59Z"},
		{0, "cron(0 0 L * ? *)", "", "2026-02-03T00:00:00Z", "2026-02-28T00:00:00Z", "2026-02-28T23:59:59Z"},
		{0, "cron(30 22 ? * 6L *)", "1h", "2026-01-01T00:00:00Z", "2026-01-30T22:30:00Z", "2026-01-30T23:29:59Z"},
		{0, "cron(0 9 ? * 2#1 *)", "", "2026-01-15T00:00:00Z", "2026-02-02T09:00:00Z", "2026-02-02T23:59:59Z"},
	}
	for _, tt := range tests {
		sc, err := parseSchedule(tt.after, tt.expr, tt.dur)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		start, next, ok := sc.window(at(tt.from))
		if !ok || !start.Equal(at(tt.start)) || !next.Equal(at(tt.next)) {
			t.Errorf("%d %q %q from %s: window %v to %v, want %s to %s", tt.after, tt.expr, tt.dur, tt.from, start, next, tt.start, tt.next)
		}
	}
	if got := afterDays(at("2026-01-15T10:00:00Z"), at("2026-01-22T23:59:59Z")); got != 8 {
		t.Errorf("afterDays = %d, want 8", got)
	}
}
