package secretstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// mirrorSource is what a test's mirror source holds: version id to value
// ("" for a version with no value yet), and counts the values read.
type mirrorSource struct {
	values map[string]string
	reads  int
}

func (m *mirrorSource) value(ctx context.Context, id string) (MirrorValue, bool, error) {
	m.reads++
	v, ok := m.values[id]
	if !ok {
		return MirrorValue{}, false, errors.New("no such version at the source")
	}
	if v == "" {
		return MirrorValue{}, false, nil
	}
	if strings.HasPrefix(v, "bin:") {
		return MirrorValue{SecretBinary: []byte(v)}, true, nil
	}
	return MirrorValue{SecretString: v}, true, nil
}

const testSource = "http://upstream.example:4566?region=us-east-1"

// mirrorInput returns the input of a secret "app/db" at the source, with
// versions id => labels, created a minute apart in the order given.
func mirrorInput(src *mirrorSource, changed time.Time, versions ...any) *MirrorSecretInput {
	in := &MirrorSecretInput{
		Source:          testSource,
		Name:            "app/db",
		ARN:             "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-Ab12Cd",
		Description:     "the database",
		KmsKeyId:        "alias/aws/secretsmanager",
		Tags:            []Tag{{"team", "a"}},
		CreatedDate:     testEpoch.Add(-time.Hour),
		LastChangedDate: changed,
		Value:           src.value,
	}
	for i := 0; i < len(versions); i += 2 {
		in.Versions = append(in.Versions, MirrorVersion{
			VersionId:     versions[i].(string),
			VersionStages: versions[i+1].([]string),
			CreatedDate:   testEpoch.Add(time.Duration(i) * time.Minute),
		})
	}
	return in
}

func mustMirror(t *testing.T, s *Store, in *MirrorSecretInput) *MirrorSecretResult {
	t.Helper()
	out, err := s.MirrorSecret(t.Context(), in)
	if err != nil {
		t.Fatalf("MirrorSecret: %v", err)
	}
	return out
}

func TestMirrorSecretKeepsTheSourcesState(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	v1, v2, v3 := testToken("1"), testToken("2"), testToken("3")
	src := &mirrorSource{values: map[string]string{v1: "one", v2: "bin:two", v3: "three"}}
	changed := testEpoch.Add(-30 * time.Minute)

	out := mustMirror(t, s, mirrorInput(src, changed, v1, []string{StagePrevious}, v2, []string{StageCurrent, "blue"}))
	if !out.Created || out.ValuesRead != 2 || !slices.Equal(out.Changes, []string{"2 versions, labels AWSCURRENT AWSPREVIOUS blue"}) {
		t.Errorf("first pass: %+v", out)
	}
	d := mustDescribe(t, s, "app/db")
	want := &DescribeSecretOutput{
		ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-Ab12Cd", Name: "app/db", Description: "the database",
		CreatedDate: testEpoch.Add(-time.Hour), LastChangedDate: changed, Tags: []Tag{{"team", "a"}},
		VersionIdsToStages: map[string][]string{v1: {StagePrevious}, v2: {StageCurrent, "blue"}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("DescribeSecret:\n%+v\nwant\n%+v", d, want)
	}
	got, err := s.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: "app/db"})
	if err != nil || string(got.SecretBinary) != "bin:two" || got.VersionId != v2 || !got.CreatedDate.Equal(testEpoch.Add(2*time.Minute)) {
		t.Errorf("GetSecretValue: %+v, %v", got, err)
	}

	// Again, unchanged: no value read, nothing written.
	wantNoChange(t, s, func() {
		out = mustMirror(t, s, mirrorInput(src, changed, v1, []string{StagePrevious}, v2, []string{StageCurrent, "blue"}))
	})
	if out.Created || out.ValuesRead != 0 || len(out.Changes) != 0 || out.ARN != want.ARN {
		t.Errorf("unchanged pass: %+v", out)
	}

	// A rotation at the source: v3 current, v2 previous, v1 deprecated;
	// only v3's value is read.
	in := mirrorInput(src, changed.Add(time.Minute), v2, []string{StagePrevious, "blue"}, v3, []string{StageCurrent})
	in.Tags = append(in.Tags, Tag{"env", "prod"})
	out = mustMirror(t, s, in)
	if out.ValuesRead != 1 || !slices.Equal(out.Changes, []string{"tags set", "dates set", "labels set", "1 version written"}) {
		t.Errorf("rotation pass: %+v", out)
	}
	wantStages(t, s, "app/db", map[string][]string{v1: nil, v2: {"AWSPREVIOUS", "blue"}, v3: {"AWSCURRENT"}})
	if v := mustGet(t, s, "app/db"); v != "three" {
		t.Errorf("current value %q", v)
	}
	old, err := s.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: "app/db", VersionId: v1})
	if err != nil || old.SecretString != "one" {
		t.Errorf("the deprecated version: %+v, %v", old, err)
	}
	// Back to an old label layout: no value is read, v1 is labelled again.
	out = mustMirror(t, s, mirrorInput(src, changed.Add(2*time.Minute), v1, []string{StageCurrent}))
	if out.ValuesRead != 0 || !slices.Contains(out.Changes, "labels set") {
		t.Errorf("rollback pass: %+v", out)
	}
	wantStages(t, s, "app/db", map[string][]string{v1: {"AWSCURRENT"}, v2: nil, v3: nil})
}

func TestMirroredSecretIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, _ := newTestStore(t, func(o *Options) { o.Region = "us-east-1" })
	v1 := testToken("1")
	src := &mirrorSource{values: map[string]string{v1: "one"}}
	mustMirror(t, s, mirrorInput(src, testEpoch, v1, []string{StageCurrent}))
	id, days := "app/db", int64(7)
	desc := "x"
	writes := []struct {
		op string
		fn func() error
	}{
		{"PutSecretValue", func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: id, SecretString: "new"})
			return err
		}},
		{"UpdateSecret", func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: id, Description: &desc})
			return err
		}},
		{"UpdateSecretVersionStage", func() error {
			_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: id, VersionStage: "x", MoveToVersionId: v1})
			return err
		}},
		{"TagResource", func() error {
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: id, Tags: []Tag{{"k", "v"}}})
			return err
		}},
		{"UntagResource", func() error {
			_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: id, TagKeys: []string{"team"}})
			return err
		}},
		{"DeleteSecret", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: id, RecoveryWindowInDays: &days})
			return err
		}},
		{"DeleteSecret forced", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: id, ForceDeleteWithoutRecovery: true})
			return err
		}},
		{"RestoreSecret", func() error {
			_, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: id})
			return err
		}},
		{"PutResourcePolicy", func() error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: id, ResourcePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`})
			return err
		}},
		{"DeleteResourcePolicy", func() error {
			_, err := s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{SecretId: id})
			return err
		}},
		{"RotateSecret", func() error {
			_, err := s.RotateSecret(ctx, &RotateSecretInput{SecretId: id, RotationLambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:f"})
			return err
		}},
		{"CancelRotateSecret", func() error {
			_, err := s.CancelRotateSecret(ctx, &CancelRotateSecretInput{SecretId: id})
			return err
		}},
		{"ReplicateSecretToRegions", func() error {
			_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: id, AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}})
			return err
		}},
	}
	want := "Operation not permitted on a mirrored secret. Call must be made at its source, " + testSource + "."
	for _, w := range writes {
		t.Run(w.op, func(t *testing.T) {
			wantNoChange(t, s, func() { wantMessage(t, w.fn(), ErrInvalidParameter, want) })
		})
	}
	// Reads work.
	if v := mustGet(t, s, id); v != "one" {
		t.Errorf("Get: %q", v)
	}
	// CreateSecret on its name is the usual ResourceExistsException.
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: id, SecretString: "x"})
	wantErr(t, err, ErrResourceExists, "")
	// A replica forced over it in another region fails there, naming the source.
	if _, err := s.Region("eu-west-1").CreateSecret(ctx, &CreateSecretInput{Name: "other", SecretString: "x"}); err != nil {
		t.Fatal(err)
	}
	eu := s.Region("eu-west-1")
	mustMirror(t, eu, mirrorInput(src, testEpoch, v1, []string{StageCurrent}))
	if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "primary", SecretString: "x"}); err != nil {
		t.Fatal(err)
	}
	rename := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
	rename.Name, rename.ARN = "primary", ""
	if _, err := eu.MirrorSecret(ctx, rename); err != nil {
		t.Fatal(err)
	}
	out, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "primary", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}, ForceOverwriteReplicaSecret: true})
	if err != nil || len(out.ReplicationStatus) != 1 || out.ReplicationStatus[0].Status != statusFailed || !strings.Contains(out.ReplicationStatus[0].StatusMessage, testSource) {
		t.Errorf("a replica over a mirrored secret: %+v, %v", out, err)
	}
	if v := mustGet(t, eu, "primary"); v != "one" {
		t.Errorf("the mirrored secret was replaced: %q", v)
	}
}

func TestMirrorSecretLeavesOtherSecretsAlone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, _ := newTestStore(t)
	v1 := testToken("1")
	src := &mirrorSource{values: map[string]string{v1: "one"}}
	other := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
	other.Source = "aws://eu-west-1"
	tests := []struct {
		name  string
		setup func(name string)
		want  string
	}{
		{"the store's own", func(name string) { mustCreate(t, s, name, "own") }, "is this store's own"},
		{"mirrored from another source", func(name string) {
			in := *other
			in.Name, in.ARN = name, ""
			mustMirror(t, s, &in)
		}, "is mirrored from aws://eu-west-1"},
		{"a replica", func(name string) {
			eu := s.Region("eu-west-1")
			if _, err := eu.CreateSecret(ctx, &CreateSecretInput{Name: name, SecretString: "x", AddReplicaRegions: []ReplicaRegionType{{Region: s.region}}}); err != nil {
				t.Fatal(err)
			}
		}, "is a replica of the secret in eu-west-1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("taken-%d", i)
			tt.setup(name)
			in := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
			in.Name, in.ARN = name, ""
			wantNoChange(t, s, func() {
				_, err := s.MirrorSecret(ctx, in)
				wantErr(t, err, ErrResourceExists, tt.want)
			})
			if _, err := s.PruneMirror(ctx, &PruneMirrorInput{Source: testSource, Keep: func(string) bool { return false }}); err != nil {
				t.Fatal(err)
			}
			if d := mustDescribe(t, s, name); !d.DeletedDate.IsZero() {
				t.Errorf("PruneMirror deleted a secret that is not its source's")
			}
		})
	}
}

func TestMirrorSecretRefusesWhatAWSWouldRefuse(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	v1, v2 := testToken("1"), testToken("2")
	src := &mirrorSource{values: map[string]string{v1: "one", v2: strings.Repeat("x", 65537)}}
	tests := []struct {
		name   string
		change func(in *MirrorSecretInput)
		want   error
		msg    string
	}{
		{"no source", func(in *MirrorSecretInput) { in.Source = "" }, ErrInvalidParameter, "URL of its source"},
		{"a bad name", func(in *MirrorSecretInput) { in.Name, in.ARN = "a b", "" }, ErrValidation, ""},
		{"an ARN of another name", func(in *MirrorSecretInput) {
			in.ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-Ab12Cd"
		}, ErrInvalidParameter, "is not one of a secret named app/db"},
		{"a reserved tag", func(in *MirrorSecretInput) { in.Tags = []Tag{{"aws:x", "y"}} }, ErrInvalidParameter, ""},
		{"a short version id", func(in *MirrorSecretInput) { in.Versions[0].VersionId = "v1" }, ErrValidation, ""},
		{"a version twice", func(in *MirrorSecretInput) { in.Versions = append(in.Versions, in.Versions[0]) }, ErrInvalidParameter, "twice"},
		{"a label on two versions", func(in *MirrorSecretInput) {
			in.Versions = append(in.Versions, MirrorVersion{VersionId: v2, VersionStages: []string{StageCurrent}})
		}, ErrInvalidParameter, "to two versions"},
		{"a version with no label", func(in *MirrorSecretInput) { in.Versions[0].VersionStages = nil }, ErrInvalidParameter, "no staging label"},
		{"no Value function", func(in *MirrorSecretInput) { in.Value = nil }, ErrInvalidParameter, "Value function"},
		{"a value too large", func(in *MirrorSecretInput) { in.Versions[0].VersionId = v2 }, ErrValidation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
			tt.change(in)
			wantNoChange(t, s, func() {
				_, err := s.MirrorSecret(t.Context(), in)
				wantErr(t, err, tt.want, tt.msg)
			})
		})
	}
	t.Run("a source that fails to give a value", func(t *testing.T) {
		in := mirrorInput(src, testEpoch, testToken("9"), []string{StageCurrent})
		wantNoChange(t, s, func() {
			_, err := s.MirrorSecret(t.Context(), in)
			if err == nil || !strings.Contains(err.Error(), "no such version at the source") {
				t.Errorf("got %v", err)
			}
		})
	})
}

// TestMirrorSecretWritesOnce: a secret's new state, however many versions
// and labels it changes, is one transaction.
func TestMirrorSecretWritesOnce(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	commits := 0
	s.c.beforeCommit = func() { commits++ }
	var versions []any
	src := &mirrorSource{values: map[string]string{}}
	for i := range 12 {
		id := fmt.Sprintf("%036d", i)
		src.values[id] = fmt.Sprint("value ", i)
		labels := []string{fmt.Sprint("L", i)}
		if i == 11 {
			labels = append(labels, StageCurrent)
		}
		versions = append(versions, id, labels)
	}
	out := mustMirror(t, s, mirrorInput(src, testEpoch, versions...))
	if commits != 1 || out.ValuesRead != 12 {
		t.Errorf("%d commits, %d values read; want 1 and 12", commits, out.ValuesRead)
	}
	commits = 0
	out = mustMirror(t, s, mirrorInput(src, testEpoch, versions...))
	if commits != 0 || out.ValuesRead != 0 {
		t.Errorf("again: %d commits, %d values read; want none", commits, out.ValuesRead)
	}
}

// TestMirrorSecretWithAPendingVersion: a version the source has no value
// for yet keeps its label, reads as AWS's "no value" error, and gets its
// value when the source has one.
func TestMirrorSecretWithAPendingVersion(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	v1, v2 := testToken("1"), testToken("2")
	src := &mirrorSource{values: map[string]string{v1: "one", v2: ""}}
	mustMirror(t, s, mirrorInput(src, testEpoch, v1, []string{StageCurrent}, v2, []string{StagePending}))
	_, err := s.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: "app/db", VersionStage: StagePending})
	wantErr(t, err, ErrResourceNotFound, "")
	src.values[v2] = "two"
	out := mustMirror(t, s, mirrorInput(src, testEpoch.Add(time.Second), v1, []string{StageCurrent}, v2, []string{StagePending}))
	if out.ValuesRead != 1 {
		t.Errorf("%+v", out)
	}
	got, err := s.GetSecretValue(t.Context(), &GetSecretValueInput{SecretId: "app/db", VersionStage: StagePending})
	if err != nil || got.SecretString != "two" {
		t.Errorf("%+v, %v", got, err)
	}
}

func TestMirrorDeletionAndPrune(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, clk := newTestStore(t)
	v1 := testToken("1")
	src := &mirrorSource{values: map[string]string{v1: "one"}}
	for _, name := range []string{"a", "b", "c"} {
		in := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
		in.Name, in.ARN = name, ""
		mustMirror(t, s, in)
	}
	mustCreate(t, s, "own", "x")
	keep := func(name string) bool { return name == "a" }

	dry, err := s.PruneMirror(ctx, &PruneMirrorInput{Source: testSource, Keep: keep, DryRun: true})
	if err != nil || !slices.Equal(dry.Names, []string{"b", "c"}) {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if d := mustDescribe(t, s, "b"); !d.DeletedDate.IsZero() {
		t.Fatal("the dry run deleted b")
	}
	out, err := s.PruneMirror(ctx, &PruneMirrorInput{Source: testSource, Keep: keep})
	if err != nil || !slices.Equal(out.Names, []string{"b", "c"}) {
		t.Fatalf("prune: %+v, %v", out, err)
	}
	d := mustDescribe(t, s, "b")
	if !d.DeletedDate.Equal(clk.Now()) {
		t.Errorf("b: DeletedDate %v", d.DeletedDate)
	}
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "b"})
	wantErr(t, err, ErrInvalidRequest, "marked for deletion")
	if out, err := s.PruneMirror(ctx, &PruneMirrorInput{Source: testSource, Keep: keep}); err != nil || len(out.Names) != 0 {
		t.Errorf("second prune: %+v, %v", out, err)
	}

	// The source has b again: the next MirrorSecret restores it.
	in := mirrorInput(src, testEpoch, v1, []string{StageCurrent})
	in.Name, in.ARN = "b", ""
	if out := mustMirror(t, s, in); !slices.Contains(out.Changes, "restored") {
		t.Errorf("restore: %+v", out)
	}
	if v := mustGet(t, s, "b"); v != "one" {
		t.Errorf("b: %q", v)
	}
	// Scheduled for deletion at the source: scheduled here too, and the
	// reaper purges it after the window; then the source's secret is a
	// new one.
	in.DeletedDate = clk.Now()
	if out := mustMirror(t, s, in); !slices.Contains(out.Changes, "scheduled for deletion") {
		t.Errorf("deleted at the source: %+v", out)
	}
	clk.Advance(31 * 24 * time.Hour)
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	in.DeletedDate = time.Time{}
	if out := mustMirror(t, s, in); !out.Created {
		t.Errorf("after the purge: %+v", out)
	}
}

// TestMirrorSecretRecreatedAtTheSource: a secret the source deleted and
// created again under the same name (another ARN suffix) replaces the old
// one: its versions are the new secret's alone.
func TestMirrorSecretRecreatedAtTheSource(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	v1, v2 := testToken("1"), testToken("2")
	src := &mirrorSource{values: map[string]string{v1: "one", v2: "two"}}
	mustMirror(t, s, mirrorInput(src, testEpoch, v1, []string{StageCurrent}))
	in := mirrorInput(src, testEpoch.Add(time.Hour), v2, []string{StageCurrent})
	in.ARN = strings.Replace(in.ARN, "Ab12Cd", "Zz99Yy", 1)
	out := mustMirror(t, s, in)
	if !out.Created || !strings.HasSuffix(out.ARN, "-Zz99Yy") {
		t.Errorf("%+v", out)
	}
	wantStages(t, s, "app/db", map[string][]string{v2: {StageCurrent}})
}

func ExampleStore_MirrorSecret() {
	ctx := context.Background()
	store, err := Open(ctx, Options{InMemory: true, MasterKey: make([]byte, 32)})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	// What a mirror's source has: one secret, one version (a mirror reads
	// these with the AWS SDK: see secretstore serve --mirror-from).
	in := &MirrorSecretInput{
		Source: "https://secretsmanager.us-east-1.amazonaws.com",
		Name:   "prod/db",
		Versions: []MirrorVersion{
			{VersionId: "0f4c3b8e-6c0e-4bb6-9d3a-5f8d3f9a2b11", VersionStages: []string{StageCurrent}},
		},
		Value: func(ctx context.Context, versionID string) (MirrorValue, bool, error) {
			return MirrorValue{SecretString: "hunter2"}, true, nil
		},
	}
	out, err := store.MirrorSecret(ctx, in)
	fmt.Println(out.Created, out.Changes, err)
	out, err = store.MirrorSecret(ctx, in) // unchanged: nothing is read or written
	fmt.Println(out.Created, out.Changes, out.ValuesRead, err)
	_, err = store.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "prod/db", SecretString: "x"})
	fmt.Println(err)
	// Output:
	// true [1 version, labels AWSCURRENT] <nil>
	// false [] 0 <nil>
	// InvalidParameterException: Operation not permitted on a mirrored secret. Call must be made at its source, https://secretsmanager.us-east-1.amazonaws.com.
}

// TestMirrorSecretScheduledAtTheSource: a secret scheduled for deletion at
// the source (whose values can no longer be read there) is scheduled here
// with its versions and labels as they were, no value read; one the store
// does not have is not created.
func TestMirrorSecretScheduledAtTheSource(t *testing.T) {
	t.Parallel()
	s, clk := newTestStore(t)
	v1, v2 := testToken("1"), testToken("2")
	src := &mirrorSource{values: map[string]string{v1: "one"}}
	mustMirror(t, s, mirrorInput(src, testEpoch, v1, []string{StageCurrent}))
	src.reads = 0

	in := mirrorInput(src, testEpoch.Add(time.Minute), v2, []string{StageCurrent})
	in.DeletedDate = clk.Now()
	out := mustMirror(t, s, in)
	if src.reads != 0 || !slices.Equal(out.Changes, []string{"scheduled for deletion", "dates set"}) {
		t.Errorf("%+v, %d values read", out, src.reads)
	}
	d := mustDescribe(t, s, "app/db")
	if !d.DeletedDate.Equal(clk.Now()) || !d.LastChangedDate.Equal(testEpoch.Add(time.Minute)) || !reflect.DeepEqual(d.VersionIdsToStages, map[string][]string{v1: {StageCurrent}}) {
		t.Errorf("DescribeSecret: %+v", d)
	}
	wantNoChange(t, s, func() {
		if out := mustMirror(t, s, in); len(out.Changes) != 0 || src.reads != 0 {
			t.Errorf("again: %+v", out)
		}
	})

	other := mirrorInput(src, testEpoch, v2, []string{StageCurrent})
	other.Name, other.ARN, other.DeletedDate = "never-seen", "", clk.Now()
	wantNoChange(t, s, func() {
		if out := mustMirror(t, s, other); out.Created || len(out.Changes) != 0 || src.reads != 0 {
			t.Errorf("a secret the store lacks: %+v", out)
		}
	})
}
