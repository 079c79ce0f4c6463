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

func deleteSecret(ctx context.Context, s *secretstore.Store, r *deleteSecretRequest) (*secretstore.DeleteSecretOutput, error) {
	return s.DeleteSecret(ctx, &secretstore.DeleteSecretInput{
		SecretId:                   *r.SecretId,
		RecoveryWindowInDays:       r.RecoveryWindowInDays,
		ForceDeleteWithoutRecovery: r.ForceDeleteWithoutRecovery,
	})
}

// deleteSecretOut is DeleteSecretOutput on the wire.
func deleteSecretOut(out *secretstore.DeleteSecretOutput) any {
	return deleteSecretResponse{ARN: out.ARN, DeletionDate: timestamp(out.DeletionDate), Name: out.Name}
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

func restoreSecret(ctx context.Context, s *secretstore.Store, r *restoreSecretRequest) (*secretstore.RestoreSecretOutput, error) {
	return s.RestoreSecret(ctx, &secretstore.RestoreSecretInput{SecretId: *r.SecretId})
}

// restoreSecretOut is RestoreSecretOutput on the wire.
func restoreSecretOut(out *secretstore.RestoreSecretOutput) any {
	return restoreSecretResponse{ARN: out.ARN, Name: out.Name}
}
