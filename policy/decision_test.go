package policy

import "testing"

func TestDecisionExplains(t *testing.T) {
	t.Parallel()
	ids := []*Policy{
		mustIdentity(t, doc(`{"Sid":"ReadAll","Effect":"Allow","Action":"secretsmanager:Get*","Resource":"*"}`)),
		mustIdentity(t, doc(
			`{"Effect":"Allow","Action":"secretsmanager:Describe*","Resource":"*"}`,
			`{"Sid":"NoProdOther","Effect":"Deny","Action":"*","Resource":"`+secretArn+`prod/other/*"}`)),
	}
	rp := mustResource(t, doc(
		`{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"`+bob+`"},"Action":"secretsmanager:PutSecretValue","Resource":"*"}`,
		`{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}`))

	cases := []struct {
		name    string
		req     *Request
		want    Decision
		message string
		str     string
	}{
		{
			name: "allowed by identity policy",
			req:  &Request{Action: getValue, Resource: prodApp, Principal: Principal{Arn: alice}},
			want: Decision{Allowed: true, Kind: Allow, Source: IdentityPolicy, Policy: 0, Statement: 0, Sid: "ReadAll"},
			str:  `Allow by statement "ReadAll" (Statement[0]) of identity-based policy #0`,
		},
		{
			name:    "explicit deny in an identity-based policy",
			req:     &Request{Action: getValue, Resource: prodOther, Principal: Principal{Arn: alice}},
			want:    Decision{Kind: ExplicitDeny, Source: IdentityPolicy, Policy: 1, Statement: 1, Sid: "NoProdOther"},
			message: "User: " + alice + " is not authorized to perform: secretsmanager:GetSecretValue on resource: " + prodOther + " with an explicit deny in an identity-based policy",
			str:     `ExplicitDeny by statement "NoProdOther" (Statement[1]) of identity-based policy #1`,
		},
		{
			name:    "explicit deny in a resource-based policy",
			req:     &Request{Action: "secretsmanager:DeleteSecret", Resource: prodApp, Principal: Principal{Arn: alice}},
			want:    Decision{Kind: ExplicitDeny, Source: ResourcePolicy, Statement: 1, Sid: "NoDelete"},
			message: "User: " + alice + " is not authorized to perform: secretsmanager:DeleteSecret on resource: " + prodApp + " with an explicit deny in a resource-based policy",
			str:     `ExplicitDeny by statement "NoDelete" (Statement[1]) of the resource-based policy`,
		},
		{
			name:    "implicit deny",
			req:     &Request{Action: "secretsmanager:PutSecretValue", Resource: prodApp, Principal: Principal{Arn: alice}},
			want:    Decision{Kind: ImplicitDeny, Source: NoPolicy},
			message: "User: " + alice + " is not authorized to perform: secretsmanager:PutSecretValue on resource: " + prodApp + " because no identity-based policy allows the secretsmanager:PutSecretValue action",
			str:     `ImplicitDeny: no statement allows secretsmanager:PutSecretValue on ` + prodApp,
		},
		{
			name:    "implicit deny on no resource",
			req:     &Request{Action: "secretsmanager:ListSecrets", Resource: "*", Principal: Principal{Arn: alice}},
			want:    Decision{Kind: ImplicitDeny, Source: NoPolicy},
			message: "User: " + alice + " is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action",
		},
		{
			name: "allowed by the resource policy",
			req:  &Request{Action: "secretsmanager:PutSecretValue", Resource: prodApp, Principal: Principal{Arn: bob}},
			want: Decision{Allowed: true, Kind: Allow, Source: ResourcePolicy, Statement: 0, Sid: "Bob"},
			str:  `Allow by statement "Bob" (Statement[0]) of the resource-based policy`,
		},
		{
			name:    "a later deny overrides an earlier allow",
			req:     &Request{Action: "secretsmanager:GetSecretValue", Resource: prodOther, Principal: Principal{Arn: bob}},
			want:    Decision{Kind: ExplicitDeny, Source: IdentityPolicy, Policy: 1, Statement: 1, Sid: "NoProdOther"},
			message: "User: " + bob + " is not authorized to perform: secretsmanager:GetSecretValue on resource: " + prodOther + " with an explicit deny in an identity-based policy",
		},
		{
			name:    "anonymous",
			req:     &Request{Action: "secretsmanager:PutSecretValue", Resource: prodApp},
			want:    Decision{Kind: ImplicitDeny},
			message: "User: anonymous is not authorized to perform: secretsmanager:PutSecretValue on resource: " + prodApp + " because no identity-based policy allows the secretsmanager:PutSecretValue action",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(tc.req, ids, rp)
			got := d
			got.principal, got.action, got.resource = "", "", ""
			if got != tc.want {
				t.Errorf("decision\n got %+v\nwant %+v", got, tc.want)
			}
			if d.Message() != tc.message {
				t.Errorf("Message()\n got %q\nwant %q", d.Message(), tc.message)
			}
			if tc.str != "" && d.String() != tc.str {
				t.Errorf("String()\n got %q\nwant %q", d.String(), tc.str)
			}
		})
	}
}

func TestEvaluateNils(t *testing.T) {
	t.Parallel()
	p := mustIdentity(t, doc(allowAll))
	if d := Evaluate(nil, []*Policy{nil, p}, nil); d.Allowed {
		t.Errorf("a nil request was allowed: %v", d)
	}
	if d := Evaluate(baseRequest(), []*Policy{nil, p}, nil); !d.Allowed || d.Policy != 1 {
		t.Errorf("nil entries not skipped: %v", d)
	}
	// An identity policy in the resource position has no principals and so
	// applies to no one.
	if d := Evaluate(baseRequest(), nil, p); d.Allowed {
		t.Errorf("identity policy as resource policy allowed: %v", d)
	}
}

func TestKindAndSourceStrings(t *testing.T) {
	t.Parallel()
	for k, want := range map[Kind]string{ImplicitDeny: "ImplicitDeny", Allow: "Allow", ExplicitDeny: "ExplicitDeny", 9: "Kind(9)"} {
		if k.String() != want {
			t.Errorf("Kind %d: %q", k, k.String())
		}
	}
	for s, want := range map[Source]string{NoPolicy: "none", IdentityPolicy: "identity-based policy", ResourcePolicy: "resource-based policy", 7: "Source(7)"} {
		if s.String() != want {
			t.Errorf("Source %d: %q", s, s.String())
		}
	}
}
