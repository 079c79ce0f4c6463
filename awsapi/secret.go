package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// CreateSecret

type createSecretRequest struct {
	Name                        *string
	ClientRequestToken          *string
	Description                 string
	KmsKeyId                    string
	SecretString                *string
	SecretBinary                blob
	Tags                        []tag
	AddReplicaRegions           []replicaRegion
	ForceOverwriteReplicaSecret bool
}

func (r *createSecretRequest) secretID() string { return deref(r.Name) }

func (r *createSecretRequest) check() error {
	var v violations
	v.required("name", r.Name != nil)
	v.empty("clientRequestToken", r.ClientRequestToken, awsmodel.MinTokenLen)
	v.empty("secretString", r.SecretString, 1)
	v.emptyBytes("secretBinary", r.SecretBinary, 1)
	if err := v.err(); err != nil {
		return err
	}
	return requireToken(r.ClientRequestToken, r.SecretString, r.SecretBinary)
}

type createSecretResponse struct {
	ARN               string              `json:"ARN,omitempty"`
	Name              string              `json:"Name,omitempty"`
	ReplicationStatus []replicationStatus `json:"ReplicationStatus,omitempty"`
	VersionId         string              `json:"VersionId,omitempty"`
}

func createSecret(ctx context.Context, s *secretstore.Store, r *createSecretRequest) (*secretstore.CreateSecretOutput, error) {
	return s.CreateSecret(ctx, &secretstore.CreateSecretInput{
		Name:               *r.Name,
		ClientRequestToken: deref(r.ClientRequestToken),
		Description:        r.Description,
		KmsKeyId:           r.KmsKeyId,
		SecretString:       deref(r.SecretString),
		SecretBinary:       r.SecretBinary,
		Tags:               tagsIn(r.Tags),

		AddReplicaRegions:           replicaRegionsIn(r.AddReplicaRegions),
		ForceOverwriteReplicaSecret: r.ForceOverwriteReplicaSecret,
	})
}

// createSecretOut is CreateSecretOutput on the wire.
func createSecretOut(out *secretstore.CreateSecretOutput) any {
	return createSecretResponse{ARN: out.ARN, Name: out.Name, ReplicationStatus: replicationStatusOut(out.ReplicationStatus), VersionId: out.VersionId}
}

// DescribeSecret

type describeSecretRequest struct {
	SecretId *string
}

func (r *describeSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *describeSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

// describeSecretResponse lists its members in alphabetical order, as AWS
// sends them. Tags is omitzero: absent when nil, [] when empty.
type describeSecretResponse struct {
	ARN                string              `json:"ARN,omitempty"`
	CreatedDate        timestamp           `json:"CreatedDate,omitzero"`
	DeletedDate        timestamp           `json:"DeletedDate,omitzero"`
	Description        string              `json:"Description,omitempty"`
	KmsKeyId           string              `json:"KmsKeyId,omitempty"`
	LastAccessedDate   timestamp           `json:"LastAccessedDate,omitzero"`
	LastChangedDate    timestamp           `json:"LastChangedDate,omitzero"`
	Name               string              `json:"Name,omitempty"`
	OwningService      string              `json:"OwningService,omitempty"`
	PrimaryRegion      string              `json:"PrimaryRegion,omitempty"`
	ReplicationStatus  []replicationStatus `json:"ReplicationStatus,omitempty"`
	Tags               []tag               `json:"Tags,omitzero"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	rotationMembers
}

func describeSecret(ctx context.Context, s *secretstore.Store, r *describeSecretRequest) (*secretstore.DescribeSecretOutput, error) {
	return s.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: *r.SecretId})
}

// describeSecretOut is DescribeSecretOutput on the wire.
func describeSecretOut(out *secretstore.DescribeSecretOutput) any {
	return describeSecretResponse{
		ARN:                out.ARN,
		CreatedDate:        timestamp(out.CreatedDate),
		DeletedDate:        timestamp(out.DeletedDate),
		Description:        out.Description,
		KmsKeyId:           out.KmsKeyId,
		LastAccessedDate:   timestamp(out.LastAccessedDate),
		LastChangedDate:    timestamp(out.LastChangedDate),
		Name:               out.Name,
		OwningService:      out.OwningService,
		PrimaryRegion:      out.PrimaryRegion,
		ReplicationStatus:  replicationStatusOut(out.ReplicationStatus),
		Tags:               tagsOut(out.Tags),
		VersionIdsToStages: out.VersionIdsToStages,
		rotationMembers: rotationMembers{
			LastRotatedDate:   timestamp(out.LastRotatedDate),
			NextRotationDate:  timestamp(out.NextRotationDate),
			RotationEnabled:   out.RotationEnabled,
			RotationLambdaARN: out.RotationLambdaARN,
			RotationRules:     rotationRulesOut(out.RotationRules),
		},
	}
}

// UpdateSecret

type updateSecretRequest struct {
	SecretId           *string
	ClientRequestToken *string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       blob
}

func (r *updateSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *updateSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.empty("clientRequestToken", r.ClientRequestToken, awsmodel.MinTokenLen)
	v.empty("secretString", r.SecretString, 1)
	v.emptyBytes("secretBinary", r.SecretBinary, 1)
	if err := v.err(); err != nil {
		return err
	}
	return requireToken(r.ClientRequestToken, r.SecretString, r.SecretBinary)
}

type updateSecretResponse struct {
	ARN       string `json:"ARN,omitempty"`
	Name      string `json:"Name,omitempty"`
	VersionId string `json:"VersionId,omitempty"`
}

func updateSecret(ctx context.Context, s *secretstore.Store, r *updateSecretRequest) (*secretstore.UpdateSecretOutput, error) {
	return s.UpdateSecret(ctx, &secretstore.UpdateSecretInput{
		SecretId:           *r.SecretId,
		ClientRequestToken: deref(r.ClientRequestToken),
		Description:        r.Description,
		KmsKeyId:           r.KmsKeyId,
		SecretString:       deref(r.SecretString),
		SecretBinary:       r.SecretBinary,
	})
}

// updateSecretOut is UpdateSecretOutput on the wire.
func updateSecretOut(out *secretstore.UpdateSecretOutput) any {
	return updateSecretResponse{ARN: out.ARN, Name: out.Name, VersionId: out.VersionId}
}

// TagResource

type tagResourceRequest struct {
	SecretId *string
	Tags     []tag
}

func (r *tagResourceRequest) secretID() string { return deref(r.SecretId) }

func (r *tagResourceRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("tags", r.Tags != nil)
	return v.err()
}

func tagResource(ctx context.Context, s *secretstore.Store, r *tagResourceRequest) (*secretstore.TagResourceOutput, error) {
	return s.TagResource(ctx, &secretstore.TagResourceInput{SecretId: *r.SecretId, Tags: tagsIn(r.Tags)})
}

// tagResourceOut is TagResourceOutput on the wire: an empty object.
func tagResourceOut(*secretstore.TagResourceOutput) any { return struct{}{} }

// UntagResource

type untagResourceRequest struct {
	SecretId *string
	TagKeys  []string
}

func (r *untagResourceRequest) secretID() string { return deref(r.SecretId) }

func (r *untagResourceRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("tagKeys", r.TagKeys != nil)
	return v.err()
}

func untagResource(ctx context.Context, s *secretstore.Store, r *untagResourceRequest) (*secretstore.UntagResourceOutput, error) {
	return s.UntagResource(ctx, &secretstore.UntagResourceInput{SecretId: *r.SecretId, TagKeys: r.TagKeys})
}

// untagResourceOut is UntagResourceOutput on the wire: an empty object.
func untagResourceOut(*secretstore.UntagResourceOutput) any { return struct{}{} }
