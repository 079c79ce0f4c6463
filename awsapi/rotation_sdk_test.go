package awsapi

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

const rotateLambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate"

// TestSDKRotation rotates a secret and configures a resource policy with
// the AWS SDK for Go v2, and reads the rotation members back.
func TestSDKRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, clock := newTestStore(t, secretstore.Options{Rotators: map[string]secretstore.Rotator{
		rotateLambda: secretstore.PasswordRotator(secretstore.GetRandomPasswordInput{PasswordLength: 20}),
	}})
	srv := newTestServer(t, store, Options{TestMode: true, Clock: clock})
	c := testutil.SDKClient(srv.URL, "us-east-1")
	created := mustCreate(t, c, "db", "v1")

	never, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || never.RotationEnabled != nil || never.NextRotationDate != nil {
		t.Errorf("before any rotation: %+v, %v; want no rotation members", never, err)
	}
	out, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
		SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotateLambda),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)"), Duration: aws.String("4h")},
	})
	if err != nil || aws.ToString(out.ARN) != aws.ToString(created.ARN) || aws.ToString(out.VersionId) == "" {
		t.Fatalf("RotateSecret = %+v, %v", out, err)
	}
	if _, err := store.Reap(ctx); err != nil { // the rotation, if the runner has not run it yet
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if err != nil || !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != rotateLambda || d.RotationRules == nil ||
		aws.ToString(d.RotationRules.ScheduleExpression) != "rate(10 days)" || aws.ToString(d.RotationRules.Duration) != "4h" ||
		aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 10 || d.LastRotatedDate == nil || d.NextRotationDate == nil {
		t.Fatalf("DescribeSecret after the rotation = %+v, %v", d, err)
	}
	if !slices.Equal(d.VersionIdsToStages[aws.ToString(out.VersionId)], []string{"AWSCURRENT"}) {
		t.Errorf("labels after the rotation: %v", d.VersionIdsToStages)
	}
	list, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 1 || !aws.ToBool(list.SecretList[0].RotationEnabled) || list.SecretList[0].NextRotationDate == nil {
		t.Errorf("ListSecrets = %+v, %v", list, err)
	}
	cancel, err := c.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(cancel.ARN) != aws.ToString(created.ARN) {
		t.Fatalf("CancelRotateSecret = %+v, %v", cancel, err)
	}
	d, _ = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("db")})
	if d.RotationEnabled == nil || *d.RotationEnabled || d.NextRotationDate != nil || aws.ToString(d.RotationLambdaARN) != rotateLambda {
		t.Errorf("after CancelRotateSecret: %+v", d)
	}

	// Resource policies.
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
	if _, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("db"), ResourcePolicy: aws.String(doc), BlockPublicPolicy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("db")})
	if err != nil || aws.ToString(got.ResourcePolicy) != doc || aws.ToString(got.Name) != "db" {
		t.Errorf("GetResourcePolicy = %+v, %v", got, err)
	}
	v, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(doc)})
	if err != nil || !v.PolicyValidationPassed || len(v.ValidationErrors) != 0 {
		t.Errorf("ValidateResourcePolicy = %+v, %v", v, err)
	}
	if _, err := c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String("db")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("db")}); got.ResourcePolicy != nil {
		t.Errorf("GetResourcePolicy after the delete: %q", aws.ToString(got.ResourcePolicy))
	}
}
