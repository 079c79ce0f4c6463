package sstest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// transportAttempts is how many times Client sends a request that fails in
// the connection itself: once, and twice more.
const transportAttempts = 3

// ownBodyTransport is an http.RoundTripper that gives base its own
// in-memory copy of each request body of known length.
//
// The SDK (smithy-go) closes a request body as soon as Do returns, and its
// body, once closed, answers io.EOF to WriteTo. net/http writes a body of
// known length to the connection, then reads the body once more to check
// that nothing is left; a server that has the body may already have
// answered, so that last read can come after the SDK's close. It then gets
// io.EOF from WriteTo, takes it for an error of the write, and closes the
// connection, under the SDK reading the response: past net/http's 4 KiB
// read buffer the read fails with "use of closed network connection"
// (aws-sdk-go-v2 issue #2737). With a copy of its own, a *bytes.Reader,
// net/http writes the request in one piece and its last read is an empty
// read of that reader, which the SDK's close cannot reach.
type ownBodyTransport struct {
	base http.RoundTripper
}

// RoundTrip sends req with a copy of its body.
func (t ownBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 {
		return t.base.RoundTrip(req) // no body, or a stream: as it is
	}
	body, err := io.ReadAll(req.Body)
	if cerr := req.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	own := req.Clone(req.Context())
	own.Body = io.NopCloser(bytes.NewReader(body))
	own.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	own.ContentLength = int64(len(body))
	return t.base.RoundTrip(own)
}

// CloseIdleConnections closes base's idle connections.
func (t ownBodyTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// newRetryer returns Client's retryer: up to transportAttempts attempts for
// a failure of the connection (isConnectionFailure), at once, with no
// retry quota; one attempt for anything else.
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = transportAttempts
		o.Backoff = noDelay{}
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(isConnectionFailure(err))
		})}
	})
}

// isConnectionFailure reports whether err, the error of one attempt, is a
// failure of the connection under the request (the race described at
// ownBodyTransport, or a reset), and not an answer of the server, a
// cancelled context or any other error.
func isConnectionFailure(err error) bool {
	var apiErr smithy.APIError
	var canceled interface{ CanceledError() bool }
	switch {
	case err == nil,
		errors.As(err, &apiErr), // the server answered
		errors.As(err, &canceled) && canceled.CanceledError(),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
		return true
	}
	// The SDK does not always wrap with %w: match the texts, as its own
	// retryer does.
	msg := err.Error()
	return strings.Contains(msg, "use of closed network connection") || strings.Contains(msg, "connection reset")
}

// noDelay is a retry.BackoffDelayer that does not wait.
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }
