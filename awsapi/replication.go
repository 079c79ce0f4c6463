package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
)

// replicaRegion is a ReplicaRegionType of AddReplicaRegions.
type replicaRegion struct {
	Region   string
	KmsKeyId string
}

func replicaRegionsIn(rs []replicaRegion) []secretstore.ReplicaRegionType {
	if rs == nil {
		return nil
	}
	out := make([]secretstore.ReplicaRegionType, len(rs))
	for i, r := range rs {
		out[i] = secretstore.ReplicaRegionType(r)
	}
	return out
}

// replicationStatus is a ReplicationStatusType on the wire, members in
// alphabetical order as AWS sends them.
type replicationStatus struct {
	KmsKeyId         string    `json:"KmsKeyId,omitempty"`
	LastAccessedDate timestamp `json:"LastAccessedDate,omitzero"`
	Region           string    `json:"Region,omitempty"`
	Status           string    `json:"Status,omitempty"`
	StatusMessage    string    `json:"StatusMessage,omitempty"`
}

func replicationStatusOut(rs []secretstore.ReplicationStatusType) []replicationStatus {
	if rs == nil {
		return nil
	}
	out := make([]replicationStatus, len(rs))
	for i, r := range rs {
		out[i] = replicationStatus{
			KmsKeyId:         r.KmsKeyId,
			LastAccessedDate: timestamp(r.LastAccessedDate),
			Region:           r.Region,
			Status:           r.Status,
			StatusMessage:    r.StatusMessage,
		}
	}
	return out
}

// ReplicateSecretToRegions

type replicateSecretToRegionsRequest struct {
	SecretId                    *string
	AddReplicaRegions           []replicaRegion
	ForceOverwriteReplicaSecret bool
}

func (r *replicateSecretToRegionsRequest) secretID() string { return deref(r.SecretId) }

func (r *replicateSecretToRegionsRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("addReplicaRegions", r.AddReplicaRegions != nil)
	return v.err()
}

// replicationResponse is the output of ReplicateSecretToRegions and
// RemoveRegionsFromReplication.
type replicationResponse struct {
	ARN               string              `json:"ARN,omitempty"`
	ReplicationStatus []replicationStatus `json:"ReplicationStatus"`
}

func replicateSecretToRegions(ctx context.Context, s *secretstore.Store, r *replicateSecretToRegionsRequest) (*secretstore.ReplicateSecretToRegionsOutput, error) {
	return s.ReplicateSecretToRegions(ctx, &secretstore.ReplicateSecretToRegionsInput{
		SecretId:                    *r.SecretId,
		AddReplicaRegions:           replicaRegionsIn(r.AddReplicaRegions),
		ForceOverwriteReplicaSecret: r.ForceOverwriteReplicaSecret,
	})
}

// replicateSecretToRegionsOut is ReplicateSecretToRegionsOutput on the wire.
func replicateSecretToRegionsOut(out *secretstore.ReplicateSecretToRegionsOutput) any {
	return replicationResponse{ARN: out.ARN, ReplicationStatus: nonNil(replicationStatusOut(out.ReplicationStatus))}
}

// RemoveRegionsFromReplication

type removeRegionsFromReplicationRequest struct {
	SecretId             *string
	RemoveReplicaRegions []string
}

func (r *removeRegionsFromReplicationRequest) secretID() string { return deref(r.SecretId) }

func (r *removeRegionsFromReplicationRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	v.required("removeReplicaRegions", r.RemoveReplicaRegions != nil)
	return v.err()
}

func removeRegionsFromReplication(ctx context.Context, s *secretstore.Store, r *removeRegionsFromReplicationRequest) (*secretstore.RemoveRegionsFromReplicationOutput, error) {
	return s.RemoveRegionsFromReplication(ctx, &secretstore.RemoveRegionsFromReplicationInput{
		SecretId:             *r.SecretId,
		RemoveReplicaRegions: r.RemoveReplicaRegions,
	})
}

// removeRegionsFromReplicationOut is RemoveRegionsFromReplicationOutput on
// the wire.
func removeRegionsFromReplicationOut(out *secretstore.RemoveRegionsFromReplicationOutput) any {
	return replicationResponse{ARN: out.ARN, ReplicationStatus: nonNil(replicationStatusOut(out.ReplicationStatus))}
}

// StopReplicationToReplica

type stopReplicationToReplicaRequest struct {
	SecretId *string
}

func (r *stopReplicationToReplicaRequest) secretID() string { return deref(r.SecretId) }

func (r *stopReplicationToReplicaRequest) check() error {
	var v violations
	v.required("secretId", r.SecretId != nil)
	return v.err()
}

type stopReplicationToReplicaResponse struct {
	ARN string `json:"ARN,omitempty"`
}

func stopReplicationToReplica(ctx context.Context, s *secretstore.Store, r *stopReplicationToReplicaRequest) (*secretstore.StopReplicationToReplicaOutput, error) {
	return s.StopReplicationToReplica(ctx, &secretstore.StopReplicationToReplicaInput{SecretId: *r.SecretId})
}

// stopReplicationToReplicaOut is StopReplicationToReplicaOutput on the wire.
func stopReplicationToReplicaOut(out *secretstore.StopReplicationToReplicaOutput) any {
	return stopReplicationToReplicaResponse{ARN: out.ARN}
}

// nonNil returns s, or an empty slice for nil: a list AWS sends even empty.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
