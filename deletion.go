package secretstore

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// Recovery window bounds of DeleteSecret, in days.
const (
	MinRecoveryWindowInDays     = awsmodel.MinRecoveryWindowInDays
	MaxRecoveryWindowInDays     = awsmodel.MaxRecoveryWindowInDays
	DefaultRecoveryWindowInDays = awsmodel.DefaultRecoveryWindowInDays
)

// DeleteSecretInput is the input of DeleteSecret.
type DeleteSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// RecoveryWindowInDays is how long the secret can be restored, 7 to 30
	// days; nil means 30. Not allowed with ForceDeleteWithoutRecovery.
	RecoveryWindowInDays *int64
	// ForceDeleteWithoutRecovery deletes the secret at once, with no
	// recovery window. It succeeds even if the secret does not exist.
	ForceDeleteWithoutRecovery bool
}

// conditionKeys adds secretsmanager:ForceDeleteWithoutRecovery ("true" or
// "false") and secretsmanager:RecoveryWindowInDays, when the input gives a
// window: a request that gives none has no such key (AWS does not say it
// fills in the 30-day default), so an Allow that requires a long window
// does not match it.
func (in *DeleteSecretInput) conditionKeys(req *policy.Request) {
	req.Set(policy.KeyForceDeleteWithoutRecovery, strconv.FormatBool(in.ForceDeleteWithoutRecovery))
	if in.RecoveryWindowInDays != nil {
		req.Set(policy.KeyRecoveryWindowInDays, strconv.FormatInt(*in.RecoveryWindowInDays, 10))
	}
}

// DeleteSecretOutput is the output of DeleteSecret.
type DeleteSecretOutput struct {
	ARN  string
	Name string
	// DeletionDate is when the secret is (or was) permanently deleted.
	DeletionDate time.Time
}

// DeleteSecret schedules a secret for deletion at the end of a recovery
// window (30 days unless RecoveryWindowInDays says otherwise), or deletes it
// at once with ForceDeleteWithoutRecovery.
//
// Until the window ends, the secret can be restored with RestoreSecret; its
// value cannot be read or changed (ErrInvalidRequest), DescribeSecret shows
// its DeletedDate, ListSecrets shows it only with IncludePlannedDeletion, and
// its name cannot be reused. When the window ends the secret is gone: every
// operation finds nothing (ErrResourceNotFound) and the name is free; the
// reaper then purges its records and data keys.
//
// A primary secret with replicas cannot be deleted until its replicas are
// removed; a replica cannot be deleted from its own region.
func (s *Store) DeleteSecret(ctx context.Context, in *DeleteSecretInput) (*DeleteSecretOutput, error) {
	var out *DeleteSecretOutput
	var window time.Duration
	x := &call{
		op:       awsmodel.OpDeleteSecret,
		in:       in,
		secretID: in.SecretId,
		check: func() (err error) {
			window, err = recoveryWindow(in.RecoveryWindowInDays, in.ForceDeleteWithoutRecovery)
			return err
		},
		do: func(t *tx, r *secretRecord) (bool, error) {
			switch {
			case len(r.Replicas) > 0:
				regions := make([]string, len(r.Replicas))
				for i, rp := range r.Replicas {
					regions[i] = rp.Region
				}
				slices.Sort(regions)
				return false, newError(ErrInvalidParameter, awsmodel.DeleteWithReplicas(t.c.arn(r), regions))
			case r.Deleted() && !in.ForceDeleteWithoutRecovery:
				return false, newError(ErrInvalidRequest, awsmodel.AlreadyMarkedDeleted)
			}
			out = &DeleteSecretOutput{ARN: t.c.arn(r), Name: r.Name, DeletionDate: t.now}
			if in.ForceDeleteWithoutRecovery {
				return false, t.purge(r)
			}
			r.DeletedDate, r.DeletionDate = t.now, t.now.Add(window)
			out.DeletionDate = r.DeletionDate
			return true, nil
		},
	}
	if in.ForceDeleteWithoutRecovery {
		// As AWS: a forced delete of a secret that does not exist succeeds.
		x.missing = func(t *tx) error {
			out = s.deletedNothing(in.SecretId, t.now)
			return nil
		}
	}
	err := s.run(ctx, x)
	return out, err
}

// recoveryWindow applies DeleteSecret's rules on its two parameters: the
// window's own range first, then the rule across the two, as AWS checks
// them.
func recoveryWindow(days *int64, force bool) (time.Duration, error) {
	switch {
	case days != nil && (*days < MinRecoveryWindowInDays || *days > MaxRecoveryWindowInDays):
		return 0, newError(ErrInvalidParameter, awsmodel.RecoveryWindowRange())
	case days != nil && force:
		return 0, newError(ErrInvalidParameter, awsmodel.ForceWithWindow)
	case days == nil:
		return DefaultRecoveryWindowInDays * 24 * time.Hour, nil
	}
	return time.Duration(*days) * 24 * time.Hour, nil
}

// deletedNothing is the answer AWS gives to a forced delete of a secret
// that does not exist: success, with the SecretId as the name.
func (s *Store) deletedNothing(id string, now time.Time) *DeleteSecretOutput {
	a := id
	if !arn.IsARN(id) {
		a = arn.Secret(s.region, s.c.account, id, newSuffix())
	}
	return &DeleteSecretOutput{ARN: a, Name: id, DeletionDate: now}
}

// RestoreSecretInput is the input of RestoreSecret.
type RestoreSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
}

// RestoreSecretOutput is the output of RestoreSecret.
type RestoreSecretOutput struct {
	ARN  string
	Name string
}

// RestoreSecret cancels the scheduled deletion of a secret. Its versions,
// labels, tags and ARN are as they were. On a secret that is not scheduled
// for deletion it succeeds and changes nothing; after the recovery window
// has ended the secret is gone (ErrResourceNotFound).
func (s *Store) RestoreSecret(ctx context.Context, in *RestoreSecretInput) (*RestoreSecretOutput, error) {
	var out *RestoreSecretOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpRestoreSecret,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
			out = &RestoreSecretOutput{ARN: t.c.arn(r), Name: r.Name}
			if !r.Deleted() {
				return false, nil
			}
			r.DeletedDate, r.DeletionDate = time.Time{}, time.Time{}
			return true, nil
		},
	})
	return out, err
}

// Delete schedules secret name for deletion after recoveryWindowInDays days
// (7 to 30; 0 means 30) and returns the DeletionDate. It is DeleteSecret
// with a name; use DeleteSecret with ForceDeleteWithoutRecovery to delete at
// once.
func (s *Store) Delete(ctx context.Context, name string, recoveryWindowInDays int) (time.Time, error) {
	in := &DeleteSecretInput{SecretId: name}
	if recoveryWindowInDays != 0 {
		in.RecoveryWindowInDays = new(int64(recoveryWindowInDays))
	}
	out, err := s.DeleteSecret(ctx, in)
	if err != nil {
		return time.Time{}, err
	}
	return out.DeletionDate, nil
}

// Restore cancels the scheduled deletion of secret name. It is
// RestoreSecret with a name.
func (s *Store) Restore(ctx context.Context, name string) error {
	_, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: name})
	return err
}
