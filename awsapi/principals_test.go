package awsapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
	"github.com/secretstore-go/secretstore/policy"
)

// lockedBuffer is a bytes.Buffer for a logger that a server's goroutines
// write to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// identityPolicy parses an identity-based policy of the given statements.
func identityPolicy(t testing.TB, statements ...string) *policy.Policy {
	t.Helper()
	p, err := policy.ParseIdentity([]byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// accessDenied reports whether err is the AccessDeniedException AWS sends:
// HTTP 400, its code, and AWS's message naming the action.
func accessDenied(err error, action string) bool {
	var api smithy.APIError
	var re *awshttp.ResponseError
	return errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException" &&
		strings.Contains(api.ErrorMessage(), "is not authorized to perform: secretsmanager:"+action) &&
		errors.As(err, &re) && re.HTTPStatusCode() == http.StatusBadRequest
}

// TestCredentialsPrincipal: a key with a Principal runs its requests as
// that principal, with aws:SourceIp from the connection and
// aws:SecureTransport from TLS; a key without one is unrestricted; a
// principal that only audits is allowed and its would-be denial logged.
func TestCredentialsPrincipal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storeLog := &lockedBuffer{}
	store, _ := newTestStore(t, secretstore.Options{Logger: slog.New(slog.NewTextHandler(storeLog, nil))})
	for _, name := range []string{"app/db", "other/db"} {
		if _, err := store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, SecretString: "v"}); err != nil {
			t.Fatal(err)
		}
	}
	const appSecrets = `"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*"`
	app := &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/app", Policies: []*policy.Policy{identityPolicy(t,
		`{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":`+appSecrets+`,"Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}`)}}
	tls := &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/tls", Policies: []*policy.Policy{identityPolicy(t,
		`{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)}}
	audited := &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/audited", AuditOnly: true}
	creds := []Credentials{
		{AccessKeyID: "AKIDADMIN", SecretAccessKey: "admin-secret"},
		{AccessKeyID: "AKIDAPP", SecretAccessKey: "app-secret", Principal: app},
		{AccessKeyID: "AKIDTLS", SecretAccessKey: "tls-secret", Principal: tls},
		{AccessKeyID: "AKIDAUDITED", SecretAccessKey: "audited-secret", Principal: audited},
	}
	reqLog := &lockedBuffer{}
	h := New(store, Options{Credentials: creds, Backup: true, Logger: slog.New(slog.NewTextHandler(reqLog, nil))})
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(h)
	t.Cleanup(secure.Close)
	client := func(srv *httptest.Server, key string) *secretsmanager.Client {
		for _, c := range creds {
			if c.AccessKeyID == key {
				return testutil.SDKClient(srv.URL, "us-east-1", testutil.WithCredentials(c.AccessKeyID, c.SecretAccessKey, ""), testutil.WithHTTPClient(srv.Client()))
			}
		}
		t.Fatalf("no key %s", key)
		return nil
	}

	for _, tc := range []struct {
		name   string
		srv    *httptest.Server
		key    string
		op     string // GetSecretValue or DescribeSecret
		secret string
		denied bool
	}{
		{"allowed from a loopback address over HTTP", plain, "AKIDAPP", "GetSecretValue", "app/db", false},
		{"another secret", plain, "AKIDAPP", "GetSecretValue", "other/db", true},
		{"NotIpAddress: the source is loopback", plain, "AKIDAPP", "DescribeSecret", "app/db", true},
		{"aws:SecureTransport is true over TLS", secure, "AKIDAPP", "GetSecretValue", "app/db", true},
		{"a policy requiring TLS, over TLS", secure, "AKIDTLS", "GetSecretValue", "other/db", false},
		{"a policy requiring TLS, over HTTP", plain, "AKIDTLS", "GetSecretValue", "other/db", true},
		{"a key without a principal is unrestricted", plain, "AKIDADMIN", "DescribeSecret", "other/db", false},
		{"an auditing principal is allowed", plain, "AKIDAUDITED", "DescribeSecret", "other/db", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(tc.srv, tc.key)
			var err error
			if tc.op == "GetSecretValue" {
				_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(tc.secret)})
			} else {
				_, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(tc.secret)})
			}
			switch {
			case tc.denied && !accessDenied(err, tc.op):
				t.Errorf("%s %s = %v; want AccessDeniedException", tc.op, tc.secret, err)
			case !tc.denied && err != nil:
				t.Errorf("%s %s: %v", tc.op, tc.secret, err)
			}
		})
	}
	if l := reqLog.String(); !strings.Contains(l, "principal=arn:aws:iam::123456789012:user/app") || strings.Contains(l, "principal=arn:aws:iam::123456789012:user/admin") {
		t.Errorf("the request log does not name the principals:\n%s", l)
	}
	if l := storeLog.String(); !strings.Contains(l, `msg="would deny" principal=arn:aws:iam::123456789012:user/audited reason="ImplicitDeny: no statement allows secretsmanager:DescribeSecret`) {
		t.Errorf("the would-be denial of the auditing principal is not logged:\n%s", l)
	}

	// The control endpoints answer only an unrestricted key.
	for _, tc := range []struct {
		key        int
		status     int
		code, text string
	}{
		{0, http.StatusOK, "", ""},
		{1, http.StatusForbidden, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/app is not authorized to use the control endpoints"},
		{3, http.StatusForbidden, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/audited is not authorized"},
	} {
		res := serve(t, h, signedControl(t, http.MethodGet, "/_secretstore/backup", "", creds[tc.key], time.Now()))
		if res.status != tc.status {
			t.Errorf("backup signed by %s: %d %s", creds[tc.key].AccessKeyID, res.status, res.body)
			continue
		}
		if tc.code != "" {
			if m := res.decode(t); m["code"] != tc.code || !strings.Contains(m["error"].(string), tc.text) {
				t.Errorf("backup signed by %s: %s", creds[tc.key].AccessKeyID, res.body)
			}
		}
	}
}

func TestSourceIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ remote, want string }{
		{"127.0.0.1:5000", "127.0.0.1"},
		{"[::1]:5000", "::1"},
		{"[::ffff:10.0.0.7]:80", "10.0.0.7"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"192.0.2.1", ""},
		{"@", ""},
		{"", ""},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = tc.remote
		if got := sourceIP(r); got != tc.want {
			t.Errorf("sourceIP(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
