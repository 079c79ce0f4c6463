// Package policy parses IAM policy documents and evaluates Secrets Manager
// requests against them, as AWS does for a caller in the secret's own
// account.
//
// Two kinds of document are parsed: identity-based policies, attached to the
// user, group or role that calls (ParseIdentity), and a secret's
// resource-based policy, which names principals (ParseResource). A document
// AWS would refuse is a *MalformedError saying what is wrong and where
// ("Statement[2].Effect: must be \"Allow\" or \"Deny\", not \"allow\""); a
// store answers it with MalformedPolicyDocumentException.
//
// Evaluate decides a Request in IAM's order:
//
//  1. an explicit Deny in any identity-based policy or in the resource
//     policy denies the request;
//  2. otherwise an Allow in either allows it;
//  3. otherwise it is denied implicitly.
//
// A statement matches when its Action (or NotAction) matches the action,
// case-insensitively with '*' and '?' wildcards; its Resource (or
// NotResource) matches the secret's ARN, case-sensitively with wildcards
// that also cross ':' and '/'; its Principal (or NotPrincipal), in a
// resource policy, names the caller; and every condition of its Condition
// block holds. The Decision names the deciding statement and gives the
// AccessDeniedException message AWS would send.
//
// Principals in a resource policy follow IAM's rules for a caller in the
// secret's account: "*" names everyone; a Deny that names an account (its
// ID or arn:aws:iam::<account>:root) applies to every principal of that
// account, but an Allow that names only the account delegates to the
// account's own policies and grants an IAM user or role nothing by itself
// (only the root user); a role's ARN also names its sessions; in a Deny,
// NotPrincipal exempts a caller only when it lists all of the caller's
// identities (the user and its account; the session, its role and its
// account); in an Allow (which IAM's guide now calls unsupported), it
// exempts a caller it names any identity of, so it never grants the
// principals it names. The account root user's implicit full access is not modelled:
// pass it an identity-based policy allowing "*" if it should have it.
//
// Condition keys are case-insensitive, including the tag key of
// aws:ResourceTag/<key>, aws:RequestTag/<key> and aws:PrincipalTag/<key>
// (tag values stay case-sensitive). Policy variables (${aws:username},
// ${aws:PrincipalTag/team, 'default'}, and the escapes ${*}, ${?}, ${$}) are
// substituted in Resource and in string and ARN condition values of
// Version 2012-10-17 policies.
//
// PublicAccess and Validate implement the broad-access check of
// PutResourcePolicy's BlockPublicPolicy and of ValidateResourcePolicy.
//
// Usage:
//
//	id, err := policy.ParseIdentity([]byte(`{
//	  "Version": "2012-10-17",
//	  "Statement": {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
//	    "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"}}`))
//	if err != nil {
//		return err // MalformedPolicyDocumentException
//	}
//	req := &policy.Request{
//		Action:    "secretsmanager:GetSecretValue",
//		Resource:  secretARN,
//		Principal: policy.Principal{Arn: "arn:aws:iam::111122223333:user/alice"},
//	}
//	req.Set(policy.KeyVersionStage, "AWSCURRENT")
//	if d := policy.Evaluate(req, []*policy.Policy{id}, resourcePolicy); !d.Allowed {
//		return accessDenied(d.Message())
//	}
//
// The package is pure: it reads no clock, does no I/O, and a Policy is
// immutable and safe for concurrent use.
package policy
