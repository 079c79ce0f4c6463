package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	const ok = `{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}`
	const okR = `{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}`
	cases := []struct {
		name     string
		resource bool   // parse as a resource policy
		doc      string // the document
		want     string // the error message, in full
	}{
		{"not JSON", false, `{"Version":`, `the policy document is not valid JSON: unexpected end of JSON input (at byte 11)`},
		{"trailing garbage", false, doc(ok) + `x`, `the policy document is not valid JSON: invalid character 'x' after top-level value (at byte 101)`},
		{"empty", false, " \n", `the policy document is empty`},
		{"array document", false, `[]`, `the policy document must be a JSON object, not a list`},
		{"string document", false, `"x"`, `the policy document must be a JSON object, not a string`},
		{"unknown top-level key", false, `{"Version":"2012-10-17","Statement":[` + ok + `],"Extra":1}`, `unknown element "Extra"; a policy has only Version, Id and Statement`},
		{"lower-case key", false, `{"version":"2012-10-17","Statement":[` + ok + `]}`, `unknown element "version"; a policy has only Version, Id and Statement`},
		{"bad version", false, `{"Version":"2013-01-01","Statement":[` + ok + `]}`, `Version: "2013-01-01" is not a policy language version; use "2012-10-17"`},
		{"version number", false, `{"Version":2012,"Statement":[` + ok + `]}`, `Version: must be a string, not a number`},
		{"Id not a string", false, `{"Id":{},"Statement":[` + ok + `]}`, `Id: must be a string, not an object`},
		{"no Statement", false, `{"Version":"2012-10-17"}`, `Statement: missing; a policy needs at least one statement`},
		{"empty Statement list", false, `{"Version":"2012-10-17","Statement":[]}`, `Statement: is empty; a policy needs at least one statement`},
		{"Statement a string", false, `{"Version":"2012-10-17","Statement":"x"}`, `Statement: must be a statement object or a list of them, not a string`},
		{"statement not an object", false, doc(ok, `3`), `Statement[1]: must be a JSON object, not a number`},
		{"duplicate key", false, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, `Statement: the key "Effect" appears twice in Statement; write each key once`},
		{"duplicate top-level key", false, `{"Version":"2012-10-17","Version":"2012-10-17","Statement":[` + ok + `]}`, `the key "Version" appears twice in the policy document; write each key once`},
		{"unknown statement key", false, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Resources":"*"}`), `Statement[0]: unknown element "Resources"; a statement has Sid, Effect, Action or NotAction, Resource or NotResource, Principal or NotPrincipal, and Condition`},
		{"no Effect", false, doc(`{"Action":"*","Resource":"*"}`), `Statement[0].Effect: missing; write "Allow" or "Deny"`},
		{"bad Effect", false, doc(ok, ok, `{"Effect":"allow","Action":"*","Resource":"*"}`), `Statement[2].Effect: must be "Allow" or "Deny", not "allow"`},
		{"Effect not a string", false, doc(`{"Effect":true,"Action":"*","Resource":"*"}`), `Statement[0].Effect: must be a string, not a boolean`},
		{"Sid not a string", false, doc(`{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}`), `Statement[0].Sid: must be a string, not a number`},
		{"duplicate Sid", false, doc(`{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}`, `{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}`), `Statement[1].Sid: "A" is also the Sid of Statement[0]; statement IDs in a policy must be unique`},
		{"no Action", false, doc(`{"Effect":"Allow","Resource":"*"}`), `Statement[0]: has neither Action nor NotAction; a statement needs exactly one`},
		{"Action and NotAction", false, doc(`{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}`), `Statement[0]: has both Action and NotAction; a statement needs exactly one`},
		{"Action without prefix", false, doc(`{"Effect":"Allow","Action":["secretsmanager:Get*","GetSecretValue"],"Resource":"*"}`), `Statement[0].Action[1]: "GetSecretValue" has no service prefix; write actions as "secretsmanager:GetSecretValue"`},
		{"Action empty prefix", false, doc(`{"Effect":"Allow","Action":":Get","Resource":"*"}`), `Statement[0].Action: ":Get" has an empty service prefix; write actions as "secretsmanager:GetSecretValue"`},
		{"Action no name", false, doc(`{"Effect":"Allow","Action":"secretsmanager:","Resource":"*"}`), `Statement[0].Action: "secretsmanager:" names no action after the service prefix`},
		{"Action empty list", false, doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), `Statement[0].Action: is an empty list; name at least one value`},
		{"Action empty string", false, doc(`{"Effect":"Allow","Action":"","Resource":"*"}`), `Statement[0].Action: is an empty string`},
		{"Action number", false, doc(`{"Effect":"Allow","Action":5,"Resource":"*"}`), `Statement[0].Action: must be a string or a list of strings, not a number`},
		{"Action list of objects", false, doc(`{"Effect":"Allow","Action":[{}],"Resource":"*"}`), `Statement[0].Action[0]: must be a string, not an object`},
		{"NotAction null", false, doc(`{"Effect":"Allow","NotAction":null,"Resource":"*"}`), `Statement[0].NotAction: must be a string or a list of strings, not null`},
		{"no Resource in identity policy", false, doc(`{"Effect":"Allow","Action":"*"}`), `Statement[0]: has neither Resource nor NotResource; a statement in an identity-based policy needs exactly one`},
		{"Resource and NotResource", false, doc(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), `Statement[0]: has both Resource and NotResource; a statement needs at most one`},
		{"Resource not an ARN", false, doc(`{"Effect":"Allow","Action":"*","Resource":"prod/app"}`), `Statement[0].Resource: "prod/app" must be an ARN (arn:partition:service:region:account:resource) or "*"`},
		{"Principal in identity policy", false, doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), `Statement[0].Principal: not allowed in an identity-based policy: it applies to the identity it is attached to`},
		{"NotPrincipal in identity policy", false, doc(`{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*"}`), `Statement[0].NotPrincipal: not allowed in an identity-based policy: it applies to the identity it is attached to`},
		{"no Principal in resource policy", true, doc(ok), `Statement[0]: has neither Principal nor NotPrincipal; a statement in a resource-based policy must name whom it applies to with one of them`},
		{"Principal and NotPrincipal", true, doc(`{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"*"}`), `Statement[0]: has both Principal and NotPrincipal; a statement needs exactly one`},
		{"Principal string not *", true, doc(`{"Effect":"Allow","Principal":"alice","Action":"*"}`), `Statement[0].Principal: "alice" is not a principal; write "*" or an object such as {"AWS": "arn:aws:iam::123456789012:user/name"}`},
		{"Principal list", true, doc(`{"Effect":"Allow","Principal":["*"],"Action":"*"}`), `Statement[0].Principal: must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:user/name"}, not a list`},
		{"Principal empty object", true, doc(`{"Effect":"Allow","Principal":{},"Action":"*"}`), `Statement[0].Principal: names no principal`},
		{"unknown principal type", true, doc(`{"Effect":"Allow","Principal":{"User":"alice"},"Action":"*"}`), `Statement[0].Principal: unknown principal type "User"; use AWS, Service, Federated or CanonicalUser`},
		{"AWS principal not an ARN", true, doc(`{"Effect":"Allow","Principal":{"AWS":["123456789012","alice"]},"Action":"*"}`), `Statement[0].Principal.AWS[1]: "alice" is not an account ID, an ARN or "*"`},
		{"partial wildcard principal", true, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"*"}`), `Statement[0].Principal.AWS: "arn:aws:iam::123456789012:user/*": a wildcard may stand only for every principal, as "*"; name accounts, users and roles in full`},
		{"AWS principal empty list", true, doc(`{"Effect":"Allow","Principal":{"AWS":[]},"Action":"*"}`), `Statement[0].Principal.AWS: is an empty list; name at least one value`},
		{"Condition not an object", false, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), `Statement[0].Condition: must be a JSON object, not a list`},
		{"unknown operator", false, doc(allowIf(`{"StringEqualz":{"aws:username":"a"}}`)), `Statement[0].Condition: unknown condition operator "StringEqualz"; see "IAM JSON policy elements: Condition operators" for the list`},
		{"unknown set operator", false, doc(allowIf(`{"ForSomeValues:StringEquals":{"aws:username":"a"}}`)), `Statement[0].Condition: unknown condition operator "ForSomeValues:StringEquals"; see "IAM JSON policy elements: Condition operators" for the list`},
		{"NullIfExists", false, doc(allowIf(`{"NullIfExists":{"aws:username":"true"}}`)), `Statement[0].Condition: "NullIfExists" is not a condition operator: Null takes neither IfExists nor ForAnyValue:/ForAllValues:`},
		{"ForAllValues:Null", false, doc(allowIf(`{"ForAllValues:Null":{"aws:TagKeys":"true"}}`)), `Statement[0].Condition: "ForAllValues:Null" is not a condition operator: Null takes neither IfExists nor ForAnyValue:/ForAllValues:`},
		{"operator body not an object", false, doc(allowIf(`{"StringEquals":"x"}`)), `Statement[0].Condition.StringEquals: must be a JSON object, not a string`},
		{"key without prefix", false, doc(allowIf(`{"StringEquals":{"username":"a"}}`)), `Statement[0].Condition.StringEquals: "username" is not a condition key; keys have a service prefix, as in "secretsmanager:SecretId" or "aws:SourceIp"`},
		{"condition value null", false, doc(allowIf(`{"StringEquals":{"aws:username":null}}`)), `Statement[0].Condition.StringEquals["aws:username"]: must be a string, a number or a boolean, not null`},
		{"condition value object", false, doc(allowIf(`{"StringEquals":{"aws:username":["a",{}]}}`)), `Statement[0].Condition.StringEquals["aws:username"][1]: must be a string, a number or a boolean, not an object`},
		{"condition empty list", false, doc(allowIf(`{"StringEquals":{"aws:username":[]}}`)), `Statement[0].Condition.StringEquals["aws:username"]: is an empty list; give at least one value`},
		{"bad number", false, doc(allowIf(`{"NumericLessThan":{"s3:max-keys":"ten"}}`)), `Statement[0].Condition.NumericLessThan["s3:max-keys"]: "ten" is not a number; write an integer or a decimal such as "10" or "2.5"`},
		{"bad date", false, doc(allowIf(`{"DateLessThan":{"aws:CurrentTime":["2025-01-01","tomorrow"]}}`)), `Statement[0].Condition.DateLessThan["aws:CurrentTime"][1]: "tomorrow" is not a date; write ISO 8601 ("2025-01-31T12:00:00Z") or seconds since the epoch`},
		{"bad bool", false, doc(allowIf(`{"Bool":{"aws:SecureTransport":"yes"}}`)), `Statement[0].Condition.Bool["aws:SecureTransport"]: "yes" is not a boolean; write "true" or "false"`},
		{"bad Null value", false, doc(allowIf(`{"Null":{"aws:username":"maybe"}}`)), `Statement[0].Condition.Null["aws:username"]: "maybe" is not a boolean; write "true" or "false"`},
		{"bad CIDR", false, doc(allowIf(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}`)), `Statement[0].Condition.IpAddress["aws:SourceIp"]: "10.0.0.0/33" is not an IP address or CIDR block; write "203.0.113.0/24" or "2001:db8::/32"`},
		{"bad base64", false, doc(allowIf(`{"BinaryEquals":{"x:key":"!!"}}`)), `Statement[0].Condition.BinaryEquals["x:key"]: "!!" is not base64: illegal base64 data at input byte 0`},
		{"duplicate operator", false, doc(allowIf(`{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}`)), `Statement[0].Condition: the key "Bool" appears twice in Statement[0].Condition; write each key once`},
		{"lone statement path", false, `{"Version":"2012-10-17","Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`, `Statement.Effect: must be "Allow" or "Deny", not "Maybe"`},
		{"resource policy, bad Resource", true, doc(okR, `{"Effect":"Allow","Principal":"*","Action":"*","Resource":["*","secret"]}`), `Statement[1].Resource[1]: "secret" must be an ARN (arn:partition:service:region:account:resource) or "*"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parse := ParseIdentity
			if tc.resource {
				parse = ParseResource
			}
			p, err := parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("parsed %s", tc.doc)
			}
			if p != nil {
				t.Error("a policy came with the error")
			}
			var me *MalformedError
			if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) {
				t.Errorf("error %T does not unwrap to *MalformedError and ErrMalformed", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseAccepted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		resource bool
		doc      string
	}{
		{"Statement as an object", false, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`},
		{"no Version", false, `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"Version 2008-10-17 and Id", false, `{"Version":"2008-10-17","Id":"p1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"lists everywhere", false, doc(`{"Sid":"","Effect":"Deny","NotAction":["secretsmanager:Get*","secretsmanager:Describe*"],"NotResource":["arn:aws:secretsmanager:*:*:secret:a*","arn:aws:secretsmanager:*:*:secret:b*"]}`)},
		{"whitespace and key order", false, " \n{ \"Statement\" : [ { \"Resource\" : \"*\" , \"Action\" : \"*\" , \"Effect\" : \"Allow\" } ] , \"Version\" : \"2012-10-17\" }\n"},
		{"every operator", false, doc(allowIf(`{
			"StringEquals":{"a:k":"v"},"StringNotEquals":{"a:k":["v","w"]},"StringEqualsIgnoreCase":{"a:k":"v"},"StringNotEqualsIgnoreCase":{"a:k":"v"},
			"StringLike":{"a:k":"v*"},"StringNotLike":{"a:k":"v?"},"ArnEquals":{"a:k":"arn:aws:s3:::b"},"ArnLike":{"a:k":"arn:*:s3:::b*"},
			"ArnNotEquals":{"a:k":"arn:aws:s3:::b"},"ArnNotLike":{"a:k":"arn:aws:s3:::*"},"Bool":{"a:k":true},"Null":{"a:k":false},
			"NumericEquals":{"a:k":1},"NumericNotEquals":{"a:k":"-1"},"NumericLessThan":{"a:k":"1.5"},"NumericLessThanEquals":{"a:k":2},
			"NumericGreaterThan":{"a:k":0},"NumericGreaterThanEquals":{"a:k":"+3"},"DateEquals":{"a:k":"2025-01-01T00:00:00Z"},
			"DateNotEquals":{"a:k":1700000000},"DateLessThan":{"a:k":"2025-01-01"},"DateLessThanEquals":{"a:k":"2025-01-01T00:00:00.123+01:00"},
			"DateGreaterThan":{"a:k":"2025-01-01T00:00"},"DateGreaterThanEquals":{"a:k":"20250101T000000Z"},"IpAddress":{"a:k":["10.0.0.0/8","::1"]},
			"NotIpAddress":{"a:k":"2001:db8::/32"},"BinaryEquals":{"a:k":"QmluYXJ5"},
			"StringEqualsIfExists":{"a:k":"v"},"ForAnyValue:StringLike":{"a:k":"v"},"ForAllValues:StringNotEqualsIfExists":{"a:k":"v"},
			"forallvalues:stringequals":{"a:k":"v"}}`))},
		{"empty Condition", false, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}`)},
		{"resource policy without Resource", true, doc(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"secretsmanager:GetSecretValue"}`)},
		{"every principal form", true, doc(`{"Effect":"Allow","Principal":{"AWS":["*","123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/a","arn:aws:iam::123456789012:role/p/r","arn:aws:sts::123456789012:assumed-role/r/s","AIDAJQABLZS4A3QDU576Q"],"Service":["secretsmanager.amazonaws.com"],"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"*"}`)},
		{"NotPrincipal", true, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/a","123456789012"]},"Action":"*","Resource":"*"}`)},
		{"malformed variables are values", false, doc(allowIf(`{"StringEquals":{"a:k":["${","${}","${a:b, x}","${a:b, 'x'''}","${ a:b , 'y' }"]}}`))},
		{"unicode and escapes", false, doc(`{"Sid":"caf\u00e9","Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:*:secret:\u00e9t\u00e9\\*"}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parse := ParseIdentity
			if tc.resource {
				parse = ParseResource
			}
			p, err := parse([]byte(tc.doc))
			if err != nil {
				t.Fatalf("error: %v\n%s", err, tc.doc)
			}
			if len(p.stmts) == 0 {
				t.Fatal("no statements")
			}
			Evaluate(baseRequest(), []*Policy{p}, p) // must not panic
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"2012-10-17", "2008-10-17", ""} {
		d := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
		if v != "" {
			d = `{"Version":"` + v + `","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
		}
		if got := mustIdentity(t, d).Version(); got != v {
			t.Errorf("Version() = %q, want %q", got, v)
		}
	}
}

// TestParseDeepNesting checks that a deeply nested document is refused
// quickly, not by exhausting the stack.
func TestParseDeepNesting(t *testing.T) {
	t.Parallel()
	const depth = 1 << 20
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	for _, d := range []string{
		deep,
		`{"Version":"2012-10-17","Statement":` + deep + `}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":` + deep + `}}}]}`,
	} {
		if _, err := ParseIdentity([]byte(d)); err == nil {
			t.Errorf("parsed a document nested %d deep", depth)
		}
	}
}
