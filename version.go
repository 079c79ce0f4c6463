package secretstore

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"golang.org/x/crypto/chacha20poly1305"
)

// Quotas of one secret.
const (
	// MaxVersions is the number of versions above which deprecated versions
	// (versions with no staging label) are removed by the reaper, oldest
	// first; versions younger than VersionMinAge are never removed. A write
	// that would leave more than MaxVersions versions that cannot be removed
	// fails with ErrLimitExceeded.
	MaxVersions = awsmodel.MaxVersions
	// VersionMinAge is the age under which a deprecated version is kept.
	VersionMinAge = awsmodel.VersionMinAge
	// MaxStages is the number of distinct staging labels one secret may
	// carry across all its versions.
	MaxStages = awsmodel.MaxStages
)

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

// version returns the index of version id in r, or -1.
func (r *secretRecord) version(id string) int {
	for i := range r.Versions {
		if r.Versions[i].ID == id {
			return i
		}
	}
	return -1
}

// prunable reports whether the reaper may remove version i at time now.
func (r *secretRecord) prunable(i int, now time.Time) bool {
	v := &r.Versions[i]
	return len(v.Stages) == 0 && now.Sub(v.CreatedDate) >= VersionMinAge
}

// writeVersion adds a version with value val and id token to secret r and
// moves labels as a write does: to every label in stages, or, when stages is
// empty, as PutSecretValue without VersionStages (AWSCURRENT to the new
// version, AWSPREVIOUS to the old current one). The first version of a
// secret always gets AWSCURRENT.
//
// A token that already names a version of r is AWS's idempotency rule: the
// same value again is a success that changes nothing (created is false);
// another value is ErrResourceExists.
func (c *core) writeVersion(t *tx, r *secretRecord, token string, val value, stages []string) (v *versionMeta, created bool, err error) {
	to, err := t.find(r, token)
	if err != nil {
		return nil, false, err
	}
	if to >= 0 && !r.Versions[to].Empty {
		if err := c.checkSameValue(t, r, token, val); err != nil {
			return nil, false, err
		}
		return &r.Versions[to], false, nil
	}
	now := t.now
	if to < 0 && r.versionCount() >= MaxVersions {
		if err := t.loadVersions(r); err != nil {
			return nil, false, err
		}
		removable := 0
		for i := range r.Versions {
			if r.prunable(i, now) {
				removable++
			}
		}
		if len(r.Versions)-removable >= MaxVersions {
			return nil, false, newError(ErrLimitExceeded, awsmodel.TooManyVersions(r.Name, len(r.Versions)-removable))
		}
	}

	rec, err := c.keys.seal(c.keys.writeTerm(), r.ID, token, r.KmsKeyId, val.binary, val.bytes())
	if err != nil {
		return nil, false, err
	}
	if err := t.putVersion(r.ID, token, rec); err != nil {
		return nil, false, err
	}
	first := !slices.ContainsFunc(r.Versions, func(v versionMeta) bool { return !v.Empty })
	if to < 0 {
		r.Versions = append(r.Versions, r.newVersion(token, now, false))
		to = len(r.Versions) - 1
	} else {
		// The version RotateSecret made for this token gets its value.
		r.Versions[to].Empty, r.Versions[to].KmsKeyId = false, r.KmsKeyId
	}
	if len(stages) == 0 {
		if cur := r.holder(StageCurrent); cur >= 0 && slices.Contains(r.Versions[cur].Stages, StagePending) {
			r.detach(StagePending, cur) // as AWS does: the old current loses AWSPENDING
		}
		stages = []string{StageCurrent}
	}
	for _, s := range stages {
		r.attach(s, to)
	}
	if first && r.holder(StageCurrent) < 0 {
		r.attach(StageCurrent, to)
	}
	if err := r.checkStageCount(); err != nil {
		return nil, false, err
	}
	if r.Rotation.Enabled && r.Rotation.Token == "" && r.holder(StageCurrent) == to {
		// A new current value counts as a rotation for the schedule.
		r.scheduleRotation(now, nil)
	}
	r.LastChangedDate = now
	return &r.Versions[to], true, nil
}

// checkSameValue applies AWS's idempotency rule to a write whose
// ClientRequestToken id names a version of r already: the same value again
// is a success (nil), another value is ErrResourceExists.
func (c *core) checkSameValue(t *tx, r *secretRecord, id string, val value) error {
	old, binary, err := c.readValue(t, r, id)
	if err != nil {
		return err
	}
	defer clear(old)
	if binary != val.binary || subtle.ConstantTimeCompare(old, val.bytes()) != 1 {
		return newError(ErrResourceExists, awsmodel.TokenInUse(id, c.arn(r)))
	}
	return nil
}

// readValue decrypts the value of version id of secret r. The caller should
// clear the result when done with it.
func (c *core) readValue(t *tx, r *secretRecord, id string) (plaintext []byte, binary bool, err error) {
	found, err := t.viewVersion(r.ID, id, func(v *versionRecord) (err error) {
		binary = v.Binary
		n := len(v.Ciphertext) - nonceLen - chacha20poly1305.Overhead
		plaintext, err = c.keys.open(make([]byte, 0, max(n, 0)), v, r.ID, id)
		return err
	})
	if err == nil && !found {
		err = newError(ErrResourceNotFound, awsmodel.NoValueForVersion(id))
	}
	return plaintext, binary, namedCorrupt(err, r, id)
}

// namedCorrupt returns err, which a read of version id of secret r
// returned, naming the secret and the version when it is damage
// (ErrCorrupt) that does not name them yet.
func namedCorrupt(err error, r *secretRecord, id string) error {
	var e *Error
	if errors.Is(err, ErrCorrupt) && errors.As(err, &e) && !strings.Contains(e.Message, "secret "+r.Name+" ") {
		e.Message = fmt.Sprintf("secret %s in %s, version %s: %s", r.Name, r.Region, id, e.Message)
	}
	return err
}

// UpdateSecretVersionStageInput is the input of UpdateSecretVersionStage.
type UpdateSecretVersionStageInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// VersionStage is the staging label to attach, move or remove. Required.
	VersionStage string
	// RemoveFromVersionId is the version the label is taken from. Required
	// when the label is on another version than MoveToVersionId.
	RemoveFromVersionId string
	// MoveToVersionId is the version the label is attached to.
	MoveToVersionId string
}

// UpdateSecretVersionStageOutput is the output of UpdateSecretVersionStage.
type UpdateSecretVersionStageOutput struct {
	ARN  string
	Name string
}

// UpdateSecretVersionStage attaches a staging label to a version, moves it
// from one version to another, or removes it. A label is on at most one
// version: moving it to MoveToVersionId requires naming its current holder
// in RemoveFromVersionId. When AWSCURRENT moves, the version it leaves gains
// AWSPREVIOUS. A version left with no label is deprecated.
func (s *Store) UpdateSecretVersionStage(ctx context.Context, in *UpdateSecretVersionStageInput) (*UpdateSecretVersionStageOutput, error) {
	var out *UpdateSecretVersionStageOutput
	err := s.write(ctx, &writeOp{
		op:       "UpdateSecretVersionStage",
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			if err := checkStage("versionStage", in.VersionStage); err != nil {
				return err
			}
			if err := checkVersionID("removeFromVersionId", in.RemoveFromVersionId); err != nil {
				return err
			}
			if err := checkVersionID("moveToVersionId", in.MoveToVersionId); err != nil {
				return err
			}
			if in.RemoveFromVersionId == "" && in.MoveToVersionId == "" {
				return newError(ErrInvalidParameter, awsmodel.MoveStageNeither)
			}
			return nil
		},
		apply: func(t *tx, r *secretRecord) (bool, error) {
			for _, id := range []string{in.RemoveFromVersionId, in.MoveToVersionId} {
				if _, err := t.find(r, id); err != nil {
					return false, err
				}
			}
			if err := r.moveStage(in.VersionStage, in.RemoveFromVersionId, in.MoveToVersionId); err != nil {
				return false, err
			}
			out = &UpdateSecretVersionStageOutput{ARN: t.c.arn(r), Name: r.Name}
			return true, nil
		},
	})
	return out, err
}

// ListSecretVersionIdsInput is the input of ListSecretVersionIds.
type ListSecretVersionIdsInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// MaxResults is the page size, 1 to 100; 0 means 100.
	MaxResults int32
	// NextToken continues a listing from the NextToken of the previous page.
	NextToken string
	// IncludeDeprecated includes versions that have no staging label.
	IncludeDeprecated bool
}

// ListSecretVersionIdsOutput is the output of ListSecretVersionIds.
type ListSecretVersionIdsOutput struct {
	ARN      string
	Name     string
	Versions []SecretVersionsListEntry
	// NextToken is set when there are more versions to list.
	NextToken string
}

// SecretVersionsListEntry describes one version.
type SecretVersionsListEntry struct {
	VersionId string
	// VersionStages is nil for a deprecated version.
	VersionStages    []string
	CreatedDate      time.Time
	LastAccessedDate time.Time // midnight UTC of the last day it was read; zero if never
	// KmsKeyIds is the key the version is encrypted with;
	// "DefaultEncryptionKey" for the default key.
	KmsKeyIds []string
}

// ListSecretVersionIds lists the versions of a secret, oldest first, with
// their staging labels. It works on a secret scheduled for deletion.
func (s *Store) ListSecretVersionIds(ctx context.Context, in *ListSecretVersionIdsInput) (*ListSecretVersionIdsOutput, error) {
	var out *ListSecretVersionIdsOutput
	err := s.run(ctx, "ListSecretVersionIds", in, in.SecretId, func(c *core) (*secretRecord, error) {
		limit, err := pageSize(in.MaxResults, awsmodel.MaxResults)
		if err != nil {
			return nil, err
		}
		after, err := decodeVersionToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		var r *secretRecord
		err = c.read(func(t *tx) error {
			r, err = s.resolveExisting(t, in.SecretId)
			if err == nil && in.IncludeDeprecated && r.Deprecated > 0 {
				r = t.private(r)
				err = t.loadVersions(r)
			}
			return err
		})
		if err != nil {
			return r, err
		}
		out = &ListSecretVersionIdsOutput{ARN: c.arn(r), Name: r.Name}
		var last *versionMeta // the last version listed
		for i := after.resume(r.Versions); i < len(r.Versions); i++ {
			v := &r.Versions[i]
			if len(v.Stages) == 0 && !in.IncludeDeprecated {
				continue
			}
			if len(out.Versions) == limit {
				out.NextToken = versionToken{last.CreatedDate, last.ID}.encode()
				break
			}
			out.Versions = append(out.Versions, SecretVersionsListEntry{
				VersionId:        v.ID,
				VersionStages:    slices.Clone(v.Stages),
				CreatedDate:      v.CreatedDate,
				LastAccessedDate: v.LastAccessedDate,
				KmsKeyIds:        []string{kmsKeyIDs(v.KmsKeyId)},
			})
			last = v
		}
		return r, nil
	})
	return out, err
}

// AllSecretVersions returns an iterator over every version
// ListSecretVersionIds lists for in, page after page: it follows NextToken
// (starting from in.NextToken) and yields each entry. An error ends the
// iteration; it is yielded with a zero entry.
func (s *Store) AllSecretVersions(ctx context.Context, in *ListSecretVersionIdsInput) iter.Seq2[SecretVersionsListEntry, error] {
	return pages(in.NextToken, func(token string) ([]SecretVersionsListEntry, string, error) {
		page := *in
		page.NextToken = token
		out, err := s.ListSecretVersionIds(ctx, &page)
		if err != nil {
			return nil, "", err
		}
		return out.Versions, out.NextToken, nil
	})
}

func kmsKeyIDs(kms string) string {
	if kms == "" {
		return "DefaultEncryptionKey"
	}
	return kms
}

// versionToken is the position ListSecretVersionIds continues after.
type versionToken struct {
	created time.Time
	id      string
}

// resume returns the index in versions (in creation order) of the first
// version after the token's position: the one after the version the token
// names. Versions created in the same millisecond keep their creation order,
// so paging neither skips nor repeats them. If that version is gone (the
// reaper removed it), the listing resumes at the first version created after
// it. A zero token resumes at the start.
func (t versionToken) resume(versions []versionMeta) int {
	if t.id == "" {
		return 0
	}
	for i := range versions {
		if versions[i].ID == t.id {
			return i + 1
		}
	}
	for i := range versions {
		if versions[i].CreatedDate.After(t.created) {
			return i
		}
	}
	return len(versions)
}

func (t versionToken) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(t.created.UnixMilli(), 10) + ":" + t.id))
}

func decodeVersionToken(s string) (versionToken, error) {
	if s == "" {
		return versionToken{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.SplitN(string(b), ":", 3)
	if err != nil || len(parts) != 3 || parts[0] != "v1" || parts[2] == "" {
		return versionToken{}, errBadToken()
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return versionToken{}, errBadToken()
	}
	return versionToken{time.UnixMilli(ms).UTC(), parts[2]}, nil
}

func errBadToken() error {
	return newError(ErrInvalidNextToken, awsmodel.BadNextToken)
}

// pruneVersions removes deprecated versions of r older than VersionMinAge,
// oldest first, while r has more than MaxVersions versions, and queues their
// version records (and so their data keys) for shredding. It returns how
// many it removed.
func pruneVersions(t *tx, r *secretRecord) (int, error) {
	now := t.now
	removed := 0
	if err := t.loadVersions(r); err != nil {
		return 0, err
	}
	for i := 0; i < len(r.Versions) && len(r.Versions) > MaxVersions; {
		if !r.prunable(i, now) {
			i++
			continue
		}
		if err := t.dropVersion(r, i); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
