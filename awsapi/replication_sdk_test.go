package awsapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// TestSDKReplication drives replication with the AWS SDK for Go v2: a
// client for us-east-1 creates a secret with a replica, a client for
// eu-west-1 reads the replica by name and by ARN and is refused a write
// with the typed exception, then the replica is removed, re-added and
// promoted.
func TestSDKReplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	us, eu, ap := e.client, testutil.SDKClient(e.url, "eu-west-1"), testutil.SDKClient(e.url, "ap-south-1")

	created, err := us.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("prod/db"), SecretString: aws.String("v1"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1"), KmsKeyId: aws.String("alias/eu")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.ReplicationStatus) != 1 || aws.ToString(created.ReplicationStatus[0].Region) != "eu-west-1" ||
		created.ReplicationStatus[0].Status != types.StatusTypeInSync || aws.ToString(created.ReplicationStatus[0].KmsKeyId) != "alias/eu" {
		t.Errorf("CreateSecret ReplicationStatus = %+v", created.ReplicationStatus)
	}
	replicaARN := strings.Replace(aws.ToString(created.ARN), ":us-east-1:", ":eu-west-1:", 1)
	for _, id := range []string{"prod/db", replicaARN} {
		got, err := eu.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil || aws.ToString(got.SecretString) != "v1" || aws.ToString(got.ARN) != replicaARN {
			t.Errorf("eu-west-1 GetSecretValue(%s) = %+v, %v", id, got, err)
		}
	}
	_, err = eu.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String("x")})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || ipe.ErrorMessage() != awsmodel.ReplicaNotPermitted {
		t.Errorf("a write to the replica: %v, want InvalidParameterException %q", err, awsmodel.ReplicaNotPermitted)
	}

	// A write in us-east-1 is in eu-west-1 at once.
	if _, err := us.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	got, err := eu.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")})
	if err != nil || aws.ToString(got.SecretString) != "v2" {
		t.Errorf("the replica after a put in us-east-1: %+v, %v", got, err)
	}
	pd, err := us.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if err != nil || aws.ToString(pd.PrimaryRegion) != "us-east-1" || len(pd.ReplicationStatus) != 1 || pd.ReplicationStatus[0].LastAccessedDate == nil {
		t.Errorf("primary DescribeSecret = %+v, %v", pd, err)
	}
	rd, err := eu.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if err != nil || aws.ToString(rd.PrimaryRegion) != "us-east-1" || rd.ReplicationStatus != nil {
		t.Errorf("replica DescribeSecret = %+v, %v", rd, err)
	}
	list, err := eu.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypePrimaryRegion, Values: []string{"us-east-1"}}}})
	if err != nil || len(list.SecretList) != 1 || aws.ToString(list.SecretList[0].PrimaryRegion) != "us-east-1" {
		t.Errorf("primary-region filter in eu-west-1 = %+v, %v", list, err)
	}

	// DeleteSecret on the primary while it has replicas.
	_, err = us.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("prod/db")})
	if !errors.As(err, &ipe) || !strings.Contains(ipe.ErrorMessage(), "still has replica regions [eu-west-1]") {
		t.Errorf("DeleteSecret of a primary with replicas: %v", err)
	}

	// Add ap-south-1, then remove it: the replica is gone at once.
	rep, err := us.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("prod/db"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("ap-south-1")}},
	})
	if err != nil || len(rep.ReplicationStatus) != 2 {
		t.Fatalf("ReplicateSecretToRegions = %+v, %v", rep, err)
	}
	rem, err := us.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: aws.String("prod/db"), RemoveReplicaRegions: []string{"ap-south-1"}})
	if err != nil || len(rem.ReplicationStatus) != 1 || aws.ToString(rem.ReplicationStatus[0].Region) != "eu-west-1" {
		t.Errorf("RemoveRegionsFromReplication = %+v, %v", rem, err)
	}
	var rnf *types.ResourceNotFoundException
	if _, err := ap.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")}); !errors.As(err, &rnf) {
		t.Errorf("the removed replica: %v, want ResourceNotFoundException", err)
	}

	// Promote the eu-west-1 replica: it becomes writable, and the primary
	// no longer replicates to it.
	stop, err := eu.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("prod/db")})
	if err != nil || aws.ToString(stop.ARN) != replicaARN {
		t.Fatalf("StopReplicationToReplica = %+v, %v", stop, err)
	}
	if _, err := eu.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String("eu")}); err != nil {
		t.Errorf("a write to the promoted secret: %v", err)
	}
	pd, err = us.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db")})
	if err != nil || pd.ReplicationStatus != nil || pd.PrimaryRegion != nil {
		t.Errorf("the primary after the promotion: %+v, %v", pd, err)
	}
	var ire *types.InvalidRequestException
	if _, err := us.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("prod/db")}); !errors.As(err, &ire) {
		t.Errorf("StopReplicationToReplica on a primary: %v, want InvalidRequestException", err)
	}
}

// TestSDKReplicaKeyAndRegions: through the SDK, UpdateSecret in a
// replica's region with only KmsKeyId (and the SDK's own
// ClientRequestToken) changes the replica's key, which the primary's
// ReplicationStatus then shows; a replica region that is not an AWS Region
// is refused with InvalidParameterException.
func TestSDKReplicaKeyAndRegions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	us, eu := e.client, testutil.SDKClient(e.url, "eu-west-1")
	if _, err := us.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("v"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eu.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), KmsKeyId: aws.String("alias/eu")}); err != nil {
		t.Fatalf("UpdateSecret of the replica's KmsKeyId: %v", err)
	}
	d, err := us.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || len(d.ReplicationStatus) != 1 || aws.ToString(d.ReplicationStatus[0].KmsKeyId) != "alias/eu" {
		t.Errorf("the primary's ReplicationStatus after the replica's key changed: %+v, %v", d, err)
	}
	_, err = eu.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), Description: aws.String("d")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterException" {
		t.Errorf("UpdateSecret of the replica's Description: %v", err)
	}
	_, err = us.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("mars-north-9")}}})
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterException" || !strings.Contains(api.ErrorMessage(), "mars-north-9 is not an AWS Region") {
		t.Errorf("ReplicateSecretToRegions to mars-north-9: %v", err)
	}
}
