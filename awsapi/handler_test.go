package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

func TestResponseFormat(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{})
	res := post(t, h, "secretsmanager.CreateSecret", `{"Name":"fmt","SecretString":"<b>&amp;</b>","ClientRequestToken":"`+tok+`"}`)
	if res.status != 200 {
		t.Fatalf("CreateSecret: %d %s", res.status, res.body)
	}
	res = post(t, h, "secretsmanager.GetSecretValue", `{"SecretId":"fmt"}`)
	want := `{"ARN":"` + res.decode(t)["ARN"].(string) + `","CreatedDate":1.707264618483E9,"Name":"fmt","SecretString":"<b>&amp;</b>","VersionId":"` + tok + `","VersionStages":["AWSCURRENT"]}`
	if string(res.body) != want {
		t.Errorf("body\n%s\nwant\n%s", res.body, want)
	}
	if res.header.Get("Content-Type") != "application/x-amz-json-1.1" || res.header.Get("Content-Length") != itoa(len(res.body)) ||
		!uuidRE.MatchString(res.header.Get("X-Amzn-Requestid")) || res.header.Get("X-Amzn-Errortype") != "" {
		t.Errorf("headers %v", res.header)
	}

	// Operations without output answer {}.
	for _, call := range []struct{ target, body string }{ // in this order
		{"TagResource", `{"SecretId":"fmt","Tags":[{"Key":"k","Value":"v"}]}`},
		{"UntagResource", `{"SecretId":"fmt","TagKeys":["k"]}`},
	} {
		if res := post(t, h, "secretsmanager."+call.target, call.body); res.status != 200 || string(res.body) != "{}" {
			t.Errorf("%s: %d %s", call.target, res.status, res.body)
		}
	}
	// Every tag removed: "Tags":[]; the same in ListSecrets.
	if res := post(t, h, "secretsmanager.DescribeSecret", `{"SecretId":"fmt"}`); !bytes.Contains(res.body, []byte(`"Tags":[],"VersionIdsToStages"`)) {
		t.Errorf("DescribeSecret: %s", res.body)
	}
	if res := post(t, h, "secretsmanager.ListSecrets", `{}`); !bytes.Contains(res.body, []byte(`"Tags":[]`)) {
		t.Errorf("ListSecrets: %s", res.body)
	}

	// A deprecated version has no VersionStages key.
	for i, v := range []string{"two", "three"} {
		body := fmt.Sprintf(`{"SecretId":"fmt","SecretString":%q,"ClientRequestToken":"%s%d"}`, v, tok[:35], i)
		if res := post(t, h, "secretsmanager.PutSecretValue", body); res.status != 200 {
			t.Fatalf("PutSecretValue: %s", res.body)
		}
	}
	res = post(t, h, "secretsmanager.ListSecretVersionIds", `{"SecretId":"fmt","IncludeDeprecated":true}`)
	var out struct{ Versions []map[string]json.RawMessage }
	if err := json.Unmarshal(res.body, &out); err != nil || len(out.Versions) != 3 {
		t.Fatalf("ListSecretVersionIds: %s", res.body)
	}
	for _, v := range out.Versions {
		_, has := v["VersionStages"]
		if deprecated := string(v["VersionId"]) == `"`+tok+`"`; has == deprecated {
			t.Errorf("version %s: VersionStages present %v, deprecated %v", v["VersionId"], has, deprecated)
		}
		if got := string(v["KmsKeyIds"]); got != `["DefaultEncryptionKey"]` {
			t.Errorf("KmsKeyIds = %s", got)
		}
	}

	// Empty listings still carry their lists.
	for target, want := range map[string]string{
		"ListSecrets":         `{"SecretList":[]}`,
		"BatchGetSecretValue": `{"Errors":[],"SecretValues":[]}`,
	} {
		body := `{"Filters":[{"Key":"name","Values":["nothing"]}]}`
		if res := post(t, h, "secretsmanager."+target, body); string(res.body) != want {
			t.Errorf("%s: %s, want %s", target, res.body, want)
		}
	}
}

func TestRequestDecoding(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{})
	tests := []struct {
		name, target, contentType, body string
		check                           func(t *testing.T, m map[string]any)
	}{
		{name: "null members are absent", target: "CreateSecret",
			body: `{"Name":"nulls","SecretString":null,"SecretBinary":null,"ClientRequestToken":null,"Description":null,"Tags":null,"KmsKeyId":null}`,
			check: func(t *testing.T, m map[string]any) {
				if _, has := m["VersionId"]; has {
					t.Errorf("a secret without value got a version: %v", m)
				}
			}},
		{name: "unknown members are ignored", target: "DescribeSecret", body: `{"SecretId":"nulls","Type":"x","Extra":{"a":[1]}}`,
			check: func(t *testing.T, m map[string]any) {
				if _, has := m["Tags"]; has || m["Name"] != "nulls" {
					t.Errorf("DescribeSecret = %v", m)
				}
			}},
		{name: "application/json is accepted", target: "DescribeSecret", contentType: "application/json", body: `{"SecretId":"nulls"}`},
		{name: "no Content-Type is accepted", target: "DescribeSecret", contentType: "-", body: `{"SecretId":"nulls"}`},
		{name: "charset parameter is accepted", target: "DescribeSecret", contentType: "application/x-amz-json-1.1; charset=utf-8", body: `{"SecretId":"nulls"}`},
		{name: "empty body is {}", target: "ListSecrets", body: ``},
		{name: "exact member wins over other cases", target: "GetRandomPassword", body: `{"passwordlength":5,"PasswordLength":12,"PASSWORDLENGTH":7}`,
			check: func(t *testing.T, m map[string]any) {
				if len(m["RandomPassword"].(string)) != 12 {
					t.Errorf("password %v", m)
				}
			}},
		{name: "RequireEachIncludedType false", target: "GetRandomPassword", body: `{"PasswordLength":1,"RequireEachIncludedType":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", "secretsmanager."+tt.target)
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			res := serve(t, h, req)
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if tt.check != nil {
				tt.check(t, res.decode(t))
			}
		})
	}
}

func TestInternalErrors(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	var logs bytes.Buffer
	h := New(store, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	// A cancelled request: the library returns the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(`{"SecretId":"x"}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.DescribeSecret")
	res := serve(t, h, req)
	if res.status != 500 {
		t.Fatalf("cancelled request: %d %s", res.status, res.body)
	}
	checkErrorBody(t, res, "InternalServiceError", msgInternal)
	if !strings.Contains(logs.String(), "context canceled") {
		t.Errorf("the cause is not logged: %s", logs.String())
	}

	// A panic (here: no store at all) is an InternalServiceError too.
	res = post(t, New(nil, Options{}), "secretsmanager.ListSecrets", `{}`)
	if res.status != 500 {
		t.Fatalf("panic: %d %s", res.status, res.body)
	}
	checkErrorBody(t, res, "InternalServiceError", msgInternal)

	// A closed store.
	store.Close()
	res = post(t, h, "secretsmanager.ListSecrets", `{}`)
	if res.status != 500 {
		t.Fatalf("closed store: %d %s", res.status, res.body)
	}
	checkErrorBody(t, res, "InternalServiceError", msgInternal)
}

func TestLogging(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	var logs bytes.Buffer
	h := New(store, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ok := post(t, h, "secretsmanager.CreateSecret", `{"Name":"logged","SecretString":"TOPSECRET-value","ClientRequestToken":"`+tok+`"}`)
	get := post(t, h, "secretsmanager.GetSecretValue", `{"SecretId":"logged"}`)
	bad := post(t, h, "secretsmanager.GetSecretValue", `{"SecretId":"missing"}`)
	post(t, h, "secretsmanager.ListSecrets", `{}`)

	if strings.Contains(logs.String(), "TOPSECRET") {
		t.Errorf("a secret value was logged: %s", logs.String())
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("%d log lines, want one per request:\n%s", len(lines), logs.String())
	}
	want := []struct {
		res       rawResponse
		op, id    string
		status    float64
		errorCode any
	}{
		{ok, "CreateSecret", "logged", 200, nil},
		{get, "GetSecretValue", "logged", 200, nil},
		{bad, "GetSecretValue", "missing", 400, "ResourceNotFoundException"},
	}
	for i, w := range want {
		l := lines[i]
		if l["level"] != "INFO" || l["operation"] != w.op || l["secret_id"] != w.id || l["status"] != w.status ||
			l["error_code"] != w.errorCode || l["request_id"] != w.res.header.Get("X-Amzn-Requestid") || l["duration"] == nil || l["region"] != "us-east-1" {
			t.Errorf("log line %d: %v", i, l)
		}
	}
	if _, has := lines[3]["secret_id"]; has {
		t.Errorf("ListSecrets logged a secret id: %v", lines[3])
	}
}

// TestConcurrentRequests runs many requests at once, for the race detector.
func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	srv := newTestServer(t, store, Options{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("c%d", g)
			for i := range 10 {
				for _, call := range []struct{ target, body string }{
					{"PutSecretValue", fmt.Sprintf(`{"SecretId":%q,"SecretString":"v%d","ClientRequestToken":"%s%02d"}`, name, i, tok[:34], i)},
					{"GetSecretValue", fmt.Sprintf(`{"SecretId":%q}`, name)},
					{"ListSecrets", `{"MaxResults":3}`},
				} {
					if i == 0 && call.target == "PutSecretValue" {
						call = struct{ target, body string }{"CreateSecret", fmt.Sprintf(`{"Name":%q}`, name)}
					}
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(call.body))
					req.Header.Set("X-Amz-Target", "secretsmanager."+call.target)
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 && !(i == 0 && call.target == "GetSecretValue") {
						t.Errorf("%s %s: %d", call.target, call.body, resp.StatusCode)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestEveryOperationIsServed checks that each of the 23 operations of
// Secrets Manager is a row of the operation table and is served, and that
// no other name is.
func TestEveryOperationIsServed(t *testing.T) {
	t.Parallel()
	aws := []string{"CreateSecret", "PutSecretValue", "GetSecretValue", "BatchGetSecretValue", "DescribeSecret",
		"UpdateSecret", "UpdateSecretVersionStage", "ListSecretVersionIds", "ListSecrets", "TagResource", "UntagResource",
		"GetRandomPassword", "DeleteSecret", "RestoreSecret", "RotateSecret", "CancelRotateSecret", "GetResourcePolicy",
		"PutResourcePolicy", "DeleteResourcePolicy", "ValidateResourcePolicy", "ReplicateSecretToRegions",
		"RemoveRegionsFromReplication", "StopReplicationToReplica"}
	for _, op := range aws {
		if lookupOperation(op) == nil {
			t.Errorf("%s is not served", op)
		}
	}
	for _, o := range awsmodel.Operations() {
		if wireOperations[o] == nil {
			t.Errorf("%s is in the operation table but has no row in wireOperations", o)
		}
	}
	if n := len(awsmodel.Operations()); n != len(aws) {
		t.Errorf("the operation table has %d operations, want the %d of Secrets Manager", n, len(aws))
	}
	for _, name := range []string{"", "getSecretValue", "GetSecretValues", "Reap"} {
		if lookupOperation(name) != nil {
			t.Errorf("%q is served", name)
		}
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		size int64
	}{
		{0, 0}, {0, -1}, {10, 10}, {10, -1}, {10, 5}, {10, 100}, {1000, 1000}, {1000, -1}, {100 << 10, 100 << 10}, {100 << 10, 3},
	} {
		want := bytes.Repeat([]byte("x"), c.n)
		got, err := readBody(iotest.OneByteReader(bytes.NewReader(want)), c.size)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes, size %d: got %d bytes, %v", c.n, c.size, len(got), err)
		}
		got, err = readBody(bytes.NewReader(want), c.size)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes, size %d, whole reads: got %d bytes, %v", c.n, c.size, len(got), err)
		}
	}
	if _, err := readBody(iotest.ErrReader(errors.New("boom")), 10); err == nil || err.Error() != "boom" {
		t.Errorf("read error: got %v", err)
	}
}
