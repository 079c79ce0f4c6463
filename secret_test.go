package secretstore

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

func TestCreateSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a string value becomes the AWSCURRENT first version", func(t *testing.T) {
		s, _ := newTestStore(t)
		out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		if out.Name != "db" || out.VersionId != testToken("1") || !strings.HasPrefix(out.ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-") {
			t.Errorf("CreateSecret = %+v", out)
		}
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
		wantErr(t, err, nil, "")
		want := &GetSecretValueOutput{ARN: out.ARN, Name: "db", VersionId: testToken("1"), SecretString: "pw",
			VersionStages: []string{StageCurrent}, CreatedDate: testEpoch}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetSecretValue = %+v, want %+v", got, want)
		}
	})
	t.Run("an empty token becomes a UUID version id", func(t *testing.T) {
		s, _ := newTestStore(t)
		out := mustCreate(t, s, "db", "pw")
		if len(out.VersionId) != 36 || strings.Count(out.VersionId, "-") != 4 {
			t.Errorf("VersionId = %q, want a UUID", out.VersionId)
		}
	})
	t.Run("a binary value round-trips byte for byte", func(t *testing.T) {
		s, _ := newTestStore(t)
		bin := make([]byte, 256)
		for i := range bin {
			bin[i] = byte(i)
		}
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "bin", SecretBinary: bin})
		wantErr(t, err, nil, "")
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "bin"})
		wantErr(t, err, nil, "")
		if !bytes.Equal(got.SecretBinary, bin) || got.SecretString != "" {
			t.Errorf("GetSecretValue = binary %x, string %q", got.SecretBinary, got.SecretString)
		}
	})
	t.Run("a value of 65536 bytes is accepted, string or binary", func(t *testing.T) {
		s, _ := newTestStore(t)
		str := strings.Repeat("s", 65536)
		bin := bytes.Repeat([]byte{0xb0}, 65536)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "str", SecretString: str})
		wantErr(t, err, nil, "")
		_, err = s.CreateSecret(ctx, &CreateSecretInput{Name: "bin", SecretBinary: bin})
		wantErr(t, err, nil, "")
		if got := mustGet(t, s, "str"); got != str {
			t.Errorf("string value of %d bytes read back as %d bytes", len(str), len(got))
		}
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "bin"})
		wantErr(t, err, nil, "")
		if !bytes.Equal(got.SecretBinary, bin) {
			t.Errorf("binary value of %d bytes read back as %d bytes", len(bin), len(got.SecretBinary))
		}
	})
	t.Run("with no value there is no version", func(t *testing.T) {
		s, _ := newTestStore(t)
		out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "empty", Description: "later"})
		wantErr(t, err, nil, "")
		if out.VersionId != "" {
			t.Errorf("VersionId = %q, want none", out.VersionId)
		}
		if d := mustDescribe(t, s, "empty"); d.VersionIdsToStages != nil {
			t.Errorf("VersionIdsToStages = %v, want nil", d.VersionIdsToStages)
		}
		if v := listVersions(t, s, "empty"); len(v) != 0 {
			t.Errorf("versions = %v, want none", v)
		}
		_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "empty"})
		wantMessage(t, err, ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
	})
	t.Run("the first put after a create without value gets AWSCURRENT even with only a custom label", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "empty"})
		wantErr(t, err, nil, "")
		put, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "empty", SecretString: "v1", VersionStages: []string{"CUSTOM"}, ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		if got := sortedCopy(put.VersionStages); !equalStrings(got, []string{StageCurrent, "CUSTOM"}) {
			t.Errorf("PutSecretValue.VersionStages = %v", put.VersionStages)
		}
		wantStages(t, s, "empty", map[string][]string{testToken("1"): {StageCurrent, "CUSTOM"}})
		if got := mustGet(t, s, "empty"); got != "v1" {
			t.Errorf("GetSecretValue = %q, want v1", got)
		}
	})

	errorCases := []struct {
		name     string
		existing string // "live", "deleted", or "" for none
		in       CreateSecretInput
		sentinel error
		msg      string // exact message; "%s" is replaced by the existing secret's ARN
	}{
		{"a name in use fails", "live", CreateSecretInput{Name: "db", SecretString: "other"},
			ErrResourceExists, "The operation failed because the secret db already exists."},
		{"a name in use without a value fails", "live", CreateSecretInput{Name: "db"},
			ErrResourceExists, "The operation failed because the secret db already exists."},
		{"a name in use with a new token fails", "live", CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("9")},
			ErrResourceExists, "The operation failed because the secret db already exists."},
		{"the same token with another value fails", "live", CreateSecretInput{Name: "db", SecretString: "other", ClientRequestToken: testToken("1")},
			ErrResourceExists, "You can't use ClientRequestToken " + testToken("1") + " because that value is already in use for a version of secret %s."},
		{"the same token with the same value as binary fails", "live", CreateSecretInput{Name: "db", SecretBinary: []byte("pw"), ClientRequestToken: testToken("1")},
			ErrResourceExists, "You can't use ClientRequestToken " + testToken("1") + " because that value is already in use for a version of secret %s."},
		{"a name scheduled for deletion fails with InvalidRequestException", "deleted", CreateSecretInput{Name: "db", SecretString: "pw"},
			ErrInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion."},
		{"a name scheduled for deletion fails even with the same token and value", "deleted", CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("1")},
			ErrInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion."},
		{"both a string and a binary value fail", "", CreateSecretInput{Name: "db", SecretString: "s", SecretBinary: []byte("b")},
			ErrInvalidParameter, awsmodel.BothValues},
		{"a token of 31 characters fails", "", CreateSecretInput{Name: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 31)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a token of 65 characters fails", "", CreateSecretInput{Name: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 65)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a string value of 65537 bytes fails", "", CreateSecretInput{Name: "db", SecretString: strings.Repeat("s", 65537)},
			ErrValidation, "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"a binary value of 65537 bytes fails", "", CreateSecretInput{Name: "db", SecretBinary: make([]byte, 65537)},
			ErrValidation, "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"a description of 2049 characters fails", "", CreateSecretInput{Name: "db", Description: strings.Repeat("d", 2049)},
			ErrValidation, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"a KmsKeyId of 2049 characters fails", "", CreateSecretInput{Name: "db", KmsKeyId: strings.Repeat("k", 2049)},
			ErrValidation, "1 validation error detected: Value at 'kmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"51 tags fail", "", CreateSecretInput{Name: "db", Tags: makeTags(51)},
			ErrInvalidParameter, "A secret can have at most 50 tags; this request would leave it with 51."},
		{"a tag key starting with aws: fails", "", CreateSecretInput{Name: "db", Tags: []Tag{{Key: "aws:owner", Value: "x"}}},
			ErrInvalidParameter, `Tag keys starting with "aws:" are reserved for AWS use.`},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			var arn string
			if tt.existing != "" {
				out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("1")})
				wantErr(t, err, nil, "")
				arn = out.ARN
				if tt.existing == "deleted" {
					mustDelete(t, s, &DeleteSecretInput{SecretId: "db"})
				}
			}
			wantNoChange(t, s, func() {
				out, err := s.CreateSecret(ctx, &tt.in)
				wantMessage(t, err, tt.sentinel, withARN(tt.msg, arn))
				if out != nil {
					t.Errorf("output = %+v, want nil", out)
				}
			})
		})
	}
}

func TestLengthsInCharacters(t *testing.T) {
	t.Parallel()
	// The model's lengths of Description and tags count characters, not
	// bytes: "é" is one character in two bytes.
	ctx := context.Background()
	s, _ := newTestStore(t)
	desc := strings.Repeat("é", 2048)
	tags := []Tag{{strings.Repeat("ü", 128), strings.Repeat("ß", 256)}}
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v", Description: desc, Tags: tags})
	wantErr(t, err, nil, "")
	d := mustDescribe(t, s, "db")
	if d.Description != desc || !reflect.DeepEqual(d.Tags, tags) {
		t.Errorf("DescribeSecret = %+v", d)
	}
	_, err = s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new(desc + "é")})
	wantErr(t, err, ErrValidation, "Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048")
	_, err = s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{strings.Repeat("ü", 129), ""}}})
	wantErr(t, err, ErrValidation, "Member must have length less than or equal to 128")
	_, err = s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"k", strings.Repeat("ß", 257)}}})
	wantErr(t, err, ErrValidation, "Member must have length less than or equal to 256")
	_, err = s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{tags[0].Key}})
	wantErr(t, err, nil, "")
	// A secret value's limit stays in bytes.
	_, err = s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: strings.Repeat("é", 32769)})
	wantErr(t, err, ErrValidation, "Member must have length less than or equal to 65536")
}

func TestCreateSecretIdempotency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		in   CreateSecretInput
	}{
		{"a string value", CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("a")}},
		{"a binary value", CreateSecretInput{Name: "db", SecretBinary: []byte{0, 1, 2}, ClientRequestToken: testToken("a")}},
	} {
		t.Run("the same token and "+tt.name+" again succeeds and changes nothing", func(t *testing.T) {
			s, clk := newTestStore(t)
			first, err := s.CreateSecret(ctx, &tt.in)
			wantErr(t, err, nil, "")
			wantNoChange(t, s, func() {
				clk.Advance(time.Hour)
				again, err := s.CreateSecret(ctx, &tt.in)
				wantErr(t, err, nil, "")
				if !reflect.DeepEqual(first, again) {
					t.Errorf("second CreateSecret = %+v, want %+v", again, first)
				}
			})
		})
	}
}

func TestDescribeSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a fresh secret shows only the members it has", func(t *testing.T) {
		s, _ := newTestStore(t)
		out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "pw", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		got := mustDescribe(t, s, "db")
		want := &DescribeSecretOutput{
			ARN: out.ARN, Name: "db", CreatedDate: testEpoch, LastChangedDate: testEpoch,
			VersionIdsToStages: map[string][]string{testToken("1"): {StageCurrent}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DescribeSecret =\n%+v, want\n%+v", got, want)
		}
	})
	t.Run("description, key and tags are echoed", func(t *testing.T) {
		s, _ := newTestStore(t)
		tags := []Tag{{"env", "prod"}, {"team", ""}}
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "pw", Description: "the db", KmsKeyId: "alias/mine", Tags: tags})
		wantErr(t, err, nil, "")
		got := mustDescribe(t, s, "db")
		if got.Description != "the db" || got.KmsKeyId != "alias/mine" || !reflect.DeepEqual(got.Tags, tags) {
			t.Errorf("DescribeSecret = %+v", got)
		}
	})
	t.Run("Tags is nil when never tagged and empty once every tag is removed", func(t *testing.T) {
		s, _ := newTestStore(t)
		mustCreate(t, s, "db", "pw")
		if got := mustDescribe(t, s, "db").Tags; got != nil {
			t.Fatalf("Tags = %#v, want nil", got)
		}
		mustTag(t, s, "db", Tag{"a", "1"})
		if got := mustDescribe(t, s, "db").Tags; !reflect.DeepEqual(got, []Tag{{"a", "1"}}) {
			t.Fatalf("Tags = %#v", got)
		}
		_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"a"}})
		wantErr(t, err, nil, "")
		if got := mustDescribe(t, s, "db").Tags; got == nil || len(got) != 0 {
			t.Fatalf("Tags = %#v, want empty and not nil", got)
		}
	})
	t.Run("LastAccessedDate is midnight UTC of the day of the last read, on the secret and the version", func(t *testing.T) {
		s, clk := newTestStore(t)
		created := mustCreate(t, s, "db", "pw")
		if got := mustDescribe(t, s, "db").LastAccessedDate; !got.IsZero() {
			t.Fatalf("LastAccessedDate before any read = %v, want zero", got)
		}
		if got := listVersions(t, s, "db")[0].LastAccessedDate; !got.IsZero() {
			t.Fatalf("version LastAccessedDate before any read = %v, want zero", got)
		}
		clk.Set(time.Date(2026, 1, 15, 23, 59, 59, 0, time.UTC))
		mustGet(t, s, "db")
		day1 := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
		d := mustDescribe(t, s, "db")
		if !d.LastAccessedDate.Equal(day1) || !d.LastChangedDate.Equal(testEpoch) {
			t.Errorf("after a read: LastAccessedDate = %v, LastChangedDate = %v; want %v, %v", d.LastAccessedDate, d.LastChangedDate, day1, testEpoch)
		}
		if got := listVersions(t, s, "db")[0].LastAccessedDate; !got.Equal(day1) {
			t.Errorf("version LastAccessedDate = %v, want %v", got, day1)
		}
		clk.Advance(48 * time.Hour)
		mustDescribe(t, s, "db")
		listVersions(t, s, "db")
		if got := mustDescribe(t, s, "db").LastAccessedDate; !got.Equal(day1) {
			t.Errorf("DescribeSecret and ListSecretVersionIds moved LastAccessedDate to %v", got)
		}
		mustGet(t, s, created.ARN)
		day3 := time.Date(2026, 1, 17, 0, 0, 0, 0, time.UTC)
		if got := mustDescribe(t, s, "db").LastAccessedDate; !got.Equal(day3) {
			t.Errorf("LastAccessedDate after a read two days later = %v, want %v", got, day3)
		}
	})
	t.Run("reading an older version stamps that version only", func(t *testing.T) {
		s, clk := newTestStore(t)
		v1 := mustCreate(t, s, "db", "one").VersionId
		v2 := mustPut(t, s, "db", "two").VersionId
		_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db", VersionId: v1})
		wantErr(t, err, nil, "")
		for _, v := range listVersions(t, s, "db") {
			want := time.Time{}
			if v.VersionId == v1 {
				want = day(clk.Now())
			}
			if !v.LastAccessedDate.Equal(want) {
				t.Errorf("version %s LastAccessedDate = %v, want %v (v2 = %s)", v.VersionId, v.LastAccessedDate, want, v2)
			}
		}
	})
	t.Run("a secret scheduled for deletion is described with its DeletedDate", func(t *testing.T) {
		s, clk := newTestStore(t)
		mustCreate(t, s, "db", "pw")
		clk.Advance(time.Minute)
		mustDelete(t, s, &DeleteSecretInput{SecretId: "db", RecoveryWindowInDays: new(int64(7))})
		if got := mustDescribe(t, s, "db").DeletedDate; !got.Equal(testEpoch.Add(time.Minute)) {
			t.Errorf("DeletedDate = %v, want %v", got, testEpoch.Add(time.Minute))
		}
	})
	t.Run("a missing secret is not found", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "nope"})
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
}

func TestUpdateSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T) (*Store, *FakeClock, string) {
		s, clk := newTestStore(t)
		out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "one", Description: "first", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		clk.Advance(time.Hour)
		return s, clk, out.ARN
	}

	t.Run("SecretId alone succeeds and changes nothing", func(t *testing.T) {
		s, _, arn := setup(t)
		wantNoChange(t, s, func() {
			out, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db"})
			wantErr(t, err, nil, "")
			if *out != (UpdateSecretOutput{ARN: arn, Name: "db"}) {
				t.Errorf("UpdateSecret = %+v", out)
			}
		})
	})
	t.Run("an omitted description is kept and a new one replaces it", func(t *testing.T) {
		s, clk, _ := setup(t)
		_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", KmsKeyId: new("alias/k")})
		wantErr(t, err, nil, "")
		if d := mustDescribe(t, s, "db"); d.Description != "first" {
			t.Errorf("Description = %q, want first", d.Description)
		}
		_, err = s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("second")})
		wantErr(t, err, nil, "")
		d := mustDescribe(t, s, "db")
		if d.Description != "second" || !d.LastChangedDate.Equal(clk.Now()) {
			t.Errorf("Description, LastChangedDate = %q, %v; want second, %v", d.Description, d.LastChangedDate, clk.Now())
		}
	})
	t.Run("an empty description clears it", func(t *testing.T) {
		s, _, _ := setup(t)
		_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("")})
		wantErr(t, err, nil, "")
		if d := mustDescribe(t, s, "db"); d.Description != "" {
			t.Errorf("Description = %q, want empty", d.Description)
		}
	})
	t.Run("a value becomes a new AWSCURRENT version", func(t *testing.T) {
		s, clk, arn := setup(t)
		out, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", SecretString: "two", ClientRequestToken: testToken("2")})
		wantErr(t, err, nil, "")
		if *out != (UpdateSecretOutput{ARN: arn, Name: "db", VersionId: testToken("2")}) {
			t.Errorf("UpdateSecret = %+v", out)
		}
		wantStages(t, s, "db", map[string][]string{testToken("1"): {StagePrevious}, testToken("2"): {StageCurrent}})
		if got := mustGet(t, s, "db"); got != "two" {
			t.Errorf("value = %q, want two", got)
		}
		if d := mustDescribe(t, s, "db"); !d.LastChangedDate.Equal(clk.Now()) || d.Description != "first" {
			t.Errorf("LastChangedDate, Description = %v, %q", d.LastChangedDate, d.Description)
		}
	})
	t.Run("a value with a description changes both", func(t *testing.T) {
		s, _, _ := setup(t)
		out, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", SecretBinary: []byte{9}, Description: new("bin")})
		wantErr(t, err, nil, "")
		if out.VersionId == "" {
			t.Error("no VersionId for a new version")
		}
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
		wantErr(t, err, nil, "")
		if !bytes.Equal(got.SecretBinary, []byte{9}) || got.VersionId != out.VersionId || mustDescribe(t, s, "db").Description != "bin" {
			t.Errorf("GetSecretValue = %+v", got)
		}
	})
	t.Run("the same token and value again succeeds with the VersionId and changes nothing", func(t *testing.T) {
		s, clk, arn := setup(t)
		in := &UpdateSecretInput{SecretId: "db", SecretString: "two", ClientRequestToken: testToken("2")}
		_, err := s.UpdateSecret(ctx, in)
		wantErr(t, err, nil, "")
		wantNoChange(t, s, func() {
			clk.Advance(time.Hour)
			out, err := s.UpdateSecret(ctx, in)
			wantErr(t, err, nil, "")
			if *out != (UpdateSecretOutput{ARN: arn, Name: "db", VersionId: testToken("2")}) {
				t.Errorf("UpdateSecret = %+v", out)
			}
		})
	})
	t.Run("a value on a secret created without one becomes AWSCURRENT", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "e"})
		wantErr(t, err, nil, "")
		out, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "e", SecretString: "v", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		if out.VersionId != testToken("1") {
			t.Errorf("VersionId = %q", out.VersionId)
		}
		wantStages(t, s, "e", map[string][]string{testToken("1"): {StageCurrent}})
	})

	errorCases := []struct {
		name     string
		deleted  bool
		in       UpdateSecretInput
		sentinel error
		msg      string // "%s" is the secret's ARN
	}{
		{"a missing secret is not found", false, UpdateSecretInput{SecretId: "nope", SecretString: "x"}, ErrResourceNotFound, awsmodel.SecretNotFound},
		{"a secret scheduled for deletion cannot be updated", true, UpdateSecretInput{SecretId: "db", Description: new("x")}, ErrInvalidRequest, awsmodel.MarkedForDeletion},
		{"the same token with another value fails", false, UpdateSecretInput{SecretId: "db", SecretString: "other", ClientRequestToken: testToken("1")},
			ErrResourceExists, "You can't use ClientRequestToken " + testToken("1") + " because that value is already in use for a version of secret %s."},
		{"both values fail", false, UpdateSecretInput{SecretId: "db", SecretString: "s", SecretBinary: []byte("b")}, ErrInvalidParameter, awsmodel.BothValues},
		{"a token of 31 characters fails", false, UpdateSecretInput{SecretId: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 31)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a token of 65 characters fails", false, UpdateSecretInput{SecretId: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 65)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a description of 2049 characters fails", false, UpdateSecretInput{SecretId: "db", Description: new(strings.Repeat("d", 2049))},
			ErrValidation, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"a value of 65537 bytes fails", false, UpdateSecretInput{SecretId: "db", SecretString: strings.Repeat("v", 65537)},
			ErrValidation, "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"an invalid SecretId fails validation", false, UpdateSecretInput{SecretId: "d b", Description: new("x")}, ErrValidation, awsmodel.InvalidName},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			s, _, arn := setup(t)
			if tt.deleted {
				mustDelete(t, s, &DeleteSecretInput{SecretId: "db"})
			}
			wantNoChange(t, s, func() {
				_, err := s.UpdateSecret(ctx, &tt.in)
				wantMessage(t, err, tt.sentinel, withARN(tt.msg, arn))
			})
		})
	}
}

func TestUpdateSecretKmsKeyId(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	v := func(c string) string { return testToken(c) }
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "one", ClientRequestToken: v("1")})
	wantErr(t, err, nil, "")
	mustPutToken(t, s, "db", v("2"), "two")
	mustPutToken(t, s, "db", v("3"), "three")
	mustPutToken(t, s, "db", v("4"), "four", StagePending)
	values := map[string]string{v("1"): "one", v("2"): "two", v("3"): "three", v("4"): "four"}

	wantKeys := func(t *testing.T, want map[string]string) {
		t.Helper()
		for _, e := range listVersions(t, s, "db") {
			if !equalStrings(e.KmsKeyIds, []string{want[e.VersionId]}) {
				t.Errorf("version %s KmsKeyIds = %v, want [%s]", e.VersionId[:1], e.KmsKeyIds, want[e.VersionId])
			}
			if got := storedKmsKeyID(t, s, "db", e.VersionId); got != strings.TrimPrefix(want[e.VersionId], "DefaultEncryptionKey") {
				t.Errorf("version %s is stored wrapped for %q, want %q", e.VersionId[:1], got, want[e.VersionId])
			}
		}
		for id, val := range values {
			got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db", VersionId: id})
			wantErr(t, err, nil, "")
			if got.SecretString != val {
				t.Errorf("version %s reads %q, want %q", id[:1], got.SecretString, val)
			}
		}
	}

	const def = "DefaultEncryptionKey"
	wantKeys(t, map[string]string{v("1"): def, v("2"): def, v("3"): def, v("4"): def})

	out, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", KmsKeyId: new("alias/new")})
	wantErr(t, err, nil, "")
	if out.VersionId != "" {
		t.Errorf("a key-only change reported VersionId %q, want none (no version is created)", out.VersionId)
	}
	if n := len(listVersions(t, s, "db")); n != 4 {
		t.Errorf("%d versions after a key change, want 4", n)
	}
	if d := mustDescribe(t, s, "db"); d.KmsKeyId != "alias/new" {
		t.Errorf("KmsKeyId = %q", d.KmsKeyId)
	}
	// The labelled versions (AWSPREVIOUS, AWSCURRENT, AWSPENDING) are
	// re-encrypted; the deprecated one keeps its key.
	wantKeys(t, map[string]string{v("1"): def, v("2"): "alias/new", v("3"): "alias/new", v("4"): "alias/new"})

	mustPutToken(t, s, "db", v("5"), "five")
	values[v("5")] = "five"
	// v2 is now deprecated and keeps the key it was re-encrypted under.
	wantKeys(t, map[string]string{v("1"): def, v("2"): "alias/new", v("3"): "alias/new", v("4"): "alias/new", v("5"): "alias/new"})

	_, err = s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", KmsKeyId: new("")})
	wantErr(t, err, nil, "")
	if d := mustDescribe(t, s, "db"); d.KmsKeyId != "" {
		t.Errorf("KmsKeyId after reset = %q, want empty", d.KmsKeyId)
	}
	wantKeys(t, map[string]string{v("1"): def, v("2"): "alias/new", v("3"): def, v("4"): def, v("5"): def})
}

func TestTagResource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("tags are added, overwritten by key, and keys are case-sensitive", func(t *testing.T) {
		s, clk := newTestStore(t)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v", Tags: []Tag{{"env", "dev"}}})
		wantErr(t, err, nil, "")
		clk.Advance(time.Minute)
		_, err = s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"env", "prod"}, {"Env", "x"}, {"team", ""}}})
		wantErr(t, err, nil, "")
		want := []Tag{{"env", "prod"}, {"Env", "x"}, {"team", ""}}
		d := mustDescribe(t, s, "db")
		if !reflect.DeepEqual(d.Tags, want) {
			t.Errorf("Tags = %v, want %v", d.Tags, want)
		}
		if !d.LastChangedDate.Equal(clk.Now()) {
			t.Errorf("LastChangedDate = %v, want %v", d.LastChangedDate, clk.Now())
		}
	})
	t.Run("50 tags are allowed and a 51st is rejected, leaving the tags as they were", func(t *testing.T) {
		s, _ := newTestStore(t)
		mustCreate(t, s, "db", "v")
		mustTag(t, s, "db", makeTags(50)...)
		mustTag(t, s, "db", Tag{"k0", "overwritten"}) // an existing key does not count again
		_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"one-more", "x"}}})
		wantMessage(t, err, ErrInvalidParameter, "A secret can have at most 50 tags; this request would leave it with 51.")
		tags := mustDescribe(t, s, "db").Tags
		if len(tags) != 50 || tags[0] != (Tag{"k0", "overwritten"}) {
			t.Errorf("%d tags, first %v; want 50, k0=overwritten", len(tags), tags[0])
		}
	})
	for _, key := range []string{"aws:owner", "AWS:owner", "Aws:x"} {
		t.Run("the reserved key "+key+" is rejected", func(t *testing.T) {
			s, _ := newTestStore(t)
			mustCreate(t, s, "db", "v")
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{key, "x"}}})
			wantMessage(t, err, ErrInvalidParameter, `Tag keys starting with "aws:" are reserved for AWS use.`)
			if tags := mustDescribe(t, s, "db").Tags; tags != nil {
				t.Errorf("Tags = %v, want nil", tags)
			}
		})
	}
	errorCases := []struct {
		name     string
		tags     []Tag
		sentinel error
		msg      string
	}{
		{"no tags fail", nil, ErrInvalidParameter, "You must specify at least one tag."},
		{"an empty key fails", []Tag{{"", "v"}}, ErrValidation, "Member must have length greater than or equal to 1"},
		{"a key of 129 characters fails", []Tag{{strings.Repeat("k", 129), "v"}}, ErrValidation, "Member must have length less than or equal to 128"},
		{"a value of 257 characters fails", []Tag{{"k", strings.Repeat("v", 257)}}, ErrValidation, "Member must have length less than or equal to 256"},
		{"a key twice in one request fails", []Tag{{"k", "1"}, {"k", "2"}}, ErrInvalidParameter, `The tag key "k" appears more than once in the request.`},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			mustCreate(t, s, "db", "v")
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: tt.tags})
			wantErr(t, err, tt.sentinel, tt.msg)
		})
	}
	t.Run("a key of 128 characters and a value of 256 are accepted", func(t *testing.T) {
		s, _ := newTestStore(t)
		mustCreate(t, s, "db", "v")
		mustTag(t, s, "db", Tag{strings.Repeat("k", 128), strings.Repeat("v", 256)})
	})
	t.Run("a missing secret is not found", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "nope", Tags: []Tag{{"a", "b"}}})
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
		_, err = s.UntagResource(ctx, &UntagResourceInput{SecretId: "nope", TagKeys: []string{"a"}})
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
	t.Run("a secret scheduled for deletion cannot be tagged or untagged", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v", Tags: []Tag{{"a", "b"}}})
		wantErr(t, err, nil, "")
		mustDelete(t, s, &DeleteSecretInput{SecretId: "db"})
		_, err = s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"c", "d"}}})
		wantMessage(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion)
		_, err = s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"a"}})
		wantMessage(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion)
		if tags := mustDescribe(t, s, "db").Tags; !reflect.DeepEqual(tags, []Tag{{"a", "b"}}) {
			t.Errorf("Tags = %v", tags)
		}
	})
}

func TestUntagResource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "v", Tags: []Tag{{"a", "1"}, {"b", "2"}, {"c", "3"}}})
	wantErr(t, err, nil, "")
	steps := []struct {
		name string
		keys []string
		want []Tag
	}{
		{"a key the secret does not have is ignored", []string{"zzz"}, []Tag{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
		{"keys are case-sensitive", []string{"A"}, []Tag{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
		{"a key is removed", []string{"b"}, []Tag{{"a", "1"}, {"c", "3"}}},
		{"present and absent keys together remove the present ones", []string{"a", "c", "zzz"}, []Tag{}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			out, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: st.keys})
			wantErr(t, err, nil, "")
			if out == nil {
				t.Error("nil output")
			}
			if got := mustDescribe(t, s, "db").Tags; !reflect.DeepEqual(got, st.want) {
				t.Errorf("Tags = %#v, want %#v", got, st.want)
			}
		})
	}
	t.Run("no keys fail", func(t *testing.T) {
		_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db"})
		wantMessage(t, err, ErrInvalidParameter, "You must specify at least one tag key.")
	})
}

// makeTags returns n tags k0=v0 ... k(n-1)=v(n-1).
func makeTags(n int) []Tag {
	tags := make([]Tag, n)
	for i := range tags {
		tags[i] = Tag{Key: fmt.Sprintf("k%d", i), Value: fmt.Sprintf("v%d", i)}
	}
	return tags
}

func mustTag(t testing.TB, s *Store, id string, tags ...Tag) {
	t.Helper()
	if _, err := s.TagResource(context.Background(), &TagResourceInput{SecretId: id, Tags: tags}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
}

// storedKmsKeyID returns the KmsKeyId the stored record of version versionID
// of secret name is wrapped for.
func storedKmsKeyID(t testing.TB, s *Store, name, versionID string) string {
	t.Helper()
	var kms string
	err := s.c.db.View(func(txn *badger.Txn) error {
		r, err := rawTx(s, txn).getSecret(s.region, name)
		if err != nil {
			return err
		}
		item, err := txn.Get(record.VersionKey(r.ID, versionID))
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		v, err := decodeVersion(b)
		if err != nil {
			return err
		}
		kms = v.KmsKeyId
		return nil
	})
	if err != nil {
		t.Fatalf("reading the version record: %v", err)
	}
	return kms
}

// TestReplicaIsReadOnly turns a secret into a replica by hand (the package
// has no replication operation yet) and checks §7: reads work, writes fail
// with InvalidParameterException.
func TestReplicaIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	// db in s's region is the replica of a primary in us-west-2.
	v1 := mustCreate(t, s.Region("us-west-2"), "db", "v").VersionId
	replicate(t, s.Region("us-west-2"), "db", s.RegionName())
	mustCreate(t, s, "other", "o")
	writes := map[string]func() error{
		"PutSecretValue": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "x"})
			return err
		},
		"UpdateSecret": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("x")})
			return err
		},
		"UpdateSecretVersionStage": func() error {
			_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: v1})
			return err
		},
		"TagResource": func() error {
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"a", "b"}}})
			return err
		},
		"UntagResource": func() error {
			_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"a"}})
			return err
		},
		"DeleteSecret": func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db"})
			return err
		},
	}
	wantNoChange(t, s, func() {
		for name, op := range writes {
			t.Run(name+" on a replica fails", func(t *testing.T) {
				wantMessage(t, op(), ErrInvalidParameter, awsmodel.ReplicaNotPermitted)
			})
		}
	})
	t.Run("reads of a replica work", func(t *testing.T) {
		if got := mustGet(t, s, "db"); got != "v" {
			t.Errorf("value %q", got)
		}
		if d := mustDescribe(t, s, "db"); d.PrimaryRegion != "us-west-2" {
			t.Errorf("PrimaryRegion = %q", d.PrimaryRegion)
		}
		listVersions(t, s, "db")
		if got := listNames(t, s, &ListSecretsInput{Filters: []Filter{{Key: "primary-region", Values: []string{"us-west"}}}}); !equalStrings(got, []string{"db"}) {
			t.Errorf("primary-region filter lists %v", got)
		}
	})
}
