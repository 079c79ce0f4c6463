package policy

import "strconv"

// Kind is the outcome of an evaluation, in IAM's terms.
type Kind uint8

const (
	// ImplicitDeny: no statement allows the request, and none denies it.
	ImplicitDeny Kind = iota
	// Allow: a statement allows the request and none denies it.
	Allow
	// ExplicitDeny: a Deny statement matches the request; no Allow can
	// override it.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow" or "ExplicitDeny".
func (k Kind) String() string {
	switch k {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Source says which policy holds the statement that decided a request.
type Source uint8

const (
	// NoPolicy: no statement decided (an implicit deny).
	NoPolicy Source = iota
	// IdentityPolicy: one of the identity-based policies; Decision.Policy is
	// its index in the slice given to Evaluate.
	IdentityPolicy
	// ResourcePolicy: the secret's resource-based policy.
	ResourcePolicy
)

// String returns "none", "identity-based policy" or "resource-based policy".
func (s Source) String() string {
	switch s {
	case NoPolicy:
		return "none"
	case IdentityPolicy:
		return "identity-based policy"
	case ResourcePolicy:
		return "resource-based policy"
	}
	return "Source(" + strconv.Itoa(int(s)) + ")"
}

// A Decision is the result of Evaluate: whether the request is allowed, and
// which statement decided it, so that a denial can be explained.
type Decision struct {
	Allowed   bool
	Kind      Kind
	Source    Source // where the deciding statement is; NoPolicy for an implicit deny
	Policy    int    // index of the identity-based policy when Source is IdentityPolicy, else 0
	Statement int    // index of the statement in its policy's Statement list (0 for a lone statement object)
	Sid       string // the deciding statement's Sid, "" if it has none

	principal, action, resource string // for Message
}

// Message returns the message of the AccessDeniedException AWS sends for a
// denied request, and "" when the request is allowed:
//
//	User: <principal ARN> is not authorized to perform: <action> on resource: <resource> because no identity-based policy allows the <action> action
//	User: <principal ARN> is not authorized to perform: <action> on resource: <resource> with an explicit deny in an identity-based policy
//	User: <principal ARN> is not authorized to perform: <action> on resource: <resource> with an explicit deny in a resource-based policy
//
// For a request on no particular resource ("*"), AWS leaves out
// " on resource: *", and so does Message. An empty principal ARN is written
// "anonymous".
func (d Decision) Message() string { return d.MessageOn(d.resource) }

// MessageOn is Message naming the resource as the caller named it (a
// secret's name, say, rather than the ARN the request was evaluated on), so
// that a denial tells the caller nothing it did not say.
func (d Decision) MessageOn(resource string) string {
	if d.Allowed {
		return ""
	}
	who := d.principal
	if who == "" {
		who = "anonymous"
	}
	msg := "User: " + who + " is not authorized to perform: " + d.action
	if resource != "*" && resource != "" {
		msg += " on resource: " + resource
	}
	switch {
	case d.Kind != ExplicitDeny:
		return msg + " because no identity-based policy allows the " + d.action + " action"
	case d.Source == ResourcePolicy:
		return msg + " with an explicit deny in a resource-based policy"
	}
	return msg + " with an explicit deny in an identity-based policy"
}

// String explains the decision for a log or a test failure, e.g.
// `ExplicitDeny by statement "DenyProd" (Statement[1]) of identity-based policy #0`.
func (d Decision) String() string {
	if d.Source == NoPolicy {
		return d.Kind.String() + ": no statement allows " + d.action + " on " + d.resource
	}
	s := d.Kind.String() + " by statement "
	if d.Sid != "" {
		s += strconv.Quote(d.Sid) + " "
	}
	s += "(Statement[" + strconv.Itoa(d.Statement) + "]) of "
	if d.Source == IdentityPolicy {
		return s + "identity-based policy #" + strconv.Itoa(d.Policy)
	}
	return s + "the resource-based policy"
}

// Evaluate decides a request within one account, as IAM does when a caller
// reaches a secret in its own account (no SCPs, permissions boundaries or
// session policies):
//
//  1. A Deny statement that matches, in any identity-based policy or in the
//     resource policy, denies the request (ExplicitDeny).
//  2. Otherwise an Allow statement that matches, in either, allows it.
//  3. Otherwise the request is denied (ImplicitDeny).
//
// identity holds the caller's identity-based policies (those of the user,
// its groups, or the role), parsed with ParseIdentity; resource is the
// secret's resource policy, parsed with ParseResource, or nil. Nil entries
// are skipped. The deciding statement is the first that decides, identity
// policies in order and then the resource policy. Statements of a policy in
// the resource position that have no Principal apply to no one.
func Evaluate(req *Request, identity []*Policy, resource *Policy) Decision {
	var empty Request
	if req == nil {
		req = &empty
	}
	d := Decision{principal: req.Principal.Arn, action: req.Action, resource: req.Resource}
	c := newCaller(&req.Principal)
	allowed := false
	for i, p := range identity {
		if p == nil {
			continue
		}
		for j := range p.stmts {
			s := &p.stmts[j]
			if (!s.deny && allowed) || !s.applies(req, &c, false) {
				continue
			}
			d.Kind, d.Source, d.Policy, d.Statement, d.Sid = Allow, IdentityPolicy, i, j, s.sid
			if s.deny {
				d.Kind = ExplicitDeny
				return d
			}
			allowed = true
		}
	}
	if resource != nil {
		for j := range resource.stmts {
			s := &resource.stmts[j]
			if (!s.deny && allowed) || !s.applies(req, &c, true) {
				continue
			}
			d.Kind, d.Source, d.Policy, d.Statement, d.Sid = Allow, ResourcePolicy, 0, j, s.sid
			if s.deny {
				d.Kind = ExplicitDeny
				return d
			}
			allowed = true
		}
	}
	d.Allowed = allowed
	return d
}

// applies reports whether a statement matches the request: its action, its
// principal (in the resource position), its resource, and all its
// conditions.
func (s *statement) applies(req *Request, c *caller, inResource bool) bool {
	if s.matchAction(req.Action) == s.notAction {
		return false
	}
	if inResource {
		if s.principals == nil || !s.principals.matches(s.notPrincipal, !s.deny, c, req.Principal.UserID) {
			return false
		}
	} else if s.principals != nil && !s.principals.matches(s.notPrincipal, !s.deny, c, req.Principal.UserID) {
		return false
	}
	if s.hasResource && s.matchResource(req, c) == s.notResource {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(req, c) {
			return false
		}
	}
	return true
}

func (s *statement) matchAction(action string) bool {
	for i := range s.actions {
		if s.actions[i].match(action, true) {
			return true
		}
	}
	return false
}

func (s *statement) matchResource(req *Request, c *caller) bool {
	for i := range s.resources {
		if s.resources[i].match(req.Resource, req, c) {
			return true
		}
	}
	return false
}
