package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// TestHandlerSigV4 proves the handler verifies signatures when it has
// credentials, with Options.Now as the time, and takes the region from the
// credential scope. sigv4_test.go covers the verifier itself.
func TestHandlerSigV4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{})
	now := time.Now()
	var skew time.Duration // how far the server's real clock is moved
	srv := newTestServer(t, store, Options{
		Credentials: testCreds,
		Now:         func() time.Time { return time.Now().Add(skew) },
	})
	client := func(akid, secret, region string) *secretsmanager.Client {
		return testutil.SDKClient(srv.URL, region, testutil.WithCredentials(akid, secret, ""))
	}
	good := client(testCreds[1].AccessKeyID, testCreds[1].SecretAccessKey, "us-east-1")

	if _, err := good.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("signed"), SecretString: aws.String("v")}); err != nil {
		t.Fatalf("correctly signed CreateSecret: %v", err)
	}
	eu := client(testCreds[2].AccessKeyID, testCreds[2].SecretAccessKey, "eu-west-1")
	out, err := eu.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("signed-eu"), SecretString: aws.String("v")})
	if err != nil || !strings.HasPrefix(aws.ToString(out.ARN), "arn:aws:secretsmanager:eu-west-1:") {
		t.Fatalf("signed CreateSecret in eu-west-1 = %+v, %v", out, err)
	}
	if _, err := store.Region("eu-west-1").Get(ctx, "signed-eu"); err != nil {
		t.Errorf("the eu-west-1 secret is not in the store's eu-west-1 region: %v", err)
	}
	if _, err := store.Get(ctx, "signed-eu"); err == nil {
		t.Errorf("the eu-west-1 secret is in the default region too")
	}

	sdkCode := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return "no API error: " + err.Error()
	}
	_, err = client(testCreds[1].AccessKeyID, "wrong-secret", "us-east-1").ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if c := sdkCode(err); c != "InvalidSignatureException" {
		t.Errorf("wrong secret key: %s", c)
	}
	_, err = client("AKIDUNKNOWN", "whatever", "us-east-1").ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if c := sdkCode(err); c != "UnrecognizedClientException" {
		t.Errorf("unknown access key: %s", c)
	}
	skew = 2 * time.Hour
	_, err = good.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if c := sdkCode(err); c != "InvalidSignatureException" || !strings.Contains(err.Error(), "Signature expired") {
		t.Errorf("request two hours old by Options.Now: %v", err)
	}
	skew = 0

	// Raw requests signed by the SDK's signer, then changed.
	signed := func(body string, at time.Time) *http.Request {
		req := httptest.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
		creds := aws.Credentials{AccessKeyID: testCreds[1].AccessKeyID, SecretAccessKey: testCreds[1].SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex([]byte(body)), "secretsmanager", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	h := New(store, Options{Credentials: testCreds})
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"valid", signed(`{"SecretId":"signed"}`, now), 200, ""},
		{"body changed", func() *http.Request {
			r := signed(`{"SecretId":"signed"}`, now)
			setBody(r, `{"SecretId":"signed-eu"}`)
			return r
		}(), 400, "InvalidSignatureException"},
		{"old date", signed(`{"SecretId":"signed"}`, now.Add(-time.Hour)), 400, "InvalidSignatureException"},
		{"no Authorization", func() *http.Request {
			r := signed(`{"SecretId":"signed"}`, now)
			r.Header.Del("Authorization")
			return r
		}(), 400, "MissingAuthenticationTokenException"},
		{"malformed Authorization", func() *http.Request {
			r := signed(`{"SecretId":"signed"}`, now)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}(), 400, "IncompleteSignatureException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, h, tt.req)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if tt.code != "" {
				keys, vals := topLevel(t, res.body)
				if len(keys) != 2 || keys[0] != "__type" || vals["__type"] != tt.code {
					t.Errorf("body %s, want __type %s", res.body, tt.code)
				}
			}
		})
	}
}

// TestRegionWithoutCredentials checks the region choice when signatures are
// not verified: any well-formed scope picks its region; a missing or
// malformed scope, or a malformed region name, leaves the default region.
func TestRegionWithoutCredentials(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{Region: "us-west-2"})
	h := New(store, Options{})
	tests := []struct {
		auth string
		want string
	}{
		{"", "us-west-2"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20240101/ap-south-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00", "ap-south-1"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-gov-west-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00", "us-gov-west-1"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20240101/notaregion/secretsmanager/aws4_request, SignedHeaders=host, Signature=00", "us-west-2"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west/secretsmanager/aws4_request, SignedHeaders=host, Signature=00", "us-west-2"},
		{"AWS4-HMAC-SHA256 Credential=AKID/2024/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00", "us-west-2"},
		{"Bearer xyz", "us-west-2"},
	}
	for i, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"Name":"r`+itoa(i)+`"}`))
		req.Header.Set("X-Amz-Target", "secretsmanager.CreateSecret")
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		res := serve(t, h, req)
		arn, _ := res.decode(t)["ARN"].(string)
		if res.status != 200 || !strings.HasPrefix(arn, "arn:aws") || strings.Split(arn, ":")[3] != tt.want {
			t.Errorf("Authorization %q: %d %s, want region %s", tt.auth, res.status, res.body, tt.want)
		}
	}
}
