package secretstore

import (
	"errors"
	"fmt"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// Sentinel errors, one per AWS Secrets Manager exception. Every error an
// operation returns is an *Error that unwraps to exactly one of them, so
// callers match with errors.Is:
//
//	if errors.Is(err, secretstore.ErrResourceNotFound) { ... }
//
// The *Error itself carries the AWS exception name (Code) and a message a
// person can act on: AWS's own text where AWS's is known (the texts live in
// internal/awsmodel, with the API model's limits), otherwise one that says
// what happened. No message ever contains a secret value.
var (
	// ErrResourceNotFound (ResourceNotFoundException): the secret, the
	// version or the staging label does not exist.
	ErrResourceNotFound = errors.New(awsmodel.ResourceNotFound)

	// ErrInvalidParameter (InvalidParameterException): a parameter has a value
	// AWS rejects, such as a recovery window outside 7..30 days.
	ErrInvalidParameter = errors.New(awsmodel.InvalidParameter)

	// ErrInvalidRequest (InvalidRequestException): the request is valid but not
	// in the secret's current state, such as reading a secret that is
	// scheduled for deletion.
	ErrInvalidRequest = errors.New(awsmodel.InvalidRequest)

	// ErrResourceExists (ResourceExistsException): a secret with that name
	// already exists, or a ClientRequestToken was reused with another value.
	ErrResourceExists = errors.New(awsmodel.ResourceExists)

	// ErrLimitExceeded (LimitExceededException): a quota was reached, such as
	// the number of versions or staging labels of one secret.
	ErrLimitExceeded = errors.New(awsmodel.LimitExceeded)

	// ErrDecryptionFailure (DecryptionFailure): a stored value could not be
	// decrypted; the bytes on disk were changed or belong to another record.
	ErrDecryptionFailure = errors.New(awsmodel.DecryptionFailure)

	// ErrEncryptionFailure (EncryptionFailure): a value could not be
	// encrypted with the secret's key.
	ErrEncryptionFailure = errors.New(awsmodel.EncryptionFailure)

	// ErrMalformedPolicyDocument (MalformedPolicyDocumentException): a
	// resource policy is not valid JSON or not a valid policy
	// (PutResourcePolicy, ValidateResourcePolicy).
	ErrMalformedPolicyDocument = errors.New(awsmodel.MalformedPolicyDocument)

	// ErrAccessDenied (AccessDeniedException): the caller may not do this,
	// or (RotateSecret) the store cannot invoke the rotation function: no
	// rotator is registered under its ARN.
	ErrAccessDenied = errors.New(awsmodel.AccessDenied)

	// ErrPublicPolicy (PublicPolicyException): PutResourcePolicy with
	// BlockPublicPolicy was given a policy that grants public access.
	ErrPublicPolicy = errors.New(awsmodel.PublicPolicy)

	// ErrInternalServiceError (InternalServiceError): the store failed for a
	// reason that is not the caller's, such as a disk error or a record
	// written by a newer version of secretstore.
	ErrInternalServiceError = errors.New(awsmodel.InternalServiceError)

	// ErrValidation (ValidationException): an input does not satisfy the
	// API model, such as a secret name with characters AWS does not allow.
	ErrValidation = errors.New(awsmodel.Validation)

	// ErrInvalidNextToken (InvalidNextTokenException): a NextToken was not
	// produced by the same kind of list call.
	ErrInvalidNextToken = errors.New(awsmodel.InvalidNextToken)
)

// ErrWrongMasterKey is returned by Open when the database was created with
// another master key (or passphrase). Nothing has been written when it is
// returned. It is not an AWS exception: AWS has no master key.
var ErrWrongMasterKey = errors.New("secretstore: the master key does not match the one this database was created with")

// ErrDataFolderInUse is returned by Open when another process has the data
// folder open: Badger allows one process per folder. Open waits a quarter
// of a second for a lock held a moment longer by a child process being
// started (which holds a copy of each descriptor until it runs its
// program) before it returns this.
var ErrDataFolderInUse = errors.New("secretstore: the data folder is in use by another process")

// ErrCorrupt reports damaged data. Open returns it (wrapped, with the name
// of what is damaged) when the database's files are damaged, and leaves them
// as they are: run "secretstore verify" to see what is damaged and
// "secretstore recover" to salvage what can be read into a new folder. An
// operation on a secret whose record is damaged fails with an *Error
// (InternalServiceError) that also matches ErrCorrupt; other secrets are not
// affected.
var ErrCorrupt = errors.New("secretstore: the stored data is damaged")

// ErrDiskFull is matched (with ErrInternalServiceError) by a write refused
// because the disk holding the data folder is nearly full. Nothing was
// written; reads go on working, and writes work again once space is freed,
// without a restart.
var ErrDiskFull = errors.New("secretstore: the disk is full")

// ErrClosed is returned by every operation on a Store after Close.
var ErrClosed = errors.New("secretstore: store is closed")

// Error is the error returned by the operations of a Store. Code is the AWS
// exception name (for example "ResourceNotFoundException"), as the wire
// protocol sends it in __type; Message is the text AWS would send with it.
type Error struct {
	Code    string
	Message string
	err     error // the sentinel
	also    error // a second sentinel it matches (ErrCorrupt), or nil
	// cause is what went wrong inside, for InternalServiceError: the
	// database's or the system's error, whose text (file paths, Badger's
	// words) is for logs, not for Message, which the server sends to
	// clients.
	cause error
}

// Error returns "Code: Message", and the cause in parentheses when there
// is one.
func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + " (" + e.cause.Error() + ")"
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the sentinel for e.Code (and ErrCorrupt for damaged data,
// and the cause of an InternalServiceError), so errors.Is works.
func (e *Error) Unwrap() []error {
	errs := []error{e.err}
	if e.also != nil {
		errs = append(errs, e.also)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// newError returns an *Error for sentinel with message msg, which must
// never include a secret value.
func newError(sentinel error, msg string) *Error {
	return &Error{Code: sentinel.Error(), Message: msg, err: sentinel}
}

// newErrorf is newError with a formatted message.
func newErrorf(sentinel error, format string, args ...any) *Error {
	return newError(sentinel, fmt.Sprintf(format, args...))
}

// ErrorCode returns the AWS exception name of err: its Code when err is (or
// wraps) an *Error, "InternalServiceError" for any other non-nil error, and
// "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternalServiceError.Error()
}

// corrupt reports a record that cannot be read, and why: an
// InternalServiceError that also matches ErrCorrupt.
func corrupt(what string, err error) *Error {
	e := newErrorf(ErrInternalServiceError, "reading a %s record: %v. The record was written by a newer secretstore (upgrade), or it is damaged: run secretstore verify to list the damaged records, and restore them from a backup", what, err)
	e.also = ErrCorrupt
	return e
}
