package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// rotationRules is a RotationRulesType on the wire.
type rotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

func rotationRulesOut(r *secretstore.RotationRulesType) *rotationRules {
	if r == nil {
		return nil
	}
	out := &rotationRules{}
	if r.AutomaticallyAfterDays != 0 {
		out.AutomaticallyAfterDays = &r.AutomaticallyAfterDays
	}
	if r.Duration != "" {
		out.Duration = &r.Duration
	}
	if r.ScheduleExpression != "" {
		out.ScheduleExpression = &r.ScheduleExpression
	}
	return out
}

// rotationMembers are the rotation members of DescribeSecret and of a
// SecretList entry.
type rotationMembers struct {
	LastRotatedDate   timestamp      `json:"LastRotatedDate,omitzero"`
	NextRotationDate  timestamp      `json:"NextRotationDate,omitzero"`
	RotationEnabled   *bool          `json:"RotationEnabled,omitempty"`
	RotationLambdaARN string         `json:"RotationLambdaARN,omitempty"`
	RotationRules     *rotationRules `json:"RotationRules,omitempty"`
}

// RotateSecret

type rotateSecretRequest struct {
	SecretId           *string
	ClientRequestToken *string
	RotationLambdaARN  *string
	RotationRules      *rotationRules
	RotateImmediately  *bool
}

func (r *rotateSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *rotateSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.empty("clientRequestToken", r.ClientRequestToken, awsmodel.MinTokenLen)
	if rr := r.RotationRules; rr != nil {
		minValue(&v, "rotationRules.automaticallyAfterDays", rr.AutomaticallyAfterDays, 1)
		v.empty("rotationRules.duration", rr.Duration, 2)
		v.empty("rotationRules.scheduleExpression", rr.ScheduleExpression, 1)
	}
	return v.err()
}

type rotateSecretResponse struct {
	ARN       string `json:"ARN,omitempty"`
	Name      string `json:"Name,omitempty"`
	VersionId string `json:"VersionId,omitempty"`
}

func rotateSecret(ctx context.Context, s *secretstore.Store, r *rotateSecretRequest) (*secretstore.RotateSecretOutput, error) {
	in := &secretstore.RotateSecretInput{
		SecretId:           *r.SecretId,
		ClientRequestToken: deref(r.ClientRequestToken),
		RotationLambdaARN:  deref(r.RotationLambdaARN),
		RotateImmediately:  r.RotateImmediately,
	}
	if rr := r.RotationRules; rr != nil {
		in.RotationRules = &secretstore.RotationRulesType{ScheduleExpression: deref(rr.ScheduleExpression), Duration: deref(rr.Duration)}
		if rr.AutomaticallyAfterDays != nil {
			in.RotationRules.AutomaticallyAfterDays = *rr.AutomaticallyAfterDays
		}
	}
	return s.RotateSecret(ctx, in)
}

// rotateSecretOut is RotateSecretOutput on the wire.
func rotateSecretOut(out *secretstore.RotateSecretOutput) any {
	return rotateSecretResponse{ARN: out.ARN, Name: out.Name, VersionId: out.VersionId}
}

// CancelRotateSecret

type cancelRotateSecretRequest struct {
	SecretId *string
}

func (r *cancelRotateSecretRequest) secretID() string { return deref(r.SecretId) }

func (r *cancelRotateSecretRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

func cancelRotateSecret(ctx context.Context, s *secretstore.Store, r *cancelRotateSecretRequest) (*secretstore.CancelRotateSecretOutput, error) {
	return s.CancelRotateSecret(ctx, &secretstore.CancelRotateSecretInput{SecretId: *r.SecretId})
}

// cancelRotateSecretOut is CancelRotateSecretOutput on the wire.
func cancelRotateSecretOut(out *secretstore.CancelRotateSecretOutput) any {
	return rotateSecretResponse{ARN: out.ARN, Name: out.Name, VersionId: out.VersionId}
}
