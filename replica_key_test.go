package secretstore

import (
	"context"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// TestReplicaEncryptionKey: a replica's own encryption key is the one
// thing AWS lets change on a replica, with UpdateSecret in the replica's
// region and only a KmsKeyId: the replica's values are re-sealed under
// it, its primary's ReplicationStatus shows it, and the primary's next
// versions reach the replica under it. Anything else UpdateSecret would
// change on a replica is refused, and changes nothing.
func TestReplicaEncryptionKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v1")
	replicate(t, s, "db", "eu-west-1")
	eu := s.Region("eu-west-1")
	str := func(s string) *string { return &s }

	wantNoChange(t, s, func() {
		for _, in := range []UpdateSecretInput{
			{SecretId: "db", Description: str("d")},
			{SecretId: "db", KmsKeyId: str("alias/eu"), Description: str("d")},
			{SecretId: "db", KmsKeyId: str("alias/eu"), SecretString: "v2"},
		} {
			_, err := eu.UpdateSecret(ctx, &in)
			wantMessage(t, err, ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
		}
	})
	if _, err := eu.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", KmsKeyId: str("alias/eu"), ClientRequestToken: "00000000-0000-4000-8000-000000000001"}); err != nil {
		t.Fatalf("UpdateSecret of a replica's KmsKeyId: %v", err)
	}
	if d, err := eu.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "db"}); err != nil || d.KmsKeyId != "alias/eu" {
		t.Errorf("the replica's DescribeSecret: KmsKeyId %q, %v", d.KmsKeyId, err)
	}
	d, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "db"})
	if err != nil || len(d.ReplicationStatus) != 1 || d.ReplicationStatus[0].KmsKeyId != "alias/eu" {
		t.Errorf("the primary's ReplicationStatus: %+v, %v", d.ReplicationStatus, err)
	}
	if d.KmsKeyId != "" {
		t.Errorf("the primary's own key changed: %q", d.KmsKeyId)
	}
	if got := mustGet(t, eu, "db"); got != "v1" {
		t.Errorf("the replica reads %q after its key changed", got)
	}
	if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "v2"}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, eu, "db"); got != "v2" {
		t.Errorf("the replica reads %q after the primary's write", got)
	}
	if d, _ := eu.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "db"}); d.KmsKeyId != "alias/eu" {
		t.Errorf("the primary's write changed the replica's key to %q", d.KmsKeyId)
	}
}
