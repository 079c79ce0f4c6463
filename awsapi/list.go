package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
)

// ListSecrets

type listSecretsRequest struct {
	IncludePlannedDeletion bool
	MaxResults             *int32
	NextToken              *string
	Filters                []filter
	SortOrder              *string
	SortBy                 *string
}

func (r *listSecretsRequest) secretID() string { return "" }

func (r *listSecretsRequest) check() error {
	var v violations
	minValue(&v, "maxResults", r.MaxResults, 1)
	v.empty("nextToken", r.NextToken, 1)
	v.enum("sortOrder", r.SortOrder, secretstore.SortOrderAsc, secretstore.SortOrderDesc)
	v.enum("sortBy", r.SortBy, secretstore.SortByCreatedDate, secretstore.SortByLastAccessedDate,
		secretstore.SortByLastChangedDate, secretstore.SortByName)
	return v.err()
}

// secretListEntry is an entry of SecretList: DescribeSecret's members, with
// the versions in SecretVersionsToStages. Tags is absent when nil and []
// when empty.
type secretListEntry struct {
	ARN                    string              `json:"ARN,omitempty"`
	CreatedDate            timestamp           `json:"CreatedDate,omitzero"`
	DeletedDate            timestamp           `json:"DeletedDate,omitzero"`
	Description            string              `json:"Description,omitempty"`
	KmsKeyId               string              `json:"KmsKeyId,omitempty"`
	LastAccessedDate       timestamp           `json:"LastAccessedDate,omitzero"`
	LastChangedDate        timestamp           `json:"LastChangedDate,omitzero"`
	Name                   string              `json:"Name,omitempty"`
	OwningService          string              `json:"OwningService,omitempty"`
	PrimaryRegion          string              `json:"PrimaryRegion,omitempty"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	Tags                   []tag               `json:"Tags,omitzero"`
	rotationMembers
}

// listSecretsResponse always has SecretList, [] when empty.
type listSecretsResponse struct {
	NextToken  string            `json:"NextToken,omitempty"`
	SecretList []secretListEntry `json:"SecretList"`
}

func listSecrets(ctx context.Context, s *secretstore.Store, r *listSecretsRequest) (*secretstore.ListSecretsOutput, error) {
	in := &secretstore.ListSecretsInput{
		IncludePlannedDeletion: r.IncludePlannedDeletion,
		NextToken:              deref(r.NextToken),
		Filters:                filtersIn(r.Filters),
		SortOrder:              deref(r.SortOrder),
		SortBy:                 deref(r.SortBy),
	}
	if r.MaxResults != nil {
		in.MaxResults = *r.MaxResults
	}
	return s.ListSecrets(ctx, in)
}

// listSecretsOut is ListSecretsOutput on the wire.
func listSecretsOut(out *secretstore.ListSecretsOutput) any {
	resp := listSecretsResponse{NextToken: out.NextToken, SecretList: make([]secretListEntry, 0, len(out.SecretList))}
	for _, e := range out.SecretList {
		resp.SecretList = append(resp.SecretList, secretListEntry{
			ARN:                    e.ARN,
			CreatedDate:            timestamp(e.CreatedDate),
			DeletedDate:            timestamp(e.DeletedDate),
			Description:            e.Description,
			KmsKeyId:               e.KmsKeyId,
			LastAccessedDate:       timestamp(e.LastAccessedDate),
			LastChangedDate:        timestamp(e.LastChangedDate),
			Name:                   e.Name,
			OwningService:          e.OwningService,
			PrimaryRegion:          e.PrimaryRegion,
			SecretVersionsToStages: e.SecretVersionsToStages,
			Tags:                   tagsOut(e.Tags),
			rotationMembers: rotationMembers{
				LastRotatedDate:   timestamp(e.LastRotatedDate),
				NextRotationDate:  timestamp(e.NextRotationDate),
				RotationEnabled:   e.RotationEnabled,
				RotationLambdaARN: e.RotationLambdaARN,
				RotationRules:     rotationRulesOut(e.RotationRules),
			},
		})
	}
	return resp
}
