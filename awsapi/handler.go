package awsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// defaultMaxBodyBytes is the largest request body a Handler reads when
// Options.MaxBodyBytes is zero: 1 MiB, room for the largest valid request
// (a 64 KiB SecretBinary is about 87 KiB of base64).
const defaultMaxBodyBytes = 1 << 20

// targetPrefix starts the X-Amz-Target header of every Secrets Manager
// operation.
const targetPrefix = "secretsmanager."

// Options configure a Handler. Zero value = defaults.
type Options struct {
	// Credentials, when not empty, turn on SigV4 verification of every
	// request (constant-time compares); when empty any signature (or none)
	// is accepted, as local emulators do. A key with a Principal makes
	// its requests run as that principal, under its policies (see
	// Credentials.Principal).
	Credentials []Credentials
	// Logger receives one line per request (operation, secret name/id,
	// status, duration, request id, error code); default none. Never a
	// secret value.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; default 1 MiB. A larger body
	// gets 413 RequestEntityTooLargeException (AWS's front end also refuses
	// oversized requests) and changes nothing.
	MaxBodyBytes int64
	// TestMode serves the test-control endpoints under /_secretstore/
	// (clock, reap, reset). Without it those paths are 404. With
	// Credentials they must be signed like every other request.
	TestMode bool
	// TestModeName is how the 404 answer of a test-control endpoint names
	// what turns TestMode on, for a program that exposes it under its own
	// name (serve sets "secretstore serve --test-mode"); default
	// "Options.TestMode".
	TestModeName string
	// Backup serves GET /_secretstore/backup: Store.Backup, a consistent
	// snapshot of the whole store, streamed while other requests go on.
	// With Credentials the request must be signed like every other; without,
	// it is answered only to clients on a loopback address. Without Backup
	// the path is 404.
	Backup bool
	// Clock is the clock POST /_secretstore/clock moves; needed with
	// TestMode. It may be set backwards as well as forwards. When it is a
	// RealTimeClock, {"set":"now"} and POST /_secretstore/reset put it back
	// on the real time; another TestClock is set to Now() by {"set":"now"}
	// and left where it is by a reset.
	Clock TestClock
	// BackupRefusal, when set, is why GET /_secretstore/backup is refused
	// although Backup is set: it answers 409 with this message. serve sets
	// it for a store in memory under a throwaway master key, whose backup
	// could never be restored.
	BackupRefusal string
	// Now is the real time used for SigV4 date checks; default time.Now.
	// (Not the store's clock: a test may have moved that by months.)
	Now func() time.Time

	// Version is the build the health document names (HealthStatus); serve
	// sets its module version and VCS revision.
	Version string
	// Started is when the server started, for the health document's
	// uptime; default when New was called.
	Started time.Time
	// Mirror, when set, returns the status of the mirror the server runs,
	// for the health document; nil (the default) when there is none.
	Mirror func() *MirrorStatus
	// OnRequest, when set, is called after each request with what it was
	// and how it ended, for a server's metrics. It is called on the
	// request's goroutine: keep it fast. Health checks are not reported.
	OnRequest func(RequestInfo)
}

// RequestInfo is what Options.OnRequest learns of a request. It never holds
// a secret name or value, and each field takes a bounded set of values,
// whatever clients send.
type RequestInfo struct {
	// Operation is the Secrets Manager operation (GetSecretValue), or for
	// the server's own endpoints their path (/_secretstore/backup); "" for
	// anything else (an unknown operation or path).
	Operation string
	// Status is the HTTP status answered, and ErrorCode the AWS exception
	// (or, for the server's endpoints, the status's text) when it is not
	// 200; "" on success.
	Status    int
	ErrorCode string
	// Duration is how long the request took, from its headers to its
	// answer.
	Duration time.Duration
}

// TestClock is a clock the test-control endpoint can move.
// *secretstore.FakeClock satisfies it.
type TestClock interface {
	Now() time.Time
	Advance(d time.Duration) time.Time
	Set(t time.Time)
}

// RealTimeClock is a TestClock that runs with the real time plus an offset
// the test-control endpoint changes, as serve --test-mode's clock does.
// ResetToRealTime sets the offset back to zero.
type RealTimeClock interface {
	TestClock
	ResetToRealTime()
}

// Handler is an http.Handler serving a Store in the Secrets Manager wire
// protocol. It is safe for concurrent use.
type Handler struct {
	store *secretstore.Store
	opts  Options
}

// New returns a handler serving store (its region is the default region).
func New(store *secretstore.Store, o Options) *Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Started.IsZero() {
		o.Started = time.Now()
	}
	o.Credentials = append([]Credentials(nil), o.Credentials...)
	return &Handler{store: store, opts: o}
}

// exchange is what one request did, for the log line.
type exchange struct {
	requestID string
	operation string
	secretID  string
	region    string
	principal string // the ARN of the caller, for a key bound to one
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if path := healthEndpoint(r); path != "" {
		h.serveHealth(w, r, path) // not logged: a health check may come every second
		return
	}
	x := &exchange{requestID: uuid.NewString()}
	w.Header().Set("X-Amzn-Requestid", x.requestID)
	if serve := h.endpoint(r); serve != nil {
		x.operation = clip(r.URL.Path, maxEchoedTargetRunes)
		status := serve(w, r)
		h.logRequest(r.Context(), x, status, "", time.Since(start))
		if h.opts.OnRequest != nil {
			info := RequestInfo{Status: status, Duration: time.Since(start)}
			if knownControlPath(r.URL.Path) {
				info.Operation = r.URL.Path
			}
			if status != http.StatusOK {
				info.ErrorCode = http.StatusText(status)
			}
			h.opts.OnRequest(info)
		}
		return
	}
	resp, err := h.serveAPIRecovering(w, r, x)
	status, code := h.respond(w, resp, err, x)
	h.logRequest(r.Context(), x, status, code, time.Since(start))
	if h.opts.OnRequest != nil {
		info := RequestInfo{Status: status, ErrorCode: code, Duration: time.Since(start)}
		if lookupOperation(x.operation) != nil {
			info.Operation = x.operation
		}
		h.opts.OnRequest(info)
	}
}

// endpoint returns what serves r when it is not a call of the Secrets
// Manager API (POST / with X-Amz-Target: secretsmanager.<Operation>, whose
// operations are the operation table's), or nil: the one place a Handler's
// other endpoints are routed. Each serves its request, writes its own
// response, and returns the status it wrote, for the log. A new endpoint
// that is not Secrets Manager's (another service's API, a local one) is a
// case here and a file of its own, as control.go is. The health checks
// (health.go) are answered before, and not logged.
func (h *Handler) endpoint(r *http.Request) func(http.ResponseWriter, *http.Request) int {
	switch {
	case strings.HasPrefix(r.URL.Path, controlPrefix):
		return h.serveControl // test mode and backups: control.go
	case isSTS(r):
		return h.serveSTS // STS's GetCallerIdentity: sts.go
	}
	return nil
}

// serveAPIRecovering is serveAPI, with a panic turned into an
// InternalServiceError (logged, never sent): a client gets an AWS error
// body, not a dropped connection.
func (h *Handler) serveAPIRecovering(w http.ResponseWriter, r *http.Request, x *exchange) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, fmt.Errorf("panic serving %s: %v", x.operation, v)
		}
	}()
	return h.serveAPI(w, r, x)
}

// serveAPI checks the request at the protocol level, then runs its
// operation.
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, x *exchange) (any, error) {
	target := r.Header.Get("X-Amz-Target")
	x.operation = clip(strings.TrimPrefix(target, targetPrefix), maxEchoedTargetRunes)
	if r.Method != http.MethodPost {
		return nil, &apiError{Type: awsmodel.UnknownOperation, status: http.StatusNotFound,
			Message: "secretstore serves the Secrets Manager API with POST requests only, not " + clip(r.Method, 16) + "."}
	}
	if r.ContentLength > h.opts.MaxBodyBytes {
		return nil, h.tooLarge()
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes), r.ContentLength)
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return nil, h.tooLarge()
		}
		return nil, newAPIError(awsmodel.Serialization, "The request body could not be read.")
	}

	var cred *Credentials
	if len(h.opts.Credentials) > 0 {
		c, e := authenticate(r, body, h.opts.Credentials, h.opts.Now())
		if e != nil {
			return nil, &apiError{Type: e.Code, Message: e.Message, status: e.Status}
		}
		cred = c
	}
	store := caller(h.store, cred, r)
	if cred != nil && cred.Principal != nil {
		x.principal = cred.Principal.Arn
	}
	if _, _, region, _, ok := credentialScope(r.Header); ok && region != store.RegionName() {
		store = store.Region(region)
	}
	x.region = store.RegionName()

	if target == "" {
		return nil, newAPIError(awsmodel.UnknownOperation, "The X-Amz-Target header is missing: it must name the operation, as in secretsmanager.GetSecretValue.")
	}
	name, isSM := strings.CutPrefix(target, targetPrefix)
	o := lookupOperation(name)
	if !isSM || o == nil {
		x.operation = clip(target, maxEchoedTargetRunes)
		return nil, newAPIError(awsmodel.UnknownOperation, "Unknown operation %q: X-Amz-Target must be secretsmanager.<Operation>.", x.operation)
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	resp, id, err := o(r.Context(), store, body)
	x.secretID = id
	return resp, err
}

func (h *Handler) tooLarge() *apiError {
	return &apiError{Type: awsmodel.RequestEntityTooLarge, status: http.StatusRequestEntityTooLarge,
		Message: "The request body is larger than the limit of " + strconv.FormatInt(h.opts.MaxBodyBytes, 10) + " bytes."}
}

// checkContentType accepts the media types of the AWS JSON protocols, and a
// missing Content-Type.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "application/x-amz-json-1.1", mt == "application/x-amz-json-1.0", mt == "application/json":
		return nil
	}
	return newAPIError(awsmodel.Serialization, "Unsupported Content-Type %q: send application/x-amz-json-1.1.", clip(ct, maxEchoedContentLength))
}

// respond writes the response (or the error) and returns the status and
// the error code written.
func (h *Handler) respond(w http.ResponseWriter, resp any, err error, x *exchange) (status int, code string) {
	if err == nil {
		body, encErr := encodeJSON(resp)
		if encErr == nil {
			writeBody(w, http.StatusOK, body)
			return http.StatusOK, ""
		}
		err = encErr
	}
	e := toAPIError(err)
	if e.cause != nil && h.opts.Logger != nil {
		h.opts.Logger.Error("secretstore internal error", "request_id", x.requestID, "operation", x.operation, "error", e.cause.Error())
	}
	body, _ := encodeJSON(e) // two strings: cannot fail
	writeBody(w, e.status, body)
	return e.status, e.Type
}

// writeBody writes an AWS JSON 1.1 response with an explicit Content-Length.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// logRequest writes the request's log line, at Info level. It never holds
// a secret value: only names and codes.
func (h *Handler) logRequest(ctx context.Context, x *exchange, status int, code string, d time.Duration) {
	if h.opts.Logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", x.operation),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("request_id", x.requestID),
	}
	if x.secretID != "" {
		attrs = append(attrs, slog.String("secret_id", clip(x.secretID, 2048)))
	}
	if x.region != "" {
		attrs = append(attrs, slog.String("region", x.region))
	}
	if x.principal != "" {
		attrs = append(attrs, slog.String("principal", x.principal))
	}
	if code != "" {
		attrs = append(attrs, slog.String("error_code", code))
	}
	h.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "secretsmanager request", attrs...)
}

// readBody reads r to its end, like io.ReadAll, in one buffer when size
// (the request's Content-Length, -1 when unknown) is right. It trusts size
// for at most 64 KiB: a larger body grows the buffer as it arrives.
func readBody(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, min(max(size, 511), 64<<10)+1) // +1: EOF is seen without growing
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow as append does
		}
	}
}
