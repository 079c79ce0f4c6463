package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// UpdateSecretVersionStage

type updateSecretVersionStageRequest struct {
	SecretId            *string
	VersionStage        *string
	RemoveFromVersionId *string
	MoveToVersionId     *string
}

func (r *updateSecretVersionStageRequest) secretID() string { return deref(r.SecretId) }

func (r *updateSecretVersionStageRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("versionStage", r.VersionStage != nil)
	v.empty("removeFromVersionId", r.RemoveFromVersionId, awsmodel.MinTokenLen)
	v.empty("moveToVersionId", r.MoveToVersionId, awsmodel.MinTokenLen)
	return v.err()
}

type updateSecretVersionStageResponse struct {
	ARN  string `json:"ARN,omitempty"`
	Name string `json:"Name,omitempty"`
}

func updateSecretVersionStage(ctx context.Context, s *secretstore.Store, r *updateSecretVersionStageRequest) (*secretstore.UpdateSecretVersionStageOutput, error) {
	return s.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{
		SecretId:            *r.SecretId,
		VersionStage:        *r.VersionStage,
		RemoveFromVersionId: deref(r.RemoveFromVersionId),
		MoveToVersionId:     deref(r.MoveToVersionId),
	})
}

// updateSecretVersionStageOut is UpdateSecretVersionStageOutput on the wire.
func updateSecretVersionStageOut(out *secretstore.UpdateSecretVersionStageOutput) any {
	return updateSecretVersionStageResponse{ARN: out.ARN, Name: out.Name}
}

// ListSecretVersionIds

type listSecretVersionIdsRequest struct {
	SecretId          *string
	MaxResults        *int32
	NextToken         *string
	IncludeDeprecated bool
}

func (r *listSecretVersionIdsRequest) secretID() string { return deref(r.SecretId) }

func (r *listSecretVersionIdsRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	minValue(&v, "maxResults", r.MaxResults, 1)
	v.empty("nextToken", r.NextToken, 1)
	return v.err()
}

// secretVersion is an entry of Versions. A deprecated version has no
// VersionStages member.
type secretVersion struct {
	CreatedDate      timestamp `json:"CreatedDate,omitzero"`
	KmsKeyIds        []string  `json:"KmsKeyIds,omitempty"`
	LastAccessedDate timestamp `json:"LastAccessedDate,omitzero"`
	VersionId        string    `json:"VersionId,omitempty"`
	VersionStages    []string  `json:"VersionStages,omitempty"`
}

// listSecretVersionIdsResponse always has Versions, [] when empty.
type listSecretVersionIdsResponse struct {
	ARN       string          `json:"ARN,omitempty"`
	Name      string          `json:"Name,omitempty"`
	NextToken string          `json:"NextToken,omitempty"`
	Versions  []secretVersion `json:"Versions"`
}

func listSecretVersionIds(ctx context.Context, s *secretstore.Store, r *listSecretVersionIdsRequest) (*secretstore.ListSecretVersionIdsOutput, error) {
	in := &secretstore.ListSecretVersionIdsInput{
		SecretId:          *r.SecretId,
		NextToken:         deref(r.NextToken),
		IncludeDeprecated: r.IncludeDeprecated,
	}
	if r.MaxResults != nil {
		in.MaxResults = *r.MaxResults
	}
	return s.ListSecretVersionIds(ctx, in)
}

// listSecretVersionIdsOut is ListSecretVersionIdsOutput on the wire.
func listSecretVersionIdsOut(out *secretstore.ListSecretVersionIdsOutput) any {
	resp := listSecretVersionIdsResponse{
		ARN:       out.ARN,
		Name:      out.Name,
		NextToken: out.NextToken,
		Versions:  make([]secretVersion, 0, len(out.Versions)),
	}
	for _, v := range out.Versions {
		resp.Versions = append(resp.Versions, secretVersion{
			CreatedDate:      timestamp(v.CreatedDate),
			KmsKeyIds:        v.KmsKeyIds,
			LastAccessedDate: timestamp(v.LastAccessedDate),
			VersionId:        v.VersionId,
			VersionStages:    v.VersionStages,
		})
	}
	return resp
}
