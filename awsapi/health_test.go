package awsapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/policy"
)

// TestHealthEndpoints asks every health endpoint, unsigned, of a handler
// that checks signatures and has principals: each answers, and none names
// a secret.
func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	if _, err := store.CreateSecret(t.Context(), &secretstore.CreateSecretInput{Name: "top/secret-name", SecretString: "hunter2"}); err != nil {
		t.Fatal(err)
	}
	app := &secretstore.Principal{Arn: "arn:aws:iam::123456789012:user/app", Policies: []*policy.Policy{identityPolicy(t,
		`{"Effect":"Deny","Action":"*","Resource":"*"}`)}}
	started := time.Now().Add(-time.Hour)
	h := New(store, Options{
		Credentials: []Credentials{{AccessKeyID: "AKIDADMIN", SecretAccessKey: "s"}, {AccessKeyID: "AKIDAPP", SecretAccessKey: "a", Principal: app}},
		Version:     "v1.2.3 (abc1234)",
		Started:     started,
	})
	tests := []struct {
		method, path string
		status       int
		contentType  string
		check        func(t *testing.T, body []byte)
	}{
		{"GET", "/ping", 200, "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			if string(body) != "healthy" {
				t.Errorf("body %q, want healthy", body)
			}
		}},
		{"HEAD", "/ping", 200, "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			if len(body) != 0 {
				t.Errorf("HEAD answered a body: %q", body)
			}
		}},
		{"GET", "/_secretstore/health", 200, "application/json", func(t *testing.T, body []byte) {
			var st HealthStatus
			if err := json.Unmarshal(body, &st); err != nil {
				t.Fatal(err)
			}
			if st.Status != HealthOK || !st.Writable || st.WriteError != "" || st.Version != "v1.2.3 (abc1234)" || st.Mirror != nil {
				t.Errorf("health document %s", body)
			}
			if st.UptimeSeconds < 3599 || st.UptimeSeconds > 3700 || !st.Started.Equal(started.Truncate(0)) {
				t.Errorf("uptime %v s since %v, want an hour since %v", st.UptimeSeconds, st.Started, started)
			}
			var fields map[string]any
			json.Unmarshal(body, &fields)
			if _, ok := fields["mirror"]; ok {
				t.Errorf("a mirror section without a mirror: %s", body)
			}
		}},
		{"GET", "/_localstack/health", 200, "application/json", func(t *testing.T, body []byte) {
			var ls struct {
				Services map[string]string
				Version  string
			}
			if err := json.Unmarshal(body, &ls); err != nil || ls.Services["secretsmanager"] != "running" || ls.Version != "v1.2.3 (abc1234)" {
				t.Errorf("LocalStack health %s (%v)", body, err)
			}
		}},
		{"POST", "/ping", 405, "application/json", nil},
		{"DELETE", "/_secretstore/health", 405, "application/json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			t.Parallel()
			res := serve(t, h, httptest.NewRequest(tt.method, tt.path, nil))
			if res.status != tt.status || res.header.Get("Content-Type") != tt.contentType {
				t.Fatalf("%s %s: %d %q %s; want %d %q", tt.method, tt.path, res.status, res.header.Get("Content-Type"), res.body, tt.status, tt.contentType)
			}
			if strings.Contains(string(res.body), "secret-name") || strings.Contains(string(res.body), "hunter2") {
				t.Errorf("the answer names a secret: %s", res.body)
			}
			if tt.check != nil {
				tt.check(t, res.body)
			}
		})
	}
}

// TestHealthNotReady checks the answers of a store that cannot take a write
// (a read-only data folder, where this test may make one) and of a closed
// store.
func TestHealthNotReady(t *testing.T) {
	t.Parallel()
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		store, _ := newTestStore(t, secretstore.Options{})
		h := New(store, Options{})
		store.Close()
		for path, want := range map[string]string{"/ping": "stopping", "/_secretstore/health": `"status":"stopping"`, "/_localstack/health": `"secretsmanager":"stopping"`} {
			res := serve(t, h, httptest.NewRequest("GET", path, nil))
			if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), want) {
				t.Errorf("GET %s of a closed store: %d %s; want 503 with %s", path, res.status, res.body, want)
			}
		}
	})
	t.Run("read-only folder", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		store, err := secretstore.Open(t.Context(), secretstore.Options{Dir: dir, MasterKey: testMasterKey, DisableReaper: true})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if os.Geteuid() == 0 {
			if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
				t.Skipf("cannot bind-mount the folder: %v: %s", err, out)
			}
			defer exec.Command("umount", dir).Run() // before Close, which writes
			if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
				t.Skipf("cannot make the bind mount read-only: %v: %s", err, out)
			}
		} else {
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(dir, 0o700)
		}
		res := serve(t, New(store, Options{}), httptest.NewRequest("GET", "/_secretstore/health", nil))
		var st HealthStatus
		json.Unmarshal(res.body, &st)
		if res.status != http.StatusServiceUnavailable || st.Status != HealthReadOnly || st.Writable || st.WriteErrorReason != "folder_not_writable" || st.WriteError == "" {
			t.Errorf("health of a read-only folder: %d %s", res.status, res.body)
		}
	})
}

// TestHealthMirror checks that the mirror's status, when the server has
// one, is in the health document.
func TestHealthMirror(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	ended := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := New(store, Options{Mirror: func() *MirrorStatus {
		return &MirrorStatus{From: "https://secretsmanager.eu-west-1.amazonaws.com", Passes: 3, FailedPasses: 1,
			LastPassStarted: ended.Add(-time.Second), LastPassEnded: ended, LastPassError: "ListSecrets: AccessDeniedException: ..."}
	}})
	res := serve(t, h, httptest.NewRequest("GET", "/_secretstore/health", nil))
	var st HealthStatus
	if err := json.Unmarshal(res.body, &st); err != nil || res.status != 200 || st.Mirror == nil ||
		st.Mirror.Passes != 3 || st.Mirror.FailedPasses != 1 || !st.Mirror.LastPassEnded.Equal(ended) || st.Mirror.LastPassError == "" {
		t.Errorf("health with a mirror: %d %s (%v)", res.status, res.body, err)
	}
	if strings.Contains(string(res.body), "nextPass") {
		t.Errorf("a zero NextPass is shown: %s", res.body)
	}
}

// TestOnRequest checks what Options.OnRequest is told of each kind of
// request, and that health checks are not reported.
func TestOnRequest(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	var mu sync.Mutex
	var got []RequestInfo
	h := New(store, Options{OnRequest: func(r RequestInfo) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r)
	}})
	post(t, h, "secretsmanager.CreateSecret", `{"Name":"a","SecretString":"v","ClientRequestToken":"11111111-1111-1111-1111-111111111111"}`)
	post(t, h, "secretsmanager.GetSecretValue", `{"SecretId":"missing"}`)
	post(t, h, "secretsmanager.NoSuchOperation", `{}`)
	serve(t, h, httptest.NewRequest("GET", "/_secretstore/clock", nil))
	serve(t, h, httptest.NewRequest("GET", "/_secretstore/anything", nil))
	serve(t, h, httptest.NewRequest("GET", "/ping", nil))
	serve(t, h, httptest.NewRequest("GET", "/_secretstore/health", nil))
	want := []RequestInfo{
		{Operation: "CreateSecret", Status: 200},
		{Operation: "GetSecretValue", Status: 400, ErrorCode: "ResourceNotFoundException"},
		{Operation: "", Status: 400, ErrorCode: "UnknownOperationException"},
		{Operation: "/_secretstore/clock", Status: 404, ErrorCode: "Not Found"},
		{Operation: "", Status: 404, ErrorCode: "Not Found"},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("OnRequest was called %d times, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		if g.Duration <= 0 {
			t.Errorf("request %d: duration %v", i, g.Duration)
		}
		g.Duration = 0
		if g != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, g, want[i])
		}
	}
}

// TestBackupRefusal checks that a handler told why its backups cannot be
// used refuses them with that reason.
func TestBackupRefusal(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{Backup: true, BackupRefusal: "this store's master key is a throwaway one"})
	req := httptest.NewRequest("GET", "/_secretstore/backup", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	res := serve(t, h, req)
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), "throwaway") {
		t.Errorf("backup with a refusal: %d %s", res.status, res.body)
	}
}
