package secretstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

func mustIdentityPolicy(t testing.TB, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.ParseIdentity([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	appArn   = "arn:aws:iam::123456789012:user/app"
	otherArn = "arn:aws:iam::123456789012:user/other"
)

// TestPrincipalViews checks the decisions of views bound to principals on
// every kind of request: the identity policy, a tag condition, a resource
// policy that lets a second principal in, an explicit Deny that beats an
// Allow, and that a denial changes nothing and reveals nothing.
func TestPrincipalViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var events []Event
	s, _ := newTestStore(t, func(o *Options) {
		o.OnEvent = func(ev Event) { mu.Lock(); events = append(events, ev); mu.Unlock() }
	})
	mustCreate(t, s, "prod/app/db", "app db")
	mustCreate(t, s, "prod/pay/db", "pay db")
	mustCreate(t, s, "prod/app/blocked", "blocked")
	mustTag(t, s, "prod/pay/db", Tag{Key: "team", Value: "payments"})
	if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "prod/pay/db", ResourcePolicy: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"` + otherArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	app := s.As(&Principal{Arn: appArn, Policies: []*policy.Policy{
		mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":[
			{"Sid":"ReadApp","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:123456789012:secret:prod/app/*"},
			{"Sid":"NotThatOne","Effect":"Deny","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:prod/app/blocked-*"}]}`),
	}})
	tagged := s.As(&Principal{Arn: "arn:aws:iam::123456789012:user/payer", Policies: []*policy.Policy{
		mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*",
			"Condition":{"StringEquals":{"secretsmanager:ResourceTag/team":"payments"}}}}`),
	}})
	other := s.As(&Principal{Arn: otherArn})

	allowed := func(t *testing.T, view *Store, id, want string) {
		t.Helper()
		if got := mustGet(t, view, id); got != want {
			t.Errorf("GetSecretValue(%s) = %q, want %q", id, got, want)
		}
	}
	denied := func(t *testing.T, err error, action, resource string) {
		t.Helper()
		var e *Error
		if !errors.Is(err, ErrAccessDenied) || !errors.As(err, &e) || !strings.Contains(e.Message, "is not authorized to perform: secretsmanager:"+action) ||
			!strings.Contains(e.Message, resource) {
			t.Errorf("got %v; want AccessDeniedException for %s on %s", err, action, resource)
		}
	}

	allowed(t, app, "prod/app/db", "app db")
	allowed(t, tagged, "prod/pay/db", "pay db")
	allowed(t, other, "prod/pay/db", "pay db") // the resource policy lets it in
	wantNoChange(t, s, func() {
		_, err := app.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/pay/db"})
		denied(t, err, "GetSecretValue", "on resource: prod/pay/db ")
		_, err = app.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/blocked"})
		denied(t, err, "GetSecretValue", "on resource: prod/app/blocked ") // the explicit Deny wins
		if !strings.Contains(err.Error(), "with an explicit deny in an identity-based policy") {
			t.Errorf("explicit deny message: %v", err)
		}
		_, err = app.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "prod/app/db", SecretString: "x"})
		denied(t, err, "PutSecretValue", "on resource: prod/app/db ")
		_, err = app.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "prod/app/db"})
		denied(t, err, "DescribeSecret", "on resource: prod/app/db ")
		_, err = app.CreateSecret(ctx, &CreateSecretInput{Name: "prod/app/new", SecretString: "x"})
		denied(t, err, "CreateSecret", "on resource: prod/app/new ")
		_, err = app.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "prod/app/db", ForceDeleteWithoutRecovery: true})
		denied(t, err, "DeleteSecret", "on resource: prod/app/db ")
		_, err = app.ListSecrets(ctx, &ListSecretsInput{})
		denied(t, err, "ListSecrets", "secretsmanager:ListSecrets")
		_, err = other.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/db"})
		denied(t, err, "GetSecretValue", "on resource: prod/app/db ")
		_, err = app.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{ResourcePolicy: `{"Version":"2012-10-17","Statement":[]}`})
		denied(t, err, "ValidateResourcePolicy", "secretsmanager:ValidateResourcePolicy") // no SecretId: on "*", like ListSecrets
		_, err = app.GetSecretValue(ctx, &GetSecretValueInput{SecretId: strings.Repeat("x", 2049)})
		wantErr(t, err, ErrValidation, "") // a malformed id is the operation's own error
		_, err = tagged.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/db"})
		denied(t, err, "GetSecretValue", "on resource: prod/app/db ") // not tagged team=payments
	})

	// A name that does not exist: denied where the caller may not read
	// it, not found where it may.
	_, err := other.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/missing"})
	denied(t, err, "GetSecretValue", "on resource: prod/app/missing ")
	_, err = app.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/missing"})
	wantErr(t, err, ErrResourceNotFound, "")
	// The denial says no more of a secret that exists than of one that
	// does not: the name as given, never the ARN's suffix.
	_, errExists := other.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/db"})
	_, errMissing := other.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "prod/app/dx"})
	if a, b := strings.Replace(errExists.Error(), "prod/app/db", "NAME", 1), strings.Replace(errMissing.Error(), "prod/app/dx", "NAME", 1); a != b {
		t.Errorf("denials differ for an existing and a missing secret:\n%s\n%s", a, b)
	}

	// BatchGetSecretValue reports each denied secret in Errors.
	batch, err := app.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"prod/app/db", "prod/pay/db"}})
	if err == nil {
		t.Errorf("BatchGetSecretValue without its permission: %+v", batch)
	}
	payer := s.As(&Principal{Arn: "arn:aws:iam::123456789012:user/payer2", Policies: []*policy.Policy{
		mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["secretsmanager:BatchGetSecretValue","secretsmanager:ListSecrets"],"Resource":"*"},
			{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}`),
	}})
	batch, err = payer.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"prod/app/db", "prod/pay/db"}})
	if err != nil || len(batch.SecretValues) != 1 || batch.SecretValues[0].Name != "prod/pay/db" || len(batch.Errors) != 1 || batch.Errors[0].ErrorCode != "AccessDeniedException" {
		t.Errorf("BatchGetSecretValue = %+v, %v; want prod/pay/db and prod/app/db denied", batch, err)
	}
	// ListSecrets lists only what the caller may describe.
	if names := listNames(t, payer, &ListSecretsInput{}); !equalStrings(names, []string{"prod/pay/db"}) {
		t.Errorf("ListSecrets as payer = %v", names)
	}
	if names := listNames(t, s, &ListSecretsInput{}); len(names) != 3 {
		t.Errorf("the unrestricted store lists %v", names)
	}

	mu.Lock()
	defer mu.Unlock()
	var denials int
	for _, ev := range events {
		if ev.Principal == appArn && ev.ErrorCode == "AccessDeniedException" {
			denials++
			if ev.Denial == "" {
				t.Errorf("a denial event without its reason: %+v", ev)
			}
		}
	}
	if denials < 5 {
		t.Errorf("%d denial events of the app principal, want one per denied call", denials)
	}
}

func TestAuditOnlyPrincipal(t *testing.T) {
	t.Parallel()
	var events []Event
	s, _ := newTestStore(t, func(o *Options) { o.OnEvent = func(ev Event) { events = append(events, ev) } })
	mustCreate(t, s, "db", "v")
	audited := s.As(&Principal{Arn: appArn, AuditOnly: true})
	if got := mustGet(t, audited, "db"); got != "v" {
		t.Errorf("an audit-only principal was denied: %q", got)
	}
	last := events[len(events)-1]
	if last.Principal != appArn || last.ErrorCode != "" || !strings.Contains(last.Denial, "ImplicitDeny") {
		t.Errorf("the audit event = %+v; want the would-be denial", last)
	}
}

func TestResourcePolicyOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

	got, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{SecretId: "db"})
	if err != nil || got.ResourcePolicy != "" || got.Name != "db" {
		t.Errorf("GetResourcePolicy with none = %+v, %v", got, err)
	}
	if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: doc, BlockPublicPolicy: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{SecretId: "db"}); got.ResourcePolicy != doc {
		t.Errorf("GetResourcePolicy = %q", got.ResourcePolicy)
	}
	wantNoChange(t, s, func() {
		for _, tt := range []struct {
			name, doc string
			block     bool
			sentinel  error
			msg       string
		}{
			{"not JSON", "{", false, ErrMalformedPolicyDocument, "not a valid policy document"},
			{"no principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, false, ErrMalformedPolicyDocument, "Principal"},
			{"a bad effect", `{"Version":"2012-10-17","Statement":{"Effect":"allow","Principal":"*","Action":"*","Resource":"*"}}`, false, ErrMalformedPolicyDocument, "Statement.Effect"},
			{"public, blocked", public, true, ErrPublicPolicy, "public access"},
			{"empty", "", false, ErrValidation, "resourcePolicy"},
			{"too long", strings.Repeat(" ", awsmodel.MaxPolicyLen+1), false, ErrValidation, "less than or equal to 20480"},
		} {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: tt.doc, BlockPublicPolicy: tt.block})
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: %v; want %v with %q", tt.name, err, tt.sentinel, tt.msg)
			}
		}
	})
	// Without BlockPublicPolicy a public policy is accepted, as on AWS.
	if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: public}); err != nil {
		t.Errorf("a public policy without BlockPublicPolicy: %v", err)
	}
	v, err := s.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{SecretId: "db", ResourcePolicy: public})
	if err != nil || v.PolicyValidationPassed || len(v.ValidationErrors) != 1 || v.ValidationErrors[0].CheckName != policy.CheckBroadAccess {
		t.Errorf("ValidateResourcePolicy of a public policy = %+v, %v", v, err)
	}
	if v, err := s.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{ResourcePolicy: doc}); err != nil || !v.PolicyValidationPassed {
		t.Errorf("ValidateResourcePolicy of a fine policy = %+v, %v", v, err)
	}
	if _, err := s.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{ResourcePolicy: "[]"}); !errors.Is(err, ErrMalformedPolicyDocument) {
		t.Errorf("ValidateResourcePolicy of a malformed document: %v", err)
	}
	if _, err := s.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{SecretId: "missing", ResourcePolicy: doc}); !isNotFound(err) {
		t.Errorf("ValidateResourcePolicy of a missing secret: %v", err)
	}

	// The policy follows the secret to its replicas, where it can be read
	// but not changed.
	replicate(t, s, "db", "eu-west-1")
	eu := s.Region("eu-west-1")
	if got, err := eu.GetResourcePolicy(ctx, &GetResourcePolicyInput{SecretId: "db"}); err != nil || got.ResourcePolicy != public {
		t.Errorf("GetResourcePolicy on the replica = %+v, %v", got, err)
	}
	_, err = eu.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: doc})
	wantMessage(t, err, ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
	_, err = eu.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{SecretId: "db"})
	wantMessage(t, err, ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
	if _, err := s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{SecretId: "db"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := eu.GetResourcePolicy(ctx, &GetResourcePolicyInput{SecretId: "db"}); got.ResourcePolicy != "" {
		t.Error("the replica kept the deleted policy")
	}
	if _, err := s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{SecretId: "db"}); err != nil {
		t.Errorf("DeleteResourcePolicy with none: %v", err)
	}
}
