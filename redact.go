package secretstore

import "fmt"

// The types that carry a secret value print without it: fmt's %v, %+v, %s
// and %#v show "[redacted]" in its place, so an input or output logged by
// mistake does not leak the secret. The fields themselves are untouched.

func redact(s string, b []byte) (string, []byte) {
	switch {
	case s != "":
		return "[redacted]", nil
	case b != nil:
		return "[redacted binary]", nil
	}
	return s, b
}

// String returns in without its value.
func (in CreateSecretInput) String() string {
	type plain CreateSecretInput
	in.SecretString, in.SecretBinary = redact(in.SecretString, in.SecretBinary)
	return fmt.Sprintf("%+v", plain(in))
}

// GoString is String, for %#v.
func (in CreateSecretInput) GoString() string { return in.String() }

// String returns in without its value.
func (in PutSecretValueInput) String() string {
	type plain PutSecretValueInput
	in.SecretString, in.SecretBinary = redact(in.SecretString, in.SecretBinary)
	return fmt.Sprintf("%+v", plain(in))
}

// GoString is String, for %#v.
func (in PutSecretValueInput) GoString() string { return in.String() }

// String returns in without its value.
func (in UpdateSecretInput) String() string {
	type plain UpdateSecretInput
	in.SecretString, in.SecretBinary = redact(in.SecretString, in.SecretBinary)
	return fmt.Sprintf("%+v", plain(in))
}

// GoString is String, for %#v.
func (in UpdateSecretInput) GoString() string { return in.String() }

// String returns out without its value.
func (out GetSecretValueOutput) String() string {
	type plain GetSecretValueOutput
	out.SecretString, out.SecretBinary = redact(out.SecretString, out.SecretBinary)
	return fmt.Sprintf("%+v", plain(out))
}

// GoString is String, for %#v.
func (out GetSecretValueOutput) GoString() string { return out.String() }

// String returns e without its value.
func (e SecretValueEntry) String() string {
	type plain SecretValueEntry
	e.SecretString, e.SecretBinary = redact(e.SecretString, e.SecretBinary)
	return fmt.Sprintf("%+v", plain(e))
}

// GoString is String, for %#v.
func (e SecretValueEntry) GoString() string { return e.String() }
