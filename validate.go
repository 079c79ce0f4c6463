package secretstore

import (
	"unicode/utf8"
	"unsafe"

	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// Checks of the inputs against the API model. The wording and the limits
// are awsmodel's; this file turns a violation into ErrValidation or the
// exception AWS gives.

// validation returns the ValidationException for the violations that are
// not "", or nil when there are none.
func validation(violations ...string) error {
	msg := awsmodel.ValidationMessage(violations...)
	if msg == "" {
		return nil
	}
	return newError(ErrValidation, msg)
}

// checkLen checks that the length of v in bytes is within [min, max]. The
// value itself is never echoed, since members such as SecretString are
// secret.
func checkLen(member, v string, min, max int) error {
	if n := len(v); n < min || n > max {
		return validation(awsmodel.Length(member, n, min, max))
	}
	return nil
}

// checkChars is checkLen for members whose length the API model counts in
// characters (Unicode code points) rather than bytes, such as Description and
// tags: "é" is one character but two bytes.
func checkChars(member, v string, min, max int) error {
	return validation(awsmodel.Length(member, utf8.RuneCountInString(v), min, max))
}

// checkRange checks that a number is within [min, max].
func checkRange(member string, v, min, max int64) error {
	return validation(awsmodel.Range(member, v, min, max))
}

// value is a secret value given to a write: a string or bytes.
type value struct {
	str    string
	bin    []byte
	binary bool
}

// bytes returns the value's bytes, without copying: the caller must only
// read them (for a SecretString they are the string's own memory).
func (v value) bytes() []byte {
	if v.binary {
		return v.bin
	}
	return unsafe.Slice(unsafe.StringData(v.str), len(v.str))
}

// checkValue validates SecretString and SecretBinary; ok reports whether a
// value was given.
func checkValue(str string, bin []byte) (v value, ok bool, err error) {
	switch {
	case str != "" && len(bin) > 0:
		return v, false, newError(ErrInvalidParameter, awsmodel.BothValues)
	case len(bin) > 0:
		if len(bin) > awsmodel.MaxValueLen {
			return v, false, validation(awsmodel.Length("secretBinary", len(bin), 1, awsmodel.MaxValueLen))
		}
		return value{bin: bin, binary: true}, true, nil
	case str != "":
		if err := checkLen("secretString", str, 1, awsmodel.MaxValueLen); err != nil {
			return v, false, err
		}
		return value{str: str}, true, nil
	}
	return v, false, nil
}

// checkToken validates a ClientRequestToken and returns it, or a new UUID
// (as the AWS SDKs send) when it is empty.
func checkToken(token string) (string, error) {
	if token == "" {
		return uuid.NewString(), nil
	}
	if len(token) < awsmodel.MinTokenLen || len(token) > awsmodel.MaxTokenLen {
		return "", newError(ErrInvalidParameter, awsmodel.TokenLength())
	}
	return token, nil
}

// checkVersionID validates a VersionId (or RemoveFromVersionId...) member.
func checkVersionID(member, id string) error {
	if id == "" {
		return nil
	}
	return checkLen(member, id, awsmodel.MinTokenLen, awsmodel.MaxTokenLen)
}

// checkStage validates one VersionStage member.
func checkStage(member, stage string) error {
	return checkLen(member, stage, 1, awsmodel.MaxStageLen)
}

// checkStages validates a VersionStages list.
func checkStages(stages []string) error {
	if len(stages) > awsmodel.MaxStages {
		return validation(awsmodel.Length("versionStages", len(stages), 0, awsmodel.MaxStages))
	}
	for _, s := range stages {
		if err := checkStage("versionStages", s); err != nil {
			return err
		}
	}
	return nil
}

// pageSize validates MaxResults, whose maximum and default is def.
func pageSize(max int32, def int) (int, error) {
	if max == 0 {
		return def, nil
	}
	if err := checkRange("maxResults", int64(max), 1, int64(def)); err != nil {
		return 0, err
	}
	return int(max), nil
}
