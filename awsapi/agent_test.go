package awsapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/policy"
)

const agentToken = "xyzzy"

// agentFixture is a store with the secrets the Agent tests read, and the
// Agent serving it.
type agentFixture struct {
	store   *secretstore.Store
	agent   *Agent
	arn     map[string]string // by name
	current map[string]string // AWSCURRENT's version id, by name
	pending string            // the AWSPENDING version of My/Test
}

func newAgentFixture(t *testing.T, o AgentOptions) *agentFixture {
	t.Helper()
	ctx := t.Context()
	store, _ := newTestStore(t, secretstore.Options{})
	f := &agentFixture{store: store, arn: map[string]string{}, current: map[string]string{}}
	for name, value := range map[string]string{
		"MyTest":  "hunter2",
		"My/Test": `{"user":"admin","password":"p\"w\\d"}`,
		"odd":     "tab\tnew line\n\x01 < > & \u2028 é",
	} {
		out, err := store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, SecretString: value})
		if err != nil {
			t.Fatal(err)
		}
		f.arn[name], f.current[name] = out.ARN, out.VersionId
	}
	out, err := store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: "binary", SecretBinary: []byte{0, 1, 0xfe, 0xff}})
	if err != nil {
		t.Fatal(err)
	}
	f.arn["binary"], f.current["binary"] = out.ARN, out.VersionId
	p, err := store.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: "My/Test", SecretString: "pending", VersionStages: []string{"AWSPENDING"}})
	if err != nil {
		t.Fatal(err)
	}
	f.pending = p.VersionId
	if o.Token == "" {
		o.Token = agentToken
	}
	if f.agent, err = NewAgent(store, o); err != nil {
		t.Fatal(err)
	}
	return f
}

// get sends GET target (a path and query, as a client writes them) with
// the headers to the Agent.
func (f *agentFixture) get(t *testing.T, method, target string, headers map[string]string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return serve(t, f.agent, req)
}

var withToken = map[string]string{"X-Aws-Parameters-Secrets-Token": agentToken}

// created is CreatedDate of every fixture version as the Agent prints it:
// the fake clock's 2024-02-07T00:10:18.483Z.
const created = `"1707264618.483"`

// TestAgentContract checks each answer of the Agent's API against the
// Agent's own: its status, and its body byte for byte.
func TestAgentContract(t *testing.T) {
	t.Parallel()
	f := newAgentFixture(t, AgentOptions{})
	value := func(name, version, valueJSON, stages string) string {
		return `{"ARN":"` + f.arn[name] + `","Name":"` + name + `","VersionId":"` + version + `",` + valueJSON + `,"VersionStages":` + stages + `,"CreatedDate":` + created + `}`
	}
	tests := []struct {
		name    string
		method  string
		target  string
		headers map[string]string
		status  int
		body    string
	}{
		{"ping needs no token", "GET", "/ping", nil, 200, "healthy"},
		{"ping with a token", "GET", "/ping", withToken, 200, "healthy"},
		{"ping only with GET", "POST", "/ping", nil, 405, "Not allowed"},
		{"start_serving is not a Lambda extension's here", "GET", "/start_serving", nil, 404, "Not found"},
		{"no token", "GET", "/secretsmanager/get?secretId=MyTest", nil, 403, "Bad Token"},
		{"a wrong token", "GET", "/secretsmanager/get?secretId=MyTest", map[string]string{"X-Vault-Token": "click slipers"}, 403, "Bad Token"},
		{"a token in an unknown header", "GET", "/secretsmanager/get?secretId=MyTest", map[string]string{"X-Token": agentToken}, 403, "Bad Token"},
		{"the token without a path", "GET", "/", withToken, 404, "Not found"},
		{"forwarded", "GET", "/secretsmanager/get?secretId=MyTest", map[string]string{"X-Vault-Token": agentToken, "X-Forwarded-For": "54.239.28.85"}, 400, "Forwarded"},
		{"forwarded, even empty, before the token", "GET", "/v1/MyTest", map[string]string{"X-Forwarded-For": ""}, 400, "Forwarded"},
		{"the token before the method", "POST", "/secretsmanager/get?secretId=MyTest", nil, 403, "Bad Token"},
		{"only GET", "POST", "/secretsmanager/get?secretId=MyTest", withToken, 405, "Not allowed"},
		{"only GET, path form", "DELETE", "/v1/MyTest", withToken, 405, "Not allowed"},
		{"an unknown path", "GET", "/pong", withToken, 404, "Not found"},
		{"no secretId", "GET", "/secretsmanager/get", withToken, 400, "missing parameter secretId"},
		{"an empty secretId", "GET", "/secretsmanager/get?secretId=&versionStage=AWSPENDING", withToken, 400, "missing parameter secretId"},
		{"an unknown parameter", "GET", "/secretsmanager/get?secretId=MyTest&versionStage=AWSPENDING&abc=XXXXXXXXXXXX", withToken, 400, "unknown parameter: abc"},
		{"a bad refreshNow", "GET", "/secretsmanager/get?secretId=MyTest&refreshNow=123", withToken, 400, "invalid refreshNow value"},
		{"path form without an id", "GET", "/v1/", withToken, 400, "missing secret ID"},
		{"path form with an unknown parameter", "GET", "/v1/MyTest?versionStage=AWSPENDING&abc=XXXXXXXXXXXX", withToken, 400, "unknown parameter: abc"},
		{"path form takes no secretId", "GET", "/v1/MyTest?secretId=MyTest", withToken, 400, "unknown parameter: secretId"},

		{"a read", "GET", "/secretsmanager/get?secretId=MyTest", withToken,
			200, value("MyTest", f.current["MyTest"], `"SecretString":"hunter2"`, `["AWSCURRENT"]`)},
		{"a read with X-Vault-Token and refreshNow", "GET", "/secretsmanager/get?secretId=MyTest&refreshNow=TRUE", map[string]string{"X-Vault-Token": agentToken},
			200, value("MyTest", f.current["MyTest"], `"SecretString":"hunter2"`, `["AWSCURRENT"]`)},
		{"a read by ARN", "GET", "/secretsmanager/get?secretId=" + f.arn["MyTest"], withToken,
			200, value("MyTest", f.current["MyTest"], `"SecretString":"hunter2"`, `["AWSCURRENT"]`)},
		{"a read by stage", "GET", "/secretsmanager/get?secretId=My%2FTest&versionStage=AWSPENDING", withToken,
			200, value("My/Test", f.pending, `"SecretString":"pending"`, `["AWSPENDING"]`)},
		{"a read by version id", "GET", "/secretsmanager/get?secretId=My/Test&versionId=" + f.current["My/Test"] + "&refreshNow=0", withToken,
			200, value("My/Test", f.current["My/Test"], `"SecretString":"{\"user\":\"admin\",\"password\":\"p\\\"w\\\\d\"}"`, `["AWSCURRENT"]`)},
		{"path form, the name with slashes", "GET", "/v1/My/Test", withToken,
			200, value("My/Test", f.current["My/Test"], `"SecretString":"{\"user\":\"admin\",\"password\":\"p\\\"w\\\\d\"}"`, `["AWSCURRENT"]`)},
		{"path form with versionStage and refreshNow", "GET", "/v1/My/Test?versionStage=AWSPENDING&refreshNow=true", withToken,
			200, value("My/Test", f.pending, `"SecretString":"pending"`, `["AWSPENDING"]`)},
		{"path form with dot segments", "GET", "/v1/x/../My/./Test", withToken,
			200, value("My/Test", f.current["My/Test"], `"SecretString":"{\"user\":\"admin\",\"password\":\"p\\\"w\\\\d\"}"`, `["AWSCURRENT"]`)},
		{"a binary value", "GET", "/v1/binary", withToken,
			200, value("binary", f.current["binary"], `"SecretBinary":"AAH+/w=="`, `["AWSCURRENT"]`)},
		{"only quotes, backslashes and controls are escaped", "GET", "/v1/odd", withToken,
			200, value("odd", f.current["odd"], `"SecretString":"tab\tnew line\n\u0001 < > & `+"\u2028"+` é"`, `["AWSCURRENT"]`)},

		{"not found", "GET", "/secretsmanager/get?secretId=nope", withToken,
			400, `{"__type":"ResourceNotFoundException", "message":"Secrets Manager can't find the specified secret."}`},
		{"path form, not percent-decoded", "GET", "/v1/My%2FTest", withToken,
			400, `{"__type":"ValidationException", "message":"Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"}`},
		{"an empty versionId is passed on", "GET", "/secretsmanager/get?secretId=MyTest&versionId=", withToken,
			400, `{"__type":"ValidationException", "message":"1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32"}`},
		{"a stage on no version", "GET", "/secretsmanager/get?secretId=MyTest&versionStage=nope", withToken,
			400, `{"__type":"ResourceNotFoundException", "message":"Secrets Manager can't find the specified secret value for staging label: nope"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := f.get(t, tt.method, tt.target, tt.headers)
			if r.status != tt.status || string(r.body) != tt.body {
				t.Errorf("%s %s: %d %s\nwant %d %s", tt.method, tt.target, r.status, r.body, tt.status, tt.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "" {
				t.Errorf("Content-Type %q: the Agent sends none", ct)
			}
			if r.status == 200 && strings.HasPrefix(tt.body, "{") && !json.Valid(r.body) {
				t.Errorf("the body is not JSON: %s", r.body)
			}
		})
	}
}

// TestAgentReadsWhatTheSDKAPIWrote: no cache stands between a write and
// the Agent's read.
func TestAgentReadsWhatTheSDKAPIWrote(t *testing.T) {
	t.Parallel()
	f := newAgentFixture(t, AgentOptions{})
	h := New(f.store, Options{})
	res := post(t, h, "secretsmanager.PutSecretValue", `{"SecretId":"MyTest","SecretString":"new value","ClientRequestToken":"`+strings.Repeat("9", 36)+`"}`)
	if res.status != 200 {
		t.Fatalf("PutSecretValue: %d %s", res.status, res.body)
	}
	r := f.get(t, "GET", "/secretsmanager/get?secretId=MyTest", withToken)
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil || got["SecretString"] != "new value" || got["VersionId"] != strings.Repeat("9", 36) {
		t.Errorf("read after the write: %d %s", r.status, r.body)
	}
}

// TestAgentErrorBodies: the Agent's error body for each kind of error.
func TestAgentErrorBodies(t *testing.T) {
	t.Parallel()
	tests := []struct{ code, msg, want string }{
		{"ResourceNotFoundException", "Secrets Manager can't find the specified secret.", `{"__type":"ResourceNotFoundException", "message":"Secrets Manager can't find the specified secret."}`},
		{"InternalFailure", "anything", `{"__type":"InternalFailure"}`},
		{"InternalServiceError", "", `{"__type":"InternalFailure"}`},
		{"AccessDeniedException", `a "quoted" name`, `{"__type":"AccessDeniedException", "message":"a \"quoted\" name"}`},
	}
	for _, tt := range tests {
		if got := agentErrorBody(tt.code, tt.msg); got != tt.want {
			t.Errorf("agentErrorBody(%q, %q) = %s, want %s", tt.code, tt.msg, got, tt.want)
		}
	}
}

func TestAgentTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1569534789046), `"1569534789.046"`},
		{time.UnixMilli(1707264658000), `"1707264658"`},
		{time.UnixMilli(1707264658100), `"1707264658.1"`},
		{time.UnixMilli(1), `"0.001"`},
		{time.Time{}, "null"},
	}
	for _, tt := range tests {
		if got := agentTime(tt.t); got != tt.want {
			t.Errorf("agentTime(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestAgentToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "awssmatoken")
	if err := os.WriteFile(file, []byte("  4 chosen by fair dice roll\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	blank := filepath.Join(dir, "blank")
	if err := os.WriteFile(blank, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
		err  string
	}{
		{"AWS_TOKEN", map[string]string{"AWS_TOKEN": "abc123"}, "abc123", ""},
		{"the second variable", map[string]string{"AWS_SESSION_TOKEN": "123abc"}, "123abc", ""},
		{"the third variable", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "c"}, "c", ""},
		{"the first set wins", map[string]string{"AWS_TOKEN": "yzzyx", "AWS_SESSION_TOKEN": "CTAtoken"}, "yzzyx", ""},
		{"a file, trimmed", map[string]string{"AWS_TOKEN": "file://" + file}, "4 chosen by fair dice roll", ""},
		{"a missing file", map[string]string{"AWS_TOKEN": "file:///NoSuchFile"}, "", "no such file or directory"},
		{"a blank file", map[string]string{"AWS_TOKEN": "file://" + blank}, "", "is empty"},
		{"none", nil, "", "AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN: environment variable not found"},
	}
	for _, tt := range tests {
		got, err := AgentToken(func(k string) string { return tt.env[k] })
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: %q, %v; want %q, %q", tt.name, got, err, tt.want, tt.err)
		}
	}
	if _, err := AgentToken(func(string) string { return "" }); !errors.Is(err, ErrNoAgentToken) {
		t.Errorf("no token: %v, want ErrNoAgentToken", err)
	}
	if _, err := NewAgent(nil, AgentOptions{}); err == nil {
		t.Error("NewAgent without a token succeeded")
	}
	if _, err := NewAgent(nil, AgentOptions{Token: "x", MaxConnections: 1001}); err == nil || !strings.Contains(err.Error(), "range 1 to 1000") {
		t.Errorf("NewAgent with 1001 connections: %v", err)
	}
}

// TestAgentPrincipal: with a principal, the Agent's reads are held to its
// policies.
func TestAgentPrincipal(t *testing.T) {
	t.Parallel()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:My/*"}]}`
	pol, err := policy.ParseIdentity([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/app", Policies: []*policy.Policy{pol}}
	f := newAgentFixture(t, AgentOptions{Principal: p})
	if r := f.get(t, "GET", "/v1/My/Test", withToken); r.status != 200 {
		t.Errorf("allowed read: %d %s", r.status, r.body)
	}
	r := f.get(t, "GET", "/v1/MyTest", withToken)
	want := `{"__type":"AccessDeniedException", "message":"User: arn:aws:iam::123456789012:user/app is not authorized to perform: secretsmanager:GetSecretValue on resource: MyTest because no identity-based policy allows the secretsmanager:GetSecretValue action"}`
	if r.status != 400 || string(r.body) != want {
		t.Errorf("denied read: %d %s\nwant 400 %s", r.status, r.body, want)
	}
}

// serveAgent serves f's Agent on a loopback port and returns its address.
func serveAgent(t *testing.T, f *agentFixture) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- f.agent.Serve(ln) }()
	t.Cleanup(func() {
		f.agent.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawGet sends a GET of target with the token on conn and reads the
// answer's status and body.
func rawGet(t *testing.T, conn net.Conn, target string) (int, string) {
	t.Helper()
	if _, err := io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: localhost\r\nX-Aws-Parameters-Secrets-Token: "+agentToken+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header["Content-Type"]; len(ct) > 0 {
		t.Errorf("Content-Type %q: the Agent sends none", ct)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAgentConnectionLimit: past MaxConnections open connections a
// request gets 429, but /ping has two more; a closed connection frees its
// place.
func TestAgentConnectionLimit(t *testing.T) {
	t.Parallel()
	f := newAgentFixture(t, AgentOptions{MaxConnections: 1})
	addr := serveAgent(t, f)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first := dial()
	if status, _ := rawGet(t, first, "/v1/MyTest"); status != 200 {
		t.Fatalf("first connection: %d", status)
	}
	second := dial()
	if status, body := rawGet(t, second, "/v1/MyTest"); status != 429 || body != "Connection limit exceeded" {
		t.Errorf("second connection: %d %q", status, body)
	}
	if status, body := rawGet(t, second, "/ping"); status != 200 || body != "healthy" {
		t.Errorf("ping on the second connection: %d %q", status, body)
	}
	third := dial()
	if status, _ := rawGet(t, third, "/ping"); status != 200 {
		t.Errorf("ping on the third connection: %d", status)
	}
	fourth := dial()
	if status, _ := rawGet(t, fourth, "/ping"); status != 429 {
		t.Errorf("ping on the fourth connection: %d, want 429", status)
	}
	for _, c := range []net.Conn{first, second, third, fourth} {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.agent.open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the server sees the closes
	}
	if status, _ := rawGet(t, dial(), "/v1/MyTest"); status != 200 {
		t.Errorf("a connection after the others closed: %d", status)
	}
}

// TestAgentConnectionLifetime: a connection is closed when its lifetime
// (61 seconds in the Agent) ends, even idle in keep-alive.
func TestAgentConnectionLifetime(t *testing.T) {
	t.Parallel()
	f := newAgentFixture(t, AgentOptions{})
	// Long enough for the ping on a loaded machine (100 ms was not, under
	// the race detector beside the other parallel tests).
	f.agent.lifetime = time.Second
	addr := serveAgent(t, f)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if status, _ := rawGet(t, c, "/ping"); status != 200 {
		t.Fatalf("ping: %d", status)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("read after the lifetime: %d, %v; want EOF", n, err)
	}
}

// TestAgentConnectionsHaveNoHops: the server's side of each connection
// sends with a TTL of 1.
func TestAgentConnectionsHaveNoHops(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	setNoHops(c)
	ttl, err := socketTTL(c)
	if err != nil {
		t.Skip(err)
	}
	if ttl != 1 {
		t.Errorf("TTL %d, want 1", ttl)
	}
}

// TestAgentServesOnce: Serve refuses a second listener, and Shutdown ends
// it.
func TestAgentServesOnce(t *testing.T) {
	t.Parallel()
	f := newAgentFixture(t, AgentOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- f.agent.Serve(ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	if err := f.agent.Serve(ln2); err == nil {
		t.Error("a second Serve succeeded")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := f.agent.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
}

func TestRemoveDotSegments(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/v1/a/b":         "/v1/a/b",
		"/v1/a/../b":      "/v1/b",
		"/v1/./a":         "/v1/a",
		"/v1/a/%2e%2E/b":  "/v1/b",
		"/v1/..":          "/",
		"/v1/a/.":         "/v1/a/",
		"/v1/a.b/c..d":    "/v1/a.b/c..d",
		"/v1/../../../x":  "/x",
		"/v1/" + "x%2e/y": "/v1/x%2e/y",
	} {
		if got := removeDotSegments(in); got != want {
			t.Errorf("removeDotSegments(%q) = %q, want %q", in, got, want)
		}
	}
	if got := strconv.Quote(formDecode("a+b%2Fc%zz%4")); got != `"a b/c%zz%4"` {
		t.Errorf("formDecode = %s", got)
	}
}
