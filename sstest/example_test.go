package sstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore/sstest"
)

// dbPassword is the code under test: it reads a secret through the AWS SDK,
// as it would from AWS Secrets Manager in production.
func dbPassword(ctx context.Context, sm *secretsmanager.Client) (string, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String("prod/db/password"),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

func TestDBPassword(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sstest.New(t) // in-memory store + server + SDK client, closed when the test ends

	if _, err := s.Store.Put(ctx, "prod/db/password", "hunter2"); err != nil {
		t.Fatal(err)
	}
	got, err := dbPassword(ctx, s.Client)
	if err != nil || got != "hunter2" {
		t.Fatalf("dbPassword() = %q, %v; want hunter2", got, err)
	}

	// Scheduled for deletion: AWS refuses to read it for the recovery window.
	if _, err := s.Store.Delete(ctx, "prod/db/password", 7); err != nil {
		t.Fatal(err)
	}
	_, err = dbPassword(ctx, s.Client)
	var invalid *types.InvalidRequestException
	if !errors.As(err, &invalid) {
		t.Fatalf("during the recovery window: got %v, want InvalidRequestException", err)
	}

	// Eight days later the secret is gone for good.
	s.Advance(8 * 24 * time.Hour)
	s.Reap()
	_, err = dbPassword(ctx, s.Client)
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("after the recovery window: got %v, want ResourceNotFoundException", err)
	}
}
