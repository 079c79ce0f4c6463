package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/policy"
)

// ExampleCredentials serves a store to an application key bound to a
// principal that may only read the secrets under prod/app/: the AWS SDK,
// signing with that key, reads its secret and is refused anything else
// with AccessDeniedException.
func ExampleCredentials() {
	ctx := context.Background()
	store, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: make([]byte, 32), DisableReaper: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Put(ctx, "prod/app/db", "hunter2"); err != nil {
		log.Fatal(err)
	}
	readApp, err := policy.ParseIdentity([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": "secretsmanager:GetSecretValue",
		"Resource": "arn:aws:secretsmanager:*:123456789012:secret:prod/app/*"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(awsapi.New(store, awsapi.Options{Credentials: []awsapi.Credentials{{
		AccessKeyID: "AKIAAPPEXAMPLE", SecretAccessKey: "app-secret-key",
		Principal: &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/app", Policies: []*policy.Policy{readApp}},
	}}}))
	defer srv.Close()

	app := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAAPPEXAMPLE", "app-secret-key", ""),
	})
	got, err := app.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/app/db")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(aws.ToString(got.SecretString))
	_, err = app.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/app/db")})
	var denied smithy.APIError
	if errors.As(err, &denied) {
		fmt.Println(denied.ErrorCode())
	}
	// Output:
	// hunter2
	// AccessDeniedException
}
