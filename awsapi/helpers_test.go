package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
)

// testStart is where the stores' fake clocks start.
var testStart = time.Date(2024, 2, 7, 0, 10, 18, 483_000_000, time.UTC)

// testMasterKey is the master key of every test store.
var testMasterKey = bytes.Repeat([]byte{7}, 32)

// newTestStore opens an in-memory store with a fake clock and no
// background reaper; o's Region and AccountID are kept.
func newTestStore(t testing.TB, o secretstore.Options) (*secretstore.Store, *secretstore.FakeClock) {
	t.Helper()
	clock := secretstore.NewFakeClock(testStart)
	o.InMemory = true
	o.MasterKey = testMasterKey
	o.Clock = clock
	o.DisableReaper = true
	s, err := secretstore.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

// newTestServer serves store with o on an httptest server.
func newTestServer(t testing.TB, store *secretstore.Store, o Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(store, o))
	t.Cleanup(srv.Close)
	return srv
}

// rawResponse is an HTTP answer read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// decode returns the body as a JSON object.
func (r rawResponse) decode(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// post sends a raw AWS JSON 1.1 request to h and returns the answer.
func post(t testing.TB, h http.Handler, target, body string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	return serve(t, h, req)
}

// serve runs req through h.
func serve(t testing.TB, h http.Handler, req *http.Request) rawResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: body}
}
