package policy

import "strings"

// secretsManagerActions are the actions of AWS Secrets Manager, lower-cased.
var secretsManagerActions = [...]string{
	"secretsmanager:batchgetsecretvalue",
	"secretsmanager:cancelrotatesecret",
	"secretsmanager:createsecret",
	"secretsmanager:deleteresourcepolicy",
	"secretsmanager:deletesecret",
	"secretsmanager:describesecret",
	"secretsmanager:getrandompassword",
	"secretsmanager:getresourcepolicy",
	"secretsmanager:getsecretvalue",
	"secretsmanager:listsecretversionids",
	"secretsmanager:listsecrets",
	"secretsmanager:putresourcepolicy",
	"secretsmanager:putsecretvalue",
	"secretsmanager:removeregionsfromreplication",
	"secretsmanager:replicatesecrettoregions",
	"secretsmanager:restoresecret",
	"secretsmanager:rotatesecret",
	"secretsmanager:stopreplicationtoreplica",
	"secretsmanager:tagresource",
	"secretsmanager:untagresource",
	"secretsmanager:updatesecret",
	"secretsmanager:updatesecretversionstage",
	"secretsmanager:validateresourcepolicy",
}

// pinningKey reports whether a (lower-cased) condition key, compared with
// fixed values, confines a statement for everyone ("*") to known accounts,
// organizations, principals, networks or calling resources, which makes it
// not public.
func pinningKey(key string) bool {
	switch key {
	case "aws:sourceaccount", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce",
		"aws:principalaccount", "aws:principalorgid", keyPrincipalArnLower:
		return true
	}
	return false
}

const keyPrincipalArnLower = "aws:principalarn"

// fixedPrincipalArn reports whether v, a value of an aws:PrincipalArn
// condition, names principals of one known account: an ARN whose account
// field is twelve digits. A wildcard after the account
// ("arn:aws:iam::123456789012:role/app-*") still confines the statement to
// that account, as aws:PrincipalAccount does; one in the account or before
// it does not.
func fixedPrincipalArn(v string) bool {
	parts, ok := splitARN(v)
	if !ok || !isAccountID(parts[4]) {
		return false
	}
	for _, p := range parts[:5] {
		if strings.ContainsAny(p, "*?") {
			return false
		}
	}
	return true
}

// PublicAccess reports whether a resource policy grants broad access to the
// secret, as PutResourcePolicy's BlockPublicPolicy and
// ValidateResourcePolicy check it: some Allow statement grants a Secrets
// Manager action to every principal (Principal "*" or {"AWS": "*"}, or a
// NotPrincipal) and does not pin it down with a condition on
// aws:SourceAccount, aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
// aws:PrincipalAccount, aws:PrincipalOrgID or aws:PrincipalArn.
//
// A pinning condition uses StringEquals, StringEqualsIgnoreCase, StringLike,
// ArnEquals or ArnLike (optionally ForAnyValue:), without IfExists, with
// fixed values: none may hold a wildcard or a policy variable, except an
// aws:PrincipalArn, which may have wildcards after its account (it must
// name a twelve-digit account, see fixedPrincipalArn). Anything else
// (a negated operator, IfExists, ForAllValues:, "arn:aws:iam::*:root", a
// condition on aws:SourceIp) leaves the statement public.
func PublicAccess(p *Policy) bool {
	return len(publicStatements(p)) > 0
}

func publicStatements(p *Policy) []*statement {
	if p == nil {
		return nil
	}
	var out []*statement
	for i := range p.stmts {
		s := &p.stmts[i]
		if s.deny || s.principals == nil || !s.grantsSecretsManager() {
			continue
		}
		if !s.notPrincipal && !s.principals.any {
			continue
		}
		if s.notPrincipal && s.principals.any {
			continue // exempts everyone: grants nothing
		}
		if s.pinned() {
			continue
		}
		out = append(out, s)
	}
	return out
}

// grantsSecretsManager reports whether the statement's Action or NotAction
// covers at least one Secrets Manager action.
func (s *statement) grantsSecretsManager() bool {
	for _, a := range secretsManagerActions {
		if s.matchAction(a) != s.notAction {
			return true
		}
	}
	return false
}

func (s *statement) pinned() bool {
	for i := range s.conds {
		if s.conds[i].pins() {
			return true
		}
	}
	return false
}

func (cl *clause) pins() bool {
	if !pinningKey(cl.key.name) || cl.neg || cl.ifExists || cl.set == setAllValues {
		return false
	}
	switch cl.fam {
	case opStringEquals, opStringEqualsFold, opStringLike, opArn:
	default:
		return false
	}
	for i := range cl.vals {
		v := &cl.vals[i]
		if v.tmpl != nil || v.s == "" || strings.Contains(v.s, "${") {
			return false
		}
		if cl.key.name == keyPrincipalArnLower {
			if !fixedPrincipalArn(v.s) {
				return false
			}
		} else if strings.ContainsAny(v.s, "*?") {
			return false
		}
	}
	return true
}

// A Finding is one entry of ValidateResourcePolicy's ValidationErrors.
type Finding struct {
	CheckName    string // which check failed: CheckBroadAccess or CheckLockout
	ErrorMessage string // what the check found, naming the statement
}

// The checks of Validate. AWS does not document its check names; these are
// this package's.
const (
	// CheckBroadAccess fails for a policy PublicAccess reports: the check
	// ValidateResourcePolicy runs through Zelkova.
	CheckBroadAccess = "BROAD_ACCESS_TO_SECRET"
	// CheckLockout fails for a policy that denies both
	// secretsmanager:PutResourcePolicy and secretsmanager:DeleteResourcePolicy
	// to every principal without a condition, so no one could change or
	// remove it ("Verifies the policy does not lock out a caller").
	CheckLockout = "SECRET_POLICY_LOCKOUT"
)

// Validate checks a resource policy as ValidateResourcePolicy does. A
// document that does not parse is an error (a *MalformedError:
// MalformedPolicyDocumentException); otherwise the findings are returned,
// none when the policy passes (PolicyValidationPassed).
func Validate(doc []byte) ([]Finding, error) {
	p, err := ParseResource(doc)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, s := range publicStatements(p) {
		out = append(out, Finding{
			CheckName: CheckBroadAccess,
			ErrorMessage: describeStatement(s) + " allows every principal access to the secret. " +
				"Name accounts, users or roles in Principal, or pin it with a condition on " +
				"aws:SourceAccount, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:PrincipalAccount or aws:PrincipalOrgID.",
		})
	}
	if sp := lockout(p); sp != nil {
		out = append(out, Finding{
			CheckName: CheckLockout,
			ErrorMessage: describeStatement(sp) + " denies secretsmanager:PutResourcePolicy and " +
				"secretsmanager:DeleteResourcePolicy to every principal, so no one could change or remove " +
				"this policy. Exempt an administrator with a condition or name the principals to deny.",
		})
	}
	return out, nil
}

// lockout returns the statement that denies the last of PutResourcePolicy
// and DeleteResourcePolicy to everyone, or nil.
func lockout(p *Policy) *statement {
	var put, del bool
	for i := range p.stmts {
		s := &p.stmts[i]
		if !s.deny || len(s.conds) > 0 || s.principals == nil || s.notPrincipal || !s.principals.any {
			continue
		}
		if s.hasResource && !s.coversAnyResource() {
			continue
		}
		put = put || s.matchAction("secretsmanager:putresourcepolicy") != s.notAction
		del = del || s.matchAction("secretsmanager:deleteresourcepolicy") != s.notAction
		if put && del {
			return s
		}
	}
	return nil
}

func (s *statement) coversAnyResource() bool {
	if s.notResource {
		return false
	}
	for i := range s.resources {
		if r := &s.resources[i]; r.tmpl == nil && r.pat.kind == patAll {
			return true
		}
	}
	return false
}

func describeStatement(s *statement) string {
	if s.sid != "" {
		return s.path + " (Sid " + quote(s.sid) + ")"
	}
	return s.path
}
