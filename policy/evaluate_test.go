package policy

import (
	"strings"
	"testing"
	"time"
)

// Rules of the IAM User Guide the cases below check, by the page they come
// from.
const (
	ruleDenyWins      = "IAM policy evaluation logic: an explicit deny in any policy overrides any allow"
	ruleImplicitDeny  = "IAM policy evaluation logic: by default, all requests are implicitly denied; a request no statement allows is denied"
	ruleUnion         = "IAM policy evaluation logic: within one account, an allow in an identity-based policy or in a resource-based policy is enough"
	ruleAction        = "IAM JSON policy elements: Action: actions match case-insensitively; * matches any characters and ? exactly one"
	ruleNotAction     = "IAM JSON policy elements: NotAction: the statement matches every action except those listed"
	ruleResource      = "IAM JSON policy elements: Resource: the ARN matches case-sensitively, * and ? wildcards match across ':' and '/'"
	ruleNotResource   = "IAM JSON policy elements: NotResource: the statement matches every resource except those listed"
	ruleCreateSecret  = "aws-semantics §10: CreateSecret's resource is ...:secret:<Name>-*-shaped; Name* and Name-* allow it, a bare Name does not"
	rulePrincipal     = "IAM JSON policy elements: Principal: a resource-based policy applies to the principals it names; \"*\" names everyone"
	ruleAccountPrinc  = "IAM JSON policy elements: Principal (AWS account principals): an account ID and arn:aws:iam::<account>:root both delegate to the account; its IAM users still need an identity-based policy"
	ruleNotPrincipal  = "IAM JSON policy elements: NotPrincipal: with Deny, the account ARN of the not-denied principal must be listed too, or the principal is denied"
	ruleNotPrincAllow = "IAM JSON policy elements: NotPrincipal with Allow allows all principals except the one named (and is now unsupported): the principal it names is never granted by it"
	ruleService       = "IAM JSON policy elements: Principal: a Service principal names an AWS service, never an IAM user"
	ruleCondString    = "IAM Condition operators: string operators (StringEquals is case-sensitive, IgnoreCase folds case, StringLike takes * and ?)"
	ruleCondArn       = "IAM Condition operators: ARN operators: each of the six colon-delimited parts is compared separately, with wildcards within a part; ArnEquals and ArnLike behave alike"
	ruleCondBool      = "IAM Condition operators: Bool compares \"true\"/\"false\""
	ruleCondNull      = "IAM Condition operators: Null \"true\" holds when the key is absent, \"false\" when it is present"
	ruleCondNumeric   = "IAM Condition operators: numeric operators compare numbers"
	ruleCondDate      = "IAM Condition operators: date operators compare ISO 8601 dates or epoch seconds"
	ruleCondIP        = "IAM Condition operators: IpAddress/NotIpAddress compare with CIDR blocks, IPv4 and IPv6"
	ruleIfExists      = "IAM Condition operators: ...IfExists: if the key is absent, the condition is true; if present, it is evaluated as without IfExists"
	ruleAbsent        = "IAM Condition operators: if the key is not present in the request context, the values do not match and the condition is false"
	ruleAbsentNeg     = "IAM Condition operators: if the condition requires that the key is not matched (StringNotLike, ArnNotLike, ...) and the key is not present, the condition is true"
	ruleMultiAND      = "IAM multiple context keys or values: several operators, or several keys in one operator, are ANDed"
	ruleMultiOR       = "IAM multiple context keys or values: several values for one key are ORed"
	ruleMultiNOR      = "IAM multiple context keys or values: several values for one key of a negated operator are NORed"
	ruleForAny        = "IAM set operators: ForAnyValue holds when at least one value of the request matches; false when the key is absent"
	ruleForAll        = "IAM set operators: ForAllValues holds when every value of the request matches; true when the key is absent (empty set)"
	ruleVars          = "IAM policy variables: ${key} is replaced by the request's value of key in Resource and in string and ARN conditions"
	ruleVarsNoValue   = "IAM policy variables with no value: a Resource or positive condition using a variable with no value matches nothing; negated operators do match"
	ruleVarsDefault   = "IAM policy variables: ${key, 'default'} is replaced by default when key has no value"
	ruleVarsEscape    = "IAM policy variables: ${*}, ${?} and ${$} stand for a literal *, ? and $"
	ruleVars2008      = "IAM policy variables: without Version 2012-10-17, variables such as ${aws:username} are literal strings"
	ruleKeysCase      = "IAM policy variables and tags: condition key names are case-insensitive (aws:CurrentTime is AWS:currenttime)"
	ruleResourceTag   = "Secrets Manager condition keys: secretsmanager:ResourceTag/<key> and aws:ResourceTag/<key> are the secret's tags"
	ruleVersionStage  = "aws-semantics §10: a VersionStage condition denies a GetSecretValue that names no stage (the key is absent)"
)

type mod func(*Request)

func set(key string, vals ...string) mod { return func(r *Request) { r.Set(key, vals...) } }
func act(a string) mod                   { return func(r *Request) { r.Action = a } }
func res(s string) mod                   { return func(r *Request) { r.Resource = s } }
func as(arn string) mod {
	return func(r *Request) { r.Principal = Principal{Arn: arn} }
}
func resourceTags(tags map[string]string) mod { return func(r *Request) { r.SetResourceTags(tags) } }
func at(t string) mod {
	return func(r *Request) {
		tm, err := time.Parse(time.RFC3339, t)
		if err != nil {
			panic(err)
		}
		r.SetTime(tm)
	}
}

type evalCase struct {
	name     string
	rule     string
	identity []string // identity-based policy documents
	resource string   // resource policy document; "" for none
	req      []mod    // changes to baseRequest
	want     Kind
}

var evalCases = []evalCase{
	// Evaluation order.
	{name: "no policy", rule: ruleImplicitDeny, want: ImplicitDeny},
	{name: "identity allow", rule: ruleUnion, identity: []string{doc(allowAll)}, want: Allow},
	{name: "identity deny beats identity allow", rule: ruleDenyWins,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*"}`)}, want: ExplicitDeny},
	{name: "identity deny beats resource allow", rule: ruleDenyWins,
		identity: []string{doc(`{"Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}`)},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"secretsmanager:*","Resource":"*"}`), want: ExplicitDeny},
	{name: "resource deny beats identity allow", rule: ruleDenyWins,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ExplicitDeny},
	{name: "resource allow alone", rule: ruleUnion,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "identity allows another action only", rule: ruleImplicitDeny,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":"*"}`)}, want: ImplicitDeny},
	{name: "deny in second identity policy", rule: ruleDenyWins,
		identity: []string{doc(allowAll), doc(`{"Effect":"Deny","Action":"*","Resource":"*"}`)}, want: ExplicitDeny},
	{name: "allow whose condition fails", rule: ruleImplicitDeny,
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:username":"bob"}}`))}, want: ImplicitDeny},
	{name: "deny whose condition fails leaves allow", rule: ruleDenyWins,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}`)}, want: Allow},
	{name: "deny on another secret leaves allow", rule: ruleDenyWins,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"`+prodOther+`"}`)}, want: Allow},
	{name: "statement object, not list", rule: ruleUnion,
		identity: []string{`{"Version":"2012-10-17","Statement":` + allowAll + `}`}, want: Allow},

	// Action.
	{name: "Get* matches GetSecretValue", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:Get*","Resource":"*"}`)}, want: Allow},
	{name: "Get* does not match PutSecretValue", rule: ruleAction, req: []mod{act("secretsmanager:PutSecretValue")},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:Get*","Resource":"*"}`)}, want: ImplicitDeny},
	{name: "secretsmanager:* matches", rule: ruleAction, req: []mod{act("secretsmanager:DeleteSecret")},
		identity: []string{doc(allowAll)}, want: Allow},
	{name: "* matches every action", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, want: Allow},
	{name: "? matches one character", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:GetSecretValu?","Resource":"*"}`)}, want: Allow},
	{name: "? needs exactly one character", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:GetSecretValue?","Resource":"*"}`)}, want: ImplicitDeny},
	{name: "action is case-insensitive", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"SecretsManager:getsecretVALUE","Resource":"*"}`)}, want: Allow},
	{name: "request action case-insensitive", rule: ruleAction, req: []mod{act("SECRETSMANAGER:GETSECRETVALUE")},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:Get*","Resource":"*"}`)}, want: Allow},
	{name: "one of an action list", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue"],"Resource":"*"}`)}, want: Allow},
	{name: "other service does not match", rule: ruleAction,
		identity: []string{doc(`{"Effect":"Allow","Action":"kms:*","Resource":"*"}`)}, want: ImplicitDeny},
	{name: "* in the middle", rule: ruleAction, req: []mod{act("secretsmanager:PutSecretValue")},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*SecretValue","Resource":"*"}`)}, want: Allow},
	{name: "NotAction allows what it does not list", rule: ruleNotAction,
		identity: []string{doc(`{"Effect":"Allow","NotAction":"secretsmanager:Delete*","Resource":"*"}`)}, want: Allow},
	{name: "NotAction does not allow what it lists", rule: ruleNotAction, req: []mod{act("secretsmanager:DeleteSecret")},
		identity: []string{doc(`{"Effect":"Allow","NotAction":"secretsmanager:Delete*","Resource":"*"}`)}, want: ImplicitDeny},
	{name: "Deny NotAction denies what it does not list", rule: ruleNotAction,
		identity: []string{doc(allowAll, `{"Effect":"Deny","NotAction":"secretsmanager:Describe*","Resource":"*"}`)}, want: ExplicitDeny},
	{name: "Deny NotAction spares what it lists", rule: ruleNotAction, req: []mod{act("secretsmanager:DescribeSecret")},
		identity: []string{doc(allowAll, `{"Effect":"Deny","NotAction":"secretsmanager:Describe*","Resource":"*"}`)}, want: Allow},

	// Resource.
	{name: "prod/app/* matches prod/app/db", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `prod/app/*"}`)}, want: Allow},
	{name: "prod/app/* does not match prod/other", rule: ruleResource, req: []mod{res(prodOther)},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `prod/app/*"}`)}, want: ImplicitDeny},
	{name: "exact ARN", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + prodApp + `"}`)}, want: Allow},
	{name: "ARN with another suffix", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `prod/app/db-ZZZZZZ"}`)}, want: ImplicitDeny},
	{name: "resource is case-sensitive", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `PROD/app/*"}`)}, want: ImplicitDeny},
	{name: "* crosses colons", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*"}`)}, want: Allow},
	{name: "? per suffix character", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `prod/app/db-??????"}`)}, want: Allow},
	{name: "one of a resource list", rule: ruleResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":["` + prodOther + `","` + secretArn + `prod/app/*"]}`)}, want: Allow},
	{name: "NotResource allows other secrets", rule: ruleNotResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","NotResource":"` + secretArn + `prod/other/*"}`)}, want: Allow},
	{name: "NotResource excludes the secrets it lists", rule: ruleNotResource,
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","NotResource":"` + secretArn + `prod/app/*"}`)}, want: ImplicitDeny},
	{name: "Deny NotResource spares listed secret", rule: ruleNotResource,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"`+secretArn+`prod/app/*"}`)}, want: Allow},
	{name: "Deny NotResource denies other secrets", rule: ruleNotResource, req: []mod{res(prodOther)},
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"`+secretArn+`prod/app/*"}`)}, want: ExplicitDeny},
	{name: "ListSecrets on * needs Resource *", rule: ruleResource, req: []mod{act("secretsmanager:ListSecrets"), res("*")},
		identity: []string{doc(allowAll)}, want: Allow},
	{name: "ListSecrets not allowed by a secret ARN pattern", rule: ruleResource, req: []mod{act("secretsmanager:ListSecrets"), res("*")},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `*"}`)}, want: ImplicitDeny},

	// CreateSecret.
	{name: "CreateSecret allowed by Name*", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "prod/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/new*"}`)}, want: Allow},
	{name: "CreateSecret allowed by Name-*", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "prod/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/new-*"}`)}, want: Allow},
	{name: "CreateSecret not allowed by bare Name", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "prod/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/new"}`)}, want: ImplicitDeny},
	{name: "CreateSecret allowed by Name-??????", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "prod/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/new-??????"}`)}, want: Allow},
	{name: "CreateSecret not allowed by a guessed suffix", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "prod/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/new-abcdef"}`)}, want: ImplicitDeny},
	{name: "CreateSecret of another name", rule: ruleCreateSecret,
		req:      []mod{act("secretsmanager:CreateSecret"), res(CreateSecretResource("aws", "us-east-1", acct, "dev/new"))},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"` + secretArn + `prod/*"}`)}, want: ImplicitDeny},

	// Principals of a resource policy.
	{name: "Principal user ARN", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Principal another user", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + bob + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ImplicitDeny},
	{name: "Principal list", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":["` + bob + `","` + alice + `"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Principal *", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Principal AWS *", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Resource absent in resource policy", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"secretsmanager:GetSecretValue"}`), want: Allow},
	{name: "Allow to account ID delegates", rule: ruleAccountPrinc,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow to account root delegates", rule: ruleAccountPrinc,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + rootArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow to account plus identity allow", rule: ruleAccountPrinc,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + rootArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Allow to account grants its root user", rule: ruleAccountPrinc, req: []mod{as(rootArn)},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Deny to account ID denies its users", rule: ruleAccountPrinc,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","Principal":{"AWS":"` + acct + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ExplicitDeny},
	{name: "Deny to account root denies its users", rule: ruleAccountPrinc,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","Principal":{"AWS":"` + rootArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ExplicitDeny},
	{name: "Deny to another account", rule: rulePrincipal,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","Principal":{"AWS":"` + otherAcct + `"},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "Service principal never matches a user (Allow)", rule: ruleService,
		resource: doc(`{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"*","Resource":"*"}`), want: ImplicitDeny},
	{name: "Service principal never matches a user (Deny)", rule: ruleService,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "NotPrincipal user and account exempts the user", rule: ruleNotPrincipal,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + alice + `","` + rootArn + `"]},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "NotPrincipal denies a user not listed", rule: ruleNotPrincipal,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["` + bob + `","` + rootArn + `"]},"Action":"*","Resource":"*"}`), want: ExplicitDeny},
	{name: "NotPrincipal user without account still denies", rule: ruleNotPrincipal,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + alice + `"},"Action":"*","Resource":"*"}`), want: ExplicitDeny},
	{name: "NotPrincipal account alone exempts only root", rule: ruleNotPrincipal, req: []mod{as(rootArn)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"`+rootArn+`"},"Action":"*","Resource":"*"}`,
			`{"Effect":"Allow","Principal":{"AWS":"`+acct+`"},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "NotPrincipal account alone denies IAM users", rule: ruleNotPrincipal,
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + rootArn + `"},"Action":"*","Resource":"*"}`), want: ExplicitDeny},
	{name: "NotPrincipal role session needs session, role and account", rule: ruleNotPrincipal,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/s1")},
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","arn:aws:iam::111122223333:role/app","111122223333"]},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "NotPrincipal role session without its role", rule: ruleNotPrincipal,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/s1")},
		identity: []string{doc(allowAll)},
		resource: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","111122223333"]},"Action":"*","Resource":"*"}`), want: ExplicitDeny},
	{name: "Allow with NotPrincipal never grants the user it names", rule: ruleNotPrincAllow,
		resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + alice + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow with NotPrincipal grants a user it does not name", rule: ruleNotPrincAllow, req: []mod{as(bob)},
		resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + alice + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: Allow},
	{name: "Allow with NotPrincipal naming the account grants none of it", rule: ruleNotPrincAllow,
		resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + acct + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow with NotPrincipal naming a role grants none of its sessions", rule: ruleNotPrincAllow,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/s1")},
		resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"*","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow with NotPrincipal naming the user and others", rule: ruleNotPrincAllow,
		resource: doc(`{"Effect":"Allow","NotPrincipal":{"AWS":["` + bob + `","` + alice + `"]},"Action":"*","Resource":"*"}`), want: ImplicitDeny},
	{name: "Allow to account does not grant a role session", rule: ruleAccountPrinc,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/s1")},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"*","Resource":"*"}`), want: ImplicitDeny},
	{name: "role session matches its role ARN (with a path)", rule: rulePrincipal,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/i-0123")},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/service/app"},"Action":"*","Resource":"*"}`), want: Allow},
	{name: "role session does not match another role", rule: rulePrincipal,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/i-0123")},
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/other"},"Action":"*","Resource":"*"}`), want: ImplicitDeny},
	{name: "unique ID of a principal", rule: rulePrincipal,
		resource: doc(`{"Effect":"Allow","Principal":{"AWS":"AIDAALICE00000000001"},"Action":"*","Resource":"*"}`), want: Allow},

	// String operators.
	{name: "StringEquals match", rule: ruleCondString, req: []mod{set(KeySecretID, "prod/app/db")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/app/db"}}`))}, want: Allow},
	{name: "StringEquals mismatch", rule: ruleCondString, req: []mod{set(KeySecretID, "prod/app/other")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/app/db"}}`))}, want: ImplicitDeny},
	{name: "StringEquals is case-sensitive", rule: ruleCondString, req: []mod{set(KeySecretID, "PROD/app/db")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/app/db"}}`))}, want: ImplicitDeny},
	{name: "StringEquals takes * literally", rule: ruleCondString, req: []mod{set(KeySecretID, "prod/app/db")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/*"}}`))}, want: ImplicitDeny},
	{name: "StringNotEquals other value", rule: ruleCondString, req: []mod{set(KeyName, "dev/x")},
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:Name":"prod/x"}}`))}, want: Allow},
	{name: "StringNotEquals same value", rule: ruleCondString, req: []mod{set(KeyName, "prod/x")},
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:Name":"prod/x"}}`))}, want: ImplicitDeny},
	{name: "StringEqualsIgnoreCase", rule: ruleCondString, req: []mod{set(KeyDescription, "PROD database")},
		identity: []string{doc(allowIf(`{"StringEqualsIgnoreCase":{"secretsmanager:Description":"prod DATABASE"}}`))}, want: Allow},
	{name: "StringNotEqualsIgnoreCase same but case", rule: ruleCondString, req: []mod{set(KeyDescription, "PROD")},
		identity: []string{doc(allowIf(`{"StringNotEqualsIgnoreCase":{"secretsmanager:Description":"prod"}}`))}, want: ImplicitDeny},
	{name: "StringNotEqualsIgnoreCase other", rule: ruleCondString, req: []mod{set(KeyDescription, "dev")},
		identity: []string{doc(allowIf(`{"StringNotEqualsIgnoreCase":{"secretsmanager:Description":"prod"}}`))}, want: Allow},
	{name: "StringLike *", rule: ruleCondString, req: []mod{set(KeySecretID, "prod/app/db")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:SecretId":"prod/*"}}`))}, want: Allow},
	{name: "StringLike no match", rule: ruleCondString, req: []mod{set(KeySecretID, "dev/app/db")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:SecretId":"prod/*"}}`))}, want: ImplicitDeny},
	{name: "StringLike ?", rule: ruleCondString, req: []mod{set(KeyKmsKeyID, "alias/k1")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:KmsKeyId":"alias/k?"}}`))}, want: Allow},
	{name: "StringNotLike matching value", rule: ruleCondString, req: []mod{set(KeySecretID, "prod/app/db")},
		identity: []string{doc(allowIf(`{"StringNotLike":{"secretsmanager:SecretId":"prod/*"}}`))}, want: ImplicitDeny},
	{name: "StringNotLike other value", rule: ruleCondString, req: []mod{set(KeySecretID, "dev/app/db")},
		identity: []string{doc(allowIf(`{"StringNotLike":{"secretsmanager:SecretId":"prod/*"}}`))}, want: Allow},
	{name: "condition key name case-insensitive", rule: ruleKeysCase, req: []mod{set(KeySecretID, "prod/app/db")},
		identity: []string{doc(allowIf(`{"StringEquals":{"SecretsManager:SECRETID":"prod/app/db"}}`))}, want: Allow},
	{name: "context key written in any case", rule: ruleKeysCase,
		req:      []mod{func(r *Request) { r.Context = map[string][]string{"AWS:SourceIP": {"10.1.2.3"}} }},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))}, want: Allow},

	// ARN operators.
	{name: "ArnLike on aws:PrincipalArn", rule: ruleCondArn,
		identity: []string{doc(allowIf(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`))}, want: Allow},
	{name: "ArnLike other account", rule: ruleCondArn,
		identity: []string{doc(allowIf(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:user/*"}}`))}, want: ImplicitDeny},
	{name: "ArnLike parts compared separately", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		// As a plain wildcard this would match; part by part, "*" is the region and "function" the account.
		identity: []string{doc(allowIf(`{"ArnLike":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:*:function:*"}}`))}, want: ImplicitDeny},
	{name: "ArnLike wildcard within a part", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		identity: []string{doc(allowIf(`{"ArnLike":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:us-*:111122223333:function:rot*"}}`))}, want: Allow},
	{name: "ArnEquals takes wildcards too", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		identity: []string{doc(allowIf(`{"ArnEquals":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:*:111122223333:function:rotate"}}`))}, want: Allow},
	{name: "ArnEquals is case-sensitive", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		identity: []string{doc(allowIf(`{"ArnEquals":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:us-east-1:111122223333:function:Rotate"}}`))}, want: ImplicitDeny},
	{name: "ArnNotEquals other ARN", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		identity: []string{doc(allowIf(`{"ArnNotEquals":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:us-east-1:111122223333:function:other"}}`))}, want: Allow},
	{name: "ArnNotLike matching ARN", rule: ruleCondArn, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:rotate")},
		identity: []string{doc(allowIf(`{"ArnNotLike":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:*:*:function:*"}}`))}, want: ImplicitDeny},
	{name: "ARN resource part keeps its colons", rule: ruleCondArn, req: []mod{set(KeyAllowRotationLambdaArn, "arn:aws:lambda:us-east-1:111122223333:function:rotate:live")},
		identity: []string{doc(allowIf(`{"ArnLike":{"secretsmanager:resource/AllowRotationLambdaArn":"arn:aws:lambda:us-east-1:111122223333:function:rotate:*"}}`))}, want: Allow},

	// Bool.
	{name: "Bool true", rule: ruleCondBool, req: []mod{set(KeySecureTransport, "true")},
		identity: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"}}`))}, want: Allow},
	{name: "Bool true vs false", rule: ruleCondBool, req: []mod{set(KeySecureTransport, "false")},
		identity: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"}}`))}, want: ImplicitDeny},
	{name: "Bool false", rule: ruleCondBool, req: []mod{set(KeyRotateImmediately, "false")},
		identity: []string{doc(allowIf(`{"Bool":{"secretsmanager:RotateImmediately":"false"}}`))}, want: Allow},
	{name: "Bool JSON literal", rule: ruleCondBool, req: []mod{set(KeyForceOverwriteReplicaSecret, "true")},
		identity: []string{doc(allowIf(`{"Bool":{"secretsmanager:ForceOverwriteReplicaSecret":true}}`))}, want: Allow},
	{name: "Deny without TLS", rule: ruleCondBool, req: []mod{set(KeySecureTransport, "false")},
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)}, want: ExplicitDeny},

	// Null.
	{name: "Null true, key absent", rule: ruleCondNull,
		identity: []string{doc(allowIf(`{"Null":{"secretsmanager:VersionId":"true"}}`))}, want: Allow},
	{name: "Null true, key present", rule: ruleCondNull, req: []mod{set(KeyVersionID, "v1")},
		identity: []string{doc(allowIf(`{"Null":{"secretsmanager:VersionId":"true"}}`))}, want: ImplicitDeny},
	{name: "Null false, key present", rule: ruleCondNull, req: []mod{set(KeyVersionID, "v1")},
		identity: []string{doc(allowIf(`{"Null":{"secretsmanager:VersionId":"false"}}`))}, want: Allow},
	{name: "Null false, key absent", rule: ruleCondNull,
		identity: []string{doc(allowIf(`{"Null":{"secretsmanager:VersionId":"false"}}`))}, want: ImplicitDeny},
	{name: "Null on a principal tag", rule: ruleCondNull,
		identity: []string{doc(allowIf(`{"Null":{"aws:PrincipalTag/team":"false"}}`))}, want: Allow},

	// Numeric.
	{name: "NumericEquals", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "7")},
		identity: []string{doc(allowIf(`{"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"7"}}`))}, want: Allow},
	{name: "NumericEquals other", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "8")},
		identity: []string{doc(allowIf(`{"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"7"}}`))}, want: ImplicitDeny},
	{name: "NumericEquals 7 and 7.0", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "7.0")},
		identity: []string{doc(allowIf(`{"NumericEquals":{"secretsmanager:RecoveryWindowInDays":7}}`))}, want: Allow},
	{name: "NumericNotEquals", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "8")},
		identity: []string{doc(allowIf(`{"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"7"}}`))}, want: Allow},
	{name: "NumericLessThan below", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "9")},
		identity: []string{doc(allowIf(`{"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: Allow},
	{name: "NumericLessThan equal", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "10")},
		identity: []string{doc(allowIf(`{"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: ImplicitDeny},
	{name: "NumericLessThanEquals equal", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "10")},
		identity: []string{doc(allowIf(`{"NumericLessThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: Allow},
	{name: "NumericGreaterThan above", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "30")},
		identity: []string{doc(allowIf(`{"NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: Allow},
	{name: "NumericGreaterThan equal", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "10")},
		identity: []string{doc(allowIf(`{"NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: ImplicitDeny},
	{name: "NumericGreaterThanEquals equal", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "10")},
		identity: []string{doc(allowIf(`{"NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: Allow},
	{name: "Numeric decimals", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "2.5")},
		identity: []string{doc(allowIf(`{"NumericGreaterThan":{"secretsmanager:RecoveryWindowInDays":"2.25"}}`))}, want: Allow},
	{name: "Numeric request value not a number", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "seven")},
		identity: []string{doc(allowIf(`{"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: ImplicitDeny},
	{name: "Numeric negative", rule: ruleCondNumeric, req: []mod{set("secretsmanager:RecoveryWindowInDays", "-3")},
		identity: []string{doc(allowIf(`{"NumericLessThan":{"secretsmanager:RecoveryWindowInDays":"-2"}}`))}, want: Allow},

	// Date.
	{name: "DateLessThan before", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`))}, want: Allow},
	{name: "DateLessThan after", rule: ruleCondDate, req: []mod{at("2031-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`))}, want: ImplicitDeny},
	{name: "DateGreaterThan with epoch value", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateGreaterThan":{"aws:CurrentTime":"1700000000"}}`))}, want: Allow},
	{name: "DateEquals ISO vs epoch request", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateEquals":{"aws:EpochTime":"2025-06-01T12:00:00Z"}}`))}, want: Allow},
	{name: "DateNotEquals", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateNotEquals":{"aws:CurrentTime":"2025-06-01T12:00:01Z"}}`))}, want: Allow},
	{name: "DateLessThanEquals equal", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateLessThanEquals":{"aws:CurrentTime":"2025-06-01T12:00:00Z"}}`))}, want: Allow},
	{name: "DateGreaterThanEquals earlier", rule: ruleCondDate, req: []mod{at("2025-06-01T11:59:59Z")},
		identity: []string{doc(allowIf(`{"DateGreaterThanEquals":{"aws:CurrentTime":"2025-06-01T12:00:00Z"}}`))}, want: ImplicitDeny},
	{name: "Date with a zone offset", rule: ruleCondDate, req: []mod{at("2025-06-01T11:00:00Z")},
		identity: []string{doc(allowIf(`{"DateEquals":{"aws:CurrentTime":"2025-06-01T13:00:00+02:00"}}`))}, want: Allow},
	{name: "Date without a time", rule: ruleCondDate, req: []mod{at("2025-05-31T23:59:59Z")},
		identity: []string{doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":"2025-06-01"}}`))}, want: Allow},
	{name: "Date with fractional seconds", rule: ruleCondDate, req: []mod{at("2025-06-01T12:00:00Z")},
		identity: []string{doc(allowIf(`{"DateGreaterThan":{"aws:CurrentTime":"2025-06-01T11:59:59.500Z"}}`))}, want: Allow},

	// IP addresses.
	{name: "IpAddress IPv4 inside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "203.0.113.7")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))}, want: Allow},
	{name: "IpAddress IPv4 outside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "203.0.114.7")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))}, want: ImplicitDeny},
	{name: "IpAddress IPv6 inside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "2001:db8:1234::1")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}`))}, want: Allow},
	{name: "IpAddress IPv6 outside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "2001:db9::1")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`))}, want: ImplicitDeny},
	{name: "IpAddress single address", rule: ruleCondIP, req: []mod{set(KeySourceIP, "198.51.100.1")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"198.51.100.1"}}`))}, want: Allow},
	{name: "IPv4-mapped IPv6 request", rule: ruleCondIP, req: []mod{set(KeySourceIP, "::ffff:203.0.113.7")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))}, want: Allow},
	{name: "NotIpAddress outside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "192.0.2.1")},
		identity: []string{doc(allowIf(`{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))}, want: Allow},
	{name: "NotIpAddress inside", rule: ruleCondIP, req: []mod{set(KeySourceIP, "203.0.113.9")},
		identity: []string{doc(allowIf(`{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`))}, want: ImplicitDeny},
	{name: "Deny from outside the network", rule: ruleCondIP, req: []mod{set(KeySourceIP, "192.0.2.1")},
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}`)}, want: ExplicitDeny},
	{name: "request address not an IP", rule: ruleCondIP, req: []mod{set(KeySourceIP, "localhost")},
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`))}, want: ImplicitDeny},

	// IfExists.
	{name: "StringEqualsIfExists absent", rule: ruleIfExists,
		identity: []string{doc(allowIf(`{"StringEqualsIfExists":{"secretsmanager:KmsKeyId":"alias/prod"}}`))}, want: Allow},
	{name: "StringEqualsIfExists present, mismatch", rule: ruleIfExists, req: []mod{set(KeyKmsKeyID, "alias/dev")},
		identity: []string{doc(allowIf(`{"StringEqualsIfExists":{"secretsmanager:KmsKeyId":"alias/prod"}}`))}, want: ImplicitDeny},
	{name: "StringEqualsIfExists present, match", rule: ruleIfExists, req: []mod{set(KeyKmsKeyID, "alias/prod")},
		identity: []string{doc(allowIf(`{"StringEqualsIfExists":{"secretsmanager:KmsKeyId":"alias/prod"}}`))}, want: Allow},
	{name: "StringNotLikeIfExists present, matching", rule: ruleIfExists, req: []mod{set(KeyKmsKeyID, "alias/prod")},
		identity: []string{doc(allowIf(`{"StringNotLikeIfExists":{"secretsmanager:KmsKeyId":"alias/*"}}`))}, want: ImplicitDeny},
	{name: "NumericLessThanIfExists absent", rule: ruleIfExists,
		identity: []string{doc(allowIf(`{"NumericLessThanIfExists":{"secretsmanager:RecoveryWindowInDays":"10"}}`))}, want: Allow},
	{name: "DateLessThanIfExists absent", rule: ruleIfExists,
		identity: []string{doc(allowIf(`{"DateLessThanIfExists":{"aws:CurrentTime":"2000-01-01T00:00:00Z"}}`))}, want: Allow},
	{name: "DateLessThanIfExists present", rule: ruleIfExists, req: []mod{at("2025-01-01T00:00:00Z")},
		identity: []string{doc(allowIf(`{"DateLessThanIfExists":{"aws:CurrentTime":"2000-01-01T00:00:00Z"}}`))}, want: ImplicitDeny},
	{name: "BoolIfExists absent", rule: ruleIfExists,
		identity: []string{doc(allowIf(`{"BoolIfExists":{"aws:SecureTransport":"true"}}`))}, want: Allow},
	{name: "IpAddressIfExists absent", rule: ruleIfExists,
		identity: []string{doc(allowIf(`{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`))}, want: Allow},
	{name: "ArnLikeIfExists present, mismatch", rule: ruleIfExists, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:444455556666:function:x")},
		identity: []string{doc(allowIf(`{"ArnLikeIfExists":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:*:111122223333:function:*"}}`))}, want: ImplicitDeny},

	// A key absent from the request, each family.
	{name: "absent key: StringEquals false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:Name":"x"}}`))}, want: ImplicitDeny},
	{name: "absent key: StringNotEquals true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:Name":"x"}}`))}, want: Allow},
	{name: "absent key: StringEqualsIgnoreCase false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"StringEqualsIgnoreCase":{"secretsmanager:Name":"x"}}`))}, want: ImplicitDeny},
	{name: "absent key: StringLike false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:Name":"*"}}`))}, want: ImplicitDeny},
	{name: "absent key: StringNotLike true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"StringNotLike":{"secretsmanager:Name":"*"}}`))}, want: Allow},
	{name: "absent key: ArnLike false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`))}, want: ImplicitDeny},
	{name: "absent key: ArnNotLike true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"ArnNotLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`))}, want: Allow},
	{name: "absent key: NumericEquals false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"NumericEquals":{"secretsmanager:RecoveryWindowInDays":"7"}}`))}, want: ImplicitDeny},
	{name: "absent key: NumericNotEquals true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"NumericNotEquals":{"secretsmanager:RecoveryWindowInDays":"7"}}`))}, want: Allow},
	{name: "absent key: DateGreaterThan false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"DateGreaterThan":{"aws:CurrentTime":"2000-01-01T00:00:00Z"}}`))}, want: ImplicitDeny},
	{name: "absent key: DateNotEquals true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"DateNotEquals":{"aws:CurrentTime":"2000-01-01T00:00:00Z"}}`))}, want: Allow},
	{name: "absent key: Bool false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"false"}}`))}, want: ImplicitDeny},
	{name: "absent key: IpAddress false", rule: ruleAbsent,
		identity: []string{doc(allowIf(`{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`))}, want: ImplicitDeny},
	{name: "absent key: NotIpAddress true", rule: ruleAbsentNeg,
		identity: []string{doc(allowIf(`{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))}, want: Allow},
	{name: "absent key: Deny StringNotEquals applies", rule: ruleAbsentNeg,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/env":"dev"}}}`)}, want: ExplicitDeny},

	// Multivalued keys and set operators.
	{name: "ForAnyValue: one request value matches", rule: ruleForAny, req: []mod{set(KeyTagKeys, "a", "b")},
		identity: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`))}, want: Allow},
	{name: "ForAnyValue: none matches", rule: ruleForAny, req: []mod{set(KeyTagKeys, "a", "d")},
		identity: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`))}, want: ImplicitDeny},
	{name: "ForAnyValue: key absent", rule: ruleForAny,
		identity: []string{doc(allowIf(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}`))}, want: ImplicitDeny},
	{name: "ForAllValues: subset", rule: ruleForAll, req: []mod{set(KeyTagKeys, "a", "b")},
		identity: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`))}, want: Allow},
	{name: "ForAllValues: not a subset", rule: ruleForAll, req: []mod{set(KeyTagKeys, "a", "d")},
		identity: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`))}, want: ImplicitDeny},
	{name: "ForAllValues: key absent is the empty set", rule: ruleForAll,
		identity: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`))}, want: Allow},
	{name: "ForAllValues: key with no values is the empty set", rule: ruleForAll,
		req:      []mod{func(r *Request) { r.Context = map[string][]string{"aws:tagkeys": {}} }},
		identity: []string{doc(allowIf(`{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`))}, want: Allow},
	{name: "ForAllValues:StringLike", rule: ruleForAll, req: []mod{set(KeyTagKeys, "team-a", "team-b")},
		identity: []string{doc(allowIf(`{"ForAllValues:StringLike":{"aws:TagKeys":"team-*"}}`))}, want: Allow},
	{name: "ForAllValues:StringNotEquals none listed", rule: ruleForAll, req: []mod{set(KeyTagKeys, "a", "b")},
		identity: []string{doc(allowIf(`{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner","env"]}}`))}, want: Allow},
	{name: "ForAllValues:StringNotEquals one listed", rule: ruleForAll, req: []mod{set(KeyTagKeys, "a", "owner")},
		identity: []string{doc(allowIf(`{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner","env"]}}`))}, want: ImplicitDeny},
	{name: "ForAnyValue:StringNotEquals one other", rule: ruleForAny, req: []mod{set(KeyTagKeys, "owner", "x")},
		identity: []string{doc(allowIf(`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["owner","env"]}}`))}, want: Allow},
	{name: "ForAnyValue:StringNotEquals all listed", rule: ruleForAny, req: []mod{set(KeyTagKeys, "owner", "env")},
		identity: []string{doc(allowIf(`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["owner","env"]}}`))}, want: ImplicitDeny},
	{name: "ForAllValues:StringEqualsIfExists absent", rule: ruleForAll,
		identity: []string{doc(allowIf(`{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"a"}}`))}, want: Allow},
	{name: "multivalued key without a set operator: any value", rule: ruleMultiOR, req: []mod{set(KeyAddReplicaRegions, "eu-west-1", "us-west-2")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:AddReplicaRegions":"us-west-2"}}`))}, want: Allow},

	// Several keys, operators and values.
	{name: "two keys both hold", rule: ruleMultiAND, req: []mod{set(KeySecretID, "prod/app/db"), set(KeyVersionStage, "AWSCURRENT")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/app/db","secretsmanager:VersionStage":"AWSCURRENT"}}`))}, want: Allow},
	{name: "two keys, one fails", rule: ruleMultiAND, req: []mod{set(KeySecretID, "prod/app/db"), set(KeyVersionStage, "AWSPREVIOUS")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:SecretId":"prod/app/db","secretsmanager:VersionStage":"AWSCURRENT"}}`))}, want: ImplicitDeny},
	{name: "two operators both hold", rule: ruleMultiAND, req: []mod{set(KeySecureTransport, "true"), set(KeySourceIP, "10.0.0.1")},
		identity: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))}, want: Allow},
	{name: "two operators, one fails", rule: ruleMultiAND, req: []mod{set(KeySecureTransport, "true"), set(KeySourceIP, "11.0.0.1")},
		identity: []string{doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))}, want: ImplicitDeny},
	{name: "several values: any one", rule: ruleMultiOR, req: []mod{set(KeyVersionStage, "AWSPENDING")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:VersionStage":["AWSCURRENT","AWSPENDING"]}}`))}, want: Allow},
	{name: "negated, several values: one equal", rule: ruleMultiNOR, req: []mod{set(KeyVersionStage, "AWSPENDING")},
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:VersionStage":["AWSCURRENT","AWSPENDING"]}}`))}, want: ImplicitDeny},
	{name: "negated, several values: none equal", rule: ruleMultiNOR, req: []mod{set(KeyVersionStage, "AWSPREVIOUS")},
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:VersionStage":["AWSCURRENT","AWSPENDING"]}}`))}, want: Allow},

	// Policy variables.
	{name: "${aws:username} in Resource", rule: ruleVars, req: []mod{res(aliceHome)},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `home/${aws:username}/*"}`)}, want: Allow},
	{name: "${aws:username} is not another user", rule: ruleVars, req: []mod{res(bobHome)},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `home/${aws:username}/*"}`)}, want: ImplicitDeny},
	{name: "${aws:username} with no value", rule: ruleVarsNoValue, req: []mod{res(aliceHome), func(r *Request) { r.Principal.Username = "" }},
		identity: []string{doc(`{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `home/${aws:username}/*"}`)}, want: ImplicitDeny},
	{name: "${aws:PrincipalTag/team} against ResourceTag", rule: ruleVars, req: []mod{resourceTags(map[string]string{"team": "blue"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:ResourceTag/team":"${aws:PrincipalTag/team}"}}`))}, want: Allow},
	{name: "${aws:PrincipalTag/team} other team", rule: ruleVars, req: []mod{resourceTags(map[string]string{"team": "red"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:ResourceTag/team":"${aws:PrincipalTag/team}"}}`))}, want: ImplicitDeny},
	{name: "principal tag key case-insensitive", rule: ruleKeysCase, req: []mod{resourceTags(map[string]string{"dept": "eng"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/DEPT":"${aws:principaltag/dept}"}}`))}, want: Allow},
	{name: "default value used", rule: ruleVarsDefault, req: []mod{set(KeyDescription, "shared")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:Description":"${aws:PrincipalTag/project, 'shared'}"}}`))}, want: Allow},
	{name: "default value not used when the key has one", rule: ruleVarsDefault, req: []mod{set(KeyDescription, "shared")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:Description":"${aws:PrincipalTag/team, 'shared'}"}}`))}, want: ImplicitDeny},
	{name: "${*} is a literal star", rule: ruleVarsEscape, req: []mod{set(KeyDescription, "a*b")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:Description":"a${*}b"}}`))}, want: Allow},
	{name: "${*} is not a wildcard", rule: ruleVarsEscape, req: []mod{set(KeyDescription, "axb")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:Description":"a${*}b"}}`))}, want: ImplicitDeny},
	{name: "${?} and ${$}", rule: ruleVarsEscape, req: []mod{set(KeyDescription, "why?$")},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:Description":"why${?}${$}"}}`))}, want: Allow},
	{name: "variable text is literal", rule: ruleVars, req: []mod{set(KeyDescription, "anything"), func(r *Request) { r.Principal.Tags = map[string]string{"team": "*"} }},
		identity: []string{doc(allowIf(`{"StringLike":{"secretsmanager:Description":"${aws:PrincipalTag/team}"}}`))}, want: ImplicitDeny},
	{name: "variable with no value, negated operator", rule: ruleVarsNoValue, req: []mod{set(KeyDescription, "x")},
		identity: []string{doc(allowIf(`{"StringNotEquals":{"secretsmanager:Description":"${aws:PrincipalTag/missing}"}}`))}, want: Allow},
	{name: "variable in an ARN condition", rule: ruleVars, req: []mod{set(KeyRotationLambdaARN, "arn:aws:lambda:us-east-1:111122223333:function:alice-rotator")},
		identity: []string{doc(allowIf(`{"ArnLike":{"secretsmanager:RotationLambdaARN":"arn:aws:lambda:*:${aws:PrincipalAccount}:function:${aws:username}-*"}}`))}, want: Allow},
	{name: "variables literal under 2008-10-17", rule: ruleVars2008, req: []mod{res(aliceHome)},
		identity: []string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `home/${aws:username}/*"}]}`}, want: ImplicitDeny},
	{name: "2008-10-17 matches the literal text", rule: ruleVars2008, req: []mod{res(secretArn + "home/${aws:username}/x-123456")},
		identity: []string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"` + secretArn + `home/${aws:username}/*"}]}`}, want: Allow},
	{name: "variables literal without Version", rule: ruleVars2008, req: []mod{set(KeyDescription, "alice")},
		identity: []string{`{"Statement":[` + allowIf(`{"StringEquals":{"secretsmanager:Description":"${aws:username}"}}`) + `]}`}, want: ImplicitDeny},

	// Resource tags.
	{name: "secretsmanager:ResourceTag", rule: ruleResourceTag, req: []mod{resourceTags(map[string]string{"team": "blue"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:ResourceTag/team":"blue"}}`))}, want: Allow},
	{name: "aws:ResourceTag", rule: ruleResourceTag, req: []mod{resourceTags(map[string]string{"team": "blue"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/team":"blue"}}`))}, want: Allow},
	{name: "ResourceTag other value", rule: ruleResourceTag, req: []mod{resourceTags(map[string]string{"team": "red"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/team":"blue"}}`))}, want: ImplicitDeny},
	{name: "ResourceTag absent", rule: ruleResourceTag,
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/team":"blue"}}`))}, want: ImplicitDeny},
	{name: "ResourceTag key case-insensitive", rule: ruleKeysCase, req: []mod{resourceTags(map[string]string{"Team": "blue"})},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:ResourceTag/team":"blue"}}`))}, want: Allow},
	{name: "Deny on ResourceTag env=prod", rule: ruleResourceTag, req: []mod{resourceTags(map[string]string{"env": "prod"})},
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}}`)}, want: ExplicitDeny},
	{name: "aws:RequestTag on CreateSecret", rule: ruleResourceTag,
		req:      []mod{act("secretsmanager:CreateSecret"), func(r *Request) { r.SetRequestTags(map[string]string{"team": "blue"}) }},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"},"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}`))}, want: Allow},

	// VersionStage.
	{name: "VersionStage condition, no stage in request", rule: ruleVersionStage,
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}`))}, want: ImplicitDeny},
	{name: "VersionStage condition, stage named", rule: ruleVersionStage, req: []mod{set(KeyVersionStage, "AWSCURRENT")},
		identity: []string{doc(allowIf(`{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}`))}, want: Allow},
	{name: "Deny unless AWSCURRENT, no stage", rule: ruleAbsentNeg,
		identity: []string{doc(allowAll, `{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringNotEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}}`)}, want: ExplicitDeny},

	// The principal's keys.
	{name: "aws:PrincipalAccount from the ARN", rule: ruleCondString,
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`))}, want: Allow},
	{name: "aws:userid", rule: ruleCondString,
		identity: []string{doc(allowIf(`{"StringLike":{"aws:userid":"AIDAALICE*"}}`))}, want: Allow},
	{name: "aws:username", rule: ruleCondString,
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:username":"alice"}}`))}, want: Allow},
	{name: "aws:PrincipalArn of a role session is the role", rule: ruleCondArn,
		req:      []mod{as("arn:aws:sts::111122223333:assumed-role/app/i-0123")},
		identity: []string{doc(allowIf(`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}`))}, want: Allow},
	{name: "Context overrides the principal's key", rule: ruleCondString, req: []mod{set(KeyUsername, "carol")},
		identity: []string{doc(allowIf(`{"StringEquals":{"aws:username":"carol"}}`))}, want: Allow},
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	if len(evalCases) < 110 {
		t.Fatalf("only %d evaluation cases", len(evalCases))
	}
	seen := map[string]bool{}
	for _, tc := range evalCases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			if tc.rule == "" {
				t.Fatal("case cites no rule")
			}
			var ids []*Policy
			for _, d := range tc.identity {
				ids = append(ids, mustIdentity(t, d))
			}
			var rp *Policy
			if tc.resource != "" {
				rp = mustResource(t, tc.resource)
			}
			req := baseRequest()
			for _, m := range tc.req {
				m(req)
			}
			d := Evaluate(req, ids, rp)
			if d.Kind != tc.want || d.Allowed != (tc.want == Allow) {
				t.Errorf("got %v (Allowed %v), want %v\nrule: %s", d, d.Allowed, tc.want, tc.rule)
			}
			if (d.Kind == ImplicitDeny) != (d.Source == NoPolicy) {
				t.Errorf("Kind %v with Source %v", d.Kind, d.Source)
			}
		})
	}
}

// TestNegatedIsComplement checks that, without IfExists and set operators,
// every negated operator is the exact complement of its positive form, for
// present and absent keys alike.
func TestNegatedIsComplement(t *testing.T) {
	t.Parallel()
	pairs := []struct{ pos, neg, key, val string }{
		{"StringEquals", "StringNotEquals", "secretsmanager:Name", "a"},
		{"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "secretsmanager:Name", "A"},
		{"StringLike", "StringNotLike", "secretsmanager:Name", "a*"},
		{"ArnLike", "ArnNotLike", "aws:SourceArn", "arn:aws:s3:::a*"},
		{"ArnEquals", "ArnNotEquals", "aws:SourceArn", "arn:aws:s3:::abc"},
		{"NumericEquals", "NumericNotEquals", "secretsmanager:Name", "5"},
		{"DateEquals", "DateNotEquals", "secretsmanager:Name", "2025-01-01T00:00:00Z"},
		{"IpAddress", "NotIpAddress", "secretsmanager:Name", "10.0.0.0/8"},
	}
	requests := [][]string{nil, {"a"}, {"abc"}, {"A"}, {"b"}, {"5"}, {"5.0"}, {"2025-01-01T00:00:00Z"}, {"10.1.1.1"}, {"arn:aws:s3:::abc"}, {"a", "b"}, {"x", "y"}}
	for _, p := range pairs {
		for _, vals := range requests {
			req := baseRequest()
			req.Set(p.key, vals...)
			req.Set("aws:SourceArn", vals...)
			eval := func(op string) bool {
				pol := mustIdentity(t, doc(allowIf(`{"`+op+`":{"`+p.key+`":"`+p.val+`"}}`)))
				return Evaluate(req, []*Policy{pol}, nil).Allowed
			}
			if eval(p.pos) == eval(p.neg) {
				t.Errorf("%s and %s agree (%v) on %q", p.pos, p.neg, eval(p.pos), vals)
			}
		}
	}
}

func TestSetTimeAndTags(t *testing.T) {
	t.Parallel()
	var r Request
	r.SetTime(time.Date(2025, 6, 1, 14, 0, 0, 0, time.FixedZone("x", 2*3600)))
	if got := r.Context["aws:currenttime"]; len(got) != 1 || got[0] != "2025-06-01T12:00:00Z" {
		t.Errorf("aws:CurrentTime = %q", got)
	}
	if got := r.Context["aws:epochtime"]; len(got) != 1 || got[0] != "1748779200" {
		t.Errorf("aws:EpochTime = %q", got)
	}
	r.SetRequestTags(map[string]string{"Team": "blue"})
	if got := r.Context["aws:requesttag/team"]; len(got) != 1 || got[0] != "blue" {
		t.Errorf("aws:RequestTag/team = %q", got)
	}
	if got := r.Context["aws:tagkeys"]; len(got) != 1 || got[0] != "Team" {
		t.Errorf("aws:TagKeys = %q", got)
	}
	r.Set(KeyTagKeys)
	if _, ok := r.Context["aws:tagkeys"]; ok {
		t.Error("Set with no values left the key")
	}
	if got := CreateSecretResource("aws", "eu-west-1", acct, "a/b"); got != "arn:aws:secretsmanager:eu-west-1:111122223333:secret:a/b-??????" {
		t.Errorf("CreateSecretResource = %q", got)
	}
	if !strings.HasSuffix(CreateSecretResource("aws-cn", "cn-north-1", acct, "x"), ":secret:x-??????") {
		t.Error("CreateSecretResource suffix")
	}
}
