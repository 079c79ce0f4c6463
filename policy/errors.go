package policy

import (
	"errors"
	"strconv"
)

// ErrMalformed is the error every parse failure wraps: the document is not a
// policy AWS would accept. A store answers it with
// MalformedPolicyDocumentException; errors.Is(err, ErrMalformed) finds it.
var ErrMalformed = errors.New("malformed policy document")

// MalformedError says what is wrong with a policy document and where.
// Path names the element in the document's own terms, such as
// "Statement[2].Effect" or "Statement[0].Condition.StringLike"; it is empty
// for a fault of the document as a whole. It unwraps to ErrMalformed.
type MalformedError struct {
	Path   string // the element at fault, e.g. "Statement[1].Action[0]"; "" for the whole document
	Reason string // what is wrong with it and, where useful, what is expected instead
}

// Error returns "<Path>: <Reason>", or Reason alone when Path is empty.
func (e *MalformedError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Unwrap returns ErrMalformed.
func (e *MalformedError) Unwrap() error { return ErrMalformed }

func malformed(path, reason string) error {
	return &MalformedError{Path: path, Reason: reason}
}

// quote is strconv.Quote, shortened for values that may be long: an error
// message names the offending value, but not a whole pasted document.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
