package secretstore

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/policy"
)

// Replica regions. A replica is a secret record in another region's
// namespace of the same database: the primary's name and ARN suffix, its
// own internal id and KmsKeyId, and a copy of everything else (versions,
// labels, description, tags, resource policy), its values sealed anew
// under its own key. It is written in the same transaction as every write
// to its primary: the write path's last step (written, operation.go) calls
// syncReplicas, so a replica is never behind. A replica is read-only: the
// operations whose row of the operation table says RefusedOnReplica refuse
// it.

// Texts of the replication status.
const (
	statusInSync         = "InSync"
	statusFailed         = "Failed"
	msgReplicaInSync     = "Replication succeeded"
	msgReplicaNameInUse  = "Secret with this name already exists in this region"
	msgReplicaOfAnother  = "Secret with this name already exists in this region and is part of another secret's replication, which ForceOverwriteReplicaSecret does not replace"
	defaultKmsKeyIDAlias = "alias/aws/secretsmanager"
)

// ReplicaRegionType is a region to replicate a secret to, and the key its
// replica's values are encrypted with there.
type ReplicaRegionType struct {
	// Region is a region name such as eu-west-1. Required.
	Region string
	// KmsKeyId names the key of the replica's values; empty means the
	// default key, aws/secretsmanager.
	KmsKeyId string
}

// ReplicationStatusType is the state of one replica of a secret.
type ReplicationStatusType struct {
	Region string
	// KmsKeyId is the key of the replica's values; alias/aws/secretsmanager
	// for the default key, as AWS reports it.
	KmsKeyId string
	// Status is InSync, or Failed when the replica could not be created
	// (StatusMessage says why). secretstore replicates in the transaction of
	// the write, so it never reports InProgress.
	Status        string
	StatusMessage string
	// LastAccessedDate is midnight UTC of the last day the replica's value
	// was read in its region.
	LastAccessedDate time.Time
}

// ReplicateSecretToRegionsInput is the input of ReplicateSecretToRegions.
type ReplicateSecretToRegionsInput struct {
	// SecretId is the primary secret's name, ARN or partial ARN. Required.
	SecretId string
	// AddReplicaRegions are the regions to replicate to. At least one.
	AddReplicaRegions []ReplicaRegionType
	// ForceOverwriteReplicaSecret replaces a secret of the same name in a
	// replica region; without it that region's replication fails (Status
	// Failed) and the secret there is left alone.
	ForceOverwriteReplicaSecret bool
}

// conditionKeys adds secretsmanager:AddReplicaRegions and
// secretsmanager:ForceOverwriteReplicaSecret.
func (in *ReplicateSecretToRegionsInput) conditionKeys(req *policy.Request) {
	setReplicaRegions(req, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
}

// ReplicateSecretToRegionsOutput is the output of ReplicateSecretToRegions.
type ReplicateSecretToRegionsOutput struct {
	ARN string
	// ReplicationStatus lists every replica of the secret, the new ones
	// included.
	ReplicationStatus []ReplicationStatusType
}

// ReplicateSecretToRegions replicates a secret to other regions of the
// store. Each replica has the primary's name, its ARN with the region
// swapped, and a copy of its versions, labels, description, tags and
// resource policy; it is read-only, and every later write to the primary
// reaches it in the same transaction. A region that already holds a secret
// of that name is reported as Failed unless ForceOverwriteReplicaSecret is
// set.
func (s *Store) ReplicateSecretToRegions(ctx context.Context, in *ReplicateSecretToRegionsInput) (*ReplicateSecretToRegionsOutput, error) {
	var out *ReplicateSecretToRegionsOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpReplicateSecretToRegions,
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			if len(in.AddReplicaRegions) == 0 {
				return validation(awsmodel.Length("addReplicaRegions", 0, 1, math.MaxInt))
			}
			return checkReplicaRegions(in.AddReplicaRegions)
		},
		do: func(t *tx, r *secretRecord) (bool, error) {
			if err := t.addReplicas(r, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret); err != nil {
				return false, err
			}
			status, err := t.replicationStatus(r)
			out = &ReplicateSecretToRegionsOutput{ARN: t.c.arn(r), ReplicationStatus: status}
			return true, err
		},
	})
	return out, err
}

// RemoveRegionsFromReplicationInput is the input of
// RemoveRegionsFromReplication.
type RemoveRegionsFromReplicationInput struct {
	// SecretId is the primary secret's name, ARN or partial ARN. Required.
	SecretId string
	// RemoveReplicaRegions are the regions whose replicas are deleted. At
	// least one; a region the secret is not replicated to is ignored.
	RemoveReplicaRegions []string
}

// RemoveRegionsFromReplicationOutput is the output of
// RemoveRegionsFromReplication.
type RemoveRegionsFromReplicationOutput struct {
	ARN string
	// ReplicationStatus lists the replicas that remain.
	ReplicationStatus []ReplicationStatusType
}

// RemoveRegionsFromReplication deletes replicas of a secret at once, with
// no recovery window: their records and their values' data keys are
// purged as a forced DeleteSecret purges them.
func (s *Store) RemoveRegionsFromReplication(ctx context.Context, in *RemoveRegionsFromReplicationInput) (*RemoveRegionsFromReplicationOutput, error) {
	var out *RemoveRegionsFromReplicationOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpRemoveRegionsFromReplication,
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			var violations []string
			violations = append(violations, awsmodel.Length("removeReplicaRegions", len(in.RemoveReplicaRegions), 1, math.MaxInt))
			for i, region := range in.RemoveReplicaRegions {
				violations = append(violations, regionViolation("removeReplicaRegions."+strconv.Itoa(i+1)+".member", region))
			}
			return validation(violations...)
		},
		do: func(t *tx, r *secretRecord) (bool, error) {
			kept := r.Replicas[:0:0]
			for _, rp := range r.Replicas {
				if !slices.Contains(in.RemoveReplicaRegions, rp.Region) {
					kept = append(kept, rp)
					continue
				}
				if rp.Status != statusInSync {
					continue // nothing was created there
				}
				rep, err := t.replicaOf(r, rp.Region)
				if err != nil {
					return false, err
				}
				if err := t.purge(rep); err != nil {
					return false, err
				}
			}
			changed := len(kept) != len(r.Replicas)
			r.Replicas = kept
			status, err := t.replicationStatus(r)
			out = &RemoveRegionsFromReplicationOutput{ARN: t.c.arn(r), ReplicationStatus: status}
			return changed, err
		},
	})
	return out, err
}

// StopReplicationToReplicaInput is the input of StopReplicationToReplica.
type StopReplicationToReplicaInput struct {
	// SecretId is the replica's name, ARN or partial ARN, in the replica's
	// region. Required.
	SecretId string
}

// StopReplicationToReplicaOutput is the output of StopReplicationToReplica.
type StopReplicationToReplicaOutput struct {
	// ARN is the replica's ARN, which the secret keeps.
	ARN string
}

// StopReplicationToReplica promotes a replica to a standalone secret: it is
// called in the replica's region (a Store.Region view), the secret keeps
// its ARN, versions and metadata and becomes writable, and its former
// primary no longer lists the region in its ReplicationStatus. On a secret
// that is not a replica it fails with ErrInvalidRequest.
func (s *Store) StopReplicationToReplica(ctx context.Context, in *StopReplicationToReplicaInput) (*StopReplicationToReplicaOutput, error) {
	var out *StopReplicationToReplicaOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpStopReplicationToReplica,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
			if !r.Replica() {
				return false, newError(ErrInvalidRequest, awsmodel.NotAReplica(t.c.arn(r)))
			}
			primary, err := t.getSecret(r.PrimaryRegion, r.Name)
			if err != nil {
				return false, err
			}
			if primary != nil && !primary.Replica() {
				primary.Replicas = slices.DeleteFunc(slices.Clone(primary.Replicas), func(rp record.Replica) bool { return rp.Region == r.Region })
				if err := changed(t, primary); err != nil {
					return false, err
				}
			}
			r.PrimaryRegion = ""
			out = &StopReplicationToReplicaOutput{ARN: t.c.arn(r)}
			return true, nil
		},
	})
	return out, err
}

// checkReplicaRegions validates the AddReplicaRegions of a request.
func checkReplicaRegions(regions []ReplicaRegionType) error {
	var violations []string
	for i, rr := range regions {
		member := "addReplicaRegions." + strconv.Itoa(i+1) + ".member."
		violations = append(violations, regionViolation(member+"region", rr.Region),
			awsmodel.Length(member+"kmsKeyId", len(rr.KmsKeyId), 0, awsmodel.MaxKmsKeyIDLen))
	}
	if err := validation(violations...); err != nil {
		return err
	}
	for i, rr := range regions {
		for _, other := range regions[:i] {
			if other.Region == rr.Region {
				return newError(ErrInvalidParameter, awsmodel.DuplicateReplicaRegion(rr.Region))
			}
		}
	}
	return nil
}

// regionViolation checks a Region member against the model's pattern.
func regionViolation(member, region string) string {
	if v := awsmodel.Length(member, len(region), 1, awsmodel.MaxRegionLen); v != "" {
		return v
	}
	if !arn.ValidRegion(region) {
		return awsmodel.Pattern(member, region, awsmodel.RegionPattern)
	}
	return ""
}

// addReplicas adds replicas of primary r in regions: a replica record in
// each region that is free (or, with force, whose standalone secret of the
// same name is purged), a Failed status in each other. The replicas get
// their versions and metadata when r is written (syncReplicas).
func (t *tx) addReplicas(r *secretRecord, regions []ReplicaRegionType, force bool) error {
	for _, rr := range regions {
		if rr.Region == r.Region {
			return newError(ErrInvalidParameter, awsmodel.InvalidReplicaRegion)
		}
		if !awsmodel.KnownRegion(rr.Region) && !slices.Contains(t.c.opts.ExtraRegions, rr.Region) {
			return newError(ErrInvalidParameter, awsmodel.UnknownReplicaRegion(rr.Region))
		}
		if arn.Partition(rr.Region) != arn.Partition(r.Region) {
			return newError(ErrInvalidParameter, awsmodel.CrossPartitionReplica(rr.Region, r.Region))
		}
		if slices.ContainsFunc(r.Replicas, func(rp record.Replica) bool { return rp.Region == rr.Region }) {
			return newError(ErrInvalidParameter, awsmodel.AlreadyReplicated(rr.Region, r.Name))
		}
	}
	for _, rr := range regions {
		rp := record.Replica{Region: rr.Region, KmsKeyId: rr.KmsKeyId, Status: statusInSync, StatusMessage: msgReplicaInSync}
		old, err := t.getSecret(rr.Region, r.Name)
		if err != nil {
			return err
		}
		if old != nil && old.expired(t.now) {
			if err := t.purge(old); err != nil {
				return err
			}
			old = nil
		}
		switch {
		case old != nil && (old.Replica() || len(old.Replicas) > 0):
			rp.Status, rp.StatusMessage = statusFailed, msgReplicaOfAnother
		case old != nil && old.Mirror != "":
			rp.Status, rp.StatusMessage = statusFailed, msgReplicaMirrored(old)
		case old != nil && !force:
			rp.Status, rp.StatusMessage = statusFailed, msgReplicaNameInUse
		case old != nil:
			if err := t.purge(old); err != nil {
				return err
			}
		}
		r.Replicas = append(r.Replicas, rp)
		if rp.Status != statusInSync {
			continue
		}
		rep := &secretRecord{Secret: record.Secret{
			Region:        rr.Region,
			Name:          r.Name,
			Suffix:        r.Suffix,
			KmsKeyId:      rr.KmsKeyId,
			CreatedDate:   t.now,
			PrimaryRegion: r.Region,
		}}
		if _, err := rand.Read(rep.ID[:]); err != nil {
			return err
		}
		if err := t.putSecret(rep); err != nil {
			return err
		}
	}
	return nil
}

// replicaOf returns the replica record of primary r in region.
func (t *tx) replicaOf(r *secretRecord, region string) (*secretRecord, error) {
	rep, err := t.getSecret(region, r.Name)
	if err != nil {
		return nil, err
	}
	if rep == nil || rep.PrimaryRegion != r.Region {
		return nil, newErrorf(ErrInternalServiceError, "the replica of secret %s in %s is missing from the database", r.Name, region)
	}
	return rep, nil
}

// syncReplicas makes every replica of primary r a copy of it, within t (the
// last step of every write to a primary: written, operation.go): its
// metadata, labels and versions, each new version's value sealed under the
// replica's own key and each version the primary no longer has queued for
// shredding. What is the replica's own is kept: its id, region,
// KmsKeyId, CreatedDate and the days its values were last read there. A
// replica that is already a copy is not written.
func (t *tx) syncReplicas(r *secretRecord) error {
	var all *secretRecord // r with every version, deprecated ones too, when needed
	for _, rp := range r.Replicas {
		if rp.Status != statusInSync {
			continue
		}
		rep, err := t.replicaOf(r, rp.Region)
		if err != nil {
			return err
		}
		// A replica holds what its primary holds: the versions r has in
		// hand are all a write can have changed, and the replica brings in
		// the same ones. Its deprecated versions still in their own
		// records are then the primary's, unless the counts differ (the
		// replica is new, or the primary removed versions it did not have
		// in hand): then every version of both is compared.
		src := r
		for i := range r.Versions {
			if _, err := t.find(rep, r.Versions[i].ID); err != nil {
				return err
			}
		}
		if rep.Deprecated != r.Deprecated {
			if all == nil {
				// A copy: the caller may hold pointers into r.Versions.
				c := *r
				c.Versions = slices.Clone(r.Versions)
				if err := t.loadVersions(&c); err != nil {
					return err
				}
				all = &c
			}
			if err := t.loadVersions(rep); err != nil {
				return err
			}
			src = all
		}
		before := encodeSecret(rep)
		if err := t.copyVersions(src, rep); err != nil {
			return err
		}
		if err := t.putVersionMetas(rep); err != nil {
			return err
		}
		rep.Description = r.Description
		rep.OwningService = r.OwningService
		rep.ResourcePolicy = r.ResourcePolicy
		rep.LastChangedDate = r.LastChangedDate
		rep.Tagged, rep.Tags = r.Tagged, slices.Clone(r.Tags)
		rep.Rotation = r.Rotation // shown on the replica; its primary's rotations write it
		if bytes.Equal(before, encodeSecret(rep)) {
			continue
		}
		if err := t.putSecret(rep); err != nil {
			return err
		}
	}
	return nil
}

// copyVersions gives replica rep the versions and labels of primary r.
func (t *tx) copyVersions(r, rep *secretRecord) error {
	var term uint32
	versions := make([]record.VersionMeta, len(r.Versions))
	for i, v := range r.Versions {
		versions[i] = record.VersionMeta{ID: v.ID, Seq: v.Seq, Stages: slices.Clone(v.Stages), CreatedDate: v.CreatedDate, KmsKeyId: rep.KmsKeyId, Empty: v.Empty}
		if v.Empty {
			continue // no value to copy yet
		}
		j := rep.version(v.ID)
		if j >= 0 {
			versions[i].Stored = rep.Versions[j].Stored
		}
		if j >= 0 && !rep.Versions[j].Empty {
			versions[i].LastAccessedDate, versions[i].KmsKeyId = rep.Versions[j].LastAccessedDate, rep.Versions[j].KmsKeyId
			continue
		}
		if term == 0 {
			term = t.c.keys.writeTerm()
		}
		pt, binary, err := t.c.readValue(t, r, v.ID)
		if err != nil {
			return err
		}
		sealed, err := t.c.keys.seal(term, rep.ID, v.ID, rep.KmsKeyId, binary, pt)
		clear(pt)
		if err != nil {
			return err
		}
		if err := t.putVersion(rep.ID, v.ID, sealed); err != nil {
			return err
		}
	}
	for i := len(rep.Versions) - 1; i >= 0; i-- {
		if r.version(rep.Versions[i].ID) < 0 {
			if err := t.dropVersion(rep, i); err != nil {
				return err
			}
		}
	}
	rep.Versions, rep.VersionSeq = versions, r.VersionSeq
	return nil
}

// replicationStatus returns the ReplicationStatus of primary r, with the
// LastAccessedDate of each replica, which is the replica's own.
func (t *tx) replicationStatus(r *secretRecord) ([]ReplicationStatusType, error) {
	var out []ReplicationStatusType
	for _, rp := range r.Replicas {
		st := ReplicationStatusType{
			Region:        rp.Region,
			KmsKeyId:      cmp.Or(rp.KmsKeyId, defaultKmsKeyIDAlias),
			Status:        rp.Status,
			StatusMessage: rp.StatusMessage,
		}
		if rp.Status == statusInSync {
			rep, err := t.replicaOf(r, rp.Region)
			if err != nil {
				return nil, err
			}
			st.LastAccessedDate = rep.LastAccessedDate
		}
		out = append(out, st)
	}
	return out, nil
}

// primaryRegion is the PrimaryRegion of r as DescribeSecret and the
// primary-region filter see it: the primary's region on a replica, r's own
// on a primary that has replicas, and none on a secret that is not
// replicated.
func (r *secretRecord) primaryRegion() string {
	if r.PrimaryRegion == "" && len(r.Replicas) > 0 {
		return r.Region
	}
	return r.PrimaryRegion
}
