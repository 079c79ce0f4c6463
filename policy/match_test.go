package policy

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pat, s string
		fold   bool
		want   bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "anything:at/all", false, true},
		{"a*", "a", false, true},
		{"a*b", "a:/b", false, true},
		{"a*b", "ab", false, true},
		{"a*b", "abc", false, false},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"*b*", "aaabaaa", false, true},
		{"?", "", false, false},
		{"?", "é", false, true}, // one character, two bytes
		{"??", "é", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"*?", "", false, false},
		{"*?", "x", false, true},
		{`a\*b`, "a*b", false, true},
		{`a\*b`, "axb", false, false},
		{`a\?`, "a?", false, true},
		{`a\\`, `a\`, false, true},
		{`a\`, `a\`, false, false}, // a dangling escape matches nothing
		{"secretsmanager:get*", "SecretsManager:GetSecretValue", true, true},
		{"secretsmanager:get*", "secretsmanager:PutSecretValue", true, false},
		{"Get*", "GetX", false, true},
		{"get*", "GetX", false, false},
		{"*aaa*aab", strings.Repeat("a", 40) + "b", false, true},
		{"*a*a*a*a*a*a*b", strings.Repeat("a", 200), false, false},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pat, tc.s, tc.fold); got != tc.want {
			t.Errorf("globMatch(%q, %q, %v) = %v", tc.pat, tc.s, tc.fold, got)
		}
		p := compilePattern(tc.pat, tc.fold)
		if got := p.match(tc.s, tc.fold); got != tc.want {
			t.Errorf("compiled %q (kind %d) on %q = %v", tc.pat, p.kind, tc.s, got)
		}
	}
}

func TestCompilePatternKinds(t *testing.T) {
	t.Parallel()
	for pat, kind := range map[string]patternKind{
		"*": patAll, "abc": patExact, "abc*": patPrefix, `a\*b`: patExact, `a\*b*`: patPrefix,
		"a*b": patGlob, "a?": patGlob, "*a": patGlob, `a\`: patGlob,
	} {
		if got := compilePattern(pat, false).kind; got != kind {
			t.Errorf("compilePattern(%q).kind = %d, want %d", pat, got, kind)
		}
	}
}

func TestArnMatch(t *testing.T) {
	t.Parallel()
	const fn = "arn:aws:lambda:us-east-1:111122223333:function:f:live"
	cases := []struct {
		pat, s string
		want   bool
	}{
		{fn, fn, true},
		{"arn:aws:lambda:*:*:*", fn, true},
		{"arn:*:*:*:*:*", fn, true},
		{"arn:aws:lambda:us-*:111122223333:function:f*", fn, true},
		{"arn:aws:lambda:us-east-?:111122223333:function:f:live", fn, true},
		{"arn:aws:lambda:*:function:*", fn, false}, // "function" is not the account
		{"arn:aws:*", fn, false},                   // fewer than six parts
		{"*", fn, false},
		{"arn:aws:lambda:us-east-1:111122223333:function:F:live", fn, false},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true},
		{"arn:aws:s3:::*", "arn:aws:s3:::bucket/key:with:colons", true},
		{"arn:aws:s3:::*", "not-an-arn", false},
	}
	for _, tc := range cases {
		if got := arnMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("arnMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	req := baseRequest()
	req.Set("x:multi", "a", "b")
	c := newCaller(&req.Principal)
	cases := []struct {
		in      string
		raw     string // resolved as text; "!" when it does not resolve
		pattern string // resolved as a pattern
	}{
		{"home/${aws:username}/*", "home/alice/*", "home/alice/*"},
		{"${AWS:UserName}", "alice", "alice"},
		{"${ aws:username }", "alice", "alice"},
		{"${aws:PrincipalTag/TEAM}", "blue", "blue"},
		{"${aws:PrincipalTag/missing, 'none'}", "none", "none"},
		{"${aws:PrincipalTag/missing,'it''s}'}", "it's}", "it's}"},
		{"${aws:username, 'x'}", "alice", "alice"},
		{"${aws:PrincipalTag/missing, '*'}", "*", `\*`},
		{"a${*}b${?}c${$}d\\", "a*b?c$d\\", `a\*b\?c$d\\`},
		{"${aws:PrincipalTag/missing}", "!", "!"},
		{"${x:multi}", "!", "!"},      // several values: no value
		{"${x:multi, 'd'}", "d", "d"}, // ... so the default
		{"${aws:username", "!", "!"},
		{"${}", "!", "!"},
		{"${a b}", "!", "!"},
		{"${aws:username, x}", "!", "!"},
		{"${aws:username, 'x''}", "!", "!"},
		{"${aws:username, 'a'b'}", "!", "!"},
		{"plain", "plain", "plain"},
		{"${aws:PrincipalAccount}:${aws:userid}", "111122223333:AIDAALICE00000000001", "111122223333:AIDAALICE00000000001"},
	}
	for _, tc := range cases {
		tm := parseTemplate(tc.in)
		for _, asPattern := range []bool{false, true} {
			want := tc.raw
			if asPattern {
				want = tc.pattern
			}
			var b strings.Builder
			got := "!"
			if tm.resolve(&b, req, &c, asPattern) {
				got = b.String()
			}
			if got != want {
				t.Errorf("%q (pattern %v) resolved to %q, want %q", tc.in, asPattern, got, want)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int64{
		"2025-06-01T12:00:00Z":      1748779200,
		"2025-06-01T14:00:00+02:00": 1748779200,
		"2025-06-01T12:00:00+0000":  1748779200,
		"2025-06-01T12:00:00":       1748779200,
		"2025-06-01T12:00Z":         1748779200,
		"2025-06-01T12:00":          1748779200,
		"2025-06-01":                1748736000,
		"20250601T120000Z":          1748779200,
		"1748779200":                1748779200,
		"1748779200.0":              1748779200,
	} {
		got, ok := parseDate(s)
		if !ok || got.Unix() != want {
			t.Errorf("parseDate(%q) = %v, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "2025-13-01", "1e9", "99999999999999999999", "+", "."} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) succeeded", s)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"10.1.2.3/8":          "10.0.0.0/8",
		"10.1.2.3":            "10.1.2.3/32",
		"2001:db8::1/32":      "2001:db8::/32",
		"::1":                 "::1/128",
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
		"::ffff:192.0.2.1":    "192.0.2.1/32",
	} {
		p, ok := parseCIDR(s)
		if !ok || p.String() != want {
			t.Errorf("parseCIDR(%q) = %v, %v; want %s", s, p, ok, want)
		}
	}
	for _, s := range []string{"", "10.0.0.0/33", "fe80::1%eth0", "host", "10.0.0/8"} {
		if _, ok := parseCIDR(s); ok {
			t.Errorf("parseCIDR(%q) succeeded", s)
		}
	}
}
