package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled wildcard pattern: '*' matches any run of
// characters (including none, and including ':' and '/'), '?' matches exactly
// one character. In the pattern text a backslash makes the next character
// literal; the parser writes it before every backslash of the policy and
// before the characters a policy variable's value or an escape such as ${*}
// brings in, so those never act as wildcards.
type pattern struct {
	kind patternKind
	lit  string // the literal for patExact, the prefix for patPrefix (no escapes left)
	text string // the escaped pattern, for patGlob
}

type patternKind uint8

const (
	patAll    patternKind = iota // "*": matches everything
	patExact                     // no wildcards: string equality
	patPrefix                    // a literal followed by one trailing '*'
	patGlob                      // anything else
)

// compilePattern classifies an escaped pattern so the common shapes ("*",
// a literal, "prefix*") are matched without the general algorithm. With fold
// the pattern is lower-cased (ASCII) for case-insensitive matching.
func compilePattern(text string, fold bool) pattern {
	if fold {
		text = asciiLower(text)
	}
	if text == "*" {
		return pattern{kind: patAll}
	}
	lit, rest, ok := literalPrefix(text)
	switch {
	case ok && rest == "":
		return pattern{kind: patExact, lit: lit}
	case ok && rest == "*":
		return pattern{kind: patPrefix, lit: lit}
	}
	return pattern{kind: patGlob, text: text}
}

// literalPrefix returns the unescaped text before the first unescaped
// wildcard of p and the rest of p from that wildcard on. ok is false when an
// escape is cut short at the end of p.
func literalPrefix(p string) (lit, rest string, ok bool) {
	i := strings.IndexAny(p, `*?\`)
	if i < 0 {
		return p, "", true
	}
	if p[i] != '\\' {
		return p[:i], p[i:], true
	}
	var b strings.Builder
	for i = 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*', '?':
			return b.String(), p[i:], true
		case '\\':
			if i+1 == len(p) {
				return "", "", false
			}
			i++
			b.WriteByte(p[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), "", true
}

// match reports whether s matches the pattern. With fold, s is compared
// ASCII-case-insensitively (the pattern was lower-cased when compiled).
func (p *pattern) match(s string, fold bool) bool {
	switch p.kind {
	case patAll:
		return true
	case patExact:
		if fold {
			return equalFoldASCII(s, p.lit)
		}
		return s == p.lit
	case patPrefix:
		if len(s) < len(p.lit) {
			return false
		}
		if fold {
			return equalFoldASCII(s[:len(p.lit)], p.lit)
		}
		return s[:len(p.lit)] == p.lit
	}
	return globMatch(p.text, s, fold)
}

// globMatch reports whether s matches the escaped wildcard pattern p. It
// keeps one backtracking point (the last '*'), so it runs in
// O(len(p)·len(s)) time and constant space. '?' matches one UTF-8
// character. With fold, bytes of s are lower-cased (ASCII) before comparing,
// and p must already be lower-case.
func globMatch(p, s string, fold bool) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0 // where to resume after a mismatch: the last '*' and the next start in s
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			c := p[px]
			switch c {
			case '*':
				starPx = px
				starSx = sx + runeLen(s, sx)
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx += runeLen(s, sx)
					continue
				}
			case '\\':
				if px+1 < len(p) && sx < len(s) && byteEq(p[px+1], s[sx], fold) {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && byteEq(c, s[sx], fold) {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx <= len(s) {
			px = starPx
			sx = starSx
			continue
		}
		return false
	}
	return true
}

// runeLen is the length of the UTF-8 character at s[i], 1 past the end.
func runeLen(s string, i int) int {
	if i >= len(s) {
		return 1
	}
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func byteEq(p, s byte, fold bool) bool {
	if fold && 'A' <= s && s <= 'Z' {
		s += 'a' - 'A'
	}
	return p == s
}

// equalFoldASCII compares s with the lower-case lit, ignoring ASCII case.
func equalFoldASCII(s, lit string) bool {
	if len(s) != len(lit) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !byteEq(lit[i], s[i], true) {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// escapeWildcards returns s with '*', '?' and '\' escaped, for text that must
// match literally inside a pattern.
func escapeWildcards(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escapeBackslashes returns s with each '\' doubled: policy text keeps its
// '*' and '?' wildcards, but a backslash in a policy is an ordinary character.
func escapeBackslashes(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return strings.ReplaceAll(s, `\`, `\\`)
}

// arnMatch implements ArnEquals and ArnLike: the pattern p (escaped) and the
// value s are both cut at their first five colons into the six parts of an
// ARN (arn:partition:service:region:account:resource), and each part of s
// must match the same part of p, with wildcards working within a part. The
// resource part is the rest of the string, colons and all. A p or s with
// fewer than six parts matches nothing.
func arnMatch(p, s string) bool {
	for part := 0; part < 5; part++ {
		pi := strings.IndexByte(p, ':')
		si := strings.IndexByte(s, ':')
		if pi < 0 || si < 0 {
			return false
		}
		if !globPart(p[:pi], s[:si]) {
			return false
		}
		p, s = p[pi+1:], s[si+1:]
	}
	return globPart(p, s)
}

func globPart(p, s string) bool {
	if p == "*" {
		return true
	}
	if !strings.ContainsAny(p, `*?\`) {
		return p == s
	}
	return globMatch(p, s, false)
}
