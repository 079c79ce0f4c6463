package secretstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// replicate replicates secret id of s to regions (failing the test on an
// error) and returns the output.
func replicate(t testing.TB, s *Store, id string, regions ...string) *ReplicateSecretToRegionsOutput {
	t.Helper()
	in := &ReplicateSecretToRegionsInput{SecretId: id}
	for _, r := range regions {
		in.AddReplicaRegions = append(in.AddReplicaRegions, ReplicaRegionType{Region: r})
	}
	out, err := s.ReplicateSecretToRegions(context.Background(), in)
	if err != nil {
		t.Fatalf("ReplicateSecretToRegions(%s, %v): %v", id, regions, err)
	}
	return out
}

// wantReplicaOf checks that the replica of secret name in region is a copy
// of the primary in s: same name, the primary's ARN with the region
// swapped, the same versions, labels, values, description and tags.
func wantReplicaOf(t testing.TB, s *Store, region, name string) {
	t.Helper()
	p, r := mustDescribe(t, s, name), mustDescribe(t, s.Region(region), name)
	if want := strings.Replace(p.ARN, ":"+s.RegionName()+":", ":"+region+":", 1); r.ARN != want {
		t.Errorf("replica ARN = %s, want %s", r.ARN, want)
	}
	if r.PrimaryRegion != s.RegionName() || r.ReplicationStatus != nil {
		t.Errorf("replica PrimaryRegion, ReplicationStatus = %q, %v; want %q, none", r.PrimaryRegion, r.ReplicationStatus, s.RegionName())
	}
	if r.Name != p.Name || r.Description != p.Description || !slices.Equal(r.Tags, p.Tags) || (r.Tags == nil) != (p.Tags == nil) ||
		!r.LastChangedDate.Equal(p.LastChangedDate) || fmt.Sprint(r.VersionIdsToStages) != fmt.Sprint(p.VersionIdsToStages) {
		t.Errorf("replica metadata differs from the primary's:\nprimary %+v\nreplica %+v", p, r)
	}
	pv, rv := listVersions(t, s, name), listVersions(t, s.Region(region), name)
	if len(pv) != len(rv) {
		t.Fatalf("replica has %d versions, primary %d", len(rv), len(pv))
	}
	for i := range pv {
		if pv[i].VersionId != rv[i].VersionId || !slices.Equal(pv[i].VersionStages, rv[i].VersionStages) || !pv[i].CreatedDate.Equal(rv[i].CreatedDate) {
			t.Errorf("version %d: primary %+v, replica %+v", i, pv[i], rv[i])
		}
		pg, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: name, VersionId: pv[i].VersionId})
		if err != nil {
			t.Fatal(err)
		}
		rg, err := s.Region(region).GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: name, VersionId: pv[i].VersionId})
		if err != nil {
			t.Fatal(err)
		}
		if pg.SecretString != rg.SecretString || string(pg.SecretBinary) != string(rg.SecretBinary) {
			t.Errorf("version %s: the replica's value differs from the primary's", pv[i].VersionId)
		}
	}
}

func TestCreateSecretWithReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	out, err := s.CreateSecret(ctx, &CreateSecretInput{
		Name: "prod/db", SecretString: "v1", Description: "the db", Tags: []Tag{{Key: "team", Value: "pay"}},
		AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}, {Region: "ap-south-1", KmsKeyId: "alias/replica"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ReplicationStatusType{
		{Region: "eu-west-1", KmsKeyId: "alias/aws/secretsmanager", Status: "InSync", StatusMessage: "Replication succeeded"},
		{Region: "ap-south-1", KmsKeyId: "alias/replica", Status: "InSync", StatusMessage: "Replication succeeded"},
	}
	if !slices.Equal(out.ReplicationStatus, want) {
		t.Errorf("CreateSecret ReplicationStatus = %+v, want %+v", out.ReplicationStatus, want)
	}
	d := mustDescribe(t, s, "prod/db")
	if d.PrimaryRegion != "us-east-1" || !slices.Equal(d.ReplicationStatus, want) {
		t.Errorf("primary: PrimaryRegion %q, ReplicationStatus %+v", d.PrimaryRegion, d.ReplicationStatus)
	}
	for _, region := range []string{"eu-west-1", "ap-south-1"} {
		wantReplicaOf(t, s, region, "prod/db")
		replicaARN := strings.Replace(out.ARN, ":us-east-1:", ":"+region+":", 1)
		if got := mustGet(t, s.Region(region), replicaARN); got != "v1" {
			t.Errorf("GetSecretValue(replica ARN) in %s = %q", region, got)
		}
	}
	// A secret created without replicas reports none.
	plain, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "plain", SecretString: "v"})
	if err != nil || plain.ReplicationStatus != nil || mustDescribe(t, s, "plain").PrimaryRegion != "" {
		t.Errorf("a secret without replicas: %+v, %v", plain, err)
	}
}

func TestWritesReachEveryReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	first := mustCreate(t, s, "db", "v1")
	replicate(t, s, "db", "eu-west-1", "ap-south-1")
	regions := []string{"eu-west-1", "ap-south-1"}
	check := func(step string) {
		t.Helper()
		for _, r := range regions {
			t.Run(step+"/"+r, func(t *testing.T) { wantReplicaOf(t, s, r, "db") })
		}
	}
	check("replicated")
	v2 := mustPut(t, s, "db", "v2").VersionId
	check("PutSecretValue")
	mustPut(t, s, "db", "pending", StagePending)
	check("PutSecretValue with stages")
	if _, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("new"), SecretString: "v3"}); err != nil {
		t.Fatal(err)
	}
	check("UpdateSecret")
	if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "CUSTOM", MoveToVersionId: v2}); err != nil {
		t.Fatal(err)
	}
	check("UpdateSecretVersionStage")
	// A label moved to a deprecated version brings it back into the record,
	// on every side; removed, it goes back out.
	for _, in := range []*UpdateSecretVersionStageInput{
		{SecretId: "db", VersionStage: "OLD", MoveToVersionId: first.VersionId},
		{SecretId: "db", VersionStage: "OLD", RemoveFromVersionId: first.VersionId},
	} {
		if _, err := s.UpdateSecretVersionStage(ctx, in); err != nil {
			t.Fatal(err)
		}
		check("a label on a deprecated version")
	}
	// A replica added when the primary has deprecated versions gets them.
	replicate(t, s, "db", "eu-central-1")
	regions = append(regions, "eu-central-1")
	check("a new replica")
	mustTag(t, s, "db", Tag{Key: "k", Value: "v"})
	check("TagResource")
	if _, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	check("UntagResource")
	if _, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", KmsKeyId: new("alias/primary-only")}); err != nil {
		t.Fatal(err)
	}
	check("a key change of the primary")
	if got := storedKmsKeyID(t, s.Region("eu-west-1"), "db", first.VersionId); got != "" {
		t.Errorf("the replica's values moved to the primary's new key %q", got)
	}

	// Past the version quota, the reaper prunes the primary, and the
	// replicas follow in the same transaction.
	for i := range MaxVersions {
		if i == MaxVersions/2 {
			clk.Advance(VersionMinAge + time.Hour)
		}
		mustPut(t, s, "db", fmt.Sprint("bulk", i))
	}
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(listVersions(t, s, "db")); n > MaxVersions {
		t.Fatalf("the primary still has %d versions", n)
	}
	check("pruned")
	if err := s.Region("eu-west-1").check(); err != nil {
		t.Error(err)
	}
}

func TestReplicaIsReadOnlyForEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	v1 := mustCreate(t, s, "db", "v").VersionId
	replicate(t, s, "db", "eu-west-1")
	eu := s.Region("eu-west-1")
	writes := map[string]func() error{
		"PutSecretValue": func() error {
			_, err := eu.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "x"})
			return err
		},
		"UpdateSecret": func() error {
			_, err := eu.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("d")})
			return err
		},
		"UpdateSecretVersionStage": func() error {
			_, err := eu.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L", MoveToVersionId: v1})
			return err
		},
		"TagResource": func() error {
			_, err := eu.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{Key: "k", Value: "v"}}})
			return err
		},
		"UntagResource": func() error {
			_, err := eu.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"k"}})
			return err
		},
		"DeleteSecret": func() error {
			_, err := eu.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db"})
			return err
		},
		"DeleteSecret forced": func() error {
			_, err := eu.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true})
			return err
		},
		"RestoreSecret": func() error { return eu.Restore(ctx, "db") },
		"ReplicateSecretToRegions": func() error {
			_, err := eu.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}}})
			return err
		},
		"RemoveRegionsFromReplication": func() error {
			_, err := eu.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db", RemoveReplicaRegions: []string{"us-east-1"}})
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			wantNoChange(t, s, func() {
				wantNoChange(t, eu, func() {
					wantMessage(t, write(), ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
				})
			})
		})
	}
	// Reads work on the replica.
	if got := mustGet(t, eu, "db"); got != "v" {
		t.Errorf("GetSecretValue on the replica = %q", got)
	}
	batch, err := eu.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"db"}})
	if err != nil || len(batch.SecretValues) != 1 || batch.SecretValues[0].SecretString != "v" {
		t.Errorf("BatchGetSecretValue on the replica = %+v, %v", batch, err)
	}
}

func TestReplicaRegionThatHoldsTheName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "primary value")
	eu := s.Region("eu-west-1")
	local := mustCreate(t, eu, "db", "local value")

	out := replicate(t, s, "db", "eu-west-1")
	want := ReplicationStatusType{Region: "eu-west-1", KmsKeyId: "alias/aws/secretsmanager", Status: "Failed", StatusMessage: "Secret with this name already exists in this region"}
	if len(out.ReplicationStatus) != 1 || out.ReplicationStatus[0] != want {
		t.Errorf("ReplicationStatus = %+v, want %+v", out.ReplicationStatus, want)
	}
	if d := mustDescribe(t, eu, "db"); d.ARN != local.ARN || d.PrimaryRegion != "" || mustGet(t, eu, "db") != "local value" {
		t.Errorf("the secret in eu-west-1 was touched: %+v", d)
	}
	// Writes to the primary skip the failed region.
	mustPut(t, s, "db", "v2")
	if got := mustGet(t, eu, "db"); got != "local value" {
		t.Errorf("a failed replica region got the primary's write: %q", got)
	}
	// The failed region must be removed before it is tried again; then
	// ForceOverwriteReplicaSecret replaces the secret there.
	_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}, ForceOverwriteReplicaSecret: true})
	wantErr(t, err, ErrInvalidParameter, "already replicated to eu-west-1")
	if _, err := s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db", RemoveReplicaRegions: []string{"eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, eu, "db"); got != "local value" {
		t.Errorf("removing a failed region deleted the secret there: %q", got)
	}
	out, err = s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}, ForceOverwriteReplicaSecret: true})
	if err != nil || out.ReplicationStatus[0].Status != "InSync" {
		t.Fatalf("forced: %+v, %v", out, err)
	}
	wantReplicaOf(t, s, "eu-west-1", "db")
	if _, err := eu.DescribeSecret(ctx, &DescribeSecretInput{SecretId: local.ARN}); !isNotFound(err) {
		t.Errorf("the overwritten secret's ARN still resolves: %v", err)
	}

	// A secret that is itself replicated is never overwritten.
	mustCreate(t, s, "other", "o")
	mustCreate(t, eu, "other", "eu primary")
	replicate(t, eu, "other", "ap-south-1")
	out, err = s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "other", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}, {Region: "ap-south-1"}}, ForceOverwriteReplicaSecret: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range out.ReplicationStatus {
		if st.Status != "Failed" || !strings.Contains(st.StatusMessage, "another secret's replication") {
			t.Errorf("overwrite of a replicated secret in %s: %+v", st.Region, st)
		}
	}
	if got := mustGet(t, eu, "other"); got != "eu primary" {
		t.Errorf("the eu primary was overwritten: %q", got)
	}
}

func TestReplicaKmsKeys(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	created, err := s.CreateSecret(context.Background(), &CreateSecretInput{
		Name: "db", SecretString: "v", KmsKeyId: "alias/primary",
		AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1", KmsKeyId: "alias/eu"}, {Region: "ap-south-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v2 := mustPut(t, s, "db", "v2").VersionId
	for region, want := range map[string]string{"us-east-1": "alias/primary", "eu-west-1": "alias/eu", "ap-south-1": ""} {
		view := s.Region(region)
		for _, id := range []string{created.VersionId, v2} {
			if got := storedKmsKeyID(t, view, "db", id); got != want {
				t.Errorf("%s: version %s sealed under %q, want %q", region, id, got, want)
			}
		}
		for _, v := range listVersions(t, view, "db") {
			if v.KmsKeyIds[0] != kmsKeyIDs(want) {
				t.Errorf("%s: ListSecretVersionIds KmsKeyIds %v, want %q", region, v.KmsKeyIds, kmsKeyIDs(want))
			}
		}
	}
	// Each region's ciphertext is its own, not a copy.
	if sealedBytes(t, s, "db", v2) == sealedBytes(t, s.Region("ap-south-1"), "db", v2) {
		t.Error("the replica holds the primary's ciphertext")
	}
}

// sealedBytes returns the stored ciphertext of a version.
func sealedBytes(t testing.TB, s *Store, name, versionID string) string {
	t.Helper()
	var ct string
	err := s.c.read(func(tx *tx) error {
		r, err := tx.getSecret(s.region, name)
		if err != nil {
			return err
		}
		v, err := tx.getVersion(r.ID, versionID)
		if err == nil {
			ct = string(v.Ciphertext)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestRemoveRegionsFromReplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpenDisk(t, dir, Options{MasterKey: newTestKey(t), Clock: NewFakeClock(testEpoch), DisableReaper: true})
	defer mustClose(t, s)
	mustCreate(t, s, "db", "TOPSECRET-replicated")
	replicate(t, s, "db", "eu-west-1", "ap-south-1")
	out, err := s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db", RemoveReplicaRegions: []string{"eu-west-1", "sa-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ReplicationStatus) != 1 || out.ReplicationStatus[0].Region != "ap-south-1" {
		t.Errorf("ReplicationStatus after removal = %+v", out.ReplicationStatus)
	}
	eu := s.Region("eu-west-1")
	if _, err := eu.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"}); !isNotFound(err) {
		t.Errorf("the removed replica is still there: %v", err)
	}
	// The name is free in that region at once.
	mustCreate(t, eu, "db", "new eu secret")
	// The removed replica's values are shredded by the reaper, as a purge's.
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.check(); err != nil {
		t.Error(err)
	}
	wantReplicaOf(t, s, "ap-south-1", "db")

	// Nothing to remove is not an error; an empty list or a bad name is.
	if _, err := s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db", RemoveReplicaRegions: []string{"us-west-2"}}); err != nil {
		t.Errorf("removing a region that is not replicated: %v", err)
	}
	wantNoChange(t, s, func() {
		_, err := s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db"})
		wantErr(t, err, ErrValidation, "'removeReplicaRegions'")
		_, err = s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "db", RemoveReplicaRegions: []string{"Europe"}})
		wantErr(t, err, ErrValidation, "removeReplicaRegions.1.member")
	})
}

func TestStopReplicationToReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	created := mustCreate(t, s, "db", "v1")
	replicate(t, s, "db", "eu-west-1", "ap-south-1")
	eu := s.Region("eu-west-1")
	replicaARN := mustDescribe(t, eu, "db").ARN

	// Only in the replica's region, and only on a replica.
	wantNoChange(t, s, func() {
		_, err := s.StopReplicationToReplica(ctx, &StopReplicationToReplicaInput{SecretId: "db"})
		wantMessage(t, err, ErrInvalidRequest, awsmodel.NotAReplica(created.ARN))
		_, err = s.Region("sa-east-1").StopReplicationToReplica(ctx, &StopReplicationToReplicaInput{SecretId: "db"})
		wantErr(t, err, ErrResourceNotFound, "")
	})

	out, err := eu.StopReplicationToReplica(ctx, &StopReplicationToReplicaInput{SecretId: replicaARN})
	if err != nil || out.ARN != replicaARN {
		t.Fatalf("StopReplicationToReplica = %+v, %v; want ARN %s", out, err, replicaARN)
	}
	d := mustDescribe(t, eu, "db")
	if d.PrimaryRegion != "" || d.ARN != replicaARN {
		t.Errorf("the promoted secret: %+v", d)
	}
	p := mustDescribe(t, s, "db")
	if len(p.ReplicationStatus) != 1 || p.ReplicationStatus[0].Region != "ap-south-1" {
		t.Errorf("the primary's ReplicationStatus = %+v", p.ReplicationStatus)
	}
	// The promoted secret is writable and on its own; the primary's writes
	// no longer reach it.
	mustPut(t, eu, "db", "eu v2")
	mustPut(t, s, "db", "primary v2")
	if got := mustGet(t, eu, "db"); got != "eu v2" {
		t.Errorf("promoted secret = %q, want its own write", got)
	}
	wantReplicaOf(t, s, "ap-south-1", "db")
	if _, err := eu.Delete(ctx, "db", 7); err != nil {
		t.Errorf("the promoted secret cannot be deleted: %v", err)
	}
}

func TestReplicationInputErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v")
	replicate(t, s, "db", "eu-west-1")
	mustCreate(t, s, "gone", "v")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "gone"})
	tests := []struct {
		name     string
		in       ReplicateSecretToRegionsInput
		sentinel error
		msg      string
	}{
		{"no regions", ReplicateSecretToRegionsInput{SecretId: "db"}, ErrValidation,
			"1 validation error detected: Value at 'addReplicaRegions' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"a region that is not a region name", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}, {Region: "EU West"}}}, ErrValidation,
			`1 validation error detected: Value 'EU West' at 'addReplicaRegions.2.member.region' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$`},
		{"an empty region", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{}}}, ErrValidation,
			"1 validation error detected: Value at 'addReplicaRegions.1.member.region' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"a KmsKeyId too long", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1", KmsKeyId: strings.Repeat("k", 2049)}}}, ErrValidation,
			"1 validation error detected: Value at 'addReplicaRegions.1.member.kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"the primary's own region", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}, {Region: "us-east-1"}}}, ErrInvalidParameter, "Invalid replica region."},
		{"a region twice", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}, {Region: "ap-south-1"}}}, ErrInvalidParameter, awsmodel.DuplicateReplicaRegion("ap-south-1")},
		{"a region replicated already", ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}, {Region: "eu-west-1"}}}, ErrInvalidParameter, awsmodel.AlreadyReplicated("eu-west-1", "db")},
		{"a secret scheduled for deletion", ReplicateSecretToRegionsInput{SecretId: "gone", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}}}, ErrInvalidRequest, awsmodel.MarkedForDeletion},
		{"a secret that does not exist", ReplicateSecretToRegionsInput{SecretId: "nope", AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}}}, ErrResourceNotFound, awsmodel.SecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantNoChange(t, s, func() {
				wantNoChange(t, s.Region("ap-south-1"), func() {
					_, err := s.ReplicateSecretToRegions(ctx, &tt.in)
					wantMessage(t, err, tt.sentinel, tt.msg)
				})
			})
		})
	}
	// CreateSecret checks its replica regions before it creates anything.
	wantNoChange(t, s, func() {
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "new", SecretString: "v", AddReplicaRegions: []ReplicaRegionType{{Region: "us-east-1"}}})
		wantMessage(t, err, ErrInvalidParameter, "Invalid replica region.")
	})
}

func TestReplicaLastAccessedDateIsPerRegion(t *testing.T) {
	t.Parallel()
	s, clk := newTestStore(t)
	mustCreate(t, s, "db", "v")
	replicate(t, s, "db", "eu-west-1")
	clk.Advance(48 * time.Hour)
	mustGet(t, s.Region("eu-west-1"), "db")
	today := day(clk.Now())
	p, r := mustDescribe(t, s, "db"), mustDescribe(t, s.Region("eu-west-1"), "db")
	if !r.LastAccessedDate.Equal(today) || !p.ReplicationStatus[0].LastAccessedDate.Equal(today) {
		t.Errorf("replica LastAccessedDate %v, status %v; want %v", r.LastAccessedDate, p.ReplicationStatus[0].LastAccessedDate, today)
	}
	if !p.LastAccessedDate.IsZero() {
		t.Errorf("a read of the replica stamped the primary: %v", p.LastAccessedDate)
	}
	clk.Advance(48 * time.Hour)
	mustGet(t, s, "db")
	if got := mustDescribe(t, s.Region("eu-west-1"), "db").LastAccessedDate; !got.Equal(today) {
		t.Errorf("a read of the primary changed the replica's LastAccessedDate to %v", got)
	}
}

func TestListSecretsAndReplicas(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustCreate(t, s, "replicated", "v")
	mustCreate(t, s, "alone", "v")
	replicate(t, s, "replicated", "eu-west-1")
	eu := s.Region("eu-west-1")
	mustCreate(t, eu, "eu-own", "v")
	primaryRegion := func(v string) *ListSecretsInput {
		return &ListSecretsInput{SortBy: SortByName, Filters: []Filter{{Key: FilterNameStringTypePrimaryRegion, Values: []string{v}}}}
	}
	for _, tt := range []struct {
		view *Store
		in   *ListSecretsInput
		want []string
	}{
		{eu, &ListSecretsInput{SortBy: SortByName}, []string{"eu-own", "replicated"}},
		{eu, primaryRegion("us-east-1"), []string{"replicated"}},
		{eu, primaryRegion("!us-east-1"), []string{"eu-own"}},
		{s, primaryRegion("us-east-1"), []string{"replicated"}},
		{s, primaryRegion("eu"), nil},
	} {
		if got := listNames(t, tt.view, tt.in); !equalStrings(got, tt.want) {
			t.Errorf("%s %+v: %v, want %v", tt.view.RegionName(), tt.in.Filters, got, tt.want)
		}
	}
	out, err := eu.ListSecrets(context.Background(), &ListSecretsInput{SortBy: SortByName})
	if err != nil || out.SecretList[1].PrimaryRegion != "us-east-1" || out.SecretList[0].PrimaryRegion != "" {
		t.Errorf("ListSecrets in eu-west-1: %+v, %v", out, err)
	}
}

// TestReplicatedWriteIsAtomicAcrossAKill runs a child process that writes
// to a primary with three replicas and is killed (SIGKILL) while a write is
// between its operations and its commit; the store, reopened, holds every
// write acknowledged before the kill in all four regions, and nothing of
// the interrupted one in any.
func TestReplicatedWriteIsAtomicAcrossAKill(t *testing.T) {
	t.Parallel()
	if dir := os.Getenv("SECRETSTORE_CRASH_CHILD"); dir != "" {
		crashChild(t, dir)
		return
	}
	regions := []string{"eu-west-1", "ap-south-1", "sa-east-1"}
	key := newTestKey(t)
	for _, acked := range []int{0, 3} {
		t.Run(fmt.Sprintf("after %d writes", acked), func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "key"), key, 0o600)
			killedChild(t, "TestReplicatedWriteIsAtomicAcrossAKill", "SECRETSTORE_CRASH_CHILD="+dir, "SECRETSTORE_CRASH_ACKED="+strconv.Itoa(acked))

			s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, DisableReaper: true})
			defer mustClose(t, s)
			want := fmt.Sprint("v", acked)
			for _, region := range append([]string{"us-east-1"}, regions...) {
				view := s.Region(region)
				if got := mustGet(t, view, "db"); got != want {
					t.Errorf("%s: AWSCURRENT = %q, want %q (the last acknowledged write)", region, got, want)
				}
				if n := len(listVersions(t, view, "db")); n != acked+1 {
					t.Errorf("%s: %d versions, want %d", region, n, acked+1)
				}
				if err := view.check(); err != nil {
					t.Errorf("%s: %v", region, err)
				}
			}
			for _, region := range regions {
				wantReplicaOf(t, s, region, "db")
			}
		})
	}
}

// crashChild is the child of TestReplicatedWriteIsAtomicAcrossAKill: it
// creates db with three replicas in dir/data, makes the writes it is told
// to, and blocks inside the commit of one more.
func crashChild(t *testing.T, dir string) {
	key, err := os.ReadFile(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	acked, _ := strconv.Atoi(os.Getenv("SECRETSTORE_CRASH_ACKED"))
	s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, DisableReaper: true})
	ctx := context.Background()
	if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v0", AddReplicaRegions: []ReplicaRegionType{
		{Region: "eu-west-1"}, {Region: "ap-south-1", KmsKeyId: "alias/ap"}, {Region: "sa-east-1"},
	}}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= acked; i++ {
		mustPut(t, s, "db", fmt.Sprint("v", i))
	}
	s.c.beforeCommit = func() {
		fmt.Println("ready to be killed: blocked before commit")
		select {} // until the parent kills the process
	}
	mustPut(t, s, "db", "interrupted")
}
