package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/awsapi"
)

// TestServeHealth asks a server that checks signatures and has principals
// for its health, unsigned, over HTTP and with "secretstore health", and
// the health command of a server that is gone.
func TestServeHealth(t *testing.T) {
	t.Parallel()
	principals := writePrincipals(t, `{"Principals":[{"AccessKeyId":"AKIAAPPEXAMPLE","SecretAccessKey":"app-secret","Arn":"arn:aws:iam::123456789012:user/app"}]}`)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", principals, "--access-key-id", "AKIDADMIN", "--secret-access-key", "admin-secret")
	for path, want := range map[string]string{"/ping": "healthy", "/_secretstore/health": `"status":"ok"`, "/_localstack/health": `"secretsmanager":"running"`} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s unsigned: %s %s; want 200 with %s", path, resp.Status, body, want)
		}
	}

	r := runCLI(t, nil, "", "health", "--endpoint", srv.URL)
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "ok: secretstore "+readBuildInfo().short()+", up ") || !strings.Contains(r.stdout, "writes can be made") {
		t.Errorf("health: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "", "health", "--endpoint", srv.URL, "--json")
	var st awsapi.HealthStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); r.code != exitOK || err != nil || st.Status != awsapi.HealthOK || st.Version != readBuildInfo().short() || !st.Writable {
		t.Errorf("health --json: exit %d, %q (%v)", r.code, r.stdout, err)
	}
	// By default it asks the port of SECRETSTORE_ADDR, as serve listens.
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := net.SplitHostPort(hostPort)
	if r := runCLI(t, map[string]string{"SECRETSTORE_ADDR": "0.0.0.0:" + port}, "", "health"); r.code != exitOK {
		t.Errorf("health with SECRETSTORE_ADDR=0.0.0.0:%s: exit %d, %q", port, r.code, r.stderr)
	}

	srv.stop()
	r = runCLI(t, nil, "", "health", "--endpoint", srv.URL)
	if r.code != exitError || !strings.Contains(r.stderr, "cannot reach "+srv.URL) || !strings.Contains(r.stderr, "is secretstore serve running there?") {
		t.Errorf("health of a stopped server: exit %d, %q", r.code, r.stderr)
	}

	// Not a secretstore server.
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	r = runCLI(t, nil, "", "health", "--endpoint", other.URL)
	if r.code != exitError || !strings.Contains(r.stderr, "not a secretstore health document") {
		t.Errorf("health of another server: exit %d, %q", r.code, r.stderr)
	}
	// Not ready.
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(awsapi.HealthStatus{Status: awsapi.HealthReadOnly, WriteError: "InternalServiceError: the disk holding the data folder is full"})
	}))
	defer notReady.Close()
	r = runCLI(t, nil, "", "health", "--endpoint", notReady.URL)
	if r.code != exitError || !strings.Contains(r.stdout, "writes are refused: InternalServiceError: the disk") || !strings.Contains(r.stderr, "is not ready: read-only") {
		t.Errorf("health of a read-only server: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestDefaultHealthEndpoint(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"":                "http://127.0.0.1:4566",
		"0.0.0.0:4566":    "http://127.0.0.1:4566",
		":8080":           "http://127.0.0.1:8080",
		"[::]:9000":       "http://127.0.0.1:9000",
		"10.0.0.5:4566":   "http://10.0.0.5:4566",
		"[::1]:4566":      "http://[::1]:4566",
		"localhost:4567":  "http://localhost:4567",
		"not an address!": "http://127.0.0.1:4566",
	} {
		if got := defaultHealthEndpoint(addr); got != want {
			t.Errorf("defaultHealthEndpoint(%q) = %s, want %s", addr, got, want)
		}
	}
}

// TestVersion checks secretstore version, --version and version --json, and
// that serve logs the build.
func TestVersion(t *testing.T) {
	t.Parallel()
	b := readBuildInfo()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		r := runCLI(t, nil, "", args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "secretstore "+b.Version) || !strings.Contains(r.stdout, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
			t.Errorf("secretstore %v: exit %d, %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := runCLI(t, nil, "", "version", "--json")
	var got buildInfo
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != exitOK || err != nil || got != b {
		t.Errorf("version --json: exit %d, %q (%v); want %+v", r.code, r.stdout, err, b)
	}
	srv := startInProcess(t, nil, "--memory", "--quiet")
	if !strings.Contains(srv.log.String(), "msg=secretstore version="+b.Version) {
		t.Errorf("serve does not log its version:\n%s", srv.log)
	}
}
