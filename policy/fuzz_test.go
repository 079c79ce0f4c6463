package policy

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are policy documents that reach every part of the parser.
var fuzzSeeds = []string{
	doc(allowAll),
	doc(`{"Sid":"A","Effect":"Deny","NotAction":["secretsmanager:Get*","kms:?ecrypt"],"NotResource":"arn:aws:secretsmanager:*:*:secret:prod/${aws:username}/*"}`),
	doc(allowIf(`{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team, 'x'}"},"ForAllValues:StringLike":{"aws:TagKeys":["a*","${*}${?}${$}"]}}`)),
	doc(allowIf(`{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:lambda:*:${aws:PrincipalAccount}:function:*"},"NumericLessThan":{"a:n":"10.5"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`)),
	doc(allowIf(`{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Null":{"a:b":"true"},"Bool":{"aws:SecureTransport":true},"BinaryEquals":{"a:c":"QQ=="}}`)),
	doc(`{"Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/p/r","AIDAJQABLZS4A3QDU576Q"],"Service":"s.amazonaws.com"},"Action":"*"}`,
		`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"*","Resource":"*"}`),
	`{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
	`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringNotEqualsIgnoreCase":{"a:b":["x",1,true]}}}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny"}]}`,
	`{"Version":"2012-10-17","Statement":[[[[[[{}]]]]]]}`,
	`[`, `{}`, `null`, `"x"`, ``,
}

// FuzzParse feeds arbitrary documents to both parsers. No input may panic
// them; an error is always a *MalformedError; and a policy that parses
// evaluates, and is checked for public access, without panicking.
//
//	go test ./policy -run=^$ -fuzz=FuzzParse -fuzztime=60s
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	reqs := fuzzRequests()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) (*Policy, error){ParseIdentity, ParseResource} {
			p, err := parse(data)
			if err != nil {
				var me *MalformedError
				if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) || p != nil {
					t.Fatalf("error %T %v with policy %v", err, err, p)
				}
				if strings.TrimSpace(me.Reason) == "" {
					t.Fatalf("error with no reason: %#v", me)
				}
				continue
			}
			for _, req := range reqs {
				d := Evaluate(req, []*Policy{p}, p)
				if d.Allowed != (d.Kind == Allow) {
					t.Fatalf("Allowed %v with Kind %v", d.Allowed, d.Kind)
				}
				_ = d.Message()
				_ = d.String()
			}
			PublicAccess(p)
			if _, err := Validate(data); err != nil && p.resource {
				t.Fatalf("Validate failed on a document ParseResource accepted: %v", err)
			}
		}
	})
}

func fuzzRequests() []*Request {
	a := baseRequest()
	a.SetResourceTags(map[string]string{"team": "blue"})
	a.Set(KeyTagKeys, "a", "b")
	a.Set(KeySourceIP, "10.1.2.3")
	a.Set(KeyCurrentTime, "2025-01-01T00:00:00Z")
	a.Set("a:n", "5")
	r := &Request{Action: "secretsmanager:CreateSecret", Resource: CreateSecretResource("aws", "us-east-1", acct, "x"),
		Principal: Principal{Arn: "arn:aws:sts::111122223333:assumed-role/r/s", UserID: "AROAX:s"}}
	return []*Request{a, r, {}, {Principal: Principal{Arn: rootArn}}}
}

// FuzzEvaluate evaluates arbitrary requests against fixed policies. No
// request may panic Evaluate, and the outcome must be one IAM allows: an
// explicit deny never reports Allowed, and the deciding statement exists.
//
//	go test ./policy -run=^$ -fuzz=FuzzEvaluate -fuzztime=60s
func FuzzEvaluate(f *testing.F) {
	var identity []*Policy
	for _, s := range fuzzSeeds {
		if p, err := ParseIdentity([]byte(s)); err == nil {
			identity = append(identity, p)
		}
	}
	resource := mustResource(f, fuzzSeeds[5])
	f.Add(getValue, prodApp, alice, "", "alice", "AIDAX", "team", "blue", "aws:SourceIp", "10.0.0.1")
	f.Add("secretsmanager:CreateSecret", CreateSecretResource("aws", "us-east-1", acct, "a"), "arn:aws:sts::111122223333:assumed-role/r/s", "", "", "AROAX:s", "", "", "aws:TagKeys", "a")
	f.Add("*", "*", rootArn, acct, "", "", "x", "", "aws:currenttime", "2025-01-01")
	f.Add("", "", "arn:", "", "", "", "", "", "", "")
	f.Add("SECRETSMANAGER:get?", "arn:aws:secretsmanager:*:*:secret:${aws:username}", "arn:aws:iam::1:user/${x}", "1", "${*}", "A:B:C", "T", "*", "a:n", "1e400")
	f.Fuzz(func(t *testing.T, action, res, arn, account, username, userID, tagKey, tagValue, key, value string) {
		req := &Request{
			Action:   action,
			Resource: res,
			Principal: Principal{Arn: arn, Account: account, Username: username, UserID: userID,
				Tags: map[string]string{tagKey: tagValue}},
			Context: map[string][]string{key: {value}, strings.ToUpper(key): {value, tagValue}},
		}
		req.SetResourceTags(map[string]string{tagKey: tagValue})
		d := Evaluate(req, identity, resource)
		switch d.Kind {
		case Allow, ExplicitDeny:
			if d.Source == IdentityPolicy && (d.Policy < 0 || d.Policy >= len(identity) || d.Statement >= len(identity[d.Policy].stmts)) {
				t.Fatalf("deciding statement out of range: %+v", d)
			}
			if d.Source == ResourcePolicy && d.Statement >= len(resource.stmts) {
				t.Fatalf("deciding statement out of range: %+v", d)
			}
		case ImplicitDeny:
			if d.Source != NoPolicy {
				t.Fatalf("implicit deny from %v", d.Source)
			}
		default:
			t.Fatalf("kind %v", d.Kind)
		}
		if d.Allowed != (d.Kind == Allow) {
			t.Fatalf("Allowed %v with Kind %v", d.Allowed, d.Kind)
		}
		if msg := d.Message(); d.Allowed != (msg == "") {
			t.Fatalf("Message %q for Allowed %v", msg, d.Allowed)
		}
	})
}
