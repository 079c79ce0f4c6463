package secretstore

import (
	"errors"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// SecretId resolution: the one place a SecretId becomes a secret.

// secretID is what a SecretId parameter names, once parsed.
type secretID struct {
	name    string // the secret's name, or for a partial ARN the text after "secret:"
	suffix  string // the six-character suffix of a full ARN
	arn     *arn.SecretID
	partial bool // the SecretId is an ARN without a recognisable suffix
}

// parseSecretID classifies a SecretId as a name, a full ARN or a partial
// ARN. A name with characters AWS does not allow is ErrValidation; an ARN
// that is not a secret's finds nothing.
func parseSecretID(id string) (secretID, error) {
	if err := checkLen("secretId", id, 1, awsmodel.MaxSecretIDLen); err != nil {
		return secretID{}, err
	}
	if !arn.IsARN(id) {
		if !validName(id) {
			return secretID{}, newError(ErrValidation, awsmodel.InvalidName)
		}
		return secretID{name: id}, nil
	}
	a, ok := arn.ParseSecret(id)
	if !ok {
		return secretID{}, errSecretNotFound()
	}
	return secretID{name: a.Name, suffix: a.Suffix, arn: &a, partial: a.Partial}, nil
}

// validName reports whether every character of name is one AWS allows in a
// secret name: ASCII letters, digits and /_+=.@-.
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/_+=.@-", c) >= 0) {
			return false
		}
	}
	return true
}

// checkName validates a new secret's name.
func checkName(name string) error {
	if err := checkLen("name", name, awsmodel.MinNameLen, awsmodel.MaxNameLen); err != nil {
		return err
	}
	if !validName(name) {
		return newError(ErrValidation, awsmodel.InvalidName)
	}
	return nil
}

// resolve finds the secret a SecretId names in the store's region: a name, a
// full ARN (name and suffix must match) or a partial ARN (it must identify
// exactly one secret). Not found is ErrResourceNotFound. A secret whose
// recovery window ended before now is gone, though not yet purged: it
// matches nothing, so it neither is found nor makes a partial ARN ambiguous.
func (s *Store) resolve(t *tx, id string) (*secretRecord, error) {
	p, err := parseSecretID(id)
	if err != nil {
		return nil, err
	}
	if a := p.arn; a != nil && (a.Region != s.region || a.AccountID != s.c.account || a.Partition != arn.Partition(a.Region)) {
		return nil, errSecretNotFound()
	}
	r, err := t.getSecret(s.region, p.name)
	if err != nil {
		return nil, err
	}
	if r != nil && r.expired(t.now) {
		r = nil
	}
	switch {
	case r != nil && (p.arn == nil || p.partial || r.Suffix == p.suffix):
		return r, nil
	case p.partial:
		return s.resolvePartial(t, p.name)
	}
	return nil, errSecretNotFound()
}

// resolvePartial finds the one secret whose ARN starts with the partial ARN
// whose tail (after "secret:") is tail, as AWS's partial-ARN lookup does.
func (s *Store) resolvePartial(t *tx, tail string) (*secretRecord, error) {
	var found *secretRecord
	match := func(r *secretRecord) bool {
		if r.expired(t.now) {
			return true // gone: it matches nothing
		}
		if found != nil && found.ID != r.ID {
			return false // a second secret: the partial ARN is ambiguous
		}
		found = r
		return true
	}
	// The tail may end inside the "-XXXXXX" suffix: name "-" and up to five
	// characters of the suffix.
	for k := 0; k < arn.SuffixLen && k < len(tail); k++ {
		i := len(tail) - k - 1
		if tail[i] != '-' {
			continue
		}
		r, err := t.getSecret(s.region, tail[:i])
		if err != nil {
			return nil, err
		}
		if r != nil && len(r.Suffix) >= k && r.Suffix[:k] == tail[i+1:] && !match(r) {
			return nil, errSecretNotFound()
		}
	}
	// Or inside the name: every secret whose name starts with tail.
	prefix := record.SecretPrefix(s.region, tail)
	ambiguous := false
	err := t.iterate(prefix, prefix, false, func(k, b []byte) (bool, error) {
		r, err := t.decodeSecret(k, b)
		if err != nil {
			return t.skipDamaged(k, err)
		}
		ambiguous = !match(r)
		return !ambiguous, nil
	})
	if err != nil {
		return nil, err
	}
	if ambiguous || found == nil {
		return nil, errSecretNotFound()
	}
	return found, nil
}

// resolveExisting resolves a SecretId to a secret that exists; it may be
// scheduled for deletion.
func (s *Store) resolveExisting(t *tx, id string) (*secretRecord, error) {
	r, err := s.resolve(t, id)
	if err != nil {
		return nil, err
	}
	if r.expired(t.now) {
		return nil, errSecretNotFound()
	}
	return r, nil
}

// resolveFor resolves a SecretId to a secret that operation op may act
// on (usable). The record is returned with the error when it exists.
func (s *Store) resolveFor(t *tx, op awsmodel.Op, id string) (*secretRecord, error) {
	r, err := s.resolveExisting(t, id)
	if err == nil {
		err = usable(r, op)
	}
	return r, err
}

// usable returns why operation op may not act on secret r, as its row of
// the operation table says, or nil: r is scheduled for deletion
// (ErrInvalidRequest) and op does not act on such a secret, or r is a
// replica (ErrInvalidParameter) or a mirrored secret (errMirrored,
// mirror.go) and op refuses replicas.
func usable(r *secretRecord, op awsmodel.Op) error {
	row := op.Row()
	switch {
	case r.Deleted() && !row.Scheduled:
		return newError(ErrInvalidRequest, awsmodel.MarkedForDeletion)
	case r.Replica() && row.RefusedOnReplica:
		return newError(ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
	case r.Mirror != "" && row.RefusedOnReplica:
		return errMirrored(r)
	}
	return nil
}

// expired reports whether r's recovery window has ended: from then on the
// secret is gone, whether or not the reaper has purged it yet.
func (r *secretRecord) expired(now time.Time) bool {
	return r.Deleted() && !r.DeletionDate.After(now)
}

func errSecretNotFound() *Error { return newError(ErrResourceNotFound, awsmodel.SecretNotFound) }

func isNotFound(err error) bool { return errors.Is(err, ErrResourceNotFound) }

// arn returns the ARN of secret r.
func (c *core) arn(r *secretRecord) string {
	return arn.Secret(r.Region, c.account, r.Name, r.Suffix)
}
