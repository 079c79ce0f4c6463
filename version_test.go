package secretstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// TestLabelMoves runs one secret through a sequence of puts and
// UpdateSecretVersionStage calls, checking every version's labels (and that
// no label is on two versions) after every step.
func TestLabelMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	v := func(n string) string { return testToken(n) }
	put := func(n, value string, stages ...string) func() error {
		return func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", ClientRequestToken: v(n), SecretString: value, VersionStages: stages})
			return err
		}
	}
	move := func(label, from, to string) func() error {
		return func() error {
			in := &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: label}
			if from != "" {
				in.RemoveFromVersionId = v(from)
			}
			if to != "" {
				in.MoveToVersionId = v(to)
			}
			out, err := s.UpdateSecretVersionStage(ctx, in)
			if err == nil && (out.Name != "db" || !strings.HasPrefix(out.ARN, "arn:aws:secretsmanager:")) {
				return fmt.Errorf("output %+v", out)
			}
			return err
		}
	}
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "one", ClientRequestToken: v("1")})
	wantErr(t, err, nil, "")

	type labels = map[string][]string
	steps := []struct {
		name     string
		do       func() error
		sentinel error
		msg      string
		want     labels // by short version name
		current  string // the value GetSecretValue returns
	}{
		{"the first version is AWSCURRENT", func() error { return nil }, nil, "",
			labels{"1": {StageCurrent}}, "one"},
		{"a put moves AWSCURRENT and the old current becomes AWSPREVIOUS", put("2", "two"), nil, "",
			labels{"1": {StagePrevious}, "2": {StageCurrent}}, "two"},
		{"a third put deprecates the oldest version", put("3", "three"), nil, "",
			labels{"1": {}, "2": {StagePrevious}, "3": {StageCurrent}}, "three"},
		{"a put with only AWSPENDING leaves AWSCURRENT where it is", put("4", "four", StagePending), nil, "",
			labels{"1": {}, "2": {StagePrevious}, "3": {StageCurrent}, "4": {StagePending}}, "three"},
		{"a put with AWSCURRENT and a custom label moves AWSCURRENT and AWSPREVIOUS follows", put("5", "five", StageCurrent, "PUT0"), nil, "",
			labels{"1": {}, "2": {}, "3": {StagePrevious}, "4": {StagePending}, "5": {StageCurrent, "PUT0"}}, "five"},
		{"a label on no version is attached with MoveToVersionId alone", move("CUSTOM", "", "3"), nil, "",
			labels{"1": {}, "2": {}, "3": {StagePrevious, "CUSTOM"}, "4": {StagePending}, "5": {StageCurrent, "PUT0"}}, "five"},
		{"a put keeps the custom labels of the old current and of the old previous", put("6", "six"), nil, "",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePending}, "5": {StagePrevious, "PUT0"}, "6": {StageCurrent}}, "six"},
		{"moving AWSCURRENT without RemoveFromVersionId fails", move(StageCurrent, "", "4"), ErrInvalidParameter,
			"The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version " + v("6") + ", so you must explicitly reference that version in RemoveFromVersionId.",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePending}, "5": {StagePrevious, "PUT0"}, "6": {StageCurrent}}, "six"},
		{"moving AWSCURRENT from a version that does not hold it fails", move(StageCurrent, "5", "4"), ErrInvalidParameter,
			"When you move staging label AWSCURRENT, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label AWSCURRENT.",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePending}, "5": {StagePrevious, "PUT0"}, "6": {StageCurrent}}, "six"},
		{"moving a custom label without RemoveFromVersionId fails", move("CUSTOM", "", "4"), ErrInvalidParameter,
			"Staging label CUSTOM is currently attached to version " + v("3"),
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePending}, "5": {StagePrevious, "PUT0"}, "6": {StageCurrent}}, "six"},
		{"moving AWSCURRENT gives the old current AWSPREVIOUS, the target keeps AWSPENDING, the old previous keeps its custom label", move(StageCurrent, "6", "4"), nil, "",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StageCurrent, StagePending}, "5": {"PUT0"}, "6": {StagePrevious}}, "four"},
		{"a custom label is added next to AWSCURRENT and AWSPENDING", move("PUT1", "", "4"), nil, "",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StageCurrent, StagePending, "PUT1"}, "5": {"PUT0"}, "6": {StagePrevious}}, "four"},
		{"a put without labels drops AWSPENDING from the old current", put("7", "seven"), nil, "",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePrevious, "PUT1"}, "5": {"PUT0"}, "6": {}, "7": {StageCurrent}}, "seven"},
		{"RemoveFromVersionId alone removes a label", move("PUT1", "4", ""), nil, "",
			labels{"1": {}, "2": {}, "3": {"CUSTOM"}, "4": {StagePrevious}, "5": {"PUT0"}, "6": {}, "7": {StageCurrent}}, "seven"},
		{"removing the last label deprecates the version", move("CUSTOM", "3", ""), nil, "",
			labels{"1": {}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {"PUT0"}, "6": {}, "7": {StageCurrent}}, "seven"},
		{"AWSCURRENT can't be removed without moving it", move(StageCurrent, "7", ""), ErrInvalidParameter,
			"You can't remove the staging label AWSCURRENT from version " + v("7") + " without moving it: specify MoveToVersionId, the version that becomes current.",
			labels{"1": {}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {"PUT0"}, "6": {}, "7": {StageCurrent}}, "seven"},
		{"moving a custom label with RemoveFromVersionId deprecates the version it leaves", move("PUT0", "5", "7"), nil, "",
			labels{"1": {}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {}, "6": {}, "7": {StageCurrent, "PUT0"}}, "seven"},
		{"moving AWSCURRENT onto the AWSPREVIOUS version swaps them, custom labels stay", move(StageCurrent, "7", "4"), nil, "",
			labels{"1": {}, "2": {}, "3": {}, "4": {StageCurrent}, "5": {}, "6": {}, "7": {StagePrevious, "PUT0"}}, "four"},
		{"moving AWSCURRENT onto a deprecated version takes AWSPREVIOUS from its holder", move(StageCurrent, "4", "1"), nil, "",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {}, "6": {}, "7": {"PUT0"}}, "one"},
		{"moving a label to the version that holds it changes nothing", move(StageCurrent, "1", "1"), nil, "",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {}, "6": {}, "7": {"PUT0"}}, "one"},
		{"attaching a label to its holder without RemoveFromVersionId changes nothing", move("PUT0", "", "7"), nil, "",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {StagePrevious}, "5": {}, "6": {}, "7": {"PUT0"}}, "one"},
		{"a custom label starting with AWS is an ordinary label", move("AWSSOMETHING", "", "2"), nil, "",
			labels{"1": {StageCurrent}, "2": {"AWSSOMETHING"}, "3": {}, "4": {StagePrevious}, "5": {}, "6": {}, "7": {"PUT0"}}, "one"},
		{"a put with AWSPREVIOUS only moves that label", put("8", "eight", StagePrevious), nil, "",
			labels{"1": {StageCurrent}, "2": {"AWSSOMETHING"}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {"PUT0"}, "8": {StagePrevious}}, "one"},
		{"a put with a custom label takes it from its holder", put("9", "nine", "PUT0", "AWSSOMETHING"), nil, "",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
		{"an unknown MoveToVersionId fails", move("X", "", "f"), ErrInvalidParameter, "Secrets Manager can't find version " + v("f") + " of secret db.",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
		{"an unknown RemoveFromVersionId fails", move(StageCurrent, "f", "2"), ErrInvalidParameter, "Secrets Manager can't find version " + v("f") + " of secret db.",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
		{"removing a label from a version without it fails", move("PUT0", "2", ""), ErrInvalidParameter,
			"Version " + v("2") + " of secret db doesn't have the staging label PUT0, so it can't be removed from it.",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
		{"neither RemoveFromVersionId nor MoveToVersionId fails", move("PUT0", "", ""), ErrInvalidParameter,
			"You must specify RemoveFromVersionId, MoveToVersionId or both.",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
		{"an empty VersionStage fails validation", move("", "", "2"), ErrValidation,
			"1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must have length greater than or equal to 1",
			labels{"1": {StageCurrent}, "2": {}, "3": {}, "4": {}, "5": {}, "6": {}, "7": {}, "8": {StagePrevious}, "9": {"AWSSOMETHING", "PUT0"}}, "one"},
	}
	for _, st := range steps {
		clk.Advance(time.Second)
		err := st.do()
		if st.sentinel == nil {
			if err != nil {
				t.Fatalf("step %q: %v", st.name, err)
			}
		} else {
			wantErr(t, err, st.sentinel, st.msg)
		}
		want := map[string][]string{}
		for n, l := range st.want {
			want[v(n)] = l
		}
		t.Run(st.name, func(t *testing.T) {
			wantStages(t, s, "db", want)
			if got := mustGet(t, s, "db"); got != st.current {
				t.Errorf("AWSCURRENT value = %q, want %q", got, st.current)
			}
		})
		if t.Failed() {
			t.FailNow() // later steps build on this one
		}
	}
}

func TestUpdateSecretVersionStage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a secret scheduled for deletion cannot be changed", func(t *testing.T) {
		s, _ := newTestStore(t)
		v1 := mustCreate(t, s, "db", "one").VersionId
		mustDelete(t, s, &DeleteSecretInput{SecretId: "db"})
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: v1})
		wantMessage(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion)
	})
	t.Run("a missing secret is not found", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: testToken("1")})
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
	t.Run("a MoveToVersionId of 31 characters fails validation", func(t *testing.T) {
		s, _ := newTestStore(t)
		mustCreate(t, s, "db", "one")
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: strings.Repeat("1", 31)})
		wantErr(t, err, ErrValidation, "Value at 'moveToVersionId'")
	})
	t.Run("a move changes LastChangedDate", func(t *testing.T) {
		s, clk := newTestStore(t)
		v1 := mustCreate(t, s, "db", "one").VersionId
		clk.Advance(time.Hour)
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: v1})
		wantErr(t, err, nil, "")
		if got := mustDescribe(t, s, "db").LastChangedDate; !got.Equal(clk.Now()) {
			t.Errorf("LastChangedDate = %v, want %v", got, clk.Now())
		}
	})
}

func TestStagingLabelQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	v1 := mustCreate(t, s, "db", "one").VersionId
	v2 := mustPut(t, s, "db", "two", "L0").VersionId
	// 20 labels: AWSCURRENT on v1, L0..L18 on v2.
	for _, l := range labels("L", 19)[1:] {
		if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: l, MoveToVersionId: v2}); err != nil {
			t.Fatalf("label %s: %v", l, err)
		}
	}
	before := stages(t, s, "db")
	if n := len(before[v1]) + len(before[v2]); n != MaxStages {
		t.Fatalf("%d labels, want %d", n, MaxStages)
	}
	t.Run("a 21st label on a version fails", func(t *testing.T) {
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L19", MoveToVersionId: v1})
		wantMessage(t, err, ErrLimitExceeded, "Secret db would carry 21 staging labels; a secret can carry at most 20.")
	})
	t.Run("a put bringing a 21st label fails", func(t *testing.T) {
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "three", VersionStages: []string{"NEW"}})
		wantMessage(t, err, ErrLimitExceeded, "Secret db would carry 21 staging labels; a secret can carry at most 20.")
		if n := len(listVersions(t, s, "db")); n != 2 {
			t.Errorf("%d versions after the failed put, want 2", n)
		}
	})
	t.Run("moving an existing label is still allowed", func(t *testing.T) {
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L5", RemoveFromVersionId: v2, MoveToVersionId: v1})
		wantErr(t, err, nil, "")
		checkLabelsUnique(t, s, "db")
	})
	t.Run("a put reusing existing labels is allowed", func(t *testing.T) {
		mustPut(t, s, "db", "three", "L1", "L2")
		checkLabelsUnique(t, s, "db")
	})
	t.Run("after a label is removed a new one fits", func(t *testing.T) {
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L3", RemoveFromVersionId: v2})
		wantErr(t, err, nil, "")
		_, err = s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L19", MoveToVersionId: v1})
		wantErr(t, err, nil, "")
	})
}

// TestVersionQuota checks the write side of the version quota: a secret
// may hold at most MaxVersions versions that the reaper cannot remove
// (labelled, or younger than 24 hours).
func TestVersionQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v0", ClientRequestToken: fmt.Sprintf("%032d", 0)})
	wantErr(t, err, nil, "")
	for i := 1; i < MaxVersions; i++ {
		clk.Advance(time.Minute) // all within 24 hours
		if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: fmt.Sprint("v", i), ClientRequestToken: fmt.Sprintf("%032d", i)}); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	if n := len(listVersions(t, s, "db")); n != MaxVersions {
		t.Fatalf("%d versions, want %d", n, MaxVersions)
	}

	t.Run("the 101st version within 24 hours is refused", func(t *testing.T) {
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "too many"})
		wantMessage(t, err, ErrLimitExceeded, "Secret db has 100 versions that can't be removed yet: a secret can have at most 100 versions, and versions that are labelled or younger than 24 hours are kept.")
		_, err = s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", SecretString: "too many"})
		wantErr(t, err, ErrLimitExceeded, "")
		if n := len(listVersions(t, s, "db")); n != MaxVersions {
			t.Errorf("%d versions after the refused writes, want %d", n, MaxVersions)
		}
		if got := mustGet(t, s, "db"); got != fmt.Sprint("v", MaxVersions-1) {
			t.Errorf("AWSCURRENT = %q", got)
		}
	})
	t.Run("repeating an existing version's token and value still succeeds", func(t *testing.T) {
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "v7", ClientRequestToken: fmt.Sprintf("%032d", 7)})
		wantErr(t, err, nil, "")
	})
	t.Run("once the deprecated versions are older than 24 hours the put succeeds", func(t *testing.T) {
		clk.Advance(25 * time.Hour)
		out := mustPut(t, s, "db", "fresh")
		if got := mustGet(t, s, "db"); got != "fresh" {
			t.Errorf("AWSCURRENT = %q", got)
		}
		vs := listVersions(t, s, "db")
		if len(vs) != MaxVersions+1 || vs[len(vs)-1].VersionId != out.VersionId {
			t.Errorf("%d versions, last %s; want %d, last %s (the reaper removes the extra one)", len(vs), vs[len(vs)-1].VersionId, MaxVersions+1, out.VersionId)
		}
	})
}

func TestListSecretVersionIds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	created := mustCreate(t, s, "db", "v0")
	// Every version in the same millisecond, with random ids: the order must
	// still be the creation order (oldest first) and paging must not lose any.
	all := []string{created.VersionId}
	for i := 1; i < 7; i++ {
		all = append(all, mustPut(t, s, "db", fmt.Sprint("v", i)).VersionId)
	}
	clk.Advance(time.Minute)
	all = append(all, mustPut(t, s, "db", "v7", StagePending).VersionId)
	labelled := []string{all[5], all[6], all[7]} // AWSPREVIOUS, AWSCURRENT, AWSPENDING

	list := func(t *testing.T, in ListSecretVersionIdsInput) ([]SecretVersionsListEntry, int) {
		t.Helper()
		var got []SecretVersionsListEntry
		pages := 0
		for {
			out, err := s.ListSecretVersionIds(ctx, &in)
			wantErr(t, err, nil, "")
			pages++
			if out.ARN != created.ARN || out.Name != "db" {
				t.Fatalf("ARN, Name = %q, %q", out.ARN, out.Name)
			}
			if in.MaxResults > 0 && len(out.Versions) > int(in.MaxResults) {
				t.Fatalf("%d versions in a page of %d", len(out.Versions), in.MaxResults)
			}
			got = append(got, out.Versions...)
			if out.NextToken == "" {
				return got, pages
			}
			in.NextToken = out.NextToken
		}
	}
	ids := func(es []SecretVersionsListEntry) []string {
		var r []string
		for _, e := range es {
			r = append(r, e.VersionId)
		}
		return r
	}

	for _, max := range []int32{0, 1, 2, 3, 7, 8, 100} {
		t.Run(fmt.Sprintf("pages of %d list every version once, oldest first", max), func(t *testing.T) {
			got, pages := list(t, ListSecretVersionIdsInput{SecretId: "db", MaxResults: max, IncludeDeprecated: true})
			if !slices.Equal(ids(got), all) {
				t.Fatalf("listed %v, want %v", ids(got), all)
			}
			if max > 0 {
				if want := (len(all) + int(max) - 1) / int(max); pages != want {
					t.Errorf("%d pages, want %d", pages, want)
				}
			}
		})
		t.Run(fmt.Sprintf("pages of %d without IncludeDeprecated list the labelled versions", max), func(t *testing.T) {
			got, _ := list(t, ListSecretVersionIdsInput{SecretId: "db", MaxResults: max})
			if !slices.Equal(ids(got), labelled) {
				t.Errorf("listed %v, want %v", ids(got), labelled)
			}
		})
	}
	t.Run("entries carry labels, dates and the key, and nil labels when deprecated", func(t *testing.T) {
		got, _ := list(t, ListSecretVersionIdsInput{SecretId: "db", IncludeDeprecated: true})
		for _, e := range got {
			var wantStages []string
			switch e.VersionId {
			case all[5]:
				wantStages = []string{StagePrevious}
			case all[6]:
				wantStages = []string{StageCurrent}
			case all[7]:
				wantStages = []string{StagePending}
			}
			wantCreated := testEpoch
			if e.VersionId == all[7] {
				wantCreated = testEpoch.Add(time.Minute)
			}
			if !reflect.DeepEqual(e.VersionStages, wantStages) || !e.CreatedDate.Equal(wantCreated) ||
				!e.LastAccessedDate.IsZero() || !equalStrings(e.KmsKeyIds, []string{"DefaultEncryptionKey"}) {
				t.Errorf("entry %+v, want stages %v created %v", e, wantStages, wantCreated)
			}
		}
	})
	t.Run("a NextToken whose version is gone resumes after its creation date", func(t *testing.T) {
		token := versionToken{created: testEpoch, id: testToken("gone")}.encode()
		out, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "db", NextToken: token, IncludeDeprecated: true})
		wantErr(t, err, nil, "")
		if got := ids(out.Versions); !slices.Equal(got, all[7:]) {
			t.Errorf("listed %v, want %v", got, all[7:])
		}
	})
	t.Run("a secret without versions lists none", func(t *testing.T) {
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "empty"})
		wantErr(t, err, nil, "")
		out, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "empty", IncludeDeprecated: true})
		wantErr(t, err, nil, "")
		if len(out.Versions) != 0 || out.NextToken != "" {
			t.Errorf("ListSecretVersionIds = %+v", out)
		}
	})
	t.Run("a secret scheduled for deletion still lists its versions", func(t *testing.T) {
		mustCreate(t, s, "gone", "x")
		mustDelete(t, s, &DeleteSecretInput{SecretId: "gone"})
		out, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "gone"})
		wantErr(t, err, nil, "")
		if len(out.Versions) != 1 {
			t.Errorf("ListSecretVersionIds = %+v", out)
		}
	})

	first, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "db", MaxResults: 1})
	wantErr(t, err, nil, "")
	listToken, err := s.ListSecrets(ctx, &ListSecretsInput{MaxResults: 1})
	wantErr(t, err, nil, "")
	errorCases := []struct {
		name     string
		in       ListSecretVersionIdsInput
		sentinel error
		msg      string
	}{
		{"a missing secret is not found", ListSecretVersionIdsInput{SecretId: "nope"}, ErrResourceNotFound, awsmodel.SecretNotFound},
		{"MaxResults 101 fails validation", ListSecretVersionIdsInput{SecretId: "db", MaxResults: 101},
			ErrValidation, "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"a negative MaxResults fails validation", ListSecretVersionIdsInput{SecretId: "db", MaxResults: -1},
			ErrValidation, "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"a made-up NextToken fails", ListSecretVersionIdsInput{SecretId: "db", NextToken: "not-a-token"}, ErrInvalidNextToken,
			"The NextToken value is invalid. Pass the NextToken from the previous response of the same operation."},
		{"a NextToken of ListSecrets fails", ListSecretVersionIdsInput{SecretId: "db", NextToken: listToken.NextToken}, ErrInvalidNextToken, ""},
		{"a NextToken with a bad date fails", ListSecretVersionIdsInput{SecretId: "db", NextToken: base64.RawURLEncoding.EncodeToString([]byte("v1:x:" + all[0]))}, ErrInvalidNextToken, ""},
		{"a NextToken in standard base64 fails", ListSecretVersionIdsInput{SecretId: "db", NextToken: first.NextToken + "=="}, ErrInvalidNextToken, ""},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.NextToken == "" && strings.Contains(tt.name, "ListSecrets") {
				t.Fatal("ListSecrets gave no NextToken")
			}
			_, err := s.ListSecretVersionIds(ctx, &tt.in)
			if tt.msg != "" {
				wantMessage(t, err, tt.sentinel, tt.msg)
			} else {
				wantErr(t, err, tt.sentinel, "")
			}
		})
	}
}
