package awsapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
)

func control(t *testing.T, h http.Handler, method, path, body string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return serve(t, h, req)
}

func TestControlClock(t *testing.T) {
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
	}
	for _, tt := range tests {
		res := control(t, h, http.MethodPost, "/_secretstore/clock", tt.body)
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
