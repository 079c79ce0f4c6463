package awsapi

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// The wire layer's own message and limits; the AWS model's are
// internal/awsmodel's.
const (
	msgInternal            = "An internal error occurred in secretstore. Try again later."
	maxEchoedTargetRunes   = 100
	maxEchoedContentLength = 100
)

// apiError is an error answer: the AWS exception name, its message and the
// HTTP status. Its JSON form is AWS's error body, with __type first.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
	status  int
	cause   error // what to log for an internal error; never sent
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// newAPIError returns a 400 error with code and a formatted message.
func newAPIError(code, format string, args ...any) *apiError {
	return &apiError{Type: code, Message: fmt.Sprintf(format, args...), status: http.StatusBadRequest}
}

// toAPIError turns an error of the library (or of the wire layer) into the
// error body AWS would send. Every *secretstore.Error is a client error
// (400) except InternalServiceError (500, a fault); any other error, such as
// a cancelled context or a closed store, is an InternalServiceError with a
// generic message, and the detail is kept for the log only.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *secretstore.Error
	if errors.As(err, &se) {
		e := &apiError{Type: se.Code, Message: se.Message, status: http.StatusBadRequest}
		if errors.Is(se, secretstore.ErrInternalServiceError) {
			e.status = http.StatusInternalServerError
			e.cause = err
		}
		return e
	}
	return &apiError{Type: awsmodel.InternalServiceError, Message: msgInternal, status: http.StatusInternalServerError, cause: err}
}

// violations collects the constraint violations of the API model that a
// request breaks, and reports them as AWS does: one ValidationException
// "N validation error(s) detected: ...; ...". The library checks values it
// can see; these are the ones it cannot tell from absent members.
type violations []string

// required records a required member that is absent (or JSON null).
func (v *violations) required(member string, present bool) {
	if !present {
		*v = append(*v, awsmodel.Required(member))
	}
}

// empty records a string member that is present but empty, which the
// library cannot tell from an absent one, with the model's minimum length
// min. Longer values that are still too short are the library's to check.
// The value is never echoed: some members are secret.
func (v *violations) empty(member string, s *string, min int) {
	if s != nil && *s == "" {
		*v = append(*v, awsmodel.Length(member, 0, min, math.MaxInt))
	}
}

// emptyBytes is empty for a binary member: present (non-nil) but empty.
func (v *violations) emptyBytes(member string, b []byte, min int) {
	if b != nil && len(b) == 0 {
		*v = append(*v, awsmodel.Length(member, 0, min, math.MaxInt))
	}
}

// minItems records a list member that is present with fewer than min items.
func (v *violations) minItems(member string, n int, present bool, min int) {
	if present && n < min {
		*v = append(*v, awsmodel.LengthEcho("'[]'", member, n, min, math.MaxInt))
	}
}

// minValue records a number member that is present and below min.
func minValue[T int32 | int64](v *violations, member string, p *T, min T) {
	if p != nil && *p < min {
		*v = append(*v, awsmodel.Range(member, int64(*p), int64(min), math.MaxInt64))
	}
}

// enum records a present string member whose value is not one of allowed.
// Only the empty string reaches here (the library checks the rest), so
// echoing it is safe.
func (v *violations) enum(member string, s *string, allowed ...string) {
	if s != nil && *s == "" {
		*v = append(*v, awsmodel.Enum(member, "", allowed))
	}
}

// err returns the ValidationException for the collected violations, or nil.
func (v violations) err() error {
	if msg := awsmodel.ValidationMessage(v...); msg != "" {
		return newAPIError(awsmodel.Validation, "%s", msg)
	}
	return nil
}

// clip shortens s, a client-chosen string echoed in a message, to at most n
// runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
