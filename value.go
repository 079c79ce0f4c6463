package secretstore

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/policy"
	"golang.org/x/crypto/chacha20poly1305"
)

// PutSecretValueInput is the input of PutSecretValue.
type PutSecretValueInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// ClientRequestToken becomes the new version's id (32 to 64
	// characters); empty means a new UUID. The same token with the same
	// value again succeeds and changes nothing; with another value it fails
	// with ErrResourceExists.
	ClientRequestToken string
	// SecretString or SecretBinary is the value: exactly one of them.
	SecretString string
	SecretBinary []byte
	// VersionStages are the labels the new version gets, each taken from
	// the version that had it. Empty means AWSCURRENT (and the old current
	// version becomes AWSPREVIOUS).
	VersionStages []string
	// RotationToken is accepted and ignored, as it is outside rotation
	// functions.
	RotationToken string
}

// PutSecretValueOutput is the output of PutSecretValue.
type PutSecretValueOutput struct {
	ARN       string
	Name      string
	VersionId string
	// VersionStages are the labels now on the version.
	VersionStages []string
}

// PutSecretValue adds a version to a secret and moves staging labels to it.
func (s *Store) PutSecretValue(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error) {
	var out *PutSecretValueOutput
	var token string
	var val value
	err := s.run(ctx, &call{
		op:       awsmodel.OpPutSecretValue,
		in:       in,
		secretID: in.SecretId,
		check: func() (err error) {
			if token, err = checkToken(in.ClientRequestToken); err != nil {
				return err
			}
			var ok bool
			if val, ok, err = checkValue(in.SecretString, in.SecretBinary); err != nil {
				return err
			}
			if !ok {
				return newError(ErrInvalidRequest, awsmodel.NoValue)
			}
			return checkStages(in.VersionStages)
		},
		do: func(t *tx, r *secretRecord) (bool, error) {
			v, created, err := t.c.writeVersion(t, r, token, val, in.VersionStages)
			if err != nil {
				return false, err
			}
			out = &PutSecretValueOutput{ARN: t.c.arn(r), Name: r.Name, VersionId: v.ID, VersionStages: slices.Clone(v.Stages)}
			return created, nil
		},
	})
	return out, err
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
func (c *core) writeVersion(t *tx, r *secretRecord, token string, val value, stages []string) (v *record.VersionMeta, created bool, err error) {
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
	if to < 0 && r.VersionCount() >= MaxVersions {
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
	first := !slices.ContainsFunc(r.Versions, func(v record.VersionMeta) bool { return !v.Empty })
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
	found, err := t.viewVersion(r.ID, id, func(v *record.Version) (err error) {
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

// conditionKeys adds secretsmanager:VersionStage: the label moved.
func (in *UpdateSecretVersionStageInput) conditionKeys(req *policy.Request) {
	setKey(req, policy.KeyVersionStage, in.VersionStage)
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
	err := s.run(ctx, &call{
		op:       awsmodel.OpUpdateSecretVersionStage,
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
		do: func(t *tx, r *secretRecord) (bool, error) {
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

// GetSecretValueInput is the input of GetSecretValue.
type GetSecretValueInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// VersionId selects a version by id.
	VersionId string
	// VersionStage selects the version carrying this label. With neither
	// VersionId nor VersionStage, AWSCURRENT.
	VersionStage string
}

// conditionKeys adds secretsmanager:VersionStage and
// secretsmanager:VersionId, when the input names them.
func (in *GetSecretValueInput) conditionKeys(req *policy.Request) {
	setKey(req, policy.KeyVersionStage, in.VersionStage)
	setKey(req, policy.KeyVersionID, in.VersionId)
}

// GetSecretValueOutput is the output of GetSecretValue.
type GetSecretValueOutput struct {
	ARN       string
	Name      string
	VersionId string
	// SecretString is the value, unless the secret holds SecretBinary.
	SecretString string
	// SecretBinary is the value of a binary secret; nil otherwise.
	SecretBinary []byte
	// VersionStages are the version's labels.
	VersionStages []string
	// CreatedDate is when the version was created.
	CreatedDate time.Time
}

// GetSecretValue returns the value of a version of a secret: AWSCURRENT
// unless VersionId or VersionStage says otherwise. It records the day of
// access as LastAccessedDate on the secret and the version.
func (s *Store) GetSecretValue(ctx context.Context, in *GetSecretValueInput) (*GetSecretValueOutput, error) {
	var out *GetSecretValueOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpGetSecretValue,
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			if err := checkVersionID("versionId", in.VersionId); err != nil {
				return err
			}
			if in.VersionStage != "" {
				return checkStage("versionStage", in.VersionStage)
			}
			return nil
		},
		do: func(t *tx, r *secretRecord) (_ bool, err error) {
			out, err = t.c.valueOf(t, r, in.VersionId, in.VersionStage)
			return false, err
		},
	})
	return out, err
}

// valueOf reads one value of secret r, for GetSecretValue and
// BatchGetSecretValue. When the read is the first of the day it must
// record LastAccessedDate: in a read-only transaction it then returns
// errNeedsWrite, and readOrWrite runs it again in a read-write one.
func (c *core) valueOf(t *tx, r *secretRecord, versionID, stage string) (*GetSecretValueOutput, error) {
	if versionID != "" && r.version(versionID) < 0 && r.Deprecated > 0 {
		// A deprecated version, in its own record.
		r = t.private(r)
		if _, err := t.find(r, versionID); err != nil {
			return nil, err
		}
	}
	i, err := r.pick(versionID, stage)
	if err != nil {
		return nil, err
	}
	v := &r.Versions[i]
	if v.Empty { // a rotation's version whose value is not put yet
		if versionID != "" {
			return nil, newError(ErrResourceNotFound, awsmodel.NoValueForVersion(versionID))
		}
		return nil, newError(ErrResourceNotFound, awsmodel.NoValueForStage(cmp.Or(stage, StageCurrent)))
	}
	if today := day(t.now); !t.noStamp && (!r.LastAccessedDate.Equal(today) || !v.LastAccessedDate.Equal(today)) {
		if err := t.needsWrite(); err != nil {
			return nil, err
		}
		// A read's own stamp: not a change (no LastChangedDate), and no
		// replica's concern (each records its own reads).
		r.LastAccessedDate, v.LastAccessedDate = today, today
		if err := t.putSecret(r); err != nil {
			return nil, err
		}
	}
	pt, binary, err := c.readValue(t, r, v.ID)
	if err != nil {
		return nil, err
	}
	out := &GetSecretValueOutput{
		ARN:           c.arn(r),
		Name:          r.Name,
		VersionId:     v.ID,
		VersionStages: slices.Clone(v.Stages), // r may be shared with the cache
		CreatedDate:   v.CreatedDate,
	}
	if binary {
		out.SecretBinary = pt
	} else {
		out.SecretString = string(pt)
		clear(pt)
	}
	return out, nil
}

// pick returns the index of the version GetSecretValue reads.
func (r *secretRecord) pick(versionID, stage string) (int, error) {
	if versionID == "" {
		if stage == "" {
			stage = StageCurrent
		}
		i := r.holder(stage)
		if i < 0 {
			return -1, newError(ErrResourceNotFound, awsmodel.NoValueForStage(stage))
		}
		return i, nil
	}
	i := r.version(versionID)
	if i < 0 {
		return -1, newError(ErrResourceNotFound, awsmodel.NoValueForVersion(versionID))
	}
	if stage != "" && !slices.Contains(r.Versions[i].Stages, stage) {
		return -1, newError(ErrInvalidRequest, awsmodel.StageNotOnVersion)
	}
	return i, nil
}

// BatchGetSecretValueInput is the input of BatchGetSecretValue: either
// SecretIdList or Filters.
type BatchGetSecretValueInput struct {
	// SecretIdList names up to 20 secrets.
	SecretIdList []string
	// Filters select the secrets as ListSecrets does.
	Filters []Filter
	// MaxResults is the page size with Filters, 1 to 20; 0 means 20.
	MaxResults int32
	// NextToken continues a filtered listing.
	NextToken string
}

// BatchGetSecretValueOutput is the output of BatchGetSecretValue.
type BatchGetSecretValueOutput struct {
	// SecretValues are the AWSCURRENT values of the secrets that could be read.
	SecretValues []SecretValueEntry
	// Errors are the secrets that could not be read, and why.
	Errors []APIErrorType
	// NextToken is set when a filtered listing has more pages.
	NextToken string
}

// SecretValueEntry is one secret's value in BatchGetSecretValue.
type SecretValueEntry struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  string
	SecretBinary  []byte
	VersionStages []string
	CreatedDate   time.Time
}

// APIErrorType is a failure for one secret of BatchGetSecretValue.
type APIErrorType struct {
	SecretId  string
	ErrorCode string // the AWS exception name
	Message   string
}

// BatchGetSecretValue returns the current values of several secrets, named
// by SecretIdList or selected by Filters. A secret that cannot be read (not
// found, scheduled for deletion, undecryptable) is reported in Errors and
// does not fail the call.
func (s *Store) BatchGetSecretValue(ctx context.Context, in *BatchGetSecretValueInput) (*BatchGetSecretValueOutput, error) {
	var out *BatchGetSecretValueOutput
	var b batch
	x := &call{
		op: awsmodel.OpBatchGetSecretValue,
		in: in,
		check: func() error {
			switch {
			case len(in.SecretIdList) > 0 && len(in.Filters) > 0:
				return newError(ErrInvalidParameter, awsmodel.BatchBoth)
			case len(in.SecretIdList) == 0 && len(in.Filters) == 0:
				return newError(ErrInvalidParameter, awsmodel.BatchNeither)
			case in.MaxResults != 0 && len(in.Filters) == 0:
				return newError(ErrInvalidParameter, awsmodel.BatchMaxResultsAlone)
			case len(in.SecretIdList) > awsmodel.MaxBatch:
				return validation(awsmodel.Length("secretIdList", len(in.SecretIdList), 1, awsmodel.MaxBatch))
			}
			return nil
		},
		do: func(t *tx, _ *secretRecord) (_ bool, err error) {
			b = batch{}
			if len(in.Filters) > 0 {
				out, err = s.batchFiltered(t, &b, in)
			} else {
				out, err = s.batchList(t, &b, in.SecretIdList)
			}
			return false, err
		},
	}
	if len(in.Filters) > 0 { // filtering lists the secrets: AWS asks for ListSecrets too
		x.also = []dependentAction{{awsmodel.OpListSecrets, &ListSecretsInput{}}}
	}
	err := s.run(ctx, x)
	for _, d := range b.decisions {
		d.audit(s)
	}
	if err == nil && s.c.onEvent != nil {
		for i, id := range b.ids {
			s.emit(s.c, awsmodel.OpBatchGetSecretValue.String(), id, b.found[i], b.errs[i], b.decisions[i].reason)
		}
	}
	return out, err
}

// batch is what BatchGetSecretValue found for each secret it names, for
// the events and the log.
type batch struct {
	ids       []string
	found     []*secretRecord
	errs      []error
	decisions []decision
}

func (b *batch) add(id string, r *secretRecord, err error, d decision) {
	b.ids, b.found, b.errs, b.decisions = append(b.ids, id), append(b.found, r), append(b.errs, err), append(b.decisions, d)
}

// batchList reads the secrets ids names, in t.
func (s *Store) batchList(t *tx, b *batch, ids []string) (*BatchGetSecretValueOutput, error) {
	out := &BatchGetSecretValueOutput{}
	for _, id := range ids {
		d := s.authorizeIn(t, awsmodel.OpGetSecretValue, id)
		if err := d.err(); err != nil {
			b.add(id, nil, err, d)
			out.Errors = append(out.Errors, apiError(id, err))
			continue
		}
		r, err := s.resolveFor(t, awsmodel.OpGetSecretValue, id)
		var v *GetSecretValueOutput
		if err == nil {
			v, err = t.c.valueOf(t, r, "", "")
		}
		if errors.Is(err, errNeedsWrite) {
			return nil, err
		}
		b.add(id, r, err, d)
		if err != nil {
			if !isAWSError(err) {
				return nil, err // the database failed: fail the call
			}
			out.Errors = append(out.Errors, apiError(id, err))
			continue
		}
		out.SecretValues = append(out.SecretValues, SecretValueEntry(*v))
	}
	return out, nil
}

// batchFiltered reads a page of the secrets in.Filters selects, in t.
func (s *Store) batchFiltered(t *tx, b *batch, in *BatchGetSecretValueInput) (*BatchGetSecretValueOutput, error) {
	limit, err := pageSize(in.MaxResults, awsmodel.MaxBatch)
	if err != nil {
		return nil, err
	}
	q, err := s.newListQuery(in.Filters, "", "", in.NextToken, false)
	if err != nil {
		return nil, err
	}
	out := &BatchGetSecretValueOutput{}
	page, next, err := s.listPage(t, q, limit)
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	for _, r := range page {
		if s.principal != nil {
			d := s.authorize(awsmodel.OpGetSecretValue, nil, r.Name, r)
			if d.denied {
				b.decisions = append(b.decisions, d) // for the log; the filtered form emits no per-secret events
			}
			if err := d.err(); err != nil {
				out.Errors = append(out.Errors, apiError(r.Name, err))
				continue
			}
		}
		v, err := t.c.valueOf(t, r, "", "")
		if err != nil {
			if !isAWSError(err) {
				return nil, err
			}
			out.Errors = append(out.Errors, apiError(r.Name, err))
			continue
		}
		out.SecretValues = append(out.SecretValues, SecretValueEntry(*v))
	}
	return out, nil
}

// isAWSError reports whether err is an AWS exception (an *Error), as
// opposed to a failure of the store itself.
func isAWSError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// apiError reports err, an AWS exception, for one secret of
// BatchGetSecretValue.
func apiError(id string, err error) APIErrorType {
	var e *Error
	errors.As(err, &e)
	return APIErrorType{SecretId: id, ErrorCode: e.Code, Message: e.Message}
}

// Put stores value as the new current version of secret name, creating the
// secret if it does not exist, and returns the new version's id. It is
// PutOrCreate with the defaults.
func (s *Store) Put(ctx context.Context, name, value string) (versionID string, err error) {
	out, err := s.PutOrCreate(ctx, &PutSecretValueInput{SecretId: name, SecretString: value})
	if err != nil {
		return "", err
	}
	return out.VersionId, nil
}

// PutOrCreate is PutSecretValue, except that when in.SecretId names no
// secret it creates one of that name (CreateSecret with in's value and
// ClientRequestToken), whose first version is AWSCURRENT. A secret of that
// name created meanwhile by another caller gets the value as PutSecretValue
// would give it.
func (s *Store) PutOrCreate(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.PutSecretValue(ctx, in)
		if !errors.Is(err, ErrResourceNotFound) || arn.IsARN(in.SecretId) || attempt == maxAttempts {
			return out, err
		}
		created, err := s.CreateSecret(ctx, &CreateSecretInput{
			Name:               in.SecretId,
			ClientRequestToken: in.ClientRequestToken,
			SecretString:       in.SecretString,
			SecretBinary:       in.SecretBinary,
		})
		if errors.Is(err, ErrResourceExists) {
			continue // created meanwhile by another caller
		}
		if err != nil {
			return nil, err
		}
		return &PutSecretValueOutput{ARN: created.ARN, Name: created.Name, VersionId: created.VersionId, VersionStages: []string{StageCurrent}}, nil
	}
}

// Get returns the current (AWSCURRENT) string value of secret name. A binary
// secret is returned as its bytes converted to a string.
func (s *Store) Get(ctx context.Context, name string) (string, error) {
	out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name})
	if err != nil {
		return "", err
	}
	if out.SecretBinary != nil {
		return string(out.SecretBinary), nil
	}
	return out.SecretString, nil
}
