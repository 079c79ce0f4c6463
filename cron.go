package secretstore

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cronExpr is an AWS cron expression (as EventBridge and Secrets Manager
// read them), in UTC: six fields, Minutes Hours Day-of-month Month
// Day-of-week Year, with , - * / ? and L and # in the day fields. One of the
// two day fields must be ?.
type cronExpr struct {
	minutes, hours, months []int // sorted values
	years                  []int // sorted; nil means any
	dom                    []int // days of the month; nil with domAny
	domAny, domLast        bool  // ? or *; L (the last day)
	dow                    []int // days of the week, 1 (Sunday) to 7; nil with dowAny
	dowAny                 bool
	dowLast                int // nL: the last such weekday of the month (0: none)
	dowNth, dowNthDay      int // d#n: the nth such weekday (0: none)
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// parseCron parses the six fields of a cron expression.
func parseCron(s string) (*cronExpr, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("a cron expression has six fields (minutes hours day-of-month month day-of-week year), not %d", len(f))
	}
	c := &cronExpr{}
	var err error
	if c.minutes, err = cronField(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %v", err)
	}
	if c.hours, err = cronField(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %v", err)
	}
	if c.months, err = cronField(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %v", err)
	}
	if f[5] != "*" {
		if c.years, err = cronField(f[5], 1970, 2199, nil); err != nil {
			return nil, fmt.Errorf("year: %v", err)
		}
	}
	dom, dow := f[2], strings.ToUpper(f[4])
	if (dom == "?") == (dow == "?") {
		return nil, errors.New("one of day-of-month and day-of-week must be ?, and only one")
	}
	switch {
	case dom == "?" || dom == "*":
		c.domAny = true
	case dom == "L":
		c.domLast = true
	default:
		if c.dom, err = cronField(dom, 1, 31, nil); err != nil {
			return nil, fmt.Errorf("day-of-month: %v", err)
		}
	}
	switch {
	case dow == "?" || dow == "*":
		c.dowAny = true
	case strings.HasSuffix(dow, "L"):
		d := 7
		if dow != "L" {
			if d, err = cronValue(strings.TrimSuffix(dow, "L"), 1, 7, dayNames); err != nil {
				return nil, fmt.Errorf("day-of-week: %v", err)
			}
		}
		c.dowLast = d
	case strings.Contains(dow, "#"):
		d, n, _ := strings.Cut(dow, "#")
		if c.dowNthDay, err = cronValue(d, 1, 7, dayNames); err != nil {
			return nil, fmt.Errorf("day-of-week: %v", err)
		}
		if c.dowNth, err = cronValue(n, 1, 5, nil); err != nil {
			return nil, fmt.Errorf("day-of-week: %v", err)
		}
	default:
		if c.dow, err = cronField(dow, 1, 7, dayNames); err != nil {
			return nil, fmt.Errorf("day-of-week: %v", err)
		}
	}
	return c, nil
}

// cronField parses a list of values, ranges and steps within [lo, hi].
func cronField(s string, lo, hi int, names []string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(strings.ToUpper(s), ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = cronValue(stepS, 1, hi, nil); err != nil {
				return nil, err
			}
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = cronValue(a, lo, hi, names); err != nil {
				return nil, err
			}
			if to, err = cronValue(b, lo, hi, names); err != nil {
				return nil, err
			}
			if to < from {
				return nil, fmt.Errorf("the range %s runs backwards", rng)
			}
		default:
			v, err := cronValue(rng, lo, hi, names)
			if err != nil {
				return nil, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// cronValue parses one value (a number, or a name of names counted from lo).
func cronValue(s string, lo, hi int, names []string) (int, error) {
	if i := slices.Index(names, s); i >= 0 {
		return lo + i, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

// matchesDay reports whether the expression runs on day d.
func (c *cronExpr) matchesDay(d time.Time) bool {
	if !slices.Contains(c.months, int(d.Month())) || c.years != nil && !slices.Contains(c.years, d.Year()) {
		return false
	}
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	wd := int(d.Weekday()) + 1 // 1 is Sunday
	switch {
	case c.domLast:
		return d.Day() == last
	case !c.domAny:
		return slices.Contains(c.dom, d.Day())
	case c.dowLast != 0:
		return wd == c.dowLast && d.Day() > last-7
	case c.dowNth != 0:
		return wd == c.dowNthDay && (d.Day()-1)/7+1 == c.dowNth
	case !c.dowAny:
		return slices.Contains(c.dow, wd)
	}
	return true
}

// next returns the first time after from at which the expression runs, if
// there is one before the end of 2199.
func (c *cronExpr) next(from time.Time) (time.Time, bool) {
	from = from.UTC()
	for d := day(from); d.Year() <= 2199; d = d.AddDate(0, 0, 1) {
		if c.years != nil && d.Year() > c.years[len(c.years)-1] {
			break
		}
		if !c.matchesDay(d) {
			continue
		}
		for _, h := range c.hours {
			for _, m := range c.minutes {
				if t := d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute); t.After(from) {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}
