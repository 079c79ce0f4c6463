package secretstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
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
	err := s.write(ctx, &writeOp{
		op:       "PutSecretValue",
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
		apply: func(t *tx, r *secretRecord) (bool, error) {
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
	err := s.run(ctx, "GetSecretValue", in, in.SecretId, func(c *core) (*secretRecord, error) {
		if err := checkVersionID("versionId", in.VersionId); err != nil {
			return nil, err
		}
		if in.VersionStage != "" {
			if err := checkStage("versionStage", in.VersionStage); err != nil {
				return nil, err
			}
		}
		var rec *secretRecord
		err := c.readOrWrite(ctx, func(t *tx) (bool, error) {
			var err error
			var stamp bool
			out, rec, stamp, err = s.getValue(t, in.SecretId, in.VersionId, in.VersionStage)
			return stamp, err
		})
		return rec, err
	})
	return out, err
}

// getValue reads one secret value for GetSecretValue and
// BatchGetSecretValue. When the read is the first of the day it must record
// LastAccessedDate: in a read-only transaction it then returns stamp true
// and nothing else, and the caller runs it again in a read-write one.
func (s *Store) getValue(t *tx, id, versionID, stage string) (out *GetSecretValueOutput, r *secretRecord, stamp bool, err error) {
	r, err = s.resolveLive(t, id)
	if err != nil {
		return nil, r, false, err
	}
	out, stamp, err = t.c.valueOf(t, r, versionID, stage)
	return out, r, stamp, err
}

// valueOf is getValue once the secret is found.
func (c *core) valueOf(t *tx, r *secretRecord, versionID, stage string) (out *GetSecretValueOutput, stamp bool, err error) {
	if versionID != "" && r.version(versionID) < 0 && r.Deprecated > 0 {
		// A deprecated version, in its own record.
		r = t.private(r)
		if _, err := t.find(r, versionID); err != nil {
			return nil, false, err
		}
	}
	i, err := r.pick(versionID, stage)
	if err != nil {
		return nil, false, err
	}
	v := &r.Versions[i]
	if v.Empty { // a rotation's version whose value is not put yet
		if versionID != "" {
			return nil, false, newError(ErrResourceNotFound, awsmodel.NoValueForVersion(versionID))
		}
		return nil, false, newError(ErrResourceNotFound, awsmodel.NoValueForStage(cmp.Or(stage, StageCurrent)))
	}
	if today := day(t.now); !t.noStamp && (!r.LastAccessedDate.Equal(today) || !v.LastAccessedDate.Equal(today)) {
		if t.gen != noCache {
			return nil, true, nil
		}
		r.LastAccessedDate, v.LastAccessedDate = today, today
		if err := t.putSecret(r); err != nil {
			return nil, false, err
		}
	}
	pt, binary, err := c.readValue(t, r, v.ID)
	if err != nil {
		return nil, false, err
	}
	out = &GetSecretValueOutput{
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
	return out, false, nil
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

// readOrWrite runs fn in a read-only transaction, and again in a
// read-write one if it reports that it needs to write. Reads, which rarely
// write, so avoid the cost of a read-write transaction. When the write is
// refused (the disk is too full, the folder is not writable, a sync of the
// logs has failed or could not run), fn runs
// once more as a read that writes nothing: a read never fails for want of
// recording LastAccessedDate.
func (c *core) readOrWrite(ctx context.Context, fn func(t *tx) (needWrite bool, err error)) error {
	var needWrite bool
	err := c.read(func(t *tx) (err error) {
		needWrite, err = fn(t)
		return err
	})
	if err != nil || !needWrite {
		return err
	}
	err = c.update(ctx, func(t *tx) error {
		_, err := fn(t)
		return err
	})
	if errors.Is(err, ErrInternalServiceError) && !errors.Is(err, ErrCorrupt) {
		// The stamp cannot be written (a full disk, a folder that is not
		// writable, no file descriptor left, a failed sync): the read goes
		// on without it.
		err = c.readTx(true, func(t *tx) error {
			_, err := fn(t)
			return err
		})
	}
	return err
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
	err := s.run(ctx, "BatchGetSecretValue", in, "", func(c *core) (*secretRecord, error) {
		switch {
		case len(in.SecretIdList) > 0 && len(in.Filters) > 0:
			return nil, newError(ErrInvalidParameter, awsmodel.BatchBoth)
		case len(in.SecretIdList) == 0 && len(in.Filters) == 0:
			return nil, newError(ErrInvalidParameter, awsmodel.BatchNeither)
		case in.MaxResults != 0 && len(in.Filters) == 0:
			return nil, newError(ErrInvalidParameter, awsmodel.BatchMaxResultsAlone)
		case len(in.SecretIdList) > awsmodel.MaxBatch:
			return nil, validation(awsmodel.Length("secretIdList", len(in.SecretIdList), 1, awsmodel.MaxBatch))
		}
		var err error
		if len(in.Filters) > 0 {
			out, err = s.batchFiltered(ctx, c, in)
		} else {
			out, err = s.batchList(ctx, c, in.SecretIdList)
		}
		return nil, err
	})
	return out, err
}

func (s *Store) batchList(ctx context.Context, c *core, ids []string) (*BatchGetSecretValueOutput, error) {
	var out *BatchGetSecretValueOutput
	var found []*secretRecord
	var errs []error
	err := c.readOrWrite(ctx, func(t *tx) (bool, error) {
		out, found, errs = &BatchGetSecretValueOutput{}, found[:0], errs[:0]
		for _, id := range ids {
			if err := s.denied(t, "GetSecretValue", id); err != nil {
				found, errs = append(found, nil), append(errs, err)
				out.Errors = append(out.Errors, apiError(id, err))
				continue
			}
			v, r, stamp, err := s.getValue(t, id, "", "")
			if stamp {
				return true, nil
			}
			found, errs = append(found, r), append(errs, err)
			if err != nil {
				if !isAWSError(err) {
					return false, err // the database failed: fail the call
				}
				out.Errors = append(out.Errors, apiError(id, err))
				continue
			}
			out.SecretValues = append(out.SecretValues, SecretValueEntry(*v))
		}
		return false, nil
	})
	if err == nil && c.onEvent != nil {
		for i, id := range ids {
			s.emit(c, "BatchGetSecretValue", id, found[i], errs[i], "")
		}
	}
	return out, err
}

func (s *Store) batchFiltered(ctx context.Context, c *core, in *BatchGetSecretValueInput) (*BatchGetSecretValueOutput, error) {
	limit, err := pageSize(in.MaxResults, awsmodel.MaxBatch)
	if err != nil {
		return nil, err
	}
	q, err := s.newListQuery(in.Filters, "", "", in.NextToken, false)
	if err != nil {
		return nil, err
	}
	var out *BatchGetSecretValueOutput
	err = c.readOrWrite(ctx, func(t *tx) (bool, error) {
		out = &BatchGetSecretValueOutput{}
		page, next, err := s.listPage(t, q, limit)
		if err != nil {
			return false, err
		}
		out.NextToken = next
		for _, r := range page {
			if s.principal != nil {
				if err := s.authorizeSecret(c, "GetSecretValue", nil, r.Name, r).err(s); err != nil {
					out.Errors = append(out.Errors, apiError(r.Name, err))
					continue
				}
			}
			v, stamp, err := c.valueOf(t, r, "", "")
			if stamp {
				return true, nil
			}
			if err != nil {
				if !isAWSError(err) {
					return false, err
				}
				out.Errors = append(out.Errors, apiError(r.Name, err))
				continue
			}
			out.SecretValues = append(out.SecretValues, SecretValueEntry(*v))
		}
		return false, nil
	})
	return out, err
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
