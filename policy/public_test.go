package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestPublicAccess(t *testing.T) {
	t.Parallel()
	const act = `"Action":"secretsmanager:GetSecretValue","Resource":"*"`
	cases := []struct {
		name   string
		stmts  []string
		public bool
	}{
		{"Principal *", []string{`{"Effect":"Allow","Principal":"*",` + act + `}`}, true},
		{"AWS *", []string{`{"Effect":"Allow","Principal":{"AWS":"*"},` + act + `}`}, true},
		{"AWS * among others", []string{`{"Effect":"Allow","Principal":{"AWS":["123456789012","*"]},` + act + `}`}, true},
		{"an account", []string{`{"Effect":"Allow","Principal":{"AWS":"123456789012"},` + act + `}`}, false},
		{"a user", []string{`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},` + act + `}`}, false},
		{"a service", []string{`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},` + act + `}`}, false},
		{"Deny to everyone", []string{`{"Effect":"Deny","Principal":"*",` + act + `}`}, false},
		{"Allow with NotPrincipal", []string{`{"Effect":"Allow","NotPrincipal":{"AWS":"` + alice + `"},` + act + `}`}, true},
		{"Allow with NotPrincipal *", []string{`{"Effect":"Allow","NotPrincipal":"*",` + act + `}`}, false},
		{"no Secrets Manager action", []string{`{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}`}, false},
		{"NotAction leaves Secrets Manager actions", []string{`{"Effect":"Allow","Principal":"*","NotAction":"kms:*","Resource":"*"}`}, true},
		{"NotAction covers all of Secrets Manager", []string{`{"Effect":"Allow","Principal":"*","NotAction":"secretsmanager:*","Resource":"*"}`}, false},
		{"public among private", []string{`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},` + act + `}`, `{"Effect":"Allow","Principal":"*","Action":"secretsmanager:Describe*","Resource":"*"}`}, true},
		{"pinned by aws:SourceAccount", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}`}, false},
		{"pinned by aws:SourceArn", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:lambda:us-east-1:123456789012:function:f"}}}`}, false},
		{"pinned by aws:SourceVpc", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1234"}}}`}, false},
		{"pinned by aws:SourceVpce", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEquals":{"aws:sourcevpce":["vpce-1","vpce-2"]}}}`}, false},
		{"pinned by aws:PrincipalAccount", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}`}, false},
		{"pinned by aws:PrincipalOrgID", []string{`{"Effect":"Allow","Principal":{"AWS":"*"},` + act + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`}, false},
		{"pinned with ForAnyValue", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`}, false},
		{"pinned among other conditions", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}`}, false},
		{"pinned by aws:PrincipalArn (ArnEquals)", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app"}}}`}, false},
		{"pinned by aws:PrincipalArn (StringEquals, two)", []string{`{"Effect":"Allow","Principal":{"AWS":"*"},` + act + `,"Condition":{"StringEquals":{"aws:PrincipalArn":["arn:aws:iam::123456789012:user/a","arn:aws:iam::123456789012:user/b"]}}}`}, false},
		{"pinned by aws:PrincipalArn, wildcard after the account", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app-*"}}}`}, false},
		{"aws:PrincipalArn with a wildcard account", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}}`}, true},
		{"aws:PrincipalArn that is not an ARN", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringLike":{"aws:PrincipalArn":"*"}}}`}, true},
		{"aws:PrincipalArn negated", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app"}}}`}, true},
		{"wildcard value", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringLike":{"aws:PrincipalAccount":"1234*"}}}`}, true},
		{"wildcard account in ARN", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:*:function:f"}}}`}, true},
		{"negated operator", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}}`}, true},
		{"IfExists", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}}`}, true},
		{"ForAllValues", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`}, true},
		{"variable value", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"StringEquals":{"aws:PrincipalAccount":"${aws:PrincipalAccount}"}}}`}, true},
		{"other key", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`}, true},
		{"Null is no pin", []string{`{"Effect":"Allow","Principal":"*",` + act + `,"Condition":{"Null":{"aws:PrincipalAccount":"false"}}}`}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustResource(t, doc(tc.stmts...))
			if got := PublicAccess(p); got != tc.public {
				t.Errorf("PublicAccess = %v, want %v", got, tc.public)
			}
			findings, err := Validate([]byte(doc(tc.stmts...)))
			if err != nil {
				t.Fatal(err)
			}
			broad := false
			for _, f := range findings {
				broad = broad || f.CheckName == CheckBroadAccess
			}
			if broad != tc.public {
				t.Errorf("Validate findings %+v; want broad access %v", findings, tc.public)
			}
		})
	}
	if PublicAccess(nil) {
		t.Error("PublicAccess(nil)")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	findings, err := Validate([]byte(doc(
		`{"Sid":"Team","Effect":"Allow","Principal":{"AWS":"`+alice+`"},"Action":"secretsmanager:*","Resource":"*"}`,
		`{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}`)))
	if err != nil {
		t.Fatal(err)
	}
	want := Finding{
		CheckName:    CheckBroadAccess,
		ErrorMessage: `Statement[1] (Sid "Everyone") allows every principal access to the secret. Name accounts, users or roles in Principal, or pin it with a condition on aws:SourceAccount, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:PrincipalAccount or aws:PrincipalOrgID.`,
	}
	if len(findings) != 1 || findings[0] != want {
		t.Errorf("findings %+v\nwant [%+v]", findings, want)
	}

	// Lockout: no one could change or remove the policy.
	for _, tc := range []struct {
		name    string
		stmts   []string
		lockout bool
	}{
		{"deny both to everyone", []string{`{"Effect":"Deny","Principal":"*","Action":["secretsmanager:PutResourcePolicy","secretsmanager:DeleteResourcePolicy"],"Resource":"*"}`}, true},
		{"deny both in two statements", []string{`{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"secretsmanager:PutResourcePolicy"}`, `{"Sid":"Del","Effect":"Deny","Principal":"*","Action":"secretsmanager:*ResourcePolicy","Resource":"*"}`}, true},
		{"deny everything", []string{`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`}, true},
		{"deny Put only", []string{`{"Effect":"Deny","Principal":"*","Action":"secretsmanager:PutResourcePolicy","Resource":"*"}`}, false},
		{"deny with a condition", []string{`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"` + alice + `"}}}`}, false},
		{"deny to one account", []string{`{"Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}`}, false},
		{"deny on another resource", []string{`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"` + prodOther + `"}`}, false},
		{"deny with NotAction sparing Delete", []string{`{"Effect":"Deny","Principal":"*","NotAction":"secretsmanager:DeleteResourcePolicy","Resource":"*"}`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			findings, err := Validate([]byte(doc(tc.stmts...)))
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, f := range findings {
				if f.CheckName == CheckLockout {
					got = true
					if !strings.Contains(f.ErrorMessage, "no one could change or remove this policy") {
						t.Errorf("message %q", f.ErrorMessage)
					}
				}
			}
			if got != tc.lockout {
				t.Errorf("lockout finding %v, want %v (%+v)", got, tc.lockout, findings)
			}
		})
	}

	if _, err := Validate([]byte(`{"Statement":[]}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("Validate of a malformed document: %v", err)
	}
	if f, err := Validate([]byte(doc(`{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"*"}`))); err != nil || len(f) != 0 {
		t.Errorf("a good policy: %v, %v", f, err)
	}
}
