package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
)

var metricsURLRE = regexp.MustCompile(`msg="serving metrics" url=(\S+)`)

// scrape GETs url and parses the answer with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %q %s", url, resp.Status, resp.Header.Get("Content-Type"), b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the scrape is not in the Prometheus text format: %v", err)
	}
	return families
}

// metricValue returns the value of the sample of family name whose labels
// include labels (name=value pairs), and whether there is one. For a
// histogram it is the sample count.
func metricValue(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestServeMetrics runs serve with --metrics-addr on a data folder, makes it
// do a little of everything, scrapes the metrics listener, and checks each
// figure against what was done.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	data := filepath.Join(t.TempDir(), "data")
	srv := startInProcess(t, map[string]string{masterKeyEnv: testKeyB64}, "--data", data, "--quiet", "--test-mode", "--metrics-addr", "127.0.0.1:0")
	m := metricsURLRE.FindStringSubmatch(srv.log.String())
	if m == nil {
		t.Fatalf("serve did not log where the metrics are:\n%s", srv.log)
	}
	metricsURL := m[1]
	if !strings.HasSuffix(metricsURL, metricsPath) || strings.HasPrefix(metricsURL, srv.URL) {
		t.Fatalf("metrics at %s: want their own listener, not the API's %s", metricsURL, srv.URL)
	}

	sm := sdkClient(srv.URL, "test", "test")
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/api"), SecretString: aws.String("v1"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")}); err == nil {
		t.Fatal("GetSecretValue of a missing secret succeeded")
	}
	if status, body := post(t, srv.URL+"/_secretstore/reap", ``); status != http.StatusOK {
		t.Fatalf("reap: %d %s", status, body)
	}
	// An operation no client should be able to make a label of.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.Evil"+strings.Repeat("X", 40))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	fams := scrape(t, metricsURL)
	checks := []struct {
		name   string
		labels []string
		want   func(v float64) bool
		says   string
	}{
		{"secretstore_requests_total", []string{"operation", "CreateSecret", "error_code", "none"}, eq(2), "2"},
		{"secretstore_requests_total", []string{"operation", "GetSecretValue", "error_code", "none"}, eq(1), "1"},
		{"secretstore_requests_total", []string{"operation", "GetSecretValue", "error_code", "ResourceNotFoundException"}, eq(1), "1"},
		{"secretstore_requests_total", []string{"operation", "", "error_code", "UnknownOperationException"}, eq(1), "1 (an unknown operation, unnamed)"},
		{"secretstore_requests_total", []string{"operation", "/_secretstore/reap", "error_code", "none"}, eq(1), "1"},
		{"secretstore_request_duration_seconds", []string{"operation", "GetSecretValue"}, eq(2), "2 observations"},
		{"secretstore_fsyncs_total", nil, ge(3), "at least 3 (the keyring, 2 creations)"},
		{"secretstore_fsync_failures_total", nil, eq(0), "0"},
		{"secretstore_writes_refused_total", []string{"reason", "disk_full"}, eq(0), "0"},
		{"secretstore_writes_refused_total", []string{"reason", "sync_failed"}, eq(0), "0"},
		{"secretstore_writable", nil, eq(1), "1"},
		{"secretstore_secrets", []string{"region", "us-east-1"}, eq(2), "2"},
		{"secretstore_secrets", []string{"region", "eu-west-1"}, eq(1), "1 (the replica)"},
		{"secretstore_versions", nil, eq(3), "3"},
		{"secretstore_reaper_passes_total", nil, ge(1), "at least 1"},
		{"secretstore_reaper_pass_failures_total", nil, eq(0), "0"},
		{"secretstore_rotations_total", []string{"outcome", "failed"}, eq(0), "0"},
		{"secretstore_open_connections", nil, ge(0), "present"},
		{"secretstore_build_info", []string{"version", readBuildInfo().Version}, eq(1), "1"},
		{"go_goroutines", nil, ge(1), "present"},
		{"process_resident_memory_bytes", nil, ge(0), "present"}, // 0 under qemu-user
	}
	for _, c := range checks {
		v, ok := metricValue(fams, c.name, c.labels...)
		if !ok || !c.want(v) {
			t.Errorf("%s%v = %v (found %v), want %s", c.name, c.labels, v, ok, c.says)
		}
	}
	for _, m := range fams["secretstore_requests_total"].Metric {
		for _, l := range m.Label {
			if strings.Contains(l.GetValue(), "Evil") {
				t.Errorf("a label holds what a client sent: %s=%q", l.GetName(), l.GetValue())
			}
		}
	}
	fsyncs, _ := metricValue(fams, "secretstore_fsyncs_total")
	if n, _ := metricValue(fams, "secretstore_fsync_duration_seconds"); n != fsyncs {
		t.Errorf("the fsync histogram has %v observations for %v fsyncs", n, fsyncs)
	}

	// Only /metrics, only on the metrics listener.
	if resp, err := http.Get(strings.TrimSuffix(metricsURL, metricsPath) + "/"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / on the metrics listener: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(srv.URL + metricsPath); err != nil || resp.StatusCode == http.StatusOK {
		t.Errorf("GET %s on the API listener: %v %v", metricsPath, resp, err)
	} else {
		resp.Body.Close()
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("exit %d:\n%s", code, srv.log)
	}
	if _, err := http.Get(metricsURL); err == nil {
		t.Errorf("the metrics listener still answers after the server stopped")
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func ge(want float64) func(float64) bool { return func(v float64) bool { return v >= want } }

// TestMetricsRotationsAndMirror checks the metrics fed by the store's
// rotation events and by a mirror's status, through a scrape of the
// handler.
func TestMetricsRotationsAndMirror(t *testing.T) {
	t.Parallel()
	store, err := secretstore.Open(t.Context(), secretstore.Options{InMemory: true, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ended := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mirror := &awsapi.MirrorStatus{From: "aws://eu-west-1", Passes: 4, FailedPasses: 1, LastPassEnded: ended, LastPassError: "AccessDeniedException"}
	m := newMetrics(readBuildInfo(), func() *awsapi.MirrorStatus { return mirror })
	m.setStore(store, func() int64 { return 7 })
	for _, op := range []string{"RotationSucceeded", "RotationSucceeded", "RotationFailed", "GetSecretValue"} {
		m.onEvent(secretstore.Event{Operation: op})
	}
	srv := httptest.NewServer(m.handler(slogDiscard()))
	defer srv.Close()
	fams := scrape(t, srv.URL+metricsPath)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"secretstore_rotations_total", []string{"outcome", "succeeded"}, 2},
		{"secretstore_rotations_total", []string{"outcome", "failed"}, 1},
		{"secretstore_mirror_passes_total", nil, 4},
		{"secretstore_mirror_failed_passes_total", nil, 1},
		{"secretstore_mirror_last_pass_end_timestamp_seconds", nil, float64(ended.Unix())},
		{"secretstore_mirror_last_pass_failed", nil, 1},
		{"secretstore_open_connections", nil, 7},
		{"secretstore_fsyncs_total", nil, 0},
	} {
		if v, ok := metricValue(fams, c.name, c.labels...); !ok || v != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, v, ok, c.want)
		}
	}

	// Without a mirror, no mirror metrics.
	m2 := newMetrics(readBuildInfo(), nil)
	m2.setStore(store, nil)
	srv2 := httptest.NewServer(m2.handler(slogDiscard()))
	defer srv2.Close()
	for name := range scrape(t, srv2.URL+metricsPath) {
		if strings.HasPrefix(name, "secretstore_mirror") {
			t.Errorf("%s without a mirror", name)
		}
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
