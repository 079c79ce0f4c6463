package secretstore

import (
	"context"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Recovery window bounds of DeleteSecret, in days.
const (
	MinRecoveryWindowInDays     = 7
	MaxRecoveryWindowInDays     = 30
	DefaultRecoveryWindowInDays = 30
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
	err := s.run(ctx, "DeleteSecret", in.SecretId, func(c *core) (*secretRecord, error) {
		window, err := recoveryWindow(in.RecoveryWindowInDays, in.ForceDeleteWithoutRecovery)
		if err != nil {
			return nil, err
		}
		var rec *secretRecord
		err = c.update(ctx, func(txn *badger.Txn) error {
			now := now(c.clock)
			r, err := s.resolveRecord(txn, in.SecretId, now, noCache)
			rec = r
			switch {
			case isNotFound(err) && in.ForceDeleteWithoutRecovery:
				out = s.deletedNothing(in.SecretId, now)
				return nil
			case err != nil:
				return err
			case r.replica():
				return newError(ErrInvalidParameter, msgReplicaNotPermitted)
			case len(r.Replicas) > 0:
				regions := make([]string, len(r.Replicas))
				for i, rp := range r.Replicas {
					regions[i] = rp.Region
				}
				return newError(ErrInvalidParameter, "You can't delete secret %s that still has replica regions [%s].", c.arn(r), strings.Join(regions, ", "))
			case r.deleted() && !in.ForceDeleteWithoutRecovery:
				return newError(ErrInvalidRequest, "You tried to perform the operation on a secret that's currently marked deleted.")
			}
			out = &DeleteSecretOutput{ARN: c.arn(r), Name: r.Name, DeletionDate: now}
			if in.ForceDeleteWithoutRecovery {
				return c.purge(txn, r)
			}
			r.DeletedDate, r.DeletionDate, r.LastChangedDate = now, now.Add(window), now
			out.DeletionDate = r.DeletionDate
			if err := txn.Set(deletionKey(r.DeletionDate, r.ID), regionName(r.Region, r.Name)); err != nil {
				return err
			}
			return putSecret(txn, r)
		})
		return rec, err
	})
	return out, err
}

// recoveryWindow applies DeleteSecret's rules on its two parameters.
func recoveryWindow(days *int64, force bool) (time.Duration, error) {
	switch {
	case days != nil && force:
		return 0, newError(ErrInvalidParameter, "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	case days == nil:
		return DefaultRecoveryWindowInDays * 24 * time.Hour, nil
	case *days < MinRecoveryWindowInDays || *days > MaxRecoveryWindowInDays:
		return 0, newError(ErrInvalidParameter, "The RecoveryWindowInDays value must be between %d and %d days (inclusive).", MinRecoveryWindowInDays, MaxRecoveryWindowInDays)
	}
	return time.Duration(*days) * 24 * time.Hour, nil
}

// deletedNothing is the answer AWS gives to a forced delete of a secret
// that does not exist: success, with the SecretId as the name.
func (s *Store) deletedNothing(id string, now time.Time) *DeleteSecretOutput {
	arn := id
	if !strings.HasPrefix(id, "arn:") {
		arn = secretARN(s.region, s.c.account, id, newSuffix())
	}
	return &DeleteSecretOutput{ARN: arn, Name: id, DeletionDate: now}
}

func isNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.err == ErrResourceNotFound
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
	err := s.run(ctx, "RestoreSecret", in.SecretId, func(c *core) (*secretRecord, error) {
		var rec *secretRecord
		err := c.update(ctx, func(txn *badger.Txn) error {
			now := now(c.clock)
			r, err := s.resolveRecord(txn, in.SecretId, now, noCache)
			rec = r
			switch {
			case err != nil:
				return err
			case r.replica():
				return newError(ErrInvalidParameter, msgReplicaNotPermitted)
			}
			out = &RestoreSecretOutput{ARN: c.arn(r), Name: r.Name}
			if !r.deleted() {
				return nil
			}
			if err := txn.Delete(deletionKey(r.DeletionDate, r.ID)); err != nil {
				return err
			}
			r.DeletedDate, r.DeletionDate, r.LastChangedDate = time.Time{}, time.Time{}, now
			return putSecret(txn, r)
		})
		return rec, err
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

// purge permanently deletes secret r within txn: its record and its index
// entries at once, so its name is free. Its version records are left to the
// reaper, which drops them from every level of the database (shred.go): until
// then nothing refers to them.
func (c *core) purge(txn *badger.Txn, r *secretRecord) error {
	keys := [][]byte{
		secretKey(r.Region, r.Name),
		createdKey(r.Region, r.CreatedDate, r.Name),
		pruneKey(r.ID),
	}
	if r.deleted() {
		keys = append(keys, deletionKey(r.DeletionDate, r.ID))
	}
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return shredLater(txn, versionPrefix(r.ID))
}
