package awsapi

import (
	"strconv"
	"strings"
	"time"
)

// timestamp is a time sent on the wire: a JSON number of seconds since the
// Unix epoch, with millisecond precision, written as AWS writes it (Java's
// Double.toString). The zero time is omitted by the omitzero tag option.
type timestamp time.Time

// IsZero reports whether t is the zero time, so `json:",omitzero"` leaves
// it out.
func (t timestamp) IsZero() bool { return time.Time(t).IsZero() }

// MarshalJSON writes t as epoch seconds in Java's Double.toString form.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(epochSeconds(time.Time(t).UnixMilli())), nil
}

// epochSeconds formats ms milliseconds as seconds the way Java's
// Double.toString prints the double ms/1000: plain decimal notation with at
// least one fractional digit for magnitudes in [1e-3, 1e7), otherwise one
// digit before the point, the fraction without trailing zeros (at least one
// digit) and an upper-case exponent, such as 1.707264658891E9. The digits
// come from the integer, so no floating-point rounding can creep in. (For
// any value with at most 15 significant digits, which covers every
// millisecond time until the year 33658, these are exactly the shortest
// digits that identify the double, which is what Java prints.)
func epochSeconds(ms int64) string {
	if ms == 0 {
		return "0.0"
	}
	var b strings.Builder
	if ms < 0 {
		b.WriteByte('-')
	}
	digits := strconv.FormatUint(absInt64(ms), 10)
	// value = digits × 10^exp, with the trailing zeros moved into exp.
	exp := -3
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	sci := len(digits) - 1 + exp // the exponent in scientific notation
	if sci >= -3 && sci < 7 {
		var intPart, frac string
		switch {
		case exp >= 0:
			intPart, frac = digits+strings.Repeat("0", exp), "0"
		case len(digits) > -exp:
			intPart, frac = digits[:len(digits)+exp], digits[len(digits)+exp:]
		default:
			intPart, frac = "0", strings.Repeat("0", -exp-len(digits))+digits
		}
		b.WriteString(intPart)
		b.WriteByte('.')
		b.WriteString(frac)
		return b.String()
	}
	b.WriteByte(digits[0])
	b.WriteByte('.')
	if len(digits) > 1 {
		b.WriteString(digits[1:])
	} else {
		b.WriteByte('0')
	}
	b.WriteByte('E')
	b.WriteString(strconv.Itoa(sci))
	return b.String()
}

func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1 // no overflow for math.MinInt64
	}
	return uint64(v)
}
