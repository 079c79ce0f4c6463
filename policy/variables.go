package policy

import "strings"

// A template is a policy value that holds policy variables (${aws:username},
// ${aws:PrincipalTag/team, 'default'}) or the escapes ${*}, ${?} and ${$}.
// Policies of Version 2012-10-17 substitute them in Resource and NotResource
// and in the values of the string and ARN condition operators; a policy of
// Version 2008-10-17 (or with no Version) treats "${...}" as literal text.
//
// The text a variable brings in, its default value and the escapes are
// literal: a '*' in a principal's tag matches only a '*'. A variable whose
// key is absent from the request, or has several values, resolves to its
// default value when it has one; otherwise the whole value matches nothing
// ("If AWS cannot resolve a variable, this might cause the entire statement
// to be invalid"; IAM User Guide, "Policy variables with no value": a
// Resource that includes a variable with no value matches no resource, a
// negated operator such as StringNotEquals does match it). A "${" without
// its "}", or an empty "${}", is a variable that never resolves.
type template struct {
	parts []tpart
}

type tpart struct {
	text   string // policy text (wildcards active) or, when literal, text that matches only itself
	lit    bool   // text came from an escape: it must match literally
	isVar  bool   // the part is a variable
	bad    bool   // a variable that can never be resolved (syntax)
	key    keyRef // the variable's context key
	def    string // the variable's default value
	hasDef bool
}

// hasTemplate reports whether s holds anything a 2012-10-17 policy
// substitutes.
func hasTemplate(s string) bool { return strings.Contains(s, "${") }

// parseTemplate splits s into text, escapes and variables. It never fails: a
// malformed variable is kept as a part that does not resolve.
func parseTemplate(s string) *template {
	t := &template{}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tpart{text: s[:i]})
		}
		body, rest, ok := cutVariable(s[i+2:])
		if !ok {
			t.parts = append(t.parts, tpart{isVar: true, bad: true})
			return t
		}
		t.parts = append(t.parts, parseVariable(body))
		s = rest
	}
	if s != "" {
		t.parts = append(t.parts, tpart{text: s})
	}
	return t
}

// cutVariable finds the '}' that closes a variable, skipping a quoted
// default value (in which ” stands for one quote).
func cutVariable(s string) (body, rest string, ok bool) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote // '' inside a quote toggles twice: still quoted
		case '}':
			if !inQuote {
				return s[:i], s[i+1:], true
			}
		}
	}
	return "", "", false
}

// parseVariable reads "key" or "key, 'default'" (spaces around either are
// ignored) or one of the escapes "*", "?", "$".
func parseVariable(body string) tpart {
	name, def, hasDef := body, "", false
	if i := strings.IndexByte(body, ','); i >= 0 {
		name = body[:i]
		d := strings.TrimSpace(body[i+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return tpart{isVar: true, bad: true}
		}
		inner := d[1 : len(d)-1]
		// Inside the quotes a quote must be doubled.
		if strings.Count(inner, "'")%2 != 0 || strings.ReplaceAll(inner, "''", "") != strings.ReplaceAll(inner, "'", "") {
			return tpart{isVar: true, bad: true}
		}
		def, hasDef = strings.ReplaceAll(inner, "''", "'"), true
	}
	name = strings.TrimSpace(name)
	if !hasDef {
		switch name {
		case "*", "?", "$":
			return tpart{text: name, lit: true}
		}
	}
	if name == "" || strings.ContainsAny(name, " \t\r\n'${}") {
		return tpart{isVar: true, bad: true}
	}
	return tpart{isVar: true, key: newKeyRef(name), def: def, hasDef: hasDef}
}

// resolve writes the template's value for req into b. As a pattern
// (asPattern), policy text keeps its wildcards and everything else is
// escaped; otherwise the plain text is written. ok is false when a variable
// does not resolve.
func (t *template) resolve(b *strings.Builder, req *Request, c *caller, asPattern bool) (ok bool) {
	for i := range t.parts {
		p := &t.parts[i]
		var s string
		lit := true
		switch {
		case p.bad:
			return false
		case p.isVar:
			v, found := req.lookup(&p.key, c)
			switch {
			case found && v.len() == 1:
				s = v.at(0)
			case p.hasDef:
				s = p.def
			default:
				return false
			}
		default:
			s, lit = p.text, p.lit
		}
		switch {
		case !asPattern:
			b.WriteString(s)
		case lit:
			b.WriteString(escapeWildcards(s))
		default:
			b.WriteString(escapeBackslashes(s))
		}
	}
	return true
}
