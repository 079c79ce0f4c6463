package awsapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore"
)

// The health endpoints, for what waits for a server to be ready
// (docker-compose healthchecks, testcontainers wait strategies, CI
// scripts, load balancers). They answer GET and HEAD, without a signature
// and whatever Options.Credentials say, and reveal no secret name or value:
//
//	GET /ping                  "healthy", as the Secrets Manager Agent answers it
//	GET /_secretstore/health   the readiness document (HealthStatus, JSON)
//	GET /_localstack/health    LocalStack's shape, so tools written to wait for LocalStack wait for this
const (
	pingPath             = "/ping"
	healthPath           = controlPrefix + "health"
	localstackHealthPath = "/_localstack/health"
)

// Values of HealthStatus.Status.
const (
	// HealthOK: the store is open and a write can be made now (200).
	HealthOK = "ok"
	// HealthReadOnly: the store is open and serves reads, but a write would
	// be refused now (WriteError says why: a full disk, a failed fsync, a
	// data folder this process cannot write) (503).
	HealthReadOnly = "read-only"
	// HealthStopping: the store is closed; the server is shutting down (503).
	HealthStopping = "stopping"
)

// HealthStatus is the document GET /_secretstore/health answers: 200 when
// Status is HealthOK, else 503.
type HealthStatus struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"` // Options.Version
	// Started is when the handler was made (Options.Started), and
	// UptimeSeconds the time since.
	Started       time.Time `json:"started"`
	UptimeSeconds float64   `json:"uptimeSeconds"`
	// Writable says whether a write can be made now (Store.Writable); when
	// it cannot, WriteError is the error a write would get and
	// WriteErrorReason names the cause: disk_full, sync_failed,
	// folder_not_writable or closed.
	Writable         bool   `json:"writable"`
	WriteError       string `json:"writeError,omitempty"`
	WriteErrorReason string `json:"writeErrorReason,omitempty"`
	// Mirror is the mirror's last pass, when the server mirrors another
	// endpoint (Options.Mirror); absent otherwise.
	Mirror *MirrorStatus `json:"mirror,omitempty"`
}

// MirrorStatus is what the health document says of a mirror: a server that
// copies another Secrets Manager endpoint's secrets into its store at
// intervals.
type MirrorStatus struct {
	// From is the endpoint mirrored (never with credentials).
	From string `json:"from"`
	// Passes is the number of passes finished, FailedPasses how many of
	// them failed.
	Passes       uint64 `json:"passes"`
	FailedPasses uint64 `json:"failedPasses"`
	// LastPassStarted and LastPassEnded bound the last pass finished;
	// LastPassError is why it failed ("" when it did not).
	LastPassStarted time.Time `json:"lastPassStarted,omitzero"`
	LastPassEnded   time.Time `json:"lastPassEnded,omitzero"`
	LastPassError   string    `json:"lastPassError,omitempty"`
	// NextPass is when the next pass is due.
	NextPass time.Time `json:"nextPass,omitzero"`
}

// localstackHealth is LocalStack's GET /_localstack/health answer, with the
// one service this server runs.
type localstackHealth struct {
	Services map[string]string `json:"services"`
	Edition  string            `json:"edition"`
	Version  string            `json:"version"`
}

// healthEndpoint returns the health endpoint r asks for, or "" when its
// path is none of them.
func healthEndpoint(r *http.Request) string {
	switch r.URL.Path {
	case pingPath, healthPath, localstackHealthPath:
		return r.URL.Path
	}
	return ""
}

// serveHealth answers a health endpoint and returns the status written.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request, path string) int {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return writeControl(w, http.StatusMethodNotAllowed, controlError{Error: "use GET"})
	}
	if r.Method == http.MethodHead {
		w = headWriter{w}
	}
	st := h.Health()
	status := http.StatusOK
	if st.Status != HealthOK {
		status = http.StatusServiceUnavailable
	}
	switch path {
	case pingPath:
		body := "healthy"
		if status != http.StatusOK {
			body = st.Status
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return status
	case localstackHealthPath:
		state := "running"
		if st.Status == HealthStopping {
			state = "stopping"
		}
		return writeControl(w, status, localstackHealth{
			Services: map[string]string{"secretsmanager": state},
			Edition:  "secretstore",
			Version:  st.Version,
		})
	}
	return writeControl(w, status, st)
}

// Health returns the health document of the handler's server, as GET
// /_secretstore/health answers it.
func (h *Handler) Health() HealthStatus {
	now := time.Now()
	st := HealthStatus{
		Status:        HealthOK,
		Version:       h.opts.Version,
		Started:       h.opts.Started.UTC(),
		UptimeSeconds: now.Sub(h.opts.Started).Seconds(),
		Writable:      true,
	}
	if err := h.store.Writable(); err != nil {
		st.Status, st.Writable, st.WriteError = HealthReadOnly, false, err.Error()
		switch {
		case errors.Is(err, secretstore.ErrClosed):
			st.Status, st.WriteErrorReason = HealthStopping, "closed"
		case errors.Is(err, secretstore.ErrDiskFull):
			st.WriteErrorReason = "disk_full"
		case errors.Is(err, secretstore.ErrSyncFailed):
			st.WriteErrorReason = "sync_failed"
		case errors.Is(err, secretstore.ErrDataFolderNotWritable):
			st.WriteErrorReason = "folder_not_writable"
		default:
			st.WriteErrorReason = "other"
		}
	}
	if h.opts.Mirror != nil {
		st.Mirror = h.opts.Mirror()
	}
	return st
}

// headWriter answers a HEAD request: the headers of the GET answer, no
// body. (net/http's server drops it too; a ResponseRecorder does not.)
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }
