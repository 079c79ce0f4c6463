package secretstore

import (
	"context"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// TestOrderOfChecks: as AWS, a request's members are checked each against
// its own constraints, then against each other, then the secret is found,
// then its document or its state is checked; the first failure is the
// answer, and nothing changes.
func TestOrderOfChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v")
	mustCreate(t, s.Region("eu-west-1"), "primary", "v")
	replicate(t, s.Region("eu-west-1"), "primary", s.RegionName())
	days := func(n int64) *int64 { return &n }
	const notJSON = "this is not a policy"
	cases := []struct {
		name     string
		call     func() error
		sentinel error
		msg      string
	}{
		{"DeleteSecret: the window's range before forcing with a window", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: days(4)})
			return err
		}, ErrInvalidParameter, awsmodel.RecoveryWindowRange()},
		{"DeleteSecret: forcing with a valid window", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: days(7)})
			return err
		}, ErrInvalidParameter, awsmodel.ForceWithWindow},
		{"DeleteSecret: the rule across members before the secret", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "missing", ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: days(7)})
			return err
		}, ErrInvalidParameter, awsmodel.ForceWithWindow},
		{"PutResourcePolicy: a missing secret before the document", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "missing", ResourcePolicy: notJSON})
			return err
		}, ErrResourceNotFound, ""},
		{"PutResourcePolicy: a replica before the document", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "primary", ResourcePolicy: notJSON})
			return err
		}, ErrInvalidParameter, awsmodel.ReplicaNotPermitted},
		{"PutResourcePolicy: a public policy on a missing secret", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "missing", BlockPublicPolicy: true,
				ResourcePolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`})
			return err
		}, ErrResourceNotFound, ""},
		{"PutResourcePolicy: the document's length before the secret", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "missing"})
			return err
		}, ErrValidation, ""},
		{"PutResourcePolicy: the document, on a secret that exists", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: notJSON})
			return err
		}, ErrMalformedPolicyDocument, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantNoChange(t, s, func() {
				err := tc.call()
				if tc.msg != "" {
					wantMessage(t, err, tc.sentinel, tc.msg)
				} else {
					wantErr(t, err, tc.sentinel, "")
				}
			})
		})
	}
}
