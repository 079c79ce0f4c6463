package secretstore

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

const day24 = 24 * time.Hour

func TestDeleteSecretRecoveryWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		window  *int64
		force   bool
		want    time.Duration // DeletionDate - request time
		wantErr error
		msg     string
	}{
		{name: "default window is 30 days", want: 30 * day24},
		{name: "7 days", window: new(int64(7)), want: 7 * day24},
		{name: "30 days", window: new(int64(30)), want: 30 * day24},
		{name: "force without window deletes now", force: true, want: 0},
		{name: "6 days is too short", window: new(int64(6)), wantErr: ErrInvalidParameter,
			msg: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		{name: "31 days is too long", window: new(int64(31)), wantErr: ErrInvalidParameter,
			msg: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		{name: "0 days is out of range", window: new(int64(0)), wantErr: ErrInvalidParameter,
			msg: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		{name: "force with a window", window: new(int64(7)), force: true, wantErr: ErrInvalidParameter,
			msg: "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, clk := newTestStore(t)
			created := mustCreate(t, s, "db/password", "hunter2")
			clk.Advance(time.Hour + 123*time.Millisecond)
			out, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db/password", RecoveryWindowInDays: tt.window, ForceDeleteWithoutRecovery: tt.force})
			if tt.wantErr != nil {
				wantMessage(t, err, tt.wantErr, tt.msg)
				if got := mustGet(t, s, "db/password"); got != "hunter2" {
					t.Fatalf("a refused delete changed the secret: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeleteSecret: %v", err)
			}
			if out.ARN != created.ARN || out.Name != "db/password" {
				t.Fatalf("output = %+v; want ARN %s", out, created.ARN)
			}
			if want := clk.Now().Add(tt.want); !out.DeletionDate.Equal(want) {
				t.Fatalf("DeletionDate = %v, want %v", out.DeletionDate, want)
			}
			d, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "db/password"})
			if tt.force {
				wantErr(t, err, ErrResourceNotFound, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !d.DeletedDate.Equal(clk.Now()) {
				t.Fatalf("DeletedDate = %v, want the time of the call %v", d.DeletedDate, clk.Now())
			}
		})
	}
}

func TestForceDeleteOfAMissingSecretSucceeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	out, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "never-existed", ForceDeleteWithoutRecovery: true})
	if err != nil {
		t.Fatalf("forced delete of a missing secret: %v", err)
	}
	if out.Name != "never-existed" || !out.DeletionDate.Equal(clk.Now()) ||
		!regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:never-existed-[A-Za-z0-9]{6}$`).MatchString(out.ARN) {
		t.Fatalf("output = %+v", out)
	}
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"
	if out, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: arn, ForceDeleteWithoutRecovery: true}); err != nil || out.ARN != arn {
		t.Fatalf("forced delete of a missing ARN: %+v %v", out, err)
	}
	_, err = s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "never-existed"})
	wantMessage(t, err, ErrResourceNotFound, "Secrets Manager can't find the specified secret.")
	// Forcing twice: the second finds nothing and succeeds too.
	mustCreate(t, s, "twice", "v")
	for range 2 {
		mustDelete(t, s, &DeleteSecretInput{SecretId: "twice", ForceDeleteWithoutRecovery: true})
	}
}

func TestSecretScheduledForDeletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	created := mustCreate(t, s, "app/key", "value-1")
	v2 := mustPut(t, s, "app/key", "value-2")
	if _, err := s.TagResource(ctx, &TagResourceInput{SecretId: "app/key", Tags: []Tag{{"env", "prod"}}}); err != nil {
		t.Fatal(err)
	}
	before := stages(t, s, "app/key")
	del, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: created.ARN, RecoveryWindowInDays: new(int64(7))})
	if err != nil {
		t.Fatal(err)
	}
	const marked = "You can't perform this operation on the secret because it was marked for deletion."

	t.Run("reads and writes fail with InvalidRequestException", func(t *testing.T) {
		ops := map[string]func() error{
			"GetSecretValue": func() error {
				_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "app/key"})
				return err
			},
			"PutSecretValue": func() error {
				_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "app/key", SecretString: "x"})
				return err
			},
			"UpdateSecret": func() error {
				_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "app/key", Description: new("d")})
				return err
			},
			"UpdateSecretVersionStage": func() error {
				_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "app/key", VersionStage: "X", MoveToVersionId: v2.VersionId})
				return err
			},
			"TagResource": func() error {
				_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "app/key", Tags: []Tag{{"a", "b"}}})
				return err
			},
			"UntagResource": func() error {
				_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "app/key", TagKeys: []string{"env"}})
				return err
			},
		}
		for name, op := range ops {
			t.Run(name, func(t *testing.T) { wantMessage(t, op(), ErrInvalidRequest, marked) })
		}
	})
	t.Run("a second delete without force fails", func(t *testing.T) {
		_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "app/key"})
		wantMessage(t, err, ErrInvalidRequest, "You tried to perform the operation on a secret that's currently marked deleted.")
	})
	t.Run("CreateSecret with the same name fails", func(t *testing.T) {
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "app/key", SecretString: "new"})
		wantMessage(t, err, ErrInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion.")
	})
	t.Run("BatchGetSecretValue reports it in Errors", func(t *testing.T) {
		out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"app/key"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.SecretValues) != 0 || len(out.Errors) != 1 || out.Errors[0].ErrorCode != "InvalidRequestException" || out.Errors[0].SecretId != "app/key" {
			t.Fatalf("output = %+v", out)
		}
	})
	t.Run("DescribeSecret works and shows DeletedDate", func(t *testing.T) {
		d := mustDescribe(t, s, "app/key")
		if !d.DeletedDate.Equal(clk.Now()) || d.ARN != created.ARN || len(d.Tags) != 1 {
			t.Fatalf("describe = %+v", d)
		}
	})
	t.Run("ListSecretVersionIds works", func(t *testing.T) {
		if got := stages(t, s, "app/key"); len(got) != len(before) {
			t.Fatalf("versions = %v, want %v", got, before)
		}
	})
	t.Run("ListSecrets shows it only with IncludePlannedDeletion", func(t *testing.T) {
		for _, include := range []bool{false, true} {
			out, err := s.ListSecrets(ctx, &ListSecretsInput{IncludePlannedDeletion: include})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(out.SecretList); got != map[bool]int{false: 0, true: 1}[include] {
				t.Fatalf("IncludePlannedDeletion %v: %d secrets listed", include, got)
			}
			if include && !out.SecretList[0].DeletedDate.Equal(clk.Now()) {
				t.Fatalf("listed DeletedDate = %v", out.SecretList[0].DeletedDate)
			}
		}
	})
	t.Run("restore before the DeletionDate brings everything back", func(t *testing.T) {
		clk.Set(del.DeletionDate.Add(-time.Second))
		out, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: "app/key"})
		if err != nil || out.ARN != created.ARN || out.Name != "app/key" {
			t.Fatalf("RestoreSecret = %+v, %v", out, err)
		}
		if got := mustGet(t, s, "app/key"); got != "value-2" {
			t.Fatalf("value after restore = %q", got)
		}
		if got := stages(t, s, "app/key"); len(got) != len(before) || got[v2.VersionId][0] != StageCurrent {
			t.Fatalf("labels after restore = %v, want %v", got, before)
		}
		d := mustDescribe(t, s, "app/key")
		if !d.DeletedDate.IsZero() || len(d.Tags) != 1 {
			t.Fatalf("describe after restore = %+v", d)
		}
		mustPut(t, s, "app/key", "value-3")
		// The old deletion date has passed: nothing is purged.
		clk.Set(del.DeletionDate.Add(time.Second))
		if st, err := s.Reap(ctx); err != nil || st.Purged != 0 {
			t.Fatalf("Reap after restore = %+v, %v", st, err)
		}
		if got := mustGet(t, s, "app/key"); got != "value-3" {
			t.Fatalf("value = %q", got)
		}
	})
}

func TestRestoreSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("on a live secret it succeeds and changes nothing", func(t *testing.T) {
		s, clk := newTestStore(t)
		mustCreate(t, s, "live", "v")
		before := mustDescribe(t, s, "live")
		clk.Advance(time.Minute)
		if _, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: "live"}); err != nil {
			t.Fatal(err)
		}
		if after := mustDescribe(t, s, "live"); !after.LastChangedDate.Equal(before.LastChangedDate) {
			t.Fatalf("LastChangedDate moved: %v -> %v", before.LastChangedDate, after.LastChangedDate)
		}
	})
	t.Run("a missing secret is not found", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: "missing"})
		wantErr(t, err, ErrResourceNotFound, "")
	})
	t.Run("after the DeletionDate the secret is gone and its name free", func(t *testing.T) {
		s, clk := newTestStore(t)
		old := mustCreate(t, s, "gone", "old")
		del, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "gone", RecoveryWindowInDays: new(int64(7))})
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(del.DeletionDate) // the window ends at DeletionDate: gone even before the reaper runs
		_, err = s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: "gone"})
		wantErr(t, err, ErrResourceNotFound, "")
		_, err = s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: old.ARN})
		wantErr(t, err, ErrResourceNotFound, "")
		if out, err := s.ListSecrets(ctx, &ListSecretsInput{IncludePlannedDeletion: true}); err != nil || len(out.SecretList) != 0 {
			t.Fatalf("ListSecrets = %+v, %v", out, err)
		}
		fresh := mustCreate(t, s, "gone", "new")
		if fresh.ARN == old.ARN {
			t.Fatalf("the new secret has the old ARN %s; AWS gives a new suffix", fresh.ARN)
		}
		if got := mustGet(t, s, "gone"); got != "new" {
			t.Fatalf("value = %q", got)
		}
	})
}

func TestForceDeleteFreesTheNameAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	old := mustCreate(t, s, "reused", "old")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "reused", RecoveryWindowInDays: new(int64(10))})
	// A forced delete of a scheduled secret is allowed.
	if _, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "reused", ForceDeleteWithoutRecovery: true}); err != nil {
		t.Fatalf("forced delete of a scheduled secret: %v", err)
	}
	fresh := mustCreate(t, s, "reused", "new")
	if fresh.ARN == old.ARN {
		t.Fatal("same ARN after a forced delete")
	}
	st, err := s.Reap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Purged != 0 || st.Shredded != 1 {
		t.Fatalf("Reap = %+v; want the old versions shredded and nothing purged", st)
	}
	if got := mustGet(t, s, "reused"); got != "new" {
		t.Fatalf("the reaper touched the new secret: %q", got)
	}
	if _, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: old.ARN}); !errors.Is(err, ErrResourceNotFound) {
		t.Fatalf("old ARN: %v", err)
	}
}

func TestDeleteReplicaRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	primary := mustCreate(t, s, "primary", "v")
	_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{
		SecretId:          "primary",
		AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}, {Region: "ap-south-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	_, err = s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "primary"})
	wantMessage(t, err, ErrInvalidParameter, "You can't delete secret "+primary.ARN+" that still has replica regions [ap-south-1, eu-west-1].")
	_, err = s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "primary", ForceDeleteWithoutRecovery: true})
	wantErr(t, err, ErrInvalidParameter, "still has replica regions")
	_, err = s.Region("eu-west-1").DeleteSecret(ctx, &DeleteSecretInput{SecretId: "primary"})
	wantMessage(t, err, ErrInvalidParameter, awsmodel.ReplicaNotPermitted)

	_, err = s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: "primary", RemoveReplicaRegions: []string{"eu-west-1", "ap-south-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "primary"}); err != nil {
		t.Fatalf("delete after the replicas are removed: %v", err)
	}
}

func TestDeleteAndRestoreHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	mustCreate(t, s, "h", "v")
	at, err := s.Delete(ctx, "h", 0)
	if err != nil || !at.Equal(clk.Now().Add(30*day24)) {
		t.Fatalf("Delete(h, 0) = %v, %v; want now + 30 days", at, err)
	}
	if err := s.Restore(ctx, "h"); err != nil {
		t.Fatal(err)
	}
	if at, err = s.Delete(ctx, "h", 7); err != nil || !at.Equal(clk.Now().Add(7*day24)) {
		t.Fatalf("Delete(h, 7) = %v, %v", at, err)
	}
	if err := s.Restore(ctx, "h"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Delete(ctx, "h", 3)
	wantErr(t, err, ErrInvalidParameter, "between 7 and 30")
	if got := mustGet(t, s, "h"); got != "v" {
		t.Fatalf("value = %q", got)
	}
}
