package secretstore

import (
	"context"
	"errors"
	"strconv"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// Resource policies: the policy attached to a secret, which names the
// principals it lets in (or keeps out). It is stored with the secret,
// copied to its replicas, and evaluated with the caller's identity-based
// policies by the views Store.As returns (authz.go).

// GetResourcePolicyInput is the input of GetResourcePolicy.
type GetResourcePolicyInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
}

// GetResourcePolicyOutput is the output of GetResourcePolicy.
type GetResourcePolicyOutput struct {
	ARN  string
	Name string
	// ResourcePolicy is the policy's JSON as it was put; empty for none.
	ResourcePolicy string
}

// GetResourcePolicy returns the resource policy of a secret. It works on a
// replica, whose policy is its primary's.
func (s *Store) GetResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*GetResourcePolicyOutput, error) {
	var out *GetResourcePolicyOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpGetResourcePolicy,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
			out = &GetResourcePolicyOutput{ARN: t.c.arn(r), Name: r.Name, ResourcePolicy: r.ResourcePolicy}
			return false, nil
		},
	})
	return out, err
}

// PutResourcePolicyInput is the input of PutResourcePolicy.
type PutResourcePolicyInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// ResourcePolicy is the policy, a JSON IAM policy document of at most
	// 20480 characters whose statements name a Principal. Required.
	ResourcePolicy string
	// BlockPublicPolicy refuses a policy that gives broad access (to "*"
	// without a condition that pins the caller's account or source) with
	// ErrPublicPolicy.
	BlockPublicPolicy bool
}

// conditionKeys adds secretsmanager:BlockPublicPolicy.
func (in *PutResourcePolicyInput) conditionKeys(req *policy.Request) {
	req.Set(policy.KeyBlockPublicPolicy, strconv.FormatBool(in.BlockPublicPolicy))
}

// PutResourcePolicyOutput is the output of PutResourcePolicy.
type PutResourcePolicyOutput struct {
	ARN  string
	Name string
}

// PutResourcePolicy attaches a resource policy to a secret, replacing the
// one it had. A document that is not a valid policy fails with
// ErrMalformedPolicyDocument, saying what is wrong and where.
func (s *Store) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*PutResourcePolicyOutput, error) {
	var out *PutResourcePolicyOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpPutResourcePolicy,
		in:       in,
		secretID: in.SecretId,
		// The member's length is checked before the secret is found; the
		// document, as AWS does, after: a secret that does not exist, or
		// is a replica, is reported first.
		check: func() error { return checkChars("resourcePolicy", in.ResourcePolicy, 1, awsmodel.MaxPolicyLen) },
		do: func(t *tx, r *secretRecord) (bool, error) {
			p, err := parseResourcePolicy(in.ResourcePolicy)
			if err != nil {
				return false, err
			}
			if in.BlockPublicPolicy && policy.PublicAccess(p) {
				return false, newError(ErrPublicPolicy, awsmodel.PublicAccessStatement)
			}
			out = &PutResourcePolicyOutput{ARN: t.c.arn(r), Name: r.Name}
			changed := r.ResourcePolicy != in.ResourcePolicy
			r.ResourcePolicy = in.ResourcePolicy
			return changed, nil
		},
	})
	return out, err
}

// DeleteResourcePolicyInput is the input of DeleteResourcePolicy.
type DeleteResourcePolicyInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
}

// DeleteResourcePolicyOutput is the output of DeleteResourcePolicy.
type DeleteResourcePolicyOutput struct {
	ARN  string
	Name string
}

// DeleteResourcePolicy removes a secret's resource policy; it succeeds when
// there is none.
func (s *Store) DeleteResourcePolicy(ctx context.Context, in *DeleteResourcePolicyInput) (*DeleteResourcePolicyOutput, error) {
	var out *DeleteResourcePolicyOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpDeleteResourcePolicy,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
			out = &DeleteResourcePolicyOutput{ARN: t.c.arn(r), Name: r.Name}
			changed := r.ResourcePolicy != ""
			r.ResourcePolicy = ""
			return changed, nil
		},
	})
	return out, err
}

// ValidateResourcePolicyInput is the input of ValidateResourcePolicy.
type ValidateResourcePolicyInput struct {
	// SecretId optionally names the secret the policy is for; it must
	// exist.
	SecretId string
	// ResourcePolicy is the policy to check. Required.
	ResourcePolicy string
}

// ValidateResourcePolicyOutput is the output of ValidateResourcePolicy.
type ValidateResourcePolicyOutput struct {
	PolicyValidationPassed bool
	ValidationErrors       []ValidationErrorsEntry
}

// ValidationErrorsEntry is one check a policy failed.
type ValidationErrorsEntry struct {
	// CheckName names the check: BROAD_ACCESS_TO_SECRET (the policy gives
	// access to everyone, what BlockPublicPolicy refuses) or
	// SECRET_POLICY_LOCKOUT (no one could change or remove the policy).
	CheckName    string
	ErrorMessage string
}

// ValidateResourcePolicy checks a resource policy without storing it: a
// document that is not a valid policy fails with ErrMalformedPolicyDocument;
// a valid one passes unless it gives broad access or locks everyone out.
func (s *Store) ValidateResourcePolicy(ctx context.Context, in *ValidateResourcePolicyInput) (*ValidateResourcePolicyOutput, error) {
	var out *ValidateResourcePolicyOutput
	err := s.run(ctx, &call{
		op:       awsmodel.OpValidateResourcePolicy,
		in:       in,
		secretID: in.SecretId,
		// AWS maps ValidateResourcePolicy to PutResourcePolicy too.
		also: []dependentAction{{awsmodel.OpPutResourcePolicy, &PutResourcePolicyInput{SecretId: in.SecretId, ResourcePolicy: in.ResourcePolicy}}},
		// The policy is checked in do: a SecretId that names no secret
		// fails first.
		do: func(*tx, *secretRecord) (bool, error) {
			if _, err := parseResourcePolicy(in.ResourcePolicy); err != nil {
				return false, err
			}
			findings, err := policy.Validate([]byte(in.ResourcePolicy))
			if err != nil {
				return false, newError(ErrMalformedPolicyDocument, err.Error())
			}
			out = &ValidateResourcePolicyOutput{PolicyValidationPassed: len(findings) == 0}
			for _, f := range findings {
				out.ValidationErrors = append(out.ValidationErrors, ValidationErrorsEntry{CheckName: f.CheckName, ErrorMessage: f.ErrorMessage})
			}
			return false, nil
		},
	})
	return out, err
}

// parseResourcePolicy checks a ResourcePolicy member: its length (the
// model's) and its grammar (MalformedPolicyDocumentException, saying where).
func parseResourcePolicy(doc string) (*policy.Policy, error) {
	if err := checkChars("resourcePolicy", doc, 1, awsmodel.MaxPolicyLen); err != nil {
		return nil, err
	}
	p, err := policy.ParseResource([]byte(doc))
	var me *policy.MalformedError
	switch {
	case errors.As(err, &me):
		return nil, newError(ErrMalformedPolicyDocument, awsmodel.MalformedPolicy(me.Error()))
	case err != nil:
		return nil, newError(ErrMalformedPolicyDocument, awsmodel.MalformedPolicy(err.Error()))
	}
	return p, nil
}
