package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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
