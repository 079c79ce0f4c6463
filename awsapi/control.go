package awsapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore/internal/testhook"
)

// controlPrefix starts the paths of the test-control endpoints, served
// only with Options.TestMode. They are not signed even when
// Options.Credentials is set: they exist for test suites, never for a
// server other people reach.
const controlPrefix = "/_secretstore/"

// clockRequest is the body of POST /_secretstore/clock: at most one of
// Advance (a Go duration such as "720h" or "-1h") and Set (RFC 3339). With
// neither, or "0s", the clock is only read.
type clockRequest struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
}

// clockResponse is the clock's time after the request.
type clockResponse struct {
	Now string `json:"now"`
}

// controlError is the body of a failed control request.
type controlError struct {
	Error string `json:"error"`
}

// serveControl serves the test-control endpoints and returns the status it
// wrote:
//
//	POST /_secretstore/clock  {"advance":"720h"} or {"set":"2030-01-01T00:00:00Z"} → {"now":"..."}
//	POST /_secretstore/reap   runs Store.Reap → its ReapStats
//	POST /_secretstore/reset  empties the store (every region) → {}
//
// Without Options.TestMode every path under /_secretstore/ is 404.
func (h *Handler) serveControl(w http.ResponseWriter, r *http.Request) int {
	if !h.opts.TestMode {
		return writeControl(w, http.StatusNotFound, controlError{"not found: the test-control endpoints need Options.TestMode"})
	}
	var endpoint func(*http.Request, []byte) (int, any)
	switch r.URL.Path[len(controlPrefix):] {
	case "clock":
		endpoint = h.controlClock
	case "reap":
		endpoint = h.controlReap
	case "reset":
		endpoint = h.controlReset
	default:
		return writeControl(w, http.StatusNotFound, controlError{"not found: the test-control endpoints are clock, reap and reset"})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return writeControl(w, http.StatusMethodNotAllowed, controlError{"use POST"})
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		return writeControl(w, http.StatusBadRequest, controlError{"reading the body: " + err.Error()})
	}
	status, resp := endpoint(r, body)
	return writeControl(w, status, resp)
}

func (h *Handler) controlClock(_ *http.Request, body []byte) (int, any) {
	if h.opts.Clock == nil {
		return http.StatusNotImplemented, controlError{"the handler has no clock to move: set Options.Clock"}
	}
	var in clockRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return http.StatusBadRequest, controlError{`the body must be {"advance":"<Go duration>"} or {"set":"<RFC 3339 time>"}: ` + err.Error()}
		}
	}
	switch {
	case in.Advance != "" && in.Set != "":
		return http.StatusBadRequest, controlError{`give "advance" or "set", not both`}
	case in.Advance != "":
		d, err := time.ParseDuration(in.Advance)
		if err != nil {
			return http.StatusBadRequest, controlError{`"advance" must be a Go duration such as "720h": ` + err.Error()}
		}
		if d != 0 {
			h.opts.Clock.Advance(d)
		}
	case in.Set != "":
		t, err := time.Parse(time.RFC3339Nano, in.Set)
		if err != nil {
			return http.StatusBadRequest, controlError{`"set" must be an RFC 3339 time such as "2030-01-01T00:00:00Z": ` + err.Error()}
		}
		h.opts.Clock.Set(t)
	}
	return http.StatusOK, clockResponse{Now: h.opts.Clock.Now().UTC().Format(time.RFC3339Nano)}
}

func (h *Handler) controlReap(r *http.Request, _ []byte) (int, any) {
	st, err := h.store.Reap(r.Context())
	if err != nil {
		return http.StatusInternalServerError, controlError{"reap: " + err.Error()}
	}
	return http.StatusOK, st
}

func (h *Handler) controlReset(r *http.Request, _ []byte) (int, any) {
	if err := testhook.Reset(r.Context(), h.store); err != nil {
		return http.StatusInternalServerError, controlError{"reset: " + err.Error()}
	}
	return http.StatusOK, struct{}{}
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
