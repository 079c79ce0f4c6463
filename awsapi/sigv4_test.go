package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

var testCreds = []Credentials{
	{AccessKeyID: "AKIDOTHERKEY00000000", SecretAccessKey: "otherSecretKeyxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
	{AccessKeyID: "AKIDEXAMPLE2", SecretAccessKey: "anotherSecretKeyyyyyyyyyyyyyyyyyyyyyyyyy"},
}

// testNow is the server's clock in the tests.
var testNow = time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC)

const testBody = `{"SecretId":"prod/db/password"}`

// verifyServer is an HTTP server whose handler runs verifySigV4 on every
// request and reports the result as JSON, so the tests verify requests as
// net/http delivers them to a server.
type verifyServer struct {
	*httptest.Server
	mu  sync.Mutex
	now time.Time
}

type verifyResult struct {
	OK      bool
	Code    string
	Message string
	Status  int
}

func newVerifyServer(t *testing.T) *verifyServer {
	t.Helper()
	s := &verifyServer{now: testNow}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.mu.Lock()
		now := s.now
		s.mu.Unlock()
		var res verifyResult
		if e := verifySigV4(r, body, testCreds, now); e != nil {
			res = verifyResult{Code: e.Code, Message: e.Message, Status: e.Status}
		} else {
			res.OK = true
		}
		_ = json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(s.Close)
	return s
}

// do sends req to the server and returns what verifySigV4 said.
func (s *verifyServer) do(t *testing.T, req *http.Request) verifyResult {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("server: %s: %s", resp.Status, b)
	}
	var res verifyResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("decode result: %v", err)
	}
	return res
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signCase describes how to build and sign one request.
type signCase struct {
	region       string            // default us-east-1
	service      string            // default secretsmanager
	akid, secret string            // default testCreds[1]
	sessionToken string            // sent as X-Amz-Security-Token when set
	path         string            // escaped path; default "/"
	query        string            // raw query string
	headers      map[string]string // extra headers set before signing (signed)
	multiHeader  []string          // values of X-Multi, set before signing
	signAt       time.Duration     // signing time relative to testNow
}

func (c signCase) build(t *testing.T, baseURL string) *http.Request {
	t.Helper()
	u := baseURL + "/"
	if c.path != "" {
		u = baseURL + c.path
	}
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(testBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for _, v := range c.multiHeader {
		req.Header.Add("X-Multi", v)
	}
	region, service := c.region, c.service
	if region == "" {
		region = "us-east-1"
	}
	if service == "" {
		service = "secretsmanager"
	}
	akid, secret := c.akid, c.secret
	if akid == "" {
		akid, secret = testCreds[1].AccessKeyID, testCreds[1].SecretAccessKey
	}
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: c.sessionToken}
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex([]byte(testBody)), service, region, testNow.Add(c.signAt))
	if err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
	return req
}

// editAuth rewrites the Authorization header of req with f.
func editAuth(f func(string) string) func(*testing.T, *http.Request) {
	return func(_ *testing.T, r *http.Request) { r.Header.Set("Authorization", f(r.Header.Get("Authorization"))) }
}

// authParts splits a signed Authorization header into its credential,
// signed headers and signature parameters.
func authParts(t *testing.T, auth string) (cred, signed, sig string) {
	m := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`).FindStringSubmatch(auth)
	if m == nil {
		t.Fatalf("unexpected Authorization header from the SDK: %q", auth)
	}
	return m[1], m[2], m[3]
}

func setBody(r *http.Request, body string) {
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
}

func TestVerifySigV4(t *testing.T) {
	t.Parallel()
	srv := newVerifyServer(t)

	tests := []struct {
		name      string
		sign      signCase
		after     func(t *testing.T, r *http.Request) // changes after signing
		wantCode  string                              // "" when the request must pass
		wantInMsg string
	}{
		{name: "valid us-east-1"},
		{name: "valid eu-west-1", sign: signCase{region: "eu-west-1"}},
		{name: "valid ap-southeast-2", sign: signCase{region: "ap-southeast-2"}},
		{name: "valid us-gov-west-1", sign: signCase{region: "us-gov-west-1"}},
		{name: "valid with session token", sign: signCase{sessionToken: "FwoGZXIvYXdzEBYaDH/session+token=="}},
		{name: "valid other key of several", sign: signCase{akid: testCreds[2].AccessKeyID, secret: testCreds[2].SecretAccessKey}},
		{name: "valid with extra signed headers", sign: signCase{
			headers:     map[string]string{"X-Amz-Meta-Team": "  platform   security  ", "X-Custom": "a\tb", "Amz-Sdk-Invocation-Id": "5b9e6c1a"},
			multiHeader: []string{"one", "two  three"},
		}},
		{name: "valid with x-amz-content-sha256", sign: signCase{headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte(testBody))}}},
		{name: "valid with query string", sign: signCase{query: "b=2&a=x%20y&a=1&c&d=%2F~%2A+"}},
		{name: "valid with escaped path", sign: signCase{path: "/a%20b/c%2Fd/~e*"}},
		{name: "valid with unsigned header added after signing", after: func(t *testing.T, r *http.Request) {
			r.Header.Set("X-Added-Later", "whatever")
			r.Header.Set("User-Agent", "another-agent/1.0")
		}},
		{name: "valid with space after commas removed", after: func(t *testing.T, r *http.Request) {
			editAuth(func(s string) string { return strings.ReplaceAll(s, ", ", ",") })(t, r)
		}},
		{name: "valid with parameters reordered", after: func(t *testing.T, r *http.Request) {
			cred, signed, sig := authParts(t, r.Header.Get("Authorization"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Signature="+sig+",  SignedHeaders="+signed+" , Credential="+cred)
		}},
		{name: "valid 14 minutes old", sign: signCase{signAt: -14 * time.Minute}},
		{name: "valid 14 minutes in the future", sign: signCase{signAt: 14 * time.Minute}},

		{name: "wrong secret key", sign: signCase{akid: "AKIDEXAMPLE", secret: "wrongSecretKeyzzzzzzzzzzzzzzzzzzzzzzzzzz"},
			wantCode: "InvalidSignatureException", wantInMsg: "does not match the signature you provided"},
		{name: "secret key of another access key", sign: signCase{akid: "AKIDEXAMPLE", secret: testCreds[2].SecretAccessKey},
			wantCode: "InvalidSignatureException"},
		{name: "unknown access key", sign: signCase{akid: "AKIDUNKNOWN", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
			wantCode: "UnrecognizedClientException", wantInMsg: "security token included in the request is invalid"},
		{name: "access key prefix", sign: signCase{akid: "AKIDEXAMPL", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
			wantCode: "UnrecognizedClientException"},
		{name: "body changed after signing, same length", after: func(t *testing.T, r *http.Request) {
			setBody(r, strings.Replace(testBody, "prod", "test", 1))
		}, wantCode: "InvalidSignatureException", wantInMsg: "does not match"},
		{name: "body changed after signing, other length", after: func(t *testing.T, r *http.Request) {
			setBody(r, `{"SecretId":"prod/db/password","VersionStage":"AWSPREVIOUS"}`)
		}, wantCode: "InvalidSignatureException"},
		{name: "signed header changed after signing", after: func(t *testing.T, r *http.Request) {
			r.Header.Set("X-Amz-Target", "secretsmanager.DeleteSecret")
		}, wantCode: "InvalidSignatureException"},
		{name: "signed header removed after signing", after: func(t *testing.T, r *http.Request) {
			r.Header.Del("Content-Type")
		}, wantCode: "InvalidSignatureException"},
		{name: "query changed after signing", sign: signCase{query: "a=1"}, after: func(t *testing.T, r *http.Request) {
			r.URL.RawQuery = "a=2"
		}, wantCode: "InvalidSignatureException"},
		{name: "path changed after signing", after: func(t *testing.T, r *http.Request) {
			r.URL.Path = "/other"
		}, wantCode: "InvalidSignatureException"},
		{name: "x-amz-content-sha256 does not match body", sign: signCase{headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte("other"))}},
			wantCode: "InvalidSignatureException", wantInMsg: "x-amz-content-sha256"},
		{name: "unsigned payload rejected", sign: signCase{headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}},
			wantCode: "InvalidSignatureException", wantInMsg: "x-amz-content-sha256"},
		{name: "16 minutes old", sign: signCase{signAt: -16 * time.Minute},
			wantCode: "InvalidSignatureException", wantInMsg: "Signature expired: 20240309T114400Z is now earlier than 20240309T114500Z (20240309T120000Z - 15 min.)"},
		{name: "16 minutes in the future", sign: signCase{signAt: 16 * time.Minute},
			wantCode: "InvalidSignatureException", wantInMsg: "Signature not yet current: 20240309T121600Z is still later than 20240309T121500Z (20240309T120000Z + 15 min.)"},
		{name: "old Date header without X-Amz-Date", after: func(t *testing.T, r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", testNow.Add(-time.Hour).Format(http.TimeFormat))
		}, wantCode: "InvalidSignatureException", wantInMsg: "Signature expired: 20240309T110000Z"},
		{name: "missing Authorization", after: func(t *testing.T, r *http.Request) {
			r.Header.Del("Authorization")
		}, wantCode: "MissingAuthenticationTokenException", wantInMsg: "Missing Authentication Token"},
		{name: "presigned query is not supported", after: func(t *testing.T, r *http.Request) {
			_, _, sig := authParts(t, r.Header.Get("Authorization"))
			r.Header.Del("Authorization")
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=" + sig
		}, wantCode: "MissingAuthenticationTokenException"},
		{name: "two Authorization headers", after: func(t *testing.T, r *http.Request) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
		}, wantCode: "IncompleteSignatureException"},
		{name: "missing X-Amz-Date", after: func(t *testing.T, r *http.Request) {
			r.Header.Del("X-Amz-Date")
		}, wantCode: "IncompleteSignatureException", wantInMsg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "malformed X-Amz-Date", after: func(t *testing.T, r *http.Request) {
			r.Header.Set("X-Amz-Date", "2024-03-09T12:00:00Z")
		}, wantCode: "IncompleteSignatureException", wantInMsg: "ISO-8601"},
		{name: "missing Signature", after: func(t *testing.T, r *http.Request) {
			cred, signed, _ := authParts(t, r.Header.Get("Authorization"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+cred+", SignedHeaders="+signed)
		}, wantCode: "IncompleteSignatureException", wantInMsg: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/us-east-1/secretsmanager/aws4_request, SignedHeaders="},
		{name: "empty Signature", after: editAuth(func(s string) string {
			return regexp.MustCompile(`Signature=[0-9a-f]+`).ReplaceAllString(s, "Signature=")
		}), wantCode: "IncompleteSignatureException", wantInMsg: "requires 'Signature'"},
		{name: "missing SignedHeaders", after: func(t *testing.T, r *http.Request) {
			cred, _, sig := authParts(t, r.Header.Get("Authorization"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+cred+", Signature="+sig)
		}, wantCode: "IncompleteSignatureException", wantInMsg: "Authorization header requires 'SignedHeaders' parameter."},
		{name: "missing Credential", after: func(t *testing.T, r *http.Request) {
			_, signed, sig := authParts(t, r.Header.Get("Authorization"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders="+signed+", Signature="+sig)
		}, wantCode: "IncompleteSignatureException", wantInMsg: "Authorization header requires 'Credential' parameter."},
		{name: "only the algorithm", after: editAuth(func(string) string { return "AWS4-HMAC-SHA256" }),
			wantCode: "IncompleteSignatureException", wantInMsg: "requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "other algorithm", after: editAuth(func(s string) string { return strings.Replace(s, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) }),
			wantCode: "IncompleteSignatureException", wantInMsg: "AWS4-ECDSA-P256-SHA256"},
		{name: "signature version 2", after: editAuth(func(string) string { return "AWS AKIDEXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=" }),
			wantCode: "IncompleteSignatureException"},
		{name: "credential scope too short", after: editAuth(func(s string) string {
			return strings.Replace(s, "/us-east-1/secretsmanager/aws4_request", "/us-east-1/aws4_request", 1)
		}), wantCode: "IncompleteSignatureException", wantInMsg: "'Credential' parameter of the form"},
		{name: "credential scope without access key", after: editAuth(func(s string) string {
			return strings.Replace(s, "Credential=AKIDEXAMPLE/", "Credential=/", 1)
		}), wantCode: "IncompleteSignatureException"},
		{name: "credential scope with bad date", after: editAuth(func(s string) string {
			return strings.Replace(s, "/20240309/", "/2024-03-09/", 1)
		}), wantCode: "IncompleteSignatureException", wantInMsg: "valid date"},
		{name: "credential scope with bad terminator", after: editAuth(func(s string) string {
			return strings.Replace(s, "/aws4_request", "/aws4_requests", 1)
		}), wantCode: "IncompleteSignatureException", wantInMsg: "terminator"},
		{name: "credential scope with bad region", after: editAuth(func(s string) string {
			return strings.Replace(s, "/us-east-1/", "/US East/", 1)
		}), wantCode: "IncompleteSignatureException", wantInMsg: "region"},
		{name: "wrong service in scope", sign: signCase{service: "s3"},
			wantCode: "InvalidSignatureException", wantInMsg: "Credential should be scoped to correct service: 'secretsmanager'. "},
		{name: "scope date does not match X-Amz-Date", after: editAuth(func(s string) string {
			return strings.Replace(s, "/20240309/", "/20240308/", 1)
		}), wantCode: "InvalidSignatureException", wantInMsg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240308' != '20240309', from '20240309T120000Z'."},
		{name: "host not signed", after: editAuth(func(s string) string {
			return strings.Replace(s, "SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;", 1)
		}), wantCode: "InvalidSignatureException", wantInMsg: "'Host'"},
		{name: "signature of wrong length", after: editAuth(func(s string) string {
			return regexp.MustCompile(`Signature=[0-9a-f]+`).ReplaceAllString(s, "Signature=abcdef")
		}), wantCode: "InvalidSignatureException", wantInMsg: "does not match"},
		{name: "signature with one digit changed", after: editAuth(func(s string) string {
			last := s[len(s)-1]
			repl := byte('0')
			if last == '0' {
				repl = '1'
			}
			return s[:len(s)-1] + string(repl)
		}), wantCode: "InvalidSignatureException", wantInMsg: "does not match"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.sign.build(t, srv.URL)
			sig := ""
			if m := regexp.MustCompile(`Signature=([0-9a-f]{64})`).FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
				sig = m[1]
			}
			if tc.after != nil {
				tc.after(t, req)
			}
			res := srv.do(t, req)
			if tc.wantCode == "" {
				if !res.OK {
					t.Fatalf("verifySigV4 = %s: %s; want success", res.Code, res.Message)
				}
				return
			}
			if res.OK {
				t.Fatalf("verifySigV4 succeeded; want %s", tc.wantCode)
			}
			if res.Code != tc.wantCode {
				t.Errorf("code = %s (%q); want %s", res.Code, res.Message, tc.wantCode)
			}
			if res.Status != http.StatusBadRequest {
				t.Errorf("status = %d; want 400", res.Status)
			}
			if !strings.Contains(res.Message, tc.wantInMsg) {
				t.Errorf("message = %q; want it to contain %q", res.Message, tc.wantInMsg)
			}
			if sig != "" && strings.Contains(res.Message, sig) {
				t.Errorf("message %q echoes the signature", res.Message)
			}
			for _, c := range testCreds {
				if strings.Contains(res.Message, c.SecretAccessKey) {
					t.Errorf("message %q contains a secret key", res.Message)
				}
			}
		})
	}
}

// TestVerifySigV4Direct calls verifySigV4 without a server, as a handler
// that builds requests itself would (httptest.NewRequest leaves
// Content-Length out of the header map).
func TestVerifySigV4Direct(t *testing.T) {
	t.Parallel()
	client := signCase{region: "eu-central-1"}.build(t, "https://secretsmanager.eu-central-1.amazonaws.com")
	r := httptest.NewRequest(http.MethodPost, "https://secretsmanager.eu-central-1.amazonaws.com/", strings.NewReader(testBody))
	for k, v := range client.Header {
		r.Header[k] = v
	}
	if e := verifySigV4(r, []byte(testBody), testCreds, testNow); e != nil {
		t.Fatalf("verifySigV4 = %v; want success", e)
	}
	if e := verifySigV4(r, []byte(testBody), nil, testNow); e == nil || e.Code != "UnrecognizedClientException" {
		t.Fatalf("verifySigV4 with no credentials = %v; want UnrecognizedClientException", e)
	}
	if e := verifySigV4(r, []byte(testBody+" "), testCreds, testNow); e == nil || e.Code != "InvalidSignatureException" {
		t.Fatalf("verifySigV4 with another body = %v; want InvalidSignatureException", e)
	}
	if got := r.Header.Get("X-Amz-Target"); got != "secretsmanager.GetSecretValue" {
		t.Fatalf("verifySigV4 changed the request's header: %q", got)
	}
}

// TestVerifySigV4SDKClient sends real Secrets Manager SDK calls to a server
// that verifies them, so that every header the SDK signs is covered.
func TestVerifySigV4SDKClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if e := verifySigV4(r, body, testCreds, time.Now()); e != nil {
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
			return
		}
		_, _, region, _, _ := credentialScope(r.Header)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN":           "arn:aws:secretsmanager:" + region + ":123456789012:secret:prod/db/password-AbCdEf",
			"Name":          "prod/db/password",
			"SecretString":  "s3cr3t",
			"VersionId":     "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
			"VersionStages": []string{"AWSCURRENT"},
		})
	}))
	defer srv.Close()

	call := func(region, akid, secret, token string) (*secretsmanager.GetSecretValueOutput, error) {
		c := testutil.SDKClient(srv.URL, region, testutil.WithCredentials(akid, secret, token), testutil.WithHTTPClient(srv.Client()))
		return c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db/password")})
	}

	for _, region := range []string{"us-east-1", "eu-west-3"} {
		out, err := call(region, "AKIDEXAMPLE", testCreds[1].SecretAccessKey, "")
		if err != nil {
			t.Fatalf("GetSecretValue in %s: %v", region, err)
		}
		if want := "arn:aws:secretsmanager:" + region + ":"; !strings.HasPrefix(aws.ToString(out.ARN), want) {
			t.Errorf("ARN = %s; want prefix %s", aws.ToString(out.ARN), want)
		}
	}
	if _, err := call("us-west-2", "AKIDEXAMPLE", testCreds[1].SecretAccessKey, "session-token"); err != nil {
		t.Fatalf("GetSecretValue with a session token: %v", err)
	}

	for _, tc := range []struct{ akid, secret, wantCode string }{
		{"AKIDEXAMPLE", "not-the-secret", "InvalidSignatureException"},
		{"AKIDNOBODY", testCreds[1].SecretAccessKey, "UnrecognizedClientException"},
	} {
		_, err := call("us-east-1", tc.akid, tc.secret, "")
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.wantCode {
			t.Errorf("GetSecretValue as %s = %v; want %s", tc.akid, err, tc.wantCode)
		}
	}
}

func TestCredentialScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                           string
		auth                           string
		wantOK                         bool
		wantAKID, wantDate, wantRegion string
		wantService                    string
	}{
		{
			name:     "sdk header",
			auth:     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240309/eu-west-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + strings.Repeat("ab", 32),
			wantOK:   true,
			wantAKID: "AKIDEXAMPLE", wantDate: "20240309", wantRegion: "eu-west-1", wantService: "secretsmanager",
		},
		{
			name:     "no spaces, other order, other service",
			auth:     "AWS4-HMAC-SHA256 Signature=00,SignedHeaders=host,Credential=AK/20231231/ap-northeast-1/s3/aws4_request",
			wantOK:   true,
			wantAKID: "AK", wantDate: "20231231", wantRegion: "ap-northeast-1", wantService: "s3",
		},
		{name: "empty", auth: ""},
		{name: "bearer", auth: "Bearer abc.def.ghi"},
		{name: "v2", auth: "AWS AKIDEXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="},
		{name: "algorithm only", auth: "AWS4-HMAC-SHA256"},
		{name: "no signature", auth: "AWS4-HMAC-SHA256 Credential=AK/20240309/us-east-1/secretsmanager/aws4_request, SignedHeaders=host"},
		{name: "short scope", auth: "AWS4-HMAC-SHA256 Credential=AK/20240309/us-east-1, SignedHeaders=host, Signature=00"},
		{name: "empty region", auth: "AWS4-HMAC-SHA256 Credential=AK/20240309//secretsmanager/aws4_request, SignedHeaders=host, Signature=00"},
		{name: "bad region", auth: "AWS4-HMAC-SHA256 Credential=AK/20240309/../secretsmanager/aws4_request, SignedHeaders=host, Signature=00"},
		{name: "bad date", auth: "AWS4-HMAC-SHA256 Credential=AK/2024039/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00"},
		{name: "bad terminator", auth: "AWS4-HMAC-SHA256 Credential=AK/20240309/us-east-1/secretsmanager/aws5_request, SignedHeaders=host, Signature=00"},
		{name: "garbage", auth: "\x00\xff;;==,,"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.auth != "" {
				h.Set("Authorization", tc.auth)
			}
			akid, date, region, service, ok := credentialScope(h)
			if ok != tc.wantOK || akid != tc.wantAKID || date != tc.wantDate || region != tc.wantRegion || service != tc.wantService {
				t.Errorf("credentialScope = %q, %q, %q, %q, %v; want %q, %q, %q, %q, %v",
					akid, date, region, service, ok, tc.wantAKID, tc.wantDate, tc.wantRegion, tc.wantService, tc.wantOK)
			}
		})
	}
}

func TestCanonicalHelpers(t *testing.T) {
	t.Parallel()
	if got, want := canonicalQuery("b=2&a=x%20y&a=1&c&d=%2F~%2A+"), "a=1&a=x%20y&b=2&c=&d=%2F~%2A%20"; got != want {
		t.Errorf("canonicalQuery = %q; want %q", got, want)
	}
	if got, want := uriEncode("/a b/é~*", false), "/a%20b/%C3%A9~%2A"; got != want {
		t.Errorf("uriEncode = %q; want %q", got, want)
	}
	if got, want := collapseSpaces("a  b   c d"), "a b c d"; got != want {
		t.Errorf("collapseSpaces = %q; want %q", got, want)
	}
	// The signing key example from the AWS documentation.
	key := signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	if got, want := hex.EncodeToString(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; got != want {
		t.Errorf("signingKey = %s; want %s", got, want)
	}
	if _, ok := lookupSecret(testCreds, ""); ok {
		t.Error("lookupSecret found an empty access key id")
	}
	if s, ok := lookupSecret(testCreds, "AKIDEXAMPLE2"); !ok || s != testCreds[2].SecretAccessKey {
		t.Error("lookupSecret(AKIDEXAMPLE2) did not return its secret")
	}
	if e := (&sigv4Error{Code: "C", Message: "m"}); e.Error() != "C: m" {
		t.Errorf("Error() = %q", e.Error())
	}
}
