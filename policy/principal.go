package policy

import (
	"encoding/json"
	"strings"
)

// A principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any      bool      // "*" or {"AWS": "*"}
	accounts []string  // 12-digit account IDs, from "123456789012" or "arn:aws:iam::123456789012:root"
	arns     []string  // user, role-session and other ARNs, matched exactly
	roles    []roleRef // role ARNs: match the role itself and its sessions
	ids      []string  // unique IDs (AIDA..., AROA...), matched against Principal.UserID
	others   []string  // Service, Federated and CanonicalUser principals: parsed, never an IAM caller
}

type roleRef struct {
	arn, account, name string
}

// parsePrincipal reads "*" or an object of principal types (AWS, Service,
// Federated, CanonicalUser), each a string or a list of strings.
func parsePrincipal(raw json.RawMessage, path string) (*principalSet, error) {
	ps := &principalSet{}
	if kindOf(raw) == '"' {
		s, err := stringValue(raw, path)
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, malformed(path, quote(s)+" is not a principal; write \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:user/name\"}")
		}
		ps.any = true
		return ps, nil
	}
	ms, err := members(raw, path)
	if err != nil {
		return nil, malformed(path, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:user/name\"}, not "+describe(raw))
	}
	if len(ms) == 0 {
		return nil, malformed(path, "names no principal")
	}
	for _, m := range ms {
		at := path + "." + m.key
		list, err := stringList(m.val, at)
		if err != nil {
			return nil, err
		}
		switch m.key {
		case "AWS":
			for i, v := range list {
				if err := ps.addAWS(v, elemPath(at, i, m.val)); err != nil {
					return nil, err
				}
			}
		case "Service", "Federated", "CanonicalUser":
			ps.others = append(ps.others, list...)
		default:
			return nil, malformed(path, "unknown principal type "+quote(m.key)+"; use AWS, Service, Federated or CanonicalUser")
		}
	}
	return ps, nil
}

func (ps *principalSet) addAWS(v, path string) error {
	switch {
	case v == "*":
		ps.any = true
		return nil
	case strings.ContainsAny(v, "*?"):
		return malformed(path, quote(v)+": a wildcard may stand only for every principal, as \"*\"; name accounts, users and roles in full")
	case isAccountID(v):
		ps.accounts = append(ps.accounts, v)
		return nil
	case isUniqueID(v):
		ps.ids = append(ps.ids, v)
		return nil
	}
	parts, ok := splitARN(v)
	if !ok {
		return malformed(path, quote(v)+" is not an account ID, an ARN or \"*\"")
	}
	switch {
	case parts[2] == "iam" && parts[5] == "root" && isAccountID(parts[4]):
		ps.accounts = append(ps.accounts, parts[4])
	case parts[2] == "iam" && strings.HasPrefix(parts[5], "role/"):
		name := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
		ps.roles = append(ps.roles, roleRef{arn: v, account: parts[4], name: name})
	default:
		ps.arns = append(ps.arns, v)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUniqueID reports whether s looks like an IAM unique ID (AIDA..., AROA...,
// AGPA...), which a resource policy shows for a principal since deleted.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Which identities of a caller a Principal element names.
type principalHit struct {
	any     bool // "*"
	self    bool // the caller's own ARN or unique ID
	role    bool // the role of a role session
	account bool // the caller's account
}

func (ps *principalSet) hits(c *caller, userID string) principalHit {
	var h principalHit
	h.any = ps.any
	if c.arn != "" {
		for _, a := range ps.arns {
			if a == c.arn {
				h.self = true
				break
			}
		}
		for i := range ps.roles {
			r := &ps.roles[i]
			switch {
			case c.roleArn && r.arn == c.arn:
				h.self = true
			case c.roleName != "" && r.account == c.account && r.name == c.roleName:
				h.role = true
			}
		}
	}
	if userID != "" {
		id := userID
		if i := strings.IndexByte(id, ':'); i >= 0 {
			id = id[:i] // AROA...:session names the role
		}
		for _, u := range ps.ids {
			if u == id {
				if id == userID {
					h.self = true
				} else {
					h.role = true
				}
			}
		}
	}
	if c.account != "" {
		for _, a := range ps.accounts {
			if a == c.account {
				h.account = true
				break
			}
		}
	}
	return h
}

// matches reports whether a statement's Principal or NotPrincipal element
// applies to the caller.
//
// The rules are IAM's for a resource-based policy in the caller's own
// account:
//   - "*" names everyone.
//   - A Deny applies to a caller whose ARN, role, or account it names: an
//     account ID and arn:aws:iam::<account>:root both stand for every
//     principal of the account.
//   - An Allow that names the caller's ARN or role grants access directly.
//     An Allow that names only the account delegates to the account: IAM
//     users and roles still need an identity-based policy that allows the
//     request, so for them it adds nothing (only the root user is granted).
//   - In a Deny, NotPrincipal exempts a caller only when it names every
//     identity of the caller: the user and its account, or the role
//     session, its role and its account ("When you use NotPrincipal with
//     Deny, you must also specify the account ARN of the not-denied
//     principal"). The root user is exempted by its account alone.
//   - In an Allow, which IAM's guide now calls unsupported and used to
//     describe as allowing "all principals except the one named",
//     NotPrincipal exempts a caller when it names any of its identities:
//     the caller it names is never granted by it, whatever else it lists.
func (ps *principalSet) matches(not, allow bool, c *caller, userID string) bool {
	h := ps.hits(c, userID)
	if not {
		if allow {
			return !(h.any || h.self || h.role || h.account)
		}
		return !ps.exempts(h, c)
	}
	switch {
	case h.any, h.self, h.role:
		return true
	case h.account:
		return !allow || c.root
	}
	return false
}

func (ps *principalSet) exempts(h principalHit, c *caller) bool {
	switch {
	case h.any:
		return true
	case !h.account:
		return false
	case c.root:
		return true
	case c.roleName != "":
		return h.self && h.role
	default:
		return h.self
	}
}
