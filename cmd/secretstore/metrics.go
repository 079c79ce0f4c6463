package main

// serve --metrics-addr: Prometheus metrics on a listener of their own (so
// that they can stay on a private address while the API listens on
// another), in the Prometheus text format, from the Prometheus client
// library for Go. The library at the root knows nothing of Prometheus: it
// counts (Store.Stats, Store.Count, Store.Writable), reports every
// operation (Options.OnEvent) and the wire handler every request
// (awsapi.Options.OnRequest); this file turns those into metrics. Every
// label takes a bounded set of values, whatever clients send, and none
// holds a secret name or value.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
)

// metricsPath is where --metrics-addr serves the metrics.
const metricsPath = "/metrics"

// countEvery is how long Store.Count's answer is reused between scrapes:
// it reads every secret's key, which a store of a million secrets takes
// about a second to do.
const countEvery = 30 * time.Second

// requestBuckets are the bounds of the request latency histogram, in
// seconds: a read takes tens of microseconds in the store, a synced write
// a millisecond or more.
var requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// metrics are serve's Prometheus metrics, in a registry of their own.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	rotations *prometheus.CounterVec
	store     *storeCollector
}

// newMetrics returns serve's metrics: the build, requests, rotations, the
// store's counters (once setStore gives the store), the open connections
// (conns, once set), the mirror's passes (mirror, if not nil), and the Go
// runtime's and the process's.
func newMetrics(build buildInfo, mirror func() *awsapi.MirrorStatus) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secretstore_requests_total",
			Help: "Requests answered, by Secrets Manager operation (or the server's own endpoint; \"\" for an unknown one) and AWS error code (\"none\" on success).",
		}, []string{"operation", "error_code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "secretstore_request_duration_seconds",
			Help:    "How long requests took, from their headers to their answer, by operation.",
			Buckets: requestBuckets,
		}, []string{"operation"}),
		rotations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secretstore_rotations_total",
			Help: "Rotations finished, by outcome (succeeded, failed).",
		}, []string{"outcome"}),
		store: &storeCollector{mirror: mirror},
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "secretstore_build_info",
		Help:        "The build running: its module version, VCS revision and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": build.Version, "revision": build.Revision, "goversion": build.GoVersion},
	})
	info.Set(1)
	for _, outcome := range []string{"succeeded", "failed"} {
		m.rotations.WithLabelValues(outcome) // shown as 0 from the start
	}
	m.reg.MustRegister(info, m.requests, m.latency, m.rotations, m.store,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// setStore gives the metrics the store to read, once it is open, and the
// function returning the connections open.
func (m *metrics) setStore(s *secretstore.Store, conns func() int64) {
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	m.store.s, m.store.conns = s, conns
}

// onRequest counts a request (awsapi.Options.OnRequest).
func (m *metrics) onRequest(r awsapi.RequestInfo) {
	code := r.ErrorCode
	if code == "" {
		code = "none"
	}
	m.requests.WithLabelValues(r.Operation, code).Inc()
	m.latency.WithLabelValues(r.Operation).Observe(r.Duration.Seconds())
}

// eventHook returns m.onEvent, or nil when there are no metrics.
func (m *metrics) eventHook() func(secretstore.Event) {
	if m == nil {
		return nil
	}
	return m.onEvent
}

// onEvent counts the rotations among the store's events
// (secretstore.Options.OnEvent).
func (m *metrics) onEvent(ev secretstore.Event) {
	switch ev.Operation {
	case "RotationSucceeded":
		m.rotations.WithLabelValues("succeeded").Inc()
	case "RotationFailed":
		m.rotations.WithLabelValues("failed").Inc()
	}
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found: the metrics are at "+metricsPath, http.StatusNotFound)
	})
	return mux
}

// storeCollector reads the store's counters at each scrape.
type storeCollector struct {
	mu      sync.Mutex
	s       *secretstore.Store
	conns   func() int64
	mirror  func() *awsapi.MirrorStatus
	counted time.Time
	counts  secretstore.Counts
}

var (
	descFsyncs           = prometheus.NewDesc("secretstore_fsyncs_total", "Fsyncs of the database's logs finished (one serves every write committed meanwhile).", nil, nil)
	descFsyncFailures    = prometheus.NewDesc("secretstore_fsync_failures_total", "Fsyncs of the database's logs that failed; after one, writes are refused until a restart.", nil, nil)
	descFsyncSeconds     = prometheus.NewDesc("secretstore_fsync_duration_seconds", "How long the fsyncs of the database's logs took.", nil, nil)
	descWritesRefused    = prometheus.NewDesc("secretstore_writes_refused_total", "Writes refused before they began, changing nothing, by reason (disk_full, sync_failed, folder_not_writable).", []string{"reason"}, nil)
	descWritable         = prometheus.NewDesc("secretstore_writable", "1 when a write can be made now; 0 when it would be refused (see the health document at /_secretstore/health for why).", nil, nil)
	descSecrets          = prometheus.NewDesc("secretstore_secrets", "Secrets stored, by region, replicas and those scheduled for deletion included (counted at most every 30s).", []string{"region"}, nil)
	descVersions         = prometheus.NewDesc("secretstore_versions", "Secret versions stored, deprecated ones and replicas' included (counted at most every 30s).", nil, nil)
	descReaperPasses     = prometheus.NewDesc("secretstore_reaper_passes_total", "Reaper passes run.", nil, nil)
	descReaperFailures   = prometheus.NewDesc("secretstore_reaper_pass_failures_total", "Reaper passes that stopped on an error.", nil, nil)
	descReaperSecretFail = prometheus.NewDesc("secretstore_reaper_secret_failures_total", "Secrets that reaper passes could not process (each logged).", nil, nil)
	descPurged           = prometheus.NewDesc("secretstore_reaper_purged_secrets_total", "Secrets deleted for good at the end of their recovery window.", nil, nil)
	descPruned           = prometheus.NewDesc("secretstore_reaper_pruned_versions_total", "Deprecated versions removed by the reaper.", nil, nil)
	descConnections      = prometheus.NewDesc("secretstore_open_connections", "Client connections open (at most --max-connections).", nil, nil)
	descMirrorPasses     = prometheus.NewDesc("secretstore_mirror_passes_total", "Mirror passes finished.", nil, nil)
	descMirrorFailed     = prometheus.NewDesc("secretstore_mirror_failed_passes_total", "Mirror passes that failed.", nil, nil)
	descMirrorLastEnd    = prometheus.NewDesc("secretstore_mirror_last_pass_end_timestamp_seconds", "When the last mirror pass ended, in Unix seconds.", nil, nil)
	descMirrorLastFailed = prometheus.NewDesc("secretstore_mirror_last_pass_failed", "1 when the last mirror pass failed.", nil, nil)
)

// Describe sends the descriptions of every metric the collector may send.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFsyncs, descFsyncFailures, descFsyncSeconds, descWritesRefused, descWritable,
		descSecrets, descVersions, descReaperPasses, descReaperFailures, descReaperSecretFail, descPurged, descPruned,
		descConnections, descMirrorPasses, descMirrorFailed, descMirrorLastEnd, descMirrorLastFailed} {
		ch <- d
	}
}

// Collect reads the store's counters and sends them.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil {
		return // not open yet
	}
	st := c.s.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter(descFsyncs, st.Syncs)
	counter(descFsyncFailures, st.SyncFailures)
	ch <- fsyncHistogram(st.SyncDurations)
	for _, reason := range []string{secretstore.RefusedDiskFull, secretstore.RefusedSyncFailed, secretstore.RefusedNotWritable} {
		counter(descWritesRefused, st.WritesRefused[reason], reason)
	}
	writable := 1.0
	if c.s.Writable() != nil {
		writable = 0
	}
	gauge(descWritable, writable)
	counter(descReaperPasses, st.ReaperPasses)
	counter(descReaperFailures, st.ReaperPassFailures)
	counter(descReaperSecretFail, st.ReaperSecretFailures)
	counter(descPurged, st.Purged)
	counter(descPruned, st.PrunedVersions)
	if c.conns != nil {
		gauge(descConnections, float64(c.conns()))
	}
	if time.Since(c.counted) >= countEvery {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := c.s.Count(ctx)
		cancel()
		if err == nil {
			c.counts, c.counted = n, time.Now()
		} else if !errors.Is(err, secretstore.ErrClosed) {
			ch <- prometheus.NewInvalidMetric(descSecrets, fmt.Errorf("counting the secrets: %w", err))
		}
	}
	if c.counts.Secrets != nil {
		regions := make([]string, 0, len(c.counts.Secrets))
		for r := range c.counts.Secrets {
			regions = append(regions, r)
		}
		sort.Strings(regions)
		for _, r := range regions {
			gauge(descSecrets, float64(c.counts.Secrets[r]), r)
		}
		gauge(descVersions, float64(c.counts.Versions))
	}
	if c.mirror != nil {
		if m := c.mirror(); m != nil {
			counter(descMirrorPasses, m.Passes)
			counter(descMirrorFailed, m.FailedPasses)
			if !m.LastPassEnded.IsZero() {
				gauge(descMirrorLastEnd, float64(m.LastPassEnded.UnixNano())/1e9)
				failed := 0.0
				if m.LastPassError != "" {
					failed = 1
				}
				gauge(descMirrorLastFailed, failed)
			}
		}
	}
}

// fsyncHistogram turns the store's fsync durations into a Prometheus
// histogram (cumulative buckets, in seconds).
func fsyncHistogram(h secretstore.DurationHistogram) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	var cum uint64
	for i, b := range h.Bounds {
		cum += h.Counts[i]
		buckets[b.Seconds()] = cum
	}
	return prometheus.MustNewConstHistogram(descFsyncSeconds, h.Count, h.Sum.Seconds(), buckets)
}

// listenMetrics binds --metrics-addr.
func listenMetrics(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for metrics on %s: %w; choose another address with --metrics-addr HOST:PORT (port 0 picks a free one)", addr, err)
	}
	return ln, nil
}
