package awsapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
)

// stsClient is the AWS SDK for Go's STS client for the server at url.
func stsClient(url, akid, secret string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

// TestSTSGetCallerIdentitySDK: the SDK's STS client, pointed at the
// server's port, gets the caller's identity: the principal of the key that
// signed, or the account root of the store's account for a key without
// one and without credentials; another action gets STS's InvalidAction,
// which the SDK reads; a bad signature STS's own error.
func TestSTSGetCallerIdentitySDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{AccountID: "210987654321"})
	open := newTestServer(t, store, Options{})
	creds := []Credentials{
		{AccessKeyID: "AKIDROOTKEY", SecretAccessKey: "rootsecretrootsecretrootsecret"},
		{AccessKeyID: "AKIDAPPKEY", SecretAccessKey: "appsecretappsecretappsecret", Principal: &secretstore.Principal{Arn: "arn:aws:iam::210987654321:user/app"}},
		{AccessKeyID: "AKIDROLEKEY", SecretAccessKey: "rolesecretrolesecretrolesecret", Principal: &secretstore.Principal{Arn: "arn:aws:sts::111122223333:assumed-role/deployer/ci-42"}},
	}
	signed := newTestServer(t, store, Options{Credentials: creds})

	cases := []struct {
		name, url, akid, secret string
		arn, account, userID    string
	}{
		{"no credentials configured", open.URL, "AKIDANY", "anysecret", "arn:aws:iam::210987654321:root", "210987654321", "210987654321"},
		{"a key without a principal", signed.URL, creds[0].AccessKeyID, creds[0].SecretAccessKey, "arn:aws:iam::210987654321:root", "210987654321", "210987654321"},
		{"a user principal", signed.URL, creds[1].AccessKeyID, creds[1].SecretAccessKey, "arn:aws:iam::210987654321:user/app", "210987654321", "AIDA"},
		{"a role session principal", signed.URL, creds[2].AccessKeyID, creds[2].SecretAccessKey, "arn:aws:sts::111122223333:assumed-role/deployer/ci-42", "111122223333", "AROA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := stsClient(tc.url, tc.akid, tc.secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Arn) != tc.arn || aws.ToString(out.Account) != tc.account || !strings.HasPrefix(aws.ToString(out.UserId), tc.userID) {
				t.Errorf("GetCallerIdentity = %s %s %s; want %s %s %s...", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), tc.arn, tc.account, tc.userID)
			}
		})
	}
	out, _ := stsClient(signed.URL, creds[2].AccessKeyID, creds[2].SecretAccessKey).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if id := aws.ToString(out.UserId); len(id) != len("AROA")+17+len(":ci-42") || !strings.HasSuffix(id, ":ci-42") {
		t.Errorf("a role session's UserId %q is not AROA<17>:<session>", id)
	}
	again, _ := stsClient(signed.URL, creds[2].AccessKeyID, creds[2].SecretAccessKey).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if aws.ToString(again.UserId) != aws.ToString(out.UserId) {
		t.Errorf("the UserId changes between calls: %s, %s", aws.ToString(out.UserId), aws.ToString(again.UserId))
	}

	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return "not an API error: " + err.Error()
	}
	_, err := stsClient(open.URL, "AKIDANY", "anysecret").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/r"), RoleSessionName: aws.String("s")})
	if c := code(err); c != "InvalidAction" || !strings.Contains(err.Error(), "AssumeRole") {
		t.Errorf("AssumeRole = %v (%s); want STS's InvalidAction naming the action", err, c)
	}
	_, err = stsClient(signed.URL, creds[1].AccessKeyID, "wrong-secret").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if c := code(err); c != "SignatureDoesNotMatch" {
		t.Errorf("a bad signature = %v (%s); want SignatureDoesNotMatch", err, c)
	}
	_, err = stsClient(signed.URL, "AKIDUNKNOWN", "x").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if c := code(err); c != "InvalidClientTokenId" {
		t.Errorf("an unknown key = %v (%s); want InvalidClientTokenId", err, c)
	}
}

// TestSTSProtocols: the Query form (STS's XML, as the SDKs for Go v1, Java
// v1 and Python send it) and the JSON form (X-Amz-Target
// AWSSecurityTokenServiceV20110615.GetCallerIdentity) both answer, each
// in its own shape, and errors come in the shape of the request; a Secrets
// Manager call is not taken for STS.
func TestSTSProtocols(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{})
	form := func(body string) rawResponse {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return serve(t, h, req)
	}
	jsonCall := func(action, ctype string) rawResponse {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-Amz-Target", "AWSSecurityTokenServiceV20110615."+action)
		return serve(t, h, req)
	}

	r := form("Action=GetCallerIdentity&Version=2011-06-15")
	var ok struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
		Result  struct {
			Arn, UserId, Account string
		} `xml:"GetCallerIdentityResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(r.body, &ok); err != nil || r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("Query GetCallerIdentity: %d %s %q: %v", r.status, r.header.Get("Content-Type"), r.body, err)
	}
	acct := store.AccountID()
	if ok.Result.Arn != "arn:aws:iam::"+acct+":root" || ok.Result.Account != acct || ok.Result.UserId != acct || ok.RequestID != r.header.Get("X-Amzn-Requestid") {
		t.Errorf("Query GetCallerIdentity = %+v", ok)
	}

	var fail struct {
		XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
		Error     struct{ Type, Code, Message string }
		RequestID string `xml:"RequestId"`
	}
	for _, tc := range []struct{ body, code string }{
		{"Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=s", "InvalidAction"},
		{"Action=GetCallerIdentity&Version=2099-01-01", "InvalidAction"},
		{"Version=2011-06-15", "MissingAction"},
	} {
		r := form(tc.body)
		if err := xml.Unmarshal(r.body, &fail); err != nil || r.status != 400 || fail.Error.Code != tc.code || fail.Error.Type != "Sender" || fail.RequestID == "" {
			t.Errorf("Query %s = %d %q; want 400 ErrorResponse %s", tc.body, r.status, r.body, tc.code)
		}
	}

	for _, ctype := range []string{"application/x-amz-json-1.0", "application/x-amz-json-1.1"} {
		r = jsonCall("GetCallerIdentity", ctype)
		if m := r.decode(t); r.status != 200 || m["Arn"] != "arn:aws:iam::"+acct+":root" || m["Account"] != acct || m["UserId"] != acct || r.header.Get("Content-Type") != ctype {
			t.Errorf("JSON GetCallerIdentity (%s) = %d %s %v", ctype, r.status, r.header.Get("Content-Type"), m)
		}
	}
	r = jsonCall("GetSessionToken", "application/x-amz-json-1.0")
	if m := r.decode(t); r.status != 400 || m["__type"] != "InvalidAction" || !strings.Contains(m["message"].(string), "GetSessionToken") || r.header.Get("X-Amzn-Query-Error") != "InvalidAction;Sender" {
		t.Errorf("JSON GetSessionToken = %d %v %v", r.status, m, r.header)
	}

	// Secrets Manager is still Secrets Manager.
	r = post(t, h, "secretsmanager.ListSecrets", "{}")
	if r.status != 200 {
		t.Errorf("ListSecrets after STS: %d %s", r.status, r.body)
	}
	r = post(t, h, "", "{}")
	if m := r.decode(t); r.status != 400 || m["__type"] != "UnknownOperationException" {
		t.Errorf("a JSON call without X-Amz-Target = %d %v; want Secrets Manager's UnknownOperationException", r.status, m)
	}
}
