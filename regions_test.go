package secretstore

import (
	"context"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// TestReplicaRegionsMustExist: a replica region that is not an AWS Region
// (mars-north-9 has the shape of one) is refused, by
// ReplicateSecretToRegions and by CreateSecret, and so is one in another
// partition; Options.ExtraRegions adds a Region the list does not have.
func TestReplicaRegionsMustExist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v")
	for _, tc := range []struct{ region, msg string }{
		{"mars-north-9", awsmodel.UnknownReplicaRegion("mars-north-9")},
		{"cn-north-1", awsmodel.CrossPartitionReplica("cn-north-1", "us-east-1")},
		{"us-gov-west-1", awsmodel.CrossPartitionReplica("us-gov-west-1", "us-east-1")},
	} {
		wantNoChange(t, s, func() {
			_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: tc.region}}})
			wantMessage(t, err, ErrInvalidParameter, tc.msg)
			_, err = s.CreateSecret(ctx, &CreateSecretInput{Name: "new", SecretString: "v", AddReplicaRegions: []ReplicaRegionType{{Region: tc.region}}})
			wantMessage(t, err, ErrInvalidParameter, tc.msg)
		})
	}
	if _, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-southeast-7"}}}); err != nil {
		t.Errorf("a Region of the list: %v", err)
	}
	cn := s.Region("cn-northwest-1")
	mustCreate(t, cn, "cn-db", "v")
	if _, err := cn.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "cn-db", AddReplicaRegions: []ReplicaRegionType{{Region: "cn-north-1"}}}); err != nil {
		t.Errorf("a China Region to the other: %v", err)
	}

	extra, _ := newTestStore(t, func(o *Options) { o.ExtraRegions = []string{"mars-north-9"} })
	mustCreate(t, extra, "db", "v")
	out, err := extra.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "mars-north-9"}}})
	if err != nil || len(out.ReplicationStatus) != 1 || out.ReplicationStatus[0].Status != "InSync" {
		t.Errorf("a Region of Options.ExtraRegions: %+v, %v", out, err)
	}
	if _, err := Open(ctx, Options{InMemory: true, MasterKey: make([]byte, 32), ExtraRegions: []string{"Mars"}}); err == nil || !strings.Contains(err.Error(), "ExtraRegions") {
		t.Errorf("Open with an extra region that is not a region name: %v", err)
	}
}
