package awsmodel

import (
	"strconv"
	"strings"
)

// A violation is one broken constraint of the API model, worded as AWS
// words it inside a ValidationException:
//
//	Value 'x' at 'member' failed to satisfy constraint: Member must ...
//
// The functions below return "" when the constraint holds. They never echo
// a value that may be secret: only enum values, numbers and filter values,
// which AWS echoes too.

// Violation words a violation of constraint by member. value is what AWS
// echoes ("'0'", "null", "'[]'"), or "" to echo nothing.
func Violation(value, member, constraint string) string {
	s := "Value"
	if value != "" {
		s += " " + value
	}
	return s + " at '" + member + "' failed to satisfy constraint: Member " + constraint
}

// Length checks that a length n (of a string, in the unit the model counts,
// or of a list) is within [min, max]. The value is not echoed.
func Length(member string, n, min, max int) string {
	return LengthEcho("", member, n, min, max)
}

// LengthEcho is Length for a member whose value AWS echoes: echo is the
// value as AWS prints it ("'abc'", "'[a, b]'").
func LengthEcho(echo, member string, n, min, max int) string {
	switch {
	case n < min:
		return Violation(echo, member, "must have length greater than or equal to "+strconv.Itoa(min))
	case n > max:
		return Violation(echo, member, "must have length less than or equal to "+strconv.Itoa(max))
	}
	return ""
}

// Quote returns s as AWS echoes a value in a violation: 's'.
func Quote(s string) string { return quote(s) }

// Range checks that a number v is within [min, max].
func Range(member string, v, min, max int64) string {
	switch {
	case v < min:
		return Violation(quote(strconv.FormatInt(v, 10)), member, "must have value greater than or equal to "+strconv.FormatInt(min, 10))
	case v > max:
		return Violation(quote(strconv.FormatInt(v, 10)), member, "must have value less than or equal to "+strconv.FormatInt(max, 10))
	}
	return ""
}

// Enum checks that v is one of allowed.
func Enum(member, v string, allowed []string) string {
	for _, a := range allowed {
		if v == a {
			return ""
		}
	}
	return Violation(quote(v), member, "must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// Pattern words the violation of a member whose value v does not match
// pattern.
func Pattern(member, v, pattern string) string {
	return Violation(quote(v), member, "must satisfy regular expression pattern: "+pattern)
}

// Required words the violation of a required member that is absent.
func Required(member string) string {
	return Violation("null", member, "must not be null")
}

func quote(s string) string { return "'" + s + "'" }

// ValidationMessage returns the message of the ValidationException for
// violations ("" entries are skipped), "1 validation error detected: ..." or
// "N validation errors detected: ...; ...", and "" when there are none.
func ValidationMessage(violations ...string) string {
	n, only := 0, ""
	for _, v := range violations {
		if v != "" {
			n, only = n+1, v
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return "1 validation error detected: " + only
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(n))
	b.WriteString(" validation errors detected: ")
	first := true
	for _, v := range violations {
		if v == "" {
			continue
		}
		if !first {
			b.WriteString("; ")
		}
		b.WriteString(v)
		first = false
	}
	return b.String()
}
