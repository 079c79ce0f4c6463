package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// PutSecretValue

type putSecretValueRequest struct {
	SecretId           *string
	ClientRequestToken *string
	SecretString       *string
	SecretBinary       blob
	VersionStages      []string
	RotationToken      string
}

func (r *putSecretValueRequest) secretID() string { return deref(r.SecretId) }

func (r *putSecretValueRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.empty("clientRequestToken", r.ClientRequestToken, awsmodel.MinTokenLen)
	v.empty("secretString", r.SecretString, 1)
	v.emptyBytes("secretBinary", r.SecretBinary, 1)
	v.minItems("versionStages", len(r.VersionStages), r.VersionStages != nil, 1)
	if err := v.err(); err != nil {
		return err
	}
	return requireToken(r.ClientRequestToken, r.SecretString, r.SecretBinary)
}

type putSecretValueResponse struct {
	ARN           string   `json:"ARN,omitempty"`
	Name          string   `json:"Name,omitempty"`
	VersionId     string   `json:"VersionId,omitempty"`
	VersionStages []string `json:"VersionStages,omitempty"`
}

func putSecretValue(ctx context.Context, s *secretstore.Store, r *putSecretValueRequest) (*secretstore.PutSecretValueOutput, error) {
	return s.PutSecretValue(ctx, &secretstore.PutSecretValueInput{
		SecretId:           *r.SecretId,
		ClientRequestToken: deref(r.ClientRequestToken),
		SecretString:       deref(r.SecretString),
		SecretBinary:       r.SecretBinary,
		VersionStages:      r.VersionStages,
		RotationToken:      r.RotationToken,
	})
}

// putSecretValueOut is PutSecretValueOutput on the wire.
func putSecretValueOut(out *secretstore.PutSecretValueOutput) any {
	return putSecretValueResponse{ARN: out.ARN, Name: out.Name, VersionId: out.VersionId, VersionStages: out.VersionStages}
}

// GetSecretValue

type getSecretValueRequest struct {
	SecretId     *string
	VersionId    *string
	VersionStage *string
}

func (r *getSecretValueRequest) secretID() string { return deref(r.SecretId) }

func (r *getSecretValueRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.empty("versionId", r.VersionId, awsmodel.MinTokenLen)
	v.empty("versionStage", r.VersionStage, 1)
	return v.err()
}

// secretValue is GetSecretValue's response and an entry of
// BatchGetSecretValue's SecretValues.
type secretValue struct {
	ARN           string    `json:"ARN,omitempty"`
	CreatedDate   timestamp `json:"CreatedDate,omitzero"`
	Name          string    `json:"Name,omitempty"`
	SecretBinary  []byte    `json:"SecretBinary,omitempty"`
	SecretString  string    `json:"SecretString,omitempty"`
	VersionId     string    `json:"VersionId,omitempty"`
	VersionStages []string  `json:"VersionStages,omitempty"`
}

func getSecretValue(ctx context.Context, s *secretstore.Store, r *getSecretValueRequest) (*secretstore.GetSecretValueOutput, error) {
	return s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{
		SecretId:     *r.SecretId,
		VersionId:    deref(r.VersionId),
		VersionStage: deref(r.VersionStage),
	})
}

// getSecretValueOut is GetSecretValueOutput on the wire.
func getSecretValueOut(out *secretstore.GetSecretValueOutput) any {
	return secretValue{
		ARN:           out.ARN,
		CreatedDate:   timestamp(out.CreatedDate),
		Name:          out.Name,
		SecretBinary:  out.SecretBinary,
		SecretString:  out.SecretString,
		VersionId:     out.VersionId,
		VersionStages: out.VersionStages,
	}
}

// BatchGetSecretValue

type batchGetSecretValueRequest struct {
	SecretIdList []string
	Filters      []filter
	MaxResults   *int32
	NextToken    *string
}

func (r *batchGetSecretValueRequest) secretID() string { return "" }

func (r *batchGetSecretValueRequest) check() error {
	var v violations
	v.minItems("secretIdList", len(r.SecretIdList), r.SecretIdList != nil, 1)
	minValue(&v, "maxResults", r.MaxResults, 1)
	v.empty("nextToken", r.NextToken, 1)
	return v.err()
}

type apiErrorEntry struct {
	ErrorCode string `json:"ErrorCode,omitempty"`
	Message   string `json:"Message,omitempty"`
	SecretId  string `json:"SecretId,omitempty"`
}

// batchGetSecretValueResponse always has Errors and SecretValues, [] when
// empty, as AWS sends them.
type batchGetSecretValueResponse struct {
	Errors       []apiErrorEntry `json:"Errors"`
	NextToken    string          `json:"NextToken,omitempty"`
	SecretValues []secretValue   `json:"SecretValues"`
}

func batchGetSecretValue(ctx context.Context, s *secretstore.Store, r *batchGetSecretValueRequest) (*secretstore.BatchGetSecretValueOutput, error) {
	in := &secretstore.BatchGetSecretValueInput{
		SecretIdList: r.SecretIdList,
		Filters:      filtersIn(r.Filters),
		NextToken:    deref(r.NextToken),
	}
	if r.MaxResults != nil {
		in.MaxResults = *r.MaxResults
	}
	return s.BatchGetSecretValue(ctx, in)
}

// batchGetSecretValueOut is BatchGetSecretValueOutput on the wire.
func batchGetSecretValueOut(out *secretstore.BatchGetSecretValueOutput) any {
	resp := batchGetSecretValueResponse{
		Errors:       make([]apiErrorEntry, 0, len(out.Errors)),
		NextToken:    out.NextToken,
		SecretValues: make([]secretValue, 0, len(out.SecretValues)),
	}
	for _, e := range out.Errors {
		resp.Errors = append(resp.Errors, apiErrorEntry{ErrorCode: e.ErrorCode, Message: e.Message, SecretId: e.SecretId})
	}
	for _, sv := range out.SecretValues {
		resp.SecretValues = append(resp.SecretValues, secretValue{
			ARN:           sv.ARN,
			CreatedDate:   timestamp(sv.CreatedDate),
			Name:          sv.Name,
			SecretBinary:  sv.SecretBinary,
			SecretString:  sv.SecretString,
			VersionId:     sv.VersionId,
			VersionStages: sv.VersionStages,
		})
	}
	return resp
}
