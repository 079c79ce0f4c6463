package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
)

// secretRef is the request of an operation that takes only a SecretId
// (GetResourcePolicy, DeleteResourcePolicy).
type secretRef struct {
	SecretId *string
}

func (r *secretRef) secretID() string { return deref(r.SecretId) }

func (r *secretRef) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

type resourcePolicyResponse struct {
	ARN            string `json:"ARN,omitempty"`
	Name           string `json:"Name,omitempty"`
	ResourcePolicy string `json:"ResourcePolicy,omitempty"`
}

// GetResourcePolicy

func getResourcePolicy(ctx context.Context, s *secretstore.Store, r *secretRef) (*secretstore.GetResourcePolicyOutput, error) {
	return s.GetResourcePolicy(ctx, &secretstore.GetResourcePolicyInput{SecretId: *r.SecretId})
}

// getResourcePolicyOut is GetResourcePolicyOutput on the wire.
func getResourcePolicyOut(out *secretstore.GetResourcePolicyOutput) any {
	return resourcePolicyResponse(*out)
}

// PutResourcePolicy

type putResourcePolicyRequest struct {
	SecretId          *string
	ResourcePolicy    *string
	BlockPublicPolicy bool
}

func (r *putResourcePolicyRequest) secretID() string { return deref(r.SecretId) }

func (r *putResourcePolicyRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("resourcePolicy", r.ResourcePolicy != nil)
	return v.err()
}

func putResourcePolicy(ctx context.Context, s *secretstore.Store, r *putResourcePolicyRequest) (*secretstore.PutResourcePolicyOutput, error) {
	return s.PutResourcePolicy(ctx, &secretstore.PutResourcePolicyInput{SecretId: *r.SecretId, ResourcePolicy: *r.ResourcePolicy, BlockPublicPolicy: r.BlockPublicPolicy})
}

// putResourcePolicyOut is PutResourcePolicyOutput on the wire.
func putResourcePolicyOut(out *secretstore.PutResourcePolicyOutput) any {
	return resourcePolicyResponse{ARN: out.ARN, Name: out.Name}
}

// DeleteResourcePolicy

func deleteResourcePolicy(ctx context.Context, s *secretstore.Store, r *secretRef) (*secretstore.DeleteResourcePolicyOutput, error) {
	return s.DeleteResourcePolicy(ctx, &secretstore.DeleteResourcePolicyInput{SecretId: *r.SecretId})
}

// deleteResourcePolicyOut is DeleteResourcePolicyOutput on the wire.
func deleteResourcePolicyOut(out *secretstore.DeleteResourcePolicyOutput) any {
	return resourcePolicyResponse{ARN: out.ARN, Name: out.Name}
}

// ValidateResourcePolicy

type validateResourcePolicyRequest struct {
	SecretId       *string
	ResourcePolicy *string
}

func (r *validateResourcePolicyRequest) secretID() string { return deref(r.SecretId) }

func (r *validateResourcePolicyRequest) check() error {
	var v violations
	v.required("resourcePolicy", r.ResourcePolicy != nil)
	v.empty("secretId", r.SecretId, 1)
	return v.err()
}

type validationError struct {
	CheckName    string `json:"CheckName,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type validateResourcePolicyResponse struct {
	PolicyValidationPassed bool              `json:"PolicyValidationPassed"`
	ValidationErrors       []validationError `json:"ValidationErrors"`
}

func validateResourcePolicy(ctx context.Context, s *secretstore.Store, r *validateResourcePolicyRequest) (*secretstore.ValidateResourcePolicyOutput, error) {
	return s.ValidateResourcePolicy(ctx, &secretstore.ValidateResourcePolicyInput{SecretId: deref(r.SecretId), ResourcePolicy: *r.ResourcePolicy})
}

// validateResourcePolicyOut is ValidateResourcePolicyOutput on the wire.
func validateResourcePolicyOut(out *secretstore.ValidateResourcePolicyOutput) any {
	resp := validateResourcePolicyResponse{PolicyValidationPassed: out.PolicyValidationPassed, ValidationErrors: []validationError{}}
	for _, e := range out.ValidationErrors {
		resp.ValidationErrors = append(resp.ValidationErrors, validationError(e))
	}
	return resp
}
