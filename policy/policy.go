package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// A Policy is a parsed IAM policy document, ready to be evaluated: actions
// are lower-cased, wildcard patterns classified, CIDRs, dates and numbers
// parsed. A Policy is immutable and safe for concurrent use.
type Policy struct {
	resource  bool // parsed by ParseResource
	variables bool // Version 2012-10-17: policy variables are substituted
	version   string
	stmts     []statement
}

// Version returns the policy language version the document declares
// ("2012-10-17" or "2008-10-17"), or "" when it declares none (which IAM
// reads as 2008-10-17: no policy variables).
func (p *Policy) Version() string { return p.version }

// A statement is one compiled element of a policy's Statement.
type statement struct {
	path         string // "Statement[2]", or "Statement" for a lone statement object
	sid          string
	deny         bool
	notAction    bool
	actions      []pattern // lower-cased
	hasResource  bool      // a Resource or NotResource element is present
	notResource  bool
	resources    []strPattern
	principals   *principalSet // nil when the statement has no Principal or NotPrincipal
	notPrincipal bool
	conds        []clause
}

// A strPattern is a wildcard pattern that may hold policy variables.
type strPattern struct {
	pat  pattern
	tmpl *template // non-nil: substitute variables, then match
}

func (sp *strPattern) match(s string, req *Request, c *caller) bool {
	if sp.tmpl == nil {
		return sp.pat.match(s, false)
	}
	var b strings.Builder
	if !sp.tmpl.resolve(&b, req, c, true) {
		return false
	}
	return globMatch(b.String(), s, false)
}

// ParseIdentity parses an identity-based policy: one attached to the user,
// group or role that makes requests. Each statement needs an Effect, exactly
// one of Action and NotAction, and exactly one of Resource and NotResource;
// it may not have a Principal or NotPrincipal. The error, if any, is a
// *MalformedError.
func ParseIdentity(doc []byte) (*Policy, error) { return parse(doc, false) }

// ParseResource parses a resource-based policy: a secret's resource policy,
// as PutResourcePolicy and ValidateResourcePolicy take it. Each statement
// needs an Effect, exactly one of Action and NotAction, and exactly one of
// Principal and NotPrincipal; Resource or NotResource is optional (without
// one the statement covers the secret the policy is attached to; Secrets
// Manager's own examples write "Resource": "*"). The error, if any, is a
// *MalformedError.
func ParseResource(doc []byte) (*Policy, error) { return parse(doc, true) }

const (
	version2012 = "2012-10-17"
	version2008 = "2008-10-17"
)

func parse(doc []byte, resource bool) (*Policy, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, malformed("", "the policy document is empty")
	}
	// Unmarshal checks the whole document first, in linear time and with a
	// bounded nesting depth, so the walk below only meets valid JSON.
	var raw json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		msg := err.Error()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg += " (at byte " + strconv.FormatInt(se.Offset, 10) + ")"
		}
		return nil, malformed("", "the policy document is not valid JSON: "+msg)
	}
	top, err := members(raw, "")
	if err != nil {
		return nil, err
	}
	p := &Policy{resource: resource}
	var stmtRaw json.RawMessage
	for _, m := range top {
		switch m.key {
		case "Version":
			v, err := stringValue(m.val, "Version")
			if err != nil {
				return nil, err
			}
			if v != version2012 && v != version2008 {
				return nil, malformed("Version", quote(v)+" is not a policy language version; use \""+version2012+"\"")
			}
			p.version = v
		case "Id":
			if _, err := stringValue(m.val, "Id"); err != nil {
				return nil, err
			}
		case "Statement":
			stmtRaw = m.val
		default:
			return nil, malformed("", "unknown element "+quote(m.key)+"; a policy has only Version, Id and Statement")
		}
	}
	p.variables = p.version == version2012
	if stmtRaw == nil {
		return nil, malformed("Statement", "missing; a policy needs at least one statement")
	}
	if err := p.parseStatements(stmtRaw); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Policy) parseStatements(raw json.RawMessage) error {
	switch kindOf(raw) {
	case '{':
		s, err := p.parseStatement(raw, "Statement")
		if err != nil {
			return err
		}
		p.stmts = []statement{s}
		return nil
	case '[':
	default:
		return malformed("Statement", "must be a statement object or a list of them, not "+describe(raw))
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return malformed("Statement", err.Error())
	}
	if len(list) == 0 {
		return malformed("Statement", "is empty; a policy needs at least one statement")
	}
	p.stmts = make([]statement, 0, len(list))
	sids := make(map[string]string)
	for i, r := range list {
		path := "Statement[" + strconv.Itoa(i) + "]"
		s, err := p.parseStatement(r, path)
		if err != nil {
			return err
		}
		if s.sid != "" {
			if other, dup := sids[s.sid]; dup {
				return malformed(path+".Sid", quote(s.sid)+" is also the Sid of "+other+"; statement IDs in a policy must be unique")
			}
			sids[s.sid] = path
		}
		p.stmts = append(p.stmts, s)
	}
	return nil
}

func (p *Policy) parseStatement(raw json.RawMessage, path string) (statement, error) {
	s := statement{path: path}
	ms, err := members(raw, path)
	if err != nil {
		return s, err
	}
	var effect, action, notAction, res, notRes, princ, notPrinc, cond json.RawMessage
	for _, m := range ms {
		switch m.key {
		case "Sid":
			if s.sid, err = stringValue(m.val, path+".Sid"); err != nil {
				return s, err
			}
		case "Effect":
			effect = m.val
		case "Action":
			action = m.val
		case "NotAction":
			notAction = m.val
		case "Resource":
			res = m.val
		case "NotResource":
			notRes = m.val
		case "Principal":
			princ = m.val
		case "NotPrincipal":
			notPrinc = m.val
		case "Condition":
			cond = m.val
		default:
			return s, malformed(path, "unknown element "+quote(m.key)+"; a statement has Sid, Effect, Action or NotAction, Resource or NotResource, Principal or NotPrincipal, and Condition")
		}
	}

	switch {
	case effect == nil:
		return s, malformed(path+".Effect", "missing; write \"Allow\" or \"Deny\"")
	default:
		e, err := stringValue(effect, path+".Effect")
		if err != nil {
			return s, err
		}
		switch e {
		case "Allow":
		case "Deny":
			s.deny = true
		default:
			return s, malformed(path+".Effect", "must be \"Allow\" or \"Deny\", not "+quote(e))
		}
	}

	if err := s.parseActions(action, notAction, path); err != nil {
		return s, err
	}
	if err := s.parseResources(res, notRes, path, p); err != nil {
		return s, err
	}
	if err := s.parsePrincipals(princ, notPrinc, path, p.resource); err != nil {
		return s, err
	}
	if cond != nil {
		if s.conds, err = parseCondition(cond, path+".Condition", p.variables); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s *statement) parseActions(action, notAction json.RawMessage, path string) error {
	raw, name := action, "Action"
	switch {
	case action == nil && notAction == nil:
		return malformed(path, "has neither Action nor NotAction; a statement needs exactly one")
	case action != nil && notAction != nil:
		return malformed(path, "has both Action and NotAction; a statement needs exactly one")
	case notAction != nil:
		raw, name, s.notAction = notAction, "NotAction", true
	}
	list, err := stringList(raw, path+"."+name)
	if err != nil {
		return err
	}
	s.actions = make([]pattern, len(list))
	for i, a := range list {
		at := elemPath(path+"."+name, i, raw)
		if a != "*" {
			colon := strings.IndexByte(a, ':')
			switch {
			case colon < 0:
				return malformed(at, quote(a)+" has no service prefix; write actions as \"secretsmanager:GetSecretValue\"")
			case colon == 0:
				return malformed(at, quote(a)+" has an empty service prefix; write actions as \"secretsmanager:GetSecretValue\"")
			case colon == len(a)-1:
				return malformed(at, quote(a)+" names no action after the service prefix")
			}
		}
		s.actions[i] = compilePattern(escapeBackslashes(a), true)
	}
	return nil
}

func (s *statement) parseResources(res, notRes json.RawMessage, path string, p *Policy) error {
	raw, name := res, "Resource"
	switch {
	case res == nil && notRes == nil:
		if p.resource {
			return nil // the secret the policy is attached to
		}
		return malformed(path, "has neither Resource nor NotResource; a statement in an identity-based policy needs exactly one")
	case res != nil && notRes != nil:
		return malformed(path, "has both Resource and NotResource; a statement needs at most one")
	case notRes != nil:
		raw, name, s.notResource = notRes, "NotResource", true
	}
	list, err := stringList(raw, path+"."+name)
	if err != nil {
		return err
	}
	s.hasResource = true
	s.resources = make([]strPattern, len(list))
	for i, r := range list {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return malformed(elemPath(path+"."+name, i, raw), quote(r)+" must be an ARN (arn:partition:service:region:account:resource) or \"*\"")
		}
		s.resources[i] = newStrPattern(r, p.variables)
	}
	return nil
}

// newStrPattern compiles a Resource or StringLike value; with variables
// (Version 2012-10-17) a value holding "${" is substituted at evaluation.
func newStrPattern(v string, variables bool) strPattern {
	if variables && hasTemplate(v) {
		return strPattern{tmpl: parseTemplate(v)}
	}
	return strPattern{pat: compilePattern(escapeBackslashes(v), false)}
}

func (s *statement) parsePrincipals(princ, notPrinc json.RawMessage, path string, resource bool) error {
	if !resource {
		switch {
		case princ != nil:
			return malformed(path+".Principal", "not allowed in an identity-based policy: it applies to the identity it is attached to")
		case notPrinc != nil:
			return malformed(path+".NotPrincipal", "not allowed in an identity-based policy: it applies to the identity it is attached to")
		}
		return nil
	}
	raw, name := princ, "Principal"
	switch {
	case princ == nil && notPrinc == nil:
		return malformed(path, "has neither Principal nor NotPrincipal; a statement in a resource-based policy must name whom it applies to with one of them")
	case princ != nil && notPrinc != nil:
		return malformed(path, "has both Principal and NotPrincipal; a statement needs exactly one")
	case notPrinc != nil:
		raw, name, s.notPrincipal = notPrinc, "NotPrincipal", true
	}
	ps, err := parsePrincipal(raw, path+"."+name)
	if err != nil {
		return err
	}
	s.principals = ps
	return nil
}

// A member is one key and value of a JSON object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// members returns the members of the JSON object raw, which must be valid
// JSON. A key may appear only once.
func members(raw json.RawMessage, path string) ([]member, error) {
	if kindOf(raw) != '{' {
		where := path
		if where == "" {
			return nil, malformed("", "the policy document must be a JSON object, not "+describe(raw))
		}
		return nil, malformed(where, "must be a JSON object, not "+describe(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, malformed(path, err.Error())
	}
	var ms []member
	seen := make(map[string]bool)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, malformed(path, err.Error())
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, malformed(path, err.Error())
		}
		if seen[key] {
			in := path
			if in == "" {
				in = "the policy document"
			}
			return nil, malformed(path, "the key "+quote(key)+" appears twice in "+in+"; write each key once")
		}
		seen[key] = true
		ms = append(ms, member{key: key, val: v})
	}
	return ms, nil
}

// kindOf returns the first character of a JSON value: '{', '[', '"', 't',
// 'f', 'n', or a digit or '-' for a number; 0 for nothing.
func kindOf(raw []byte) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// describe names the JSON type of raw for an error message.
func describe(raw []byte) string {
	switch c := kindOf(raw); c {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "nothing"
	default:
		return "a number"
	}
}

func stringValue(raw json.RawMessage, path string) (string, error) {
	if kindOf(raw) != '"' {
		return "", malformed(path, "must be a string, not "+describe(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", malformed(path, err.Error())
	}
	return s, nil
}

// stringList reads a string or a non-empty list of non-empty strings.
func stringList(raw json.RawMessage, path string) ([]string, error) {
	switch kindOf(raw) {
	case '"':
		s, err := stringValue(raw, path)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, malformed(path, "is an empty string")
		}
		return []string{s}, nil
	case '[':
	default:
		return nil, malformed(path, "must be a string or a list of strings, not "+describe(raw))
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, malformed(path, err.Error())
	}
	if len(list) == 0 {
		return nil, malformed(path, "is an empty list; name at least one value")
	}
	out := make([]string, len(list))
	for i, r := range list {
		at := path + "[" + strconv.Itoa(i) + "]"
		s, err := stringValue(r, at)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, malformed(at, "is an empty string")
		}
		out[i] = s
	}
	return out, nil
}

// elemPath is the path of the i'th value read by stringList from raw:
// "X[i]" for a list, "X" for a lone string.
func elemPath(path string, i int, raw json.RawMessage) string {
	if kindOf(raw) != '[' {
		return path
	}
	return path + "[" + strconv.Itoa(i) + "]"
}
