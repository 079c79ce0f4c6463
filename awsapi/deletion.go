package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
)

// DeleteSecret

type deleteSecretRequest struct {
	SecretId                   *string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery bool
}

func (r *deleteSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *deleteSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

type deleteSecretResponse struct {
	ARN          string    `json:"ARN,omitempty"`
	DeletionDate timestamp `json:"DeletionDate,omitzero"`
	Name         string    `json:"Name,omitempty"`
}

func deleteSecret(ctx context.Context, s *secretstore.Store, r *deleteSecretRequest) (any, error) {
	out, err := s.DeleteSecret(ctx, &secretstore.DeleteSecretInput{
		SecretId:                   *r.SecretId,
		RecoveryWindowInDays:       r.RecoveryWindowInDays,
		ForceDeleteWithoutRecovery: r.ForceDeleteWithoutRecovery,
	})
	if err != nil {
		return nil, err
	}
	return deleteSecretResponse{ARN: out.ARN, DeletionDate: timestamp(out.DeletionDate), Name: out.Name}, nil
}

// RestoreSecret

type restoreSecretRequest struct {
	SecretId *string
}

func (r *restoreSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *restoreSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

type restoreSecretResponse struct {
	ARN  string `json:"ARN,omitempty"`
	Name string `json:"Name,omitempty"`
}

func restoreSecret(ctx context.Context, s *secretstore.Store, r *restoreSecretRequest) (any, error) {
	out, err := s.RestoreSecret(ctx, &secretstore.RestoreSecretInput{SecretId: *r.SecretId})
	if err != nil {
		return nil, err
	}
	return restoreSecretResponse{ARN: out.ARN, Name: out.Name}, nil
}
