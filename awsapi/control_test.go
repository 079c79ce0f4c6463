package awsapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

func control(t *testing.T, h http.Handler, method, path, body string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return serve(t, h, req)
}

func TestControlClock(t *testing.T) {
	t.Parallel()
	store, clock := newTestStore(t, secretstore.Options{})
	h := New(store, Options{TestMode: true, Clock: clock})
	tests := []struct {
		body   string
		status int
		now    string // RFC 3339 after the call; "" for an error
	}{
		{`{"advance":"0s"}`, 200, "2024-02-07T00:10:18.483Z"},
		{``, 200, "2024-02-07T00:10:18.483Z"},
		{`{"advance":"720h"}`, 200, "2024-03-08T00:10:18.483Z"},
		{`{"advance":"-1h30m"}`, 200, "2024-03-07T22:40:18.483Z"},
		{`{"set":"2030-01-01T00:00:00Z"}`, 200, "2030-01-01T00:00:00Z"},
		{`{"set":"2030-01-01T02:00:00.5+02:00"}`, 200, "2030-01-01T00:00:00.5Z"},
		{`{"advance":"1 day"}`, 400, ""},
		{`{"set":"tomorrow"}`, 400, ""},
		{`{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, 400, ""},
		{`{"advance":3600}`, 400, ""},
		{`not json`, 400, ""},
		// Outside what the clock can hold (the server's runs as the real
		// time plus a time.Duration): refused, the clock unmoved.
		{`{"set":"0001-01-01T00:00:00Z"}`, 400, ""},
		{`{"set":"9999-12-31T00:00:00Z"}`, 400, ""},
		{`{"advance":"2562047h"}`, 400, ""},
		{`{"advance":"-2600000h"}`, 400, ""},
	}
	for _, tt := range tests {
		before := clock.Now()
		res := control(t, h, http.MethodPost, "/_secretstore/clock", tt.body)
		if tt.status != 200 && !clock.Now().Equal(before) {
			t.Errorf("%s: refused, but the clock moved from %s to %s", tt.body, before, clock.Now())
		}
		if res.status != tt.status || res.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s, want %d", tt.body, res.status, res.body, tt.status)
			continue
		}
		m := res.decode(t)
		if tt.now == "" {
			if msg, _ := m["error"].(string); msg == "" {
				t.Errorf("%s: error body %s has no error", tt.body, res.body)
			}
			continue
		}
		if m["now"] != tt.now {
			t.Errorf("%s: now %v, want %s", tt.body, m["now"], tt.now)
		}
		if got := clock.Now().UTC().Format(time.RFC3339Nano); got != tt.now {
			t.Errorf("%s: the clock reads %s, want %s", tt.body, got, tt.now)
		}
	}
	if res := control(t, h, http.MethodGet, "/_secretstore/clock", ""); res.status != http.StatusMethodNotAllowed {
		t.Errorf("GET clock: %d", res.status)
	}
	if res := control(t, New(store, Options{TestMode: true}), http.MethodPost, "/_secretstore/clock", `{}`); res.status != http.StatusNotImplemented {
		t.Errorf("clock without Options.Clock: %d %s", res.status, res.body)
	}
}

func TestControlReapAndReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, clock := newTestStore(t, secretstore.Options{})
	h := New(store, Options{TestMode: true, Clock: clock})
	for _, n := range []string{"keep", "doomed"} {
		if _, err := store.Put(ctx, n, "v"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Region("eu-west-1").Put(ctx, "eu", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Delete(ctx, "doomed", 7); err != nil {
		t.Fatal(err)
	}
	if res := control(t, h, http.MethodPost, "/_secretstore/clock", `{"advance":"169h"}`); res.status != 200 {
		t.Fatalf("clock: %d %s", res.status, res.body)
	}
	res := control(t, h, http.MethodPost, "/_secretstore/reap", "")
	if res.status != 200 {
		t.Fatalf("reap: %d %s", res.status, res.body)
	}
	stats := res.decode(t)
	for _, k := range []string{"Purged", "PrunedVersions", "Shredded", "RecordsRead", "Failed", "ValueLogGC"} {
		if _, ok := stats[k]; !ok {
			t.Errorf("reap answer %s lacks %s", res.body, k)
		}
	}
	if stats["Purged"] != float64(1) {
		t.Errorf("reap purged %v secrets, want 1: %s", stats["Purged"], res.body)
	}

	res = control(t, h, http.MethodPost, "/_secretstore/reset", "")
	if res.status != 200 || string(res.body) != "{}" {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	for _, s := range []*secretstore.Store{store, store.Region("eu-west-1")} {
		out, err := s.ListSecrets(ctx, &secretstore.ListSecretsInput{IncludePlannedDeletion: true})
		if err != nil || len(out.SecretList) != 0 {
			t.Errorf("%s after reset: %+v, %v", s.RegionName(), out, err)
		}
	}
	if res := control(t, h, http.MethodPost, "/_secretstore/nope", ""); res.status != http.StatusNotFound {
		t.Errorf("unknown control path: %d", res.status)
	}
}

func TestControlWithoutTestMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, clock := newTestStore(t, secretstore.Options{})
	if _, err := store.Put(ctx, "kept", "v"); err != nil {
		t.Fatal(err)
	}
	h := New(store, Options{Clock: clock})
	for _, path := range []string{"/_secretstore/clock", "/_secretstore/reap", "/_secretstore/reset", "/_secretstore/"} {
		res := control(t, h, http.MethodPost, path, `{"advance":"720h"}`)
		if res.status != http.StatusNotFound {
			t.Errorf("%s without TestMode: %d %s", path, res.status, res.body)
		}
	}
	if !clock.Now().Equal(testStart) {
		t.Errorf("the clock moved to %v", clock.Now())
	}
	if v, err := store.Get(ctx, "kept"); err != nil || v != "v" {
		t.Errorf("the store changed: %q, %v", v, err)
	}
}

// signedControl returns a control request signed by creds at time at.
func signedControl(t *testing.T, method, path, body string, creds Credentials, at time.Time) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, sha256Hex([]byte(body)), "secretsmanager", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestControlSignedWithCredentials: with Options.Credentials the control
// endpoints refuse a request that is not signed by one of them, and change
// nothing; a signed one works.
func TestControlSignedWithCredentials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, clock := newTestStore(t, secretstore.Options{})
	if _, err := store.Put(ctx, "kept", "v"); err != nil {
		t.Fatal(err)
	}
	h := New(store, Options{TestMode: true, Clock: clock, Credentials: testCreds})
	unchanged := func(what string) {
		t.Helper()
		if v, err := store.Get(ctx, "kept"); err != nil || v != "v" {
			t.Errorf("%s changed the store: %q, %v", what, v, err)
		}
		if !clock.Now().Equal(testStart) {
			t.Errorf("%s moved the clock to %v", what, clock.Now())
		}
	}
	good := testCreds[1]
	now := time.Now()
	for _, tc := range []struct {
		name string
		req  *http.Request
		code string
	}{
		{"unsigned reset", httptest.NewRequest(http.MethodPost, "/_secretstore/reset", nil), "MissingAuthenticationTokenException"},
		{"unsigned clock", httptest.NewRequest(http.MethodPost, "/_secretstore/clock", strings.NewReader(`{"advance":"720h"}`)), "MissingAuthenticationTokenException"},
		{"unsigned reap", httptest.NewRequest(http.MethodPost, "/_secretstore/reap", nil), "MissingAuthenticationTokenException"},
		{"wrong secret key", signedControl(t, http.MethodPost, "/_secretstore/reset", "", Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: "wrong"}, now), "InvalidSignatureException"},
		{"unknown access key", signedControl(t, http.MethodPost, "/_secretstore/reset", "", Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}, now), "UnrecognizedClientException"},
		{"signed an hour ago", signedControl(t, http.MethodPost, "/_secretstore/reset", "", good, now.Add(-time.Hour)), "InvalidSignatureException"},
		{"body changed after signing", func() *http.Request {
			req := signedControl(t, http.MethodPost, "/_secretstore/clock", `{"advance":"0s"}`, good, now)
			req.Body = io.NopCloser(strings.NewReader(`{"advance":"720h"}`))
			return req
		}(), "InvalidSignatureException"},
	} {
		res := serve(t, h, tc.req)
		m := res.decode(t)
		if res.status != http.StatusForbidden || m["code"] != tc.code || !strings.Contains(m["error"].(string), "signed with the server's credentials") {
			t.Errorf("%s: %d %s; want 403 and %s", tc.name, res.status, res.body, tc.code)
		}
		unchanged(tc.name)
	}

	// Signed: they work.
	res := serve(t, h, signedControl(t, http.MethodPost, "/_secretstore/clock", `{"advance":"1h"}`, good, time.Now()))
	if res.status != http.StatusOK || !clock.Now().Equal(testStart.Add(time.Hour)) {
		t.Errorf("signed clock: %d %s; the clock reads %v", res.status, res.body, clock.Now())
	}
	res = serve(t, h, signedControl(t, http.MethodPost, "/_secretstore/reset", "", testCreds[2], time.Now()))
	if res.status != http.StatusOK {
		t.Fatalf("signed reset: %d %s", res.status, res.body)
	}
	if _, err := store.Get(ctx, "kept"); err == nil {
		t.Errorf("the signed reset left the secret")
	}
	// The paths and methods are checked first, as for the API.
	if res := serve(t, h, httptest.NewRequest(http.MethodPost, "/_secretstore/backup", nil)); res.status != http.StatusNotFound {
		t.Errorf("backup without Options.Backup: %d %s", res.status, res.body)
	}
	if res := serve(t, h, httptest.NewRequest(http.MethodGet, "/_secretstore/reset", nil)); res.status != http.StatusMethodNotAllowed {
		t.Errorf("GET reset: %d %s", res.status, res.body)
	}
}

// TestControlUnsignedWithoutCredentials: without Options.Credentials an
// unsigned request works, as before.
func TestControlUnsignedWithoutCredentials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, clock := newTestStore(t, secretstore.Options{})
	if _, err := store.Put(ctx, "gone", "v"); err != nil {
		t.Fatal(err)
	}
	h := New(store, Options{TestMode: true, Clock: clock})
	if res := control(t, h, http.MethodPost, "/_secretstore/reset", ""); res.status != http.StatusOK {
		t.Fatalf("unsigned reset without credentials: %d %s", res.status, res.body)
	}
	if _, err := store.Get(ctx, "gone"); err == nil {
		t.Errorf("the reset left the secret")
	}
}

// TestControlBackup: GET /_secretstore/backup streams a backup that
// LoadBackup takes; without credentials only to a loopback client, with
// them only signed.
func TestControlBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{})
	for i := range 50 {
		if _, err := store.Put(ctx, fmt.Sprintf("app/s%02d", i), strings.Repeat("v", 1000)); err != nil {
			t.Fatal(err)
		}
	}
	loads := func(t *testing.T, body []byte) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "restored")
		s, err := loadBackup(ctx, body, dir)
		if err != nil {
			t.Fatalf("the endpoint's answer: %v", err)
		}
		defer s.Close()
		if v, err := s.Get(ctx, "app/s49"); err != nil || v != strings.Repeat("v", 1000) {
			t.Errorf("the restored store: %q, %v", v, err)
		}
	}
	get := func(h http.Handler, remote string) rawResponse {
		req := httptest.NewRequest(http.MethodGet, "/_secretstore/backup", nil)
		req.RemoteAddr = remote
		return serve(t, h, req)
	}

	h := New(store, Options{Backup: true})
	for _, remote := range []string{"127.0.0.1:40000", "[::1]:40000", "127.9.9.9:1"} {
		res := get(h, remote)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/octet-stream" || !bytes.HasPrefix(res.body, []byte("secretstore backup ")) {
			t.Fatalf("backup from %s: %d %s %.40q", remote, res.status, res.header, res.body)
		}
		loads(t, res.body)
	}
	for _, remote := range []string{"192.0.2.1:40000", "[2001:db8::1]:40000", "[::ffff:10.0.0.1]:1", "garbage"} {
		res := get(h, remote)
		if res.status != http.StatusForbidden || !strings.Contains(string(res.body), "only when the server checks signatures") {
			t.Errorf("backup from %s without credentials: %d %s", remote, res.status, res.body)
		}
	}
	if res := serve(t, h, httptest.NewRequest(http.MethodPost, "/_secretstore/backup", nil)); res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != http.MethodGet {
		t.Errorf("POST backup: %d %s", res.status, res.body)
	}
	if res := get(New(store, Options{TestMode: true}), "127.0.0.1:1"); res.status != http.StatusNotFound {
		t.Errorf("backup without Options.Backup: %d %s", res.status, res.body)
	}
	// Backup does not turn on the test-control endpoints.
	if res := control(t, h, http.MethodPost, "/_secretstore/reset", ""); res.status != http.StatusNotFound {
		t.Errorf("reset with Backup but not TestMode: %d %s", res.status, res.body)
	}

	// With credentials: signed only, from anywhere.
	hs := New(store, Options{Backup: true, Credentials: testCreds})
	if res := get(hs, "127.0.0.1:1"); res.status != http.StatusForbidden || res.decode(t)["code"] != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned backup with credentials: %d %s", res.status, res.body)
	}
	req := signedControl(t, http.MethodGet, "/_secretstore/backup", "", testCreds[0], time.Now())
	req.RemoteAddr = "192.0.2.1:40000"
	res := serve(t, hs, req)
	if res.status != http.StatusOK {
		t.Fatalf("signed backup: %d %s", res.status, res.body)
	}
	loads(t, res.body)

	// A store that cannot be backed up: a 500 with a JSON body.
	closed, _ := newTestStore(t, secretstore.Options{})
	closed.Close()
	res = get(New(closed, Options{Backup: true}), "127.0.0.1:1")
	if res.status != http.StatusInternalServerError || res.header.Get("Content-Type") != "application/json" || !strings.Contains(res.decode(t)["error"].(string), "backup:") {
		t.Errorf("backup of a closed store: %d %s %s", res.status, res.header, res.body)
	}
}

// TestControlBackupOverHTTP downloads a backup through a real server
// while secrets are written, and checks the stream is a whole backup.
func TestControlBackupOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{})
	for i := range 200 {
		if _, err := store.Put(ctx, fmt.Sprintf("before/%03d", i), strings.Repeat("x", 2000)); err != nil {
			t.Fatal(err)
		}
	}
	srv := newTestServer(t, store, Options{Backup: true})
	stop := make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		// Writes until the download ends: at most 10,000, over 200 secrets,
		// each well under the version quota.
		for i := 0; i < 10000; i++ {
			select {
			case <-stop:
				wrote <- nil
				return
			default:
			}
			if _, err := store.Put(ctx, fmt.Sprintf("during/%d", i%200), "v"); err != nil {
				wrote <- err
				return
			}
		}
		<-stop
		wrote <- nil
	}()
	resp, err := http.Get(srv.URL + "/_secretstore/backup")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	close(stop)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != -1 {
		t.Fatalf("backup over HTTP: %v %s, %d bytes, Content-Length %d", err, resp.Status, len(body), resp.ContentLength)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	s, err := loadBackup(ctx, body, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if problems, err := s.Verify(ctx); err != nil || len(problems) != 0 {
		t.Errorf("Verify of the restored store: %v, %v", problems, err)
	}
	if v, err := s.Get(ctx, "before/199"); err != nil || v != strings.Repeat("x", 2000) {
		t.Errorf("before/199 in the restored store: %v", err)
	}
}

// offsetTestClock is a RealTimeClock over a fixed real time.
type offsetTestClock struct {
	real   time.Time
	offset time.Duration
}

func (c *offsetTestClock) Now() time.Time { return c.real.Add(c.offset) }
func (c *offsetTestClock) Advance(d time.Duration) time.Time {
	c.offset += d
	return c.Now()
}
func (c *offsetTestClock) Set(t time.Time)  { c.offset = t.Sub(c.real) }
func (c *offsetTestClock) ResetToRealTime() { c.offset = 0 }

// TestControlClockRealTime: {"set":"now"} returns to the real time, a reset
// does so for a RealTimeClock only, and the clock may go backwards.
func TestControlClockRealTime(t *testing.T) {
	t.Parallel()
	real := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		clock      TestClock
		setNow     string // the clock after {"set":"now"}
		afterReset string // the clock after advancing 48h, then a reset
	}{
		{"RealTimeClock", &offsetTestClock{real: real}, "2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"},
		{"FakeClock", secretstore.NewFakeClock(testStart), "2025-06-01T12:00:00Z", "2025-06-03T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newTestStore(t, secretstore.Options{})
			h := New(store, Options{TestMode: true, Clock: tt.clock, Now: func() time.Time { return real }})
			for _, step := range []struct{ body, now string }{
				{`{"advance":"-720h"}`, ""}, // backwards is allowed
				{`{"set":"2001-01-01T00:00:00Z"}`, "2001-01-01T00:00:00Z"},
				{`{"set":"now"}`, tt.setNow},
			} {
				res := control(t, h, http.MethodPost, "/_secretstore/clock", step.body)
				if res.status != http.StatusOK {
					t.Fatalf("%s: %d %s", step.body, res.status, res.body)
				}
				if got := res.decode(t)["now"]; step.now != "" && got != step.now {
					t.Errorf("%s: now %v, want %s", step.body, got, step.now)
				}
			}
			control(t, h, http.MethodPost, "/_secretstore/clock", `{"advance":"48h"}`)
			if res := control(t, h, http.MethodPost, "/_secretstore/reset", ""); res.status != http.StatusOK {
				t.Fatalf("reset: %d %s", res.status, res.body)
			}
			if got := tt.clock.Now().UTC().Format(time.RFC3339); got != tt.afterReset {
				t.Errorf("after a reset the clock reads %s, want %s", got, tt.afterReset)
			}
		})
	}
}

// TestControlWithoutTestModeNamesTheSwitch: the 404 names what turns test
// mode on, Options.TestMode unless the program gives its own name.
func TestControlWithoutTestModeNamesTheSwitch(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	for _, tt := range []struct{ name, want string }{
		{"", "not found: the test-control endpoints need Options.TestMode"},
		{"the --test-mode flag", "not found: the test-control endpoints need the --test-mode flag"},
	} {
		res := control(t, New(store, Options{TestModeName: tt.name}), http.MethodPost, "/_secretstore/reset", "")
		if got := res.decode(t)["error"]; res.status != http.StatusNotFound || got != tt.want {
			t.Errorf("TestModeName %q: %d %v, want 404 %q", tt.name, res.status, got, tt.want)
		}
	}
}

// loadBackup loads the backup body into the new folder dir
// (secretstore.LoadBackup) and opens it. Each step opens the folder just
// after this process let go of it, which under an emulator a child
// another test starts may hold for a moment (testutil.ForkWindow); a
// LoadBackup that fails leaves dir as it was, so either is tried again.
func loadBackup(ctx context.Context, body []byte, dir string) (*secretstore.Store, error) {
	o := secretstore.Options{Dir: dir, MasterKey: testMasterKey, DisableReaper: true}
	if _, err := testutil.OpenAgain(func() (struct{}, error) {
		return struct{}{}, secretstore.LoadBackup(ctx, bytes.NewReader(body), o)
	}, secretstore.ErrDataFolderInUse); err != nil {
		return nil, fmt.Errorf("LoadBackup: %w", err)
	}
	return testutil.OpenAgain(func() (*secretstore.Store, error) { return secretstore.Open(ctx, o) }, secretstore.ErrDataFolderInUse)
}
