package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestServeSTSWithPrincipals: serve --principals answers STS's
// GetCallerIdentity on its own port with the identity of the key that
// signed: each principal's ARN and account, and the account root for the
// --access-key-id key, which has no principal.
func TestServeSTSWithPrincipals(t *testing.T) {
	t.Parallel()
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file, "--access-key-id", adminKey, "--secret-access-key", adminSecret)
	for _, tc := range []struct{ key, secret, arn string }{
		{appKey, appSecret, appArn},
		{payerKey, payerSecret, payerArn},
		{adminKey, adminSecret, "arn:aws:iam::123456789012:root"},
	} {
		c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider(tc.key, tc.secret, "")})
		out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with %s: %v", tc.key, err)
		}
		if aws.ToString(out.Arn) != tc.arn || aws.ToString(out.Account) != "123456789012" || aws.ToString(out.UserId) == "" {
			t.Errorf("GetCallerIdentity with %s = %s %s %s; want %s", tc.key, aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), tc.arn)
		}
	}
}

// TestServeExtraRegions: serve refuses a replica region that is not an AWS
// Region, and --extra-regions adds one.
func TestServeExtraRegions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{nil, false},
		{[]string{"--extra-regions", "mars-north-9, venus-east-2"}, true},
	} {
		srv := startInProcess(t, nil, append([]string{"--memory", "--quiet"}, tc.args...)...)
		c := sdkClient(srv.URL, "AKID", "SECRET")
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
			AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("mars-north-9")}}})
		var api smithy.APIError
		if tc.ok && err != nil || !tc.ok && (!errors.As(err, &api) || api.ErrorCode() != "InvalidParameterException") {
			t.Errorf("serve %v: ReplicateSecretToRegions to mars-north-9: %v", tc.args, err)
		}
	}
	if r := runCLI(t, nil, "", "serve", "--addr", "127.0.0.1:0", "--memory", "--extra-regions", "Mars"); r.code == 0 || !strings.Contains(r.stderr, "--extra-regions") {
		t.Errorf("serve --extra-regions Mars: exit %d, %s", r.code, r.stderr)
	}
}
