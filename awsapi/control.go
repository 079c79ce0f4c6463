package awsapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore/internal/testhook"
)

// controlPrefix starts the paths of the control endpoints: the test-control
// endpoints (clock, reap, reset), served only with Options.TestMode, and
// the backup endpoint, served only with Options.Backup. When
// Options.Credentials is set they must be signed like every API request
// (SigV4 with one of the credentials, for the secretsmanager service, any
// region), by a key with no Principal.
const controlPrefix = "/_secretstore/"

// backupStallTimeout is how long a backup download may wait for the client
// to take more bytes. It replaces the server's write timeout for that
// response, which a large backup on a slow link could outlast.
const backupStallTimeout = time.Minute

// clockRequest is the body of POST /_secretstore/clock: at most one of
// Advance (a Go duration such as "720h" or "-1h") and Set (RFC 3339, or
// "now" for the real time). Either may move the clock backwards. With
// neither, or "0s", the clock is only read.
type clockRequest struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
}

// clockResponse is the clock's time after the request.
type clockResponse struct {
	Now string `json:"now"`
}

// controlError is the body of a failed control request. Code is set when a
// signature check failed: the AWS exception name the API would answer.
type controlError struct {
	Error string `json:"error"`
	Code  string `json:"code,omitempty"`
}

// serveControl serves the control endpoints and returns the status it
// wrote:
//
//	POST /_secretstore/clock  {"advance":"720h"}, {"set":"2030-01-01T00:00:00Z"} or {"set":"now"} → {"now":"..."}
//	POST /_secretstore/reap   runs Store.Reap → its ReapStats
//	POST /_secretstore/reset  empties the store (every region), and a RealTimeClock returns to the real time → {}
//	GET  /_secretstore/backup Store.Backup, streamed (application/octet-stream)
//
// Without Options.TestMode the first three are 404 (the message names
// Options.TestModeName); without Options.Backup
// the last one is. With Options.Credentials an unsigned or badly signed
// request gets 403 and changes nothing.
func (h *Handler) serveControl(w http.ResponseWriter, r *http.Request) int {
	name := r.URL.Path[len(controlPrefix):]
	backup := name == "backup"
	method := http.MethodPost
	var endpoint func(*http.Request, []byte) (int, any)
	switch {
	case backup:
		if !h.opts.Backup {
			return writeControl(w, http.StatusNotFound, controlError{Error: "not found: the backup endpoint needs Options.Backup"})
		}
		method = http.MethodGet
	case !h.opts.TestMode:
		name := h.opts.TestModeName
		if name == "" {
			name = "Options.TestMode"
		}
		return writeControl(w, http.StatusNotFound, controlError{Error: "not found: the test-control endpoints need " + name})
	case name == "clock":
		endpoint = h.controlClock
	case name == "reap":
		endpoint = h.controlReap
	case name == "reset":
		endpoint = h.controlReset
	default:
		return writeControl(w, http.StatusNotFound, controlError{Error: "not found: the test-control endpoints are clock, reap and reset"})
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		return writeControl(w, http.StatusMethodNotAllowed, controlError{Error: "use " + method})
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		return writeControl(w, http.StatusBadRequest, controlError{Error: "reading the body: " + err.Error()})
	}
	if status, e := h.authorizeControl(r, body, backup); e != nil {
		return writeControl(w, status, e)
	}
	if backup && h.opts.BackupRefusal != "" {
		return writeControl(w, http.StatusConflict, controlError{Error: h.opts.BackupRefusal})
	}
	if backup {
		return h.controlBackup(w, r)
	}
	status, resp := endpoint(r, body)
	return writeControl(w, status, resp)
}

// authorizeControl checks who may use a control endpoint. With
// Options.Credentials the request must carry a valid SigV4 signature by one
// of them, as an API request must, and by one with no Principal. Without,
// any request may, but the backup only from a loopback address: a server
// that checks no signature may listen on a network, and a backup is the
// whole database at once.
func (h *Handler) authorizeControl(r *http.Request, body []byte, backup bool) (int, *controlError) {
	if len(h.opts.Credentials) > 0 {
		cred, e := authenticate(r, body, h.opts.Credentials, h.opts.Now())
		if e != nil {
			return http.StatusForbidden, &controlError{
				Error: "the control endpoints need a request signed with the server's credentials (SigV4, service " + sigv4Service + "): " + e.Message,
				Code:  e.Code,
			}
		}
		if cred.Principal != nil {
			return http.StatusForbidden, restrictedControl(cred)
		}
		return 0, nil
	}
	if backup && !loopbackClient(r) {
		return http.StatusForbidden, &controlError{Error: "the backup endpoint answers a client on another machine only when the server checks signatures (Options.Credentials, serve --access-key-id)"}
	}
	return 0, nil
}

// knownControlPath reports whether path is one of the control endpoints.
func knownControlPath(path string) bool {
	switch path[len(controlPrefix):] {
	case "backup", "clock", "reap", "reset":
		return true
	}
	return false
}

// loopbackClient reports whether r came from a loopback address.
func loopbackClient(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// controlBackup streams Store.Backup. A failure before the first byte is a
// 500 with a JSON body; after it, the connection is cut (no final chunk),
// so the client sees a truncated body, never a backup that looks whole.
func (h *Handler) controlBackup(w http.ResponseWriter, r *http.Request) int {
	rc := http.NewResponseController(w)
	// The server's read timeout would cancel the request's context in the
	// middle of a long download, and its write timeout cut it: the stream
	// has its own stall timeout instead.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="secretstore.backup"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &stallWriter{w: w, rc: rc}
	err := h.store.Backup(r.Context(), sw)
	switch {
	case err == nil:
		return http.StatusOK
	case !sw.written:
		w.Header().Del("Content-Disposition")
		return writeControl(w, http.StatusInternalServerError, controlError{Error: "backup: " + err.Error()})
	}
	if h.opts.Logger != nil {
		h.opts.Logger.Error("the backup stream was cut", "error", err.Error())
	}
	panic(http.ErrAbortHandler) // no final chunk: the client sees the cut
}

// stallWriter writes a response, giving each write backupStallTimeout.
type stallWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	written bool
}

func (s *stallWriter) Write(p []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(backupStallTimeout))
	n, err := s.w.Write(p)
	s.written = s.written || n > 0
	return n, err
}

func (h *Handler) controlClock(_ *http.Request, body []byte) (int, any) {
	if h.opts.Clock == nil {
		return http.StatusNotImplemented, controlError{Error: "the handler has no clock to move: set Options.Clock"}
	}
	var in clockRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return http.StatusBadRequest, controlError{Error: `the body must be {"advance":"<Go duration>"} or {"set":"<RFC 3339 time>"}: ` + err.Error()}
		}
	}
	switch {
	case in.Advance != "" && in.Set != "":
		return http.StatusBadRequest, controlError{Error: `give "advance" or "set", not both`}
	case in.Advance != "":
		d, err := time.ParseDuration(in.Advance)
		if err != nil {
			return http.StatusBadRequest, controlError{Error: `"advance" must be a Go duration such as "720h": ` + err.Error()}
		}
		if d != 0 {
			if to := h.opts.Clock.Now().Add(d); !h.clockCanHold(to) {
				return http.StatusBadRequest, h.clockRangeError(`"advance" of `+in.Advance, to)
			}
			h.opts.Clock.Advance(d)
		}
	case in.Set == "now":
		h.toRealTime(true)
	case in.Set != "":
		t, err := time.Parse(time.RFC3339Nano, in.Set)
		if err != nil {
			return http.StatusBadRequest, controlError{Error: `"set" must be an RFC 3339 time such as "2030-01-01T00:00:00Z": ` + err.Error()}
		}
		if !h.clockCanHold(t) {
			return http.StatusBadRequest, h.clockRangeError(`"set" of `+in.Set, t)
		}
		h.opts.Clock.Set(t)
	}
	return http.StatusOK, clockResponse{Now: h.opts.Clock.Now().UTC().Format(time.RFC3339Nano)}
}

// maxClockOffset is how far from the real time the test clock may be moved:
// the server's clock runs as the real time plus an offset, a time.Duration,
// which holds about 292 years either way.
const maxClockOffset = 290 * 365 * 24 * time.Hour

// clockCanHold reports whether the test clock can be moved to t.
func (h *Handler) clockCanHold(t time.Time) bool {
	d := t.Sub(h.opts.Now())
	return d > -maxClockOffset && d < maxClockOffset
}

func (h *Handler) clockRangeError(what string, t time.Time) controlError {
	now := h.opts.Now().UTC()
	return controlError{Error: fmt.Sprintf("%s would move the clock to %s, outside what it can hold: it must stay between %s and %s (290 years either side of the real time); nothing was changed",
		what, t.UTC().Format(time.RFC3339), now.Add(-maxClockOffset).Format(time.RFC3339), now.Add(maxClockOffset).Format(time.RFC3339))}
}

func (h *Handler) controlReap(r *http.Request, _ []byte) (int, any) {
	st, err := h.store.Reap(r.Context())
	if err != nil {
		return http.StatusInternalServerError, controlError{Error: "reap: " + err.Error()}
	}
	return http.StatusOK, st
}

func (h *Handler) controlReset(r *http.Request, _ []byte) (int, any) {
	if err := testhook.Reset(r.Context(), h.store); err != nil {
		return http.StatusInternalServerError, controlError{Error: "reset: " + err.Error()}
	}
	h.toRealTime(false)
	return http.StatusOK, struct{}{}
}

// toRealTime puts Options.Clock back on the real time: a RealTimeClock
// loses its offset; another TestClock is set to Options.Now() only when
// setAny is true ({"set":"now"}), since a reset leaves a clock that does not
// run by itself where it is.
func (h *Handler) toRealTime(setAny bool) {
	switch c := h.opts.Clock.(type) {
	case RealTimeClock:
		c.ResetToRealTime()
	case nil:
	default:
		if setAny {
			c.Set(h.opts.Now())
		}
	}
}

// writeControl writes a control endpoint's JSON answer.
func writeControl(w http.ResponseWriter, status int, v any) int {
	body, err := encodeJSON(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}
