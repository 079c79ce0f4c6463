package policy

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// A clause is one condition key under one operator of a Condition block:
// {"StringEquals": {"aws:ResourceTag/team": ["a", "b"]}} is one clause. A
// statement's clauses must all hold (AND); the values of one clause are
// alternatives (OR; for a negated operator, NOR).
type clause struct {
	op       string   // the operator as written, for messages
	fam      opFamily // what is compared, and how
	neg      bool     // a negated operator: StringNotEquals, NotIpAddress, ...
	ifExists bool     // ...IfExists: true when the key is absent
	set      setOp    // ForAnyValue: / ForAllValues:
	key      keyRef
	vals     []cvalue
}

type opFamily uint8

const (
	opStringEquals opFamily = iota
	opStringEqualsFold
	opStringLike
	opArn // ArnEquals and ArnLike, which IAM evaluates alike
	opNumEq
	opNumLt
	opNumLe
	opNumGt
	opNumGe
	opDateEq
	opDateLt
	opDateLe
	opDateGt
	opDateGe
	opBool
	opBinary
	opIP
	opNull
)

type setOp uint8

const (
	setNone setOp = iota
	setAnyValue
	setAllValues
)

// A cvalue is one compiled condition value.
type cvalue struct {
	s      string    // string operators: the value; ArnEquals/ArnLike: the escaped pattern; Bool/Null: "true"/"false"; Binary: base64
	tmpl   *template // a value with policy variables (string and ARN operators, 2012-10-17)
	pat    pattern   // StringLike
	num    float64
	t      time.Time
	prefix netip.Prefix
}

// lookupOperator knows IAM's condition operators, by their lower-cased name
// without ForAnyValue:/ForAllValues: and IfExists.
func lookupOperator(name string) (fam opFamily, neg, ok bool) {
	switch name {
	case "stringequals":
		return opStringEquals, false, true
	case "stringnotequals":
		return opStringEquals, true, true
	case "stringequalsignorecase":
		return opStringEqualsFold, false, true
	case "stringnotequalsignorecase":
		return opStringEqualsFold, true, true
	case "stringlike":
		return opStringLike, false, true
	case "stringnotlike":
		return opStringLike, true, true
	case "arnequals", "arnlike":
		return opArn, false, true
	case "arnnotequals", "arnnotlike":
		return opArn, true, true
	case "numericequals":
		return opNumEq, false, true
	case "numericnotequals":
		return opNumEq, true, true
	case "numericlessthan":
		return opNumLt, false, true
	case "numericlessthanequals":
		return opNumLe, false, true
	case "numericgreaterthan":
		return opNumGt, false, true
	case "numericgreaterthanequals":
		return opNumGe, false, true
	case "dateequals":
		return opDateEq, false, true
	case "datenotequals":
		return opDateEq, true, true
	case "datelessthan":
		return opDateLt, false, true
	case "datelessthanequals":
		return opDateLe, false, true
	case "dategreaterthan":
		return opDateGt, false, true
	case "dategreaterthanequals":
		return opDateGe, false, true
	case "bool":
		return opBool, false, true
	case "binaryequals":
		return opBinary, false, true
	case "ipaddress":
		return opIP, false, true
	case "notipaddress":
		return opIP, true, true
	case "null":
		return opNull, false, true
	}
	return 0, false, false
}

const (
	prefixAnyValue  = "forAnyValue:"
	prefixAllValues = "forAllValues:"
	suffixIfExists  = "ifExists"
)

// parseCondition compiles a Condition block:
// {"<operator>": {"<key>": <value or list of values>, ...}, ...}.
func parseCondition(raw json.RawMessage, path string, variables bool) ([]clause, error) {
	ops, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	var out []clause
	for _, o := range ops {
		opPath := path + "." + o.key
		proto, err := parseOperator(o.key, path)
		if err != nil {
			return nil, err
		}
		keys, err := members(o.val, opPath)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			keyPath := opPath + "[" + quote(k.key) + "]"
			if i := strings.IndexByte(k.key, ':'); i <= 0 || i == len(k.key)-1 {
				return nil, malformed(opPath, quote(k.key)+" is not a condition key; keys have a service prefix, as in \"secretsmanager:SecretId\" or \"aws:SourceIp\"")
			}
			cl := proto
			cl.key = newKeyRef(k.key)
			list, err := conditionValues(k.val, keyPath)
			if err != nil {
				return nil, err
			}
			cl.vals = make([]cvalue, len(list))
			for i, v := range list {
				vpath := keyPath
				if kindOf(k.val) == '[' {
					vpath += "[" + strconv.Itoa(i) + "]"
				}
				if cl.vals[i], err = compileValue(cl.fam, v, variables, vpath); err != nil {
					return nil, err
				}
			}
			out = append(out, cl)
		}
	}
	return out, nil
}

// parseOperator reads "[ForAnyValue:|ForAllValues:]<Operator>[IfExists]".
// Operator names are matched without regard to case.
func parseOperator(name, path string) (clause, error) {
	cl := clause{op: name}
	rest := name
	switch {
	case hasPrefixFold(rest, prefixAnyValue):
		cl.set, rest = setAnyValue, rest[len(prefixAnyValue):]
	case hasPrefixFold(rest, prefixAllValues):
		cl.set, rest = setAllValues, rest[len(prefixAllValues):]
	}
	if len(rest) > len(suffixIfExists) && strings.EqualFold(rest[len(rest)-len(suffixIfExists):], suffixIfExists) {
		cl.ifExists, rest = true, rest[:len(rest)-len(suffixIfExists)]
	}
	fam, neg, ok := lookupOperator(strings.ToLower(rest))
	if !ok {
		return cl, malformed(path, "unknown condition operator "+quote(name)+"; see \"IAM JSON policy elements: Condition operators\" for the list")
	}
	if fam == opNull && (cl.ifExists || cl.set != setNone) {
		return cl, malformed(path, quote(name)+" is not a condition operator: Null takes neither IfExists nor ForAnyValue:/ForAllValues:")
	}
	cl.fam, cl.neg = fam, neg
	return cl, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// conditionValues reads a value or a non-empty list of values; strings,
// numbers and booleans are all taken as their text.
func conditionValues(raw json.RawMessage, path string) ([]string, error) {
	if kindOf(raw) != '[' {
		v, err := conditionScalar(raw, path)
		if err != nil {
			return nil, err
		}
		return []string{v}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, malformed(path, err.Error())
	}
	if len(list) == 0 {
		return nil, malformed(path, "is an empty list; give at least one value")
	}
	out := make([]string, len(list))
	for i, r := range list {
		v, err := conditionScalar(r, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func conditionScalar(raw json.RawMessage, path string) (string, error) {
	switch c := kindOf(raw); {
	case c == '"':
		return stringValue(raw, path)
	case c == 't' || c == 'f' || c == '-' || '0' <= c && c <= '9':
		return strings.TrimSpace(string(raw)), nil
	}
	return "", malformed(path, "must be a string, a number or a boolean, not "+describe(raw))
}

// compileValue parses one condition value for its operator. Numbers, dates,
// booleans, base64 and IP addresses that do not parse are errors here, so a
// typo is reported when the policy is put rather than silently never
// matching.
func compileValue(fam opFamily, v string, variables bool, path string) (cvalue, error) {
	var cv cvalue
	switch fam {
	case opStringEquals, opStringEqualsFold:
		cv.s = v
		if variables && hasTemplate(v) {
			cv.tmpl = parseTemplate(v)
		}
	case opStringLike:
		sp := newStrPattern(v, variables)
		cv.pat, cv.tmpl = sp.pat, sp.tmpl
		cv.s = v
	case opArn:
		cv.s = escapeBackslashes(v)
		if variables && hasTemplate(v) {
			cv.tmpl = parseTemplate(v)
		}
	case opNumEq, opNumLt, opNumLe, opNumGt, opNumGe:
		n, ok := parseNumber(v)
		if !ok {
			return cv, malformed(path, quote(v)+" is not a number; write an integer or a decimal such as \"10\" or \"2.5\"")
		}
		cv.num = n
	case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
		t, ok := parseDate(v)
		if !ok {
			return cv, malformed(path, quote(v)+" is not a date; write ISO 8601 (\"2025-01-31T12:00:00Z\") or seconds since the epoch")
		}
		cv.t = t
	case opBool, opNull:
		b, ok := parseBool(v)
		if !ok {
			return cv, malformed(path, quote(v)+" is not a boolean; write \"true\" or \"false\"")
		}
		cv.s = strconv.FormatBool(b)
	case opBinary:
		if _, err := base64.StdEncoding.DecodeString(v); err != nil {
			return cv, malformed(path, quote(v)+" is not base64: "+err.Error())
		}
		cv.s = v
	case opIP:
		p, ok := parseCIDR(v)
		if !ok {
			return cv, malformed(path, quote(v)+" is not an IP address or CIDR block; write \"203.0.113.0/24\" or \"2001:db8::/32\"")
		}
		cv.prefix = p
	}
	return cv, nil
}

// parseNumber reads an optionally signed integer or decimal.
func parseNumber(s string) (float64, bool) {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '-' || c == '+') && i == 0:
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// dateLayouts are the ISO 8601 forms a Date condition accepts; a fraction of
// a second after the seconds is accepted by every layout with seconds.
var dateLayouts = [...]string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z07:00",
	"20060102T150405Z0700",
	"20060102",
}

// parseDate reads an ISO 8601 date and time (UTC when it has no zone) or a
// number of seconds since the epoch.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if n, ok := parseNumber(s); ok && !strings.ContainsAny(s, "+") {
		if n > 1e15 || n < -1e15 {
			return time.Time{}, false
		}
		sec := int64(n)
		nsec := int64((n - float64(sec)) * 1e9)
		return time.Unix(sec, nsec).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseCIDR reads a CIDR block or a single address (a /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') < 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// eval decides the clause for a request, per IAM:
//   - A key absent from the request fails the clause, except that Null
//     checks for exactly that, ...IfExists and ForAllValues: hold, and a
//     negated operator (StringNotEquals, NotIpAddress, ...) holds: "If the
//     policy condition requires that the key is not matched, such as
//     StringNotLike or ArnNotLike, and the right key is not present, the
//     condition is true" (IAM JSON policy elements: Condition operators).
//   - Without a set operator, the clause holds when some value of the key
//     matches some value of the clause; a negated operator holds when none
//     does.
//   - ForAnyValue: holds when at least one value of the key satisfies the
//     operator; ForAllValues: when every value does (each value of the key,
//     for a negated operator, matching none of the clause's values).
func (cl *clause) eval(req *Request, c *caller) bool {
	v, found := req.lookup(&cl.key, c)
	if cl.fam == opNull {
		for i := range cl.vals {
			if (cl.vals[i].s == "true") != found {
				return true
			}
		}
		return false
	}
	if !found {
		switch {
		case cl.ifExists, cl.set == setAllValues:
			return true
		case cl.set == setAnyValue:
			return false
		}
		return cl.neg
	}
	n := v.len()
	switch cl.set {
	case setAnyValue:
		for i := 0; i < n; i++ {
			if cl.matchAny(v.at(i), req, c) != cl.neg {
				return true
			}
		}
		return false
	case setAllValues:
		for i := 0; i < n; i++ {
			if cl.matchAny(v.at(i), req, c) == cl.neg {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if cl.matchAny(v.at(i), req, c) {
			return !cl.neg
		}
	}
	return cl.neg
}

// matchAny reports whether the request value s matches any of the clause's
// values under the operator's positive form.
func (cl *clause) matchAny(s string, req *Request, c *caller) bool {
	switch cl.fam {
	case opNumEq, opNumLt, opNumLe, opNumGt, opNumGe:
		n, ok := parseNumber(s)
		if !ok {
			return false
		}
		for i := range cl.vals {
			if compare(cl.fam-opNumEq, cmp.Compare(n, cl.vals[i].num)) {
				return true
			}
		}
		return false
	case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
		t, ok := parseDate(s)
		if !ok {
			return false
		}
		for i := range cl.vals {
			if compare(cl.fam-opDateEq, t.Compare(cl.vals[i].t)) {
				return true
			}
		}
		return false
	case opBool:
		b, ok := parseBool(s)
		if !ok {
			return false
		}
		for i := range cl.vals {
			if (cl.vals[i].s == "true") == b {
				return true
			}
		}
		return false
	case opIP:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		a = a.WithZone("").Unmap()
		for i := range cl.vals {
			if cl.vals[i].prefix.Contains(a) {
				return true
			}
		}
		return false
	}
	for i := range cl.vals {
		if cl.matchString(&cl.vals[i], s, req, c) {
			return true
		}
	}
	return false
}

// matchString compares s with one value of a string, ARN or binary operator.
func (cl *clause) matchString(cv *cvalue, s string, req *Request, c *caller) bool {
	if cv.tmpl != nil {
		var b strings.Builder
		pat := cl.fam == opStringLike || cl.fam == opArn
		if !cv.tmpl.resolve(&b, req, c, pat) {
			return false // a variable with no value matches nothing
		}
		switch cl.fam {
		case opStringEquals:
			return s == b.String()
		case opStringEqualsFold:
			return strings.EqualFold(s, b.String())
		case opStringLike:
			return globMatch(b.String(), s, false)
		case opArn:
			return arnMatch(b.String(), s)
		}
		return false
	}
	switch cl.fam {
	case opStringEquals, opBinary:
		return s == cv.s
	case opStringEqualsFold:
		return strings.EqualFold(s, cv.s)
	case opStringLike:
		return cv.pat.match(s, false)
	case opArn:
		return arnMatch(cv.s, s)
	}
	return false
}

// compare applies a comparison (0 equals, 1 less than, 2 less than or
// equal, 3 greater than, 4 greater than or equal) to a three-way result.
func compare(fam opFamily, r int) bool {
	switch fam {
	case 0:
		return r == 0
	case 1:
		return r < 0
	case 2:
		return r <= 0
	case 3:
		return r > 0
	case 4:
		return r >= 0
	}
	return false
}
