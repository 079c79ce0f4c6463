package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// TestServeFirstStartThenClientReadsFolder is the README's path: serve on a
// new folder (it generates the master key), use it over the wire, stop it
// with SIGTERM, then read the folder with a client command.
func TestServeFirstStartThenClientReadsFolder(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	data := filepath.Join(t.TempDir(), "data")
	srv := startProcess(t, nil, "--data", data)

	keyFile := filepath.Join(data, keyFileName)
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, err := os.Stat(data); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
	if !strings.Contains(srv.log.String(), "generated a new master key beside the data") {
		t.Errorf("no warning about the generated key:\n%s", srv.log)
	}
	// The command to copy follows the "listening" line that startProcess
	// waits for.
	waitFor(t, srv.log, "aws --endpoint-url "+srv.URL+" secretsmanager list-secrets")

	sm := sdkClient(srv.URL, "test", "test")
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("s3cret")}); err != nil {
		t.Fatal(err)
	}
	got, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
	if err != nil || aws.ToString(got.SecretString) != "s3cret" {
		t.Fatalf("GetSecretValue: %v", err)
	}
	list, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 1 || aws.ToString(list.SecretList[0].Name) != "app/db" {
		t.Fatalf("ListSecrets: %+v, %v", list, err)
	}

	// While the server runs, the folder is locked: the client says so.
	r := runCLI(t, nil, "", "get", "app/db", "--data", data)
	if r.code != exitError || !strings.Contains(r.stderr, "is in use — is `secretstore serve` running? Use the AWS CLI") {
		t.Errorf("get on a locked folder: exit %d, %q", r.code, r.stderr)
	}

	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited with %d after SIGTERM:\n%s", code, srv.log)
	}
	if !strings.Contains(srv.log.String(), "msg=stopped") {
		t.Errorf("no clean stop logged:\n%s", srv.log)
	}
	if out := mustRun(t, nil, "", "get", "app/db", "--data", data); out != "s3cret\n" {
		t.Errorf("get after the server stopped = %q", out)
	}

	// A second start reuses the key file, and warns where it lies.
	srv = startProcess(t, nil, "--data", data)
	if strings.Contains(srv.log.String(), "generated a new master key") {
		t.Errorf("a second start generated another key:\n%s", srv.log)
	}
	if !strings.Contains(srv.log.String(), "master key is read from the data folder") {
		t.Errorf("no warning about the key beside the data:\n%s", srv.log)
	}
	if _, err := sdkClient(srv.URL, "test", "test").GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")}); err != nil {
		t.Errorf("GetSecretValue after a restart: %v", err)
	}
}

func TestServeMasterKeyFromEnvironment(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	srv := startInProcess(t, env, "--data", data, "--quiet")
	if _, err := sdkClient(srv.URL, "a", "b").CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("k"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, srv.log)
	}
	if _, err := os.Stat(filepath.Join(data, keyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was written although the key came from %s: %v", masterKeyEnv, err)
	}
	if out := mustRun(t, env, "", "get", "k", "--data", data); out != "v\n" {
		t.Errorf("get = %q", out)
	}

	// Another key: a clear error, exit 1, nothing read.
	wrong := map[string]string{masterKeyEnv: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	r := runCLI(t, wrong, "", "get", "k", "--data", data)
	if r.code != exitError || !strings.Contains(r.stderr, "the master key does not match") || !strings.Contains(r.stderr, masterKeyEnv) {
		t.Errorf("get with the wrong key: exit %d, %q", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("get with the wrong key printed %q", r.stdout)
	}
	// The server refuses the wrong key too.
	r = runCLI(t, wrong, "", "serve", "--data", data, "--addr", "127.0.0.1:0")
	if r.code != exitError || !strings.Contains(r.stderr, "the master key does not match") {
		t.Errorf("serve with the wrong key: exit %d, %q", r.code, r.stderr)
	}
	// And with no key at all, serve does not make one up for an existing database.
	r = runCLI(t, nil, "", "serve", "--data", data, "--addr", "127.0.0.1:0")
	if r.code != exitError || !strings.Contains(r.stderr, "holds a database but no master.key") {
		t.Errorf("serve with no key on an existing database: exit %d, %q", r.code, r.stderr)
	}
}

func TestServeTestModeEndpoints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := startInProcess(t, nil, "--memory", "--test-mode", "--quiet")
	sm := sdkClient(srv.URL, "test", "test")

	// Reading the clock, moving it, setting it.
	status, body := post(t, srv.URL+"/_secretstore/clock", `{"advance":"0s"}`)
	var clock struct{ Now time.Time }
	if err := json.Unmarshal([]byte(body), &clock); status != http.StatusOK || err != nil {
		t.Fatalf("clock: %d %s", status, body)
	}
	if d := time.Since(clock.Now); d < -time.Minute || d > time.Minute {
		t.Errorf("the clock reads %v, far from now", clock.Now)
	}
	status, body = post(t, srv.URL+"/_secretstore/clock", `{"set":"2030-01-01T00:00:00Z"}`)
	if err := json.Unmarshal([]byte(body), &clock); status != http.StatusOK || err != nil || clock.Now.Year() != 2030 {
		t.Fatalf("clock set: %d %s", status, body)
	}

	// A deleted secret disappears once the clock passes its recovery window.
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("gone"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("gone"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	post(t, srv.URL+"/_secretstore/clock", `{"advance":"192h"}`)
	status, body = post(t, srv.URL+"/_secretstore/reap", `{}`)
	var stats struct{ Purged int }
	if err := json.Unmarshal([]byte(body), &stats); status != http.StatusOK || err != nil || stats.Purged != 1 {
		t.Errorf("reap: %d %s", status, body)
	}
	_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("gone")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("DescribeSecret after the window and a reap: %v", err)
	}

	// Reset empties every region.
	eu := secretsmanager.New(sm.Options(), func(o *secretsmanager.Options) { o.Region = "eu-west-1" })
	for _, c := range []*secretsmanager.Client{sm, eu} {
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("kept"), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
	}
	if status, body := post(t, srv.URL+"/_secretstore/reset", ``); status != http.StatusOK {
		t.Fatalf("reset: %d %s", status, body)
	}
	for _, c := range []*secretsmanager.Client{sm, eu} {
		out, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
		if err != nil || len(out.SecretList) != 0 {
			t.Errorf("ListSecrets in %s after reset: %d secrets, %v", c.Options().Region, len(out.SecretList), err)
		}
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("exit %d:\n%s", code, srv.log)
	}
}

func TestServeWithoutTestModeHasNoControlEndpoints(t *testing.T) {
	t.Parallel()
	srv := startInProcess(t, nil, "--memory", "--quiet")
	for _, p := range []string{"clock", "reap", "reset"} {
		if status, body := post(t, srv.URL+"/_secretstore/"+p, `{"advance":"1h"}`); status != http.StatusNotFound {
			t.Errorf("POST /_secretstore/%s without --test-mode: %d %s", p, status, body)
		}
	}
}

func TestServeSignatureChecks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := startInProcess(t, nil, "--memory", "--quiet", "--access-key-id", "AKIDGOOD", "--secret-access-key", "good-secret")
	if !strings.Contains(srv.log.String(), "signature_checks=on") {
		t.Errorf("the log does not say signature checks are on:\n%s", srv.log)
	}
	if strings.Contains(srv.log.String(), "good-secret") {
		t.Errorf("the log shows the secret access key:\n%s", srv.log)
	}
	in := &secretsmanager.ListSecretsInput{}
	if _, err := sdkClient(srv.URL, "AKIDGOOD", "good-secret").ListSecrets(ctx, in); err != nil {
		t.Errorf("the right keys: %v", err)
	}
	for _, tc := range []struct{ id, secret, code string }{
		{"AKIDGOOD", "bad-secret", "InvalidSignatureException"},
		{"AKIDBAD", "good-secret", "UnrecognizedClientException"},
	} {
		_, err := sdkClient(srv.URL, tc.id, tc.secret).ListSecrets(ctx, in)
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.code {
			t.Errorf("keys %s/%s: %v, want %s", tc.id, tc.secret, err, tc.code)
		}
	}
}

func TestServeCredentialsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{accessKeyIDEnv: "AKIDENV", secretAccessKeyEnv: "env-secret"}
	srv := startInProcess(t, env, "--memory", "--quiet")
	if _, err := sdkClient(srv.URL, "AKIDENV", "env-secret").ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}); err != nil {
		t.Errorf("the right keys: %v", err)
	}
	if _, err := sdkClient(srv.URL, "AKIDENV", "nope").ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}); err == nil {
		t.Errorf("a wrong secret key was accepted")
	}

	r := runCLI(t, map[string]string{accessKeyIDEnv: "AKIDENV"}, "", "serve", "--memory", "--addr", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "give both an access key id and a secret access key") {
		t.Errorf("an access key id alone: exit %d, %q", r.code, r.stderr)
	}
}

func TestServeUsageAndStartErrors(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "serve", "--memory", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--memory and --data cannot be used together") {
		t.Errorf("--memory --data: exit %d, %q", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{masterKeyEnv: "not base64!"}, "", "serve", "--memory", "--addr", "127.0.0.1:0")
	if r.code != exitError || !strings.Contains(r.stderr, masterKeyEnv+" is not valid base64") || strings.Contains(r.stderr, "not base64!") {
		t.Errorf("malformed %s: exit %d, %q", masterKeyEnv, r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{masterKeyEnv: "c2hvcnQ="}, "", "serve", "--memory", "--addr", "127.0.0.1:0")
	if r.code != exitError || !strings.Contains(r.stderr, "decodes to 5 bytes") {
		t.Errorf("short %s: exit %d, %q", masterKeyEnv, r.code, r.stderr)
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	r = runCLI(t, nil, "", "serve", "--memory", "--addr", busy.Addr().String())
	if r.code != exitError || !strings.Contains(r.stderr, "listening on "+busy.Addr().String()) {
		t.Errorf("a port in use: exit %d, %q", r.code, r.stderr)
	}
}

func TestServeInMemoryWritesNothing(t *testing.T) {
	t.Parallel()
	srv := startProcess(t, nil, "--memory")
	if !strings.Contains(srv.log.String(), "in memory only") {
		t.Errorf("no warning that the data is lost on exit:\n%s", srv.log)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("exit %d:\n%s", code, srv.log)
	}
	// startProcess runs the server in an empty temporary folder: the
	// default data folder must not have been created there.
	if entries, err := os.ReadDir(srv.dir); err != nil || len(entries) != 0 {
		t.Errorf("serve --memory wrote to its working folder: %v, %v", entries, err)
	}
}

// TestServeFinishesRequestsInFlight sends SIGTERM while a request's body is
// still arriving: the request completes, then the server exits cleanly.
func TestServeFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	srv := startProcess(t, []string{masterKeyEnv + "=" + testKeyB64}, "--data", data)
	body := `{"Name":"late","SecretString":"arrived","ClientRequestToken":"11111111-2222-3333-4444-555555555555"}`
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The head asks for 100 Continue, which the server sends when the
	// handler starts reading the body: then the request is in flight.
	head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nExpect: 100-continue\r\n" +
		"X-Amz-Target: secretsmanager.CreateSecret\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("the server did not ask for the body: %q, %v", line, err)
	}
	if line, err := br.ReadString('\n'); err != nil || line != "\r\n" {
		t.Fatalf("the 100 Continue goes on: %q, %v", line, err)
	}
	if _, err := io.WriteString(conn, body[:10]); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan int, 1)
	go func() { stopped <- srv.stop() }()
	waitFor(t, srv.log, "shutting down")
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the request in flight: %s", resp.Status)
	}
	if code := <-stopped; code != 0 {
		t.Errorf("exit %d:\n%s", code, srv.log)
	}
	env := map[string]string{masterKeyEnv: testKeyB64}
	if out := mustRun(t, env, "", "get", "late", "--data", data); out != "arrived\n" {
		t.Errorf("get = %q", out)
	}
}

// waitFor waits until log contains s.
func waitFor(t *testing.T, log *syncBuffer, s string) {
	t.Helper()
	// The deadline only bounds a failure: under emulation (qemu-arm-static
	// in .ci/run) a rotation function's steps take seconds each.
	if log.await(regexp.MustCompile(regexp.QuoteMeta(s)), nil, 60*time.Second) == nil {
		t.Fatalf("the log never showed %q:\n%s", s, log)
	}
}

func TestEndpointURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4566}, "http://127.0.0.1:4566"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "http://127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "http://127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 80}, "http://[::1]:80"},
	} {
		if got := endpointURL(tc.addr); got != tc.want {
			t.Errorf("endpointURL(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
