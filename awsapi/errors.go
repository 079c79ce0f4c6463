package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/secretstore-go/secretstore"
)

// Error codes the wire layer itself sends, beside the library's.
const (
	codeSerialization      = "SerializationException"
	codeUnknownOperation   = "UnknownOperationException"
	codeValidation         = "ValidationException"
	codeInvalidRequest     = "InvalidRequestException"
	codeInvalidParameter   = "InvalidParameterException"
	codeInternal           = "InternalServiceError"
	codeEntityTooLarge     = "RequestEntityTooLargeException"
	msgInternal            = "An internal error occurred in secretstore. Try again later."
	msgMissingToken        = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
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
		if se.Code == codeInternal {
			e.status = http.StatusInternalServerError
			e.cause = err
		}
		return e
	}
	return &apiError{Type: codeInternal, Message: msgInternal, status: http.StatusInternalServerError, cause: err}
}

// violations collects the constraint violations of the API model that a
// request breaks, and reports them as AWS does: one ValidationException
// "N validation error(s) detected: ...; ...".
type violations []string

// add records that the member at member breaks constraint. value is the
// offending value as AWS echoes it ("null", "'0'", "'[]'"), or "" to echo
// nothing, as for the sensitive SecretString.
func (v *violations) add(value, member, constraint string) {
	s := "Value"
	if value != "" {
		s += " " + value
	}
	*v = append(*v, s+" at '"+member+"' failed to satisfy constraint: Member "+constraint)
}

// required records a required member that is absent (or JSON null).
func (v *violations) required(member string, present bool) {
	if !present {
		v.add("null", member, "must not be null")
	}
}

// empty records a string member that is present but empty, which the
// library cannot tell from an absent one, with the model's minimum length
// min. Longer values that are still too short are the library's to check.
// The value is never echoed: some members are secret.
func (v *violations) empty(member string, s *string, min int) {
	if s != nil && *s == "" {
		v.add("", member, fmt.Sprintf("must have length greater than or equal to %d", min))
	}
}

// emptyBytes is empty for a binary member: present (non-nil) but empty.
func (v *violations) emptyBytes(member string, b []byte, min int) {
	if b != nil && len(b) == 0 {
		v.add("", member, fmt.Sprintf("must have length greater than or equal to %d", min))
	}
}

// minItems records a list member that is present with fewer than min items.
func (v *violations) minItems(member string, n int, present bool, min int) {
	if present && n < min {
		v.add("'[]'", member, fmt.Sprintf("must have length greater than or equal to %d", min))
	}
}

// minValue records a number member that is present and below min.
func minValue[T int32 | int64](v *violations, member string, p *T, min T) {
	if p != nil && *p < min {
		v.add(fmt.Sprintf("'%d'", *p), member, fmt.Sprintf("must have value greater than or equal to %d", min))
	}
}

// enum records a present string member whose value is not one of allowed.
// Only the empty string reaches here (the library checks the rest), so
// echoing it is safe.
func (v *violations) enum(member string, s *string, allowed ...string) {
	if s != nil && *s == "" {
		v.add("''", member, "must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	}
}

// err returns the ValidationException for the collected violations, or nil.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	noun := "errors"
	if len(v) == 1 {
		noun = "error"
	}
	return newAPIError(codeValidation, "%d validation %s detected: %s", len(v), noun, strings.Join(v, "; "))
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
