package secretstore

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/policy"
)

// CreateSecretInput is the input of CreateSecret.
type CreateSecretInput struct {
	// Name is the secret's name: 1 to 512 ASCII letters, digits and /_+=.@-.
	// Required.
	Name string
	// ClientRequestToken becomes the first version's id (32 to 64
	// characters); empty means a new UUID, as the AWS SDKs send. Calling
	// again with the same token and value succeeds and changes nothing.
	ClientRequestToken string
	// Description is up to 2048 characters.
	Description string
	// KmsKeyId names the key the secret's values are encrypted with; empty
	// means the default key, aws/secretsmanager. Every KmsKeyId gets its own
	// key, derived from the store's master key.
	KmsKeyId string
	// SecretString is the value, up to 65536 bytes. At most one of
	// SecretString and SecretBinary; with neither, the secret has no
	// version until the first PutSecretValue.
	SecretString string
	// SecretBinary is a binary value, up to 65536 bytes.
	SecretBinary []byte
	// Tags are up to 50 tags.
	Tags []Tag
	// AddReplicaRegions replicates the new secret to other regions, as
	// ReplicateSecretToRegions does.
	AddReplicaRegions []ReplicaRegionType
	// ForceOverwriteReplicaSecret replaces a secret of the same name in a
	// replica region (see ReplicateSecretToRegionsInput).
	ForceOverwriteReplicaSecret bool
}

// CreateSecretOutput is the output of CreateSecret.
type CreateSecretOutput struct {
	ARN  string
	Name string
	// VersionId is the id of the first version; empty when no value was given.
	VersionId string
	// ReplicationStatus lists the replicas, when AddReplicaRegions asked for
	// some.
	ReplicationStatus []ReplicationStatusType
}

// conditionKeys adds secretsmanager:Description, secretsmanager:KmsKeyId
// and secretsmanager:KmsKeyArn (setKmsKey), the tags (aws:RequestTag/<key>, aws:TagKeys) and the replica regions
// (secretsmanager:AddReplicaRegions, ForceOverwriteReplicaSecret); the
// request builder sets secretsmanager:Name.
func (in *CreateSecretInput) conditionKeys(req *policy.Request) {
	setKey(req, policy.KeyDescription, in.Description)
	setKmsKey(req, in.KmsKeyId)
	if len(in.Tags) > 0 {
		setRequestTags(req, in.Tags)
	}
	setReplicaRegions(req, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
}

// dependentActions are the actions CreateSecret needs besides its own:
// TagResource for Tags, ReplicateSecretToRegions for AddReplicaRegions.
func (in *CreateSecretInput) dependentActions() []dependentAction {
	var also []dependentAction
	if len(in.Tags) > 0 {
		also = append(also, dependentAction{awsmodel.OpTagResource, &TagResourceInput{SecretId: in.Name, Tags: in.Tags}})
	}
	if len(in.AddReplicaRegions) > 0 {
		also = append(also, dependentAction{awsmodel.OpReplicateSecretToRegions, &ReplicateSecretToRegionsInput{SecretId: in.Name,
			AddReplicaRegions: in.AddReplicaRegions, ForceOverwriteReplicaSecret: in.ForceOverwriteReplicaSecret}})
	}
	return also
}

// CreateSecret creates a secret, with a first version labelled AWSCURRENT
// when a value is given. A name in use fails with ErrResourceExists, or with
// ErrInvalidRequest while the secret of that name is scheduled for deletion.
func (s *Store) CreateSecret(ctx context.Context, in *CreateSecretInput) (*CreateSecretOutput, error) {
	var out *CreateSecretOutput
	var token string
	var val value
	var hasValue bool
	var tags []record.Tag
	err := s.run(ctx, &call{
		op:       awsmodel.OpCreateSecret,
		in:       in,
		secretID: in.Name,
		also:     in.dependentActions(),
		check: func() (err error) {
			if err := checkName(in.Name); err != nil {
				return err
			}
			if token, err = checkToken(in.ClientRequestToken); err != nil {
				return err
			}
			if err := checkDescription(in.Description); err != nil {
				return err
			}
			if err := checkKmsKeyID(in.KmsKeyId); err != nil {
				return err
			}
			if val, hasValue, err = checkValue(in.SecretString, in.SecretBinary); err != nil {
				return err
			}
			if tags, err = mergeTags(nil, in.Tags); err != nil {
				return err
			}
			return checkReplicaRegions(in.AddReplicaRegions)
		},
		create: func(t *tx) (*secretRecord, bool, error) {
			c := t.c
			old, err := t.getSecret(s.region, in.Name)
			if err != nil {
				return nil, false, err
			}
			if old != nil && old.expired(t.now) {
				if err := t.purge(old); err != nil {
					return nil, false, err
				}
				old = nil
			}
			if old != nil {
				out, err = c.createExisting(t, old, token, val, hasValue)
				return old, false, err
			}
			r := &secretRecord{Secret: record.Secret{
				Region:      s.region,
				Name:        in.Name,
				Suffix:      newSuffix(),
				Description: in.Description,
				KmsKeyId:    in.KmsKeyId,
				CreatedDate: t.now,
				Tags:        tags,
				Tagged:      len(tags) > 0,
			}}
			if _, err := rand.Read(r.ID[:]); err != nil {
				return nil, false, err
			}
			out = &CreateSecretOutput{ARN: c.arn(r), Name: r.Name}
			if hasValue {
				v, _, err := c.writeVersion(t, r, token, val, nil)
				if err != nil {
					return r, false, err
				}
				out.VersionId = v.ID
			}
			if len(in.AddReplicaRegions) > 0 {
				if err := t.addReplicas(r, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret); err != nil {
					return r, false, err
				}
			}
			out.ReplicationStatus, err = t.replicationStatus(r)
			return r, err == nil, err
		},
	})
	return out, err
}

// createExisting is CreateSecret on a name that is taken: AWS's idempotency
// rule makes it a success when the token names a version with the same
// value.
func (c *core) createExisting(t *tx, r *secretRecord, token string, val value, hasValue bool) (*CreateSecretOutput, error) {
	if r.Deleted() {
		return nil, newError(ErrInvalidRequest, awsmodel.CreateScheduledForDeletion)
	}
	i, err := t.find(r, token)
	if err != nil {
		return nil, err
	}
	if hasValue && i >= 0 {
		if err := c.checkSameValue(t, r, token, val); err != nil {
			return nil, err
		}
		return &CreateSecretOutput{ARN: c.arn(r), Name: r.Name, VersionId: token}, nil
	}
	return nil, newError(ErrResourceExists, awsmodel.SecretExists(r.Name))
}

// DescribeSecretInput is the input of DescribeSecret.
type DescribeSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
}

// DescribeSecretOutput is the output of DescribeSecret. Members AWS leaves
// out are zero: an empty string, a zero time, a nil slice or map.
type DescribeSecretOutput struct {
	ARN         string
	Name        string
	Description string
	// KmsKeyId is empty when the secret uses the default key.
	KmsKeyId         string
	CreatedDate      time.Time
	LastChangedDate  time.Time
	LastAccessedDate time.Time // midnight UTC of the last day the value was read
	// DeletedDate is when DeleteSecret was called, while the secret is
	// scheduled for deletion.
	DeletedDate time.Time
	// Tags is nil if the secret was never tagged, and empty (not nil) once
	// every tag has been removed, as AWS reports them.
	Tags []Tag
	// VersionIdsToStages maps each version that has a staging label to its
	// labels. Deprecated versions are left out.
	VersionIdsToStages map[string][]string
	OwningService      string
	// PrimaryRegion is the region of the primary secret, on a replica and
	// on a primary that has replicas; empty for a secret that is not
	// replicated.
	PrimaryRegion string
	// ReplicationStatus lists the replicas of a primary secret.
	ReplicationStatus []ReplicationStatusType
	// RotationEnabled is nil if rotation was never configured.
	RotationEnabled   *bool
	RotationLambdaARN string
	RotationRules     *RotationRulesType
	LastRotatedDate   time.Time
	// NextRotationDate is the latest time the next rotation happens by;
	// zero when rotation is off or not scheduled.
	NextRotationDate time.Time
}

// DescribeSecret returns a secret's metadata; never its value. It works on a
// secret scheduled for deletion, and then shows DeletedDate.
func (s *Store) DescribeSecret(ctx context.Context, in *DescribeSecretInput) (*DescribeSecretOutput, error) {
	var out *DescribeSecretOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpDescribeSecret,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
			status, err := t.replicationStatus(r)
			if err != nil {
				return false, err
			}
			out = &DescribeSecretOutput{
				ARN:                t.c.arn(r),
				Name:               r.Name,
				Description:        r.Description,
				KmsKeyId:           r.KmsKeyId,
				CreatedDate:        r.CreatedDate,
				LastChangedDate:    r.LastChangedDate,
				LastAccessedDate:   r.LastAccessedDate,
				DeletedDate:        r.DeletedDate,
				Tags:               r.tags(),
				VersionIdsToStages: r.labelled(),
				OwningService:      r.OwningService,
				PrimaryRegion:      r.primaryRegion(),
				ReplicationStatus:  status,
				RotationEnabled:    r.rotationEnabled(),
				RotationLambdaARN:  r.Rotation.LambdaARN,
				RotationRules:      r.rotationRules(),
				LastRotatedDate:    r.Rotation.LastDate,
				NextRotationDate:   r.Rotation.NextDate,
			}
			return false, nil
		},
	})
	return out, err
}

// tags returns r's tags as DescribeSecret reports them.
func (r *secretRecord) tags() []Tag {
	if !r.Tagged {
		return nil
	}
	out := make([]Tag, len(r.Tags))
	for i, t := range r.Tags {
		out[i] = Tag(t)
	}
	return out
}

// UpdateSecretInput is the input of UpdateSecret.
type UpdateSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// ClientRequestToken is the id of the new version when a value is
	// given; empty means a new UUID.
	ClientRequestToken string
	// Description replaces the description when not nil ("" clears it).
	Description *string
	// KmsKeyId changes the key when not nil; "" means the default key. The
	// versions labelled AWSCURRENT, AWSPREVIOUS and AWSPENDING are
	// re-encrypted under the new key.
	KmsKeyId *string
	// SecretString or SecretBinary, when given, becomes a new version
	// labelled AWSCURRENT, as PutSecretValue does.
	SecretString string
	SecretBinary []byte
}

// conditionKeys adds secretsmanager:Description, secretsmanager:KmsKeyId
// and secretsmanager:KmsKeyArn (setKmsKey), when the input changes them.
func (in *UpdateSecretInput) conditionKeys(req *policy.Request) {
	if in.Description != nil {
		setKey(req, policy.KeyDescription, *in.Description)
	}
	if in.KmsKeyId != nil {
		setKmsKey(req, *in.KmsKeyId)
	}
}

// UpdateSecretOutput is the output of UpdateSecret.
type UpdateSecretOutput struct {
	ARN  string
	Name string
	// VersionId is set only when a new version was created (or an identical
	// one already had the token).
	VersionId string
}

// UpdateSecret changes a secret's description or key and, when a value is
// given, adds a version that becomes AWSCURRENT. With only SecretId it
// succeeds and changes nothing. On a replica, in its own region, it changes
// only the replica's KmsKeyId (the one thing AWS lets change on a replica);
// anything else fails with ErrInvalidParameter.
func (s *Store) UpdateSecret(ctx context.Context, in *UpdateSecretInput) (*UpdateSecretOutput, error) {
	var out *UpdateSecretOutput
	var token string
	var val value
	var hasValue bool
	err := s.run(ctx, &call{
		op:       awsmodel.OpUpdateSecret,
		in:       in,
		secretID: in.SecretId,
		// A replica's own encryption key is the one thing AWS lets change
		// on a replica: UpdateSecret in its region with only a KmsKeyId.
		onReplica: in.KmsKeyId != nil && in.Description == nil && in.SecretString == "" && in.SecretBinary == nil,
		check: func() (err error) {
			if token, err = checkToken(in.ClientRequestToken); err != nil {
				return err
			}
			if in.Description != nil {
				if err := checkDescription(*in.Description); err != nil {
					return err
				}
			}
			if in.KmsKeyId != nil {
				if err := checkKmsKeyID(*in.KmsKeyId); err != nil {
					return err
				}
			}
			val, hasValue, err = checkValue(in.SecretString, in.SecretBinary)
			return err
		},
		do: func(t *tx, r *secretRecord) (changed bool, err error) {
			c := t.c
			out = &UpdateSecretOutput{ARN: c.arn(r), Name: r.Name}
			if in.Description != nil && *in.Description != r.Description {
				r.Description, changed = *in.Description, true
			}
			if in.KmsKeyId != nil && *in.KmsKeyId != r.KmsKeyId {
				if err := c.changeKey(t, r, *in.KmsKeyId); err != nil {
					return false, err
				}
				if r.Replica() {
					if err := t.replicaKeyChanged(r); err != nil {
						return false, err
					}
				}
				changed = true
			}
			if hasValue {
				v, created, err := c.writeVersion(t, r, token, val, nil)
				if err != nil {
					return false, err
				}
				out.VersionId = v.ID
				changed = changed || created
			}
			return changed, nil
		},
	})
	return out, err
}

// replicaKeyChanged records replica rep's new KmsKeyId in its primary's
// ReplicationStatus, where DescribeSecret shows it and later writes of the
// primary find it.
func (t *tx) replicaKeyChanged(rep *secretRecord) error {
	p, err := t.getSecret(rep.PrimaryRegion, rep.Name)
	if err != nil {
		return err
	}
	if p == nil {
		return newErrorf(ErrInternalServiceError, "the primary of replica %s in %s is missing from the database", rep.Name, rep.Region)
	}
	p = t.private(p)
	p.Replicas = slices.Clone(p.Replicas)
	for i := range p.Replicas {
		if p.Replicas[i].Region == rep.Region {
			p.Replicas[i].KmsKeyId = rep.KmsKeyId
		}
	}
	return t.putSecret(p)
}

// changeKey makes kms r's key and re-wraps the data keys of its labelled
// versions under it, as AWS re-encrypts the AWSCURRENT, AWSPREVIOUS and
// AWSPENDING versions.
func (c *core) changeKey(t *tx, r *secretRecord, kms string) error {
	r.KmsKeyId = kms
	term := c.keys.writeTerm()
	for i := range r.Versions {
		v := &r.Versions[i]
		if len(v.Stages) == 0 || v.Empty {
			continue
		}
		rec, err := t.getVersion(r.ID, v.ID)
		if err != nil {
			return err
		}
		if rec == nil {
			return newError(ErrResourceNotFound, awsmodel.NoValueForVersion(v.ID))
		}
		if err := c.keys.rewrap(rec, r.ID, v.ID, term, kms); err != nil {
			return err
		}
		if err := t.putVersion(r.ID, v.ID, rec); err != nil {
			return err
		}
		v.KmsKeyId = kms
	}
	return nil
}

// TagResourceInput is the input of TagResource.
type TagResourceInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// Tags are added; a tag whose key the secret has replaces its value.
	Tags []Tag
}

// conditionKeys adds the tags (aws:RequestTag/<key>, aws:TagKeys).
func (in *TagResourceInput) conditionKeys(req *policy.Request) { setRequestTags(req, in.Tags) }

// TagResourceOutput is the (empty) output of TagResource.
type TagResourceOutput struct{}

// TagResource adds tags to a secret or changes their values. Keys are
// case-sensitive; a secret carries at most 50 tags; keys starting with
// "aws:" are reserved.
func (s *Store) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	err := s.run(ctx, &call{
		op:       awsmodel.OpTagResource,
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			if len(in.Tags) == 0 {
				return newError(ErrInvalidParameter, awsmodel.NoTags)
			}
			return nil
		},
		do: func(_ *tx, r *secretRecord) (bool, error) {
			tags, err := mergeTags(r.Tags, in.Tags)
			if err != nil {
				return false, err
			}
			r.Tags, r.Tagged = tags, true
			return true, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResourceInput is the input of UntagResource.
type UntagResourceInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// TagKeys are the keys of the tags to remove; keys the secret does not
	// have are ignored.
	TagKeys []string
}

// conditionKeys adds aws:TagKeys: the keys removed.
func (in *UntagResourceInput) conditionKeys(req *policy.Request) {
	req.Set(policy.KeyTagKeys, in.TagKeys...)
}

// UntagResourceOutput is the (empty) output of UntagResource.
type UntagResourceOutput struct{}

// UntagResource removes tags from a secret.
func (s *Store) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	err := s.run(ctx, &call{
		op:       awsmodel.OpUntagResource,
		in:       in,
		secretID: in.SecretId,
		check: func() error {
			if len(in.TagKeys) == 0 {
				return newError(ErrInvalidParameter, awsmodel.NoTagKeys)
			}
			for _, k := range in.TagKeys {
				if err := checkChars("tagKeys", k, 1, awsmodel.MaxTagKeyLen); err != nil {
					return err
				}
			}
			return nil
		},
		do: func(_ *tx, r *secretRecord) (bool, error) {
			r.Tags = slices.DeleteFunc(slices.Clone(r.Tags), func(t record.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
			r.Tagged = true
			return true, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// mergeTags returns tags with add applied: new keys appended, existing keys
// given the new value. It validates add and the result's size.
func mergeTags(tags []record.Tag, add []Tag) ([]record.Tag, error) {
	out := append([]record.Tag(nil), tags...)
	for i, t := range add {
		if err := checkChars("tags.member.key", t.Key, 1, awsmodel.MaxTagKeyLen); err != nil {
			return nil, err
		}
		if err := checkChars("tags.member.value", t.Value, 0, awsmodel.MaxTagValueLen); err != nil {
			return nil, err
		}
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
			return nil, newError(ErrInvalidParameter, awsmodel.ReservedTagKey)
		}
		for _, u := range add[:i] {
			if u.Key == t.Key {
				return nil, newError(ErrInvalidParameter, awsmodel.DuplicateTagKey(t.Key))
			}
		}
		j := 0
		for j < len(out) && out[j].Key != t.Key {
			j++
		}
		if j < len(out) {
			out[j].Value = t.Value
		} else {
			out = append(out, record.Tag(t))
		}
	}
	if len(out) > awsmodel.MaxTags {
		return nil, newError(ErrInvalidParameter, awsmodel.TooManyTags(len(out)))
	}
	return out, nil
}

// checkDescription validates a Description member.
func checkDescription(d string) error {
	return checkChars("description", d, 0, awsmodel.MaxDescriptionLen)
}

// checkKmsKeyID validates a KmsKeyId member.
func checkKmsKeyID(k string) error {
	return checkLen("kmsKeyId", k, 0, awsmodel.MaxKmsKeyIDLen)
}
