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
)

func TestPutSecretValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T) (*Store, *FakeClock, string) {
		s, clk := newTestStore(t)
		out, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: "one", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		clk.Advance(time.Hour)
		return s, clk, out.ARN
	}

	t.Run("a value becomes AWSCURRENT and the old current AWSPREVIOUS", func(t *testing.T) {
		s, clk, arn := setup(t)
		out, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "two", ClientRequestToken: testToken("2")})
		wantErr(t, err, nil, "")
		want := &PutSecretValueOutput{ARN: arn, Name: "db", VersionId: testToken("2"), VersionStages: []string{StageCurrent}}
		if !reflect.DeepEqual(out, want) {
			t.Errorf("PutSecretValue = %+v, want %+v", out, want)
		}
		wantStages(t, s, "db", map[string][]string{testToken("1"): {StagePrevious}, testToken("2"): {StageCurrent}})
		d := mustDescribe(t, s, "db")
		if !d.LastChangedDate.Equal(clk.Now()) || !d.CreatedDate.Equal(testEpoch) {
			t.Errorf("LastChangedDate, CreatedDate = %v, %v", d.LastChangedDate, d.CreatedDate)
		}
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
		wantErr(t, err, nil, "")
		if got.SecretString != "two" || !got.CreatedDate.Equal(clk.Now()) {
			t.Errorf("GetSecretValue = %+v", got)
		}
	})
	t.Run("the secret can be named by its ARN", func(t *testing.T) {
		s, _, arn := setup(t)
		out, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: arn, SecretString: "two"})
		wantErr(t, err, nil, "")
		if out.ARN != arn || out.Name != "db" {
			t.Errorf("PutSecretValue = %+v", out)
		}
	})
	t.Run("a binary value round-trips and a string one does not come back as binary", func(t *testing.T) {
		s, _, _ := setup(t)
		bin := []byte{0, 0xff, 'x', 0}
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretBinary: bin, ClientRequestToken: testToken("2")})
		wantErr(t, err, nil, "")
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
		wantErr(t, err, nil, "")
		if !bytes.Equal(got.SecretBinary, bin) || got.SecretString != "" {
			t.Errorf("binary read = %x, %q", got.SecretBinary, got.SecretString)
		}
		got, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db", VersionStage: StagePrevious})
		wantErr(t, err, nil, "")
		if got.SecretBinary != nil || got.SecretString != "one" {
			t.Errorf("string read = %x, %q", got.SecretBinary, got.SecretString)
		}
	})
	t.Run("the same token and value again succeeds, echoes the labels now on it and changes nothing", func(t *testing.T) {
		s, clk, arn := setup(t)
		in := &PutSecretValueInput{SecretId: "db", SecretString: "two", ClientRequestToken: testToken("2")}
		_, err := s.PutSecretValue(ctx, in)
		wantErr(t, err, nil, "")
		mustPut(t, s, "db", "three") // version 2 is now AWSPREVIOUS
		wantNoChange(t, s, func() {
			clk.Advance(time.Hour)
			out, err := s.PutSecretValue(ctx, in)
			wantErr(t, err, nil, "")
			want := &PutSecretValueOutput{ARN: arn, Name: "db", VersionId: testToken("2"), VersionStages: []string{StagePrevious}}
			if !reflect.DeepEqual(out, want) {
				t.Errorf("PutSecretValue = %+v, want %+v", out, want)
			}
		})
	})
	t.Run("the same token and binary value again succeeds", func(t *testing.T) {
		s, _, _ := setup(t)
		in := &PutSecretValueInput{SecretId: "db", SecretBinary: []byte{1, 2}, ClientRequestToken: testToken("2")}
		_, err := s.PutSecretValue(ctx, in)
		wantErr(t, err, nil, "")
		out, err := s.PutSecretValue(ctx, in)
		wantErr(t, err, nil, "")
		if out.VersionId != testToken("2") || len(listVersions(t, s, "db")) != 2 {
			t.Errorf("PutSecretValue = %+v", out)
		}
	})
	t.Run("the token of the first version with its value again succeeds", func(t *testing.T) {
		s, _, _ := setup(t)
		out, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "one", ClientRequestToken: testToken("1")})
		wantErr(t, err, nil, "")
		if out.VersionId != testToken("1") || !equalStrings(out.VersionStages, []string{StageCurrent}) {
			t.Errorf("PutSecretValue = %+v", out)
		}
	})
	t.Run("RotationToken is accepted and ignored", func(t *testing.T) {
		s, _, _ := setup(t)
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "two", RotationToken: "rot-123"})
		wantErr(t, err, nil, "")
	})

	errorCases := []struct {
		name     string
		deleted  bool
		in       PutSecretValueInput
		sentinel error
		msg      string // "%s" is the secret's ARN
	}{
		{"a missing secret is not found", false, PutSecretValueInput{SecretId: "nope", SecretString: "x"}, ErrResourceNotFound, awsmodel.SecretNotFound},
		{"no value fails", false, PutSecretValueInput{SecretId: "db"}, ErrInvalidRequest, "You must provide either SecretString or SecretBinary."},
		{"an empty binary value is no value", false, PutSecretValueInput{SecretId: "db", SecretBinary: []byte{}}, ErrInvalidRequest, "You must provide either SecretString or SecretBinary."},
		{"both values fail", false, PutSecretValueInput{SecretId: "db", SecretString: "s", SecretBinary: []byte("b")}, ErrInvalidParameter, awsmodel.BothValues},
		{"a secret scheduled for deletion cannot be changed", true, PutSecretValueInput{SecretId: "db", SecretString: "x"}, ErrInvalidRequest, awsmodel.MarkedForDeletion},
		{"the same token with another value fails", false, PutSecretValueInput{SecretId: "db", SecretString: "other", ClientRequestToken: testToken("1")},
			ErrResourceExists, "You can't use ClientRequestToken " + testToken("1") + " because that value is already in use for a version of secret %s."},
		{"the same token with the same bytes as binary fails", false, PutSecretValueInput{SecretId: "db", SecretBinary: []byte("one"), ClientRequestToken: testToken("1")},
			ErrResourceExists, "You can't use ClientRequestToken " + testToken("1") + " because that value is already in use for a version of secret %s."},
		{"a token of 31 characters fails", false, PutSecretValueInput{SecretId: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 31)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a token of 65 characters fails", false, PutSecretValueInput{SecretId: "db", SecretString: "s", ClientRequestToken: strings.Repeat("t", 65)},
			ErrInvalidParameter, "ClientRequestToken must be 32-64 characters long."},
		{"a string value of 65537 bytes fails", false, PutSecretValueInput{SecretId: "db", SecretString: strings.Repeat("v", 65537)},
			ErrValidation, "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"a binary value of 65537 bytes fails", false, PutSecretValueInput{SecretId: "db", SecretBinary: make([]byte, 65537)},
			ErrValidation, "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"21 labels fail", false, PutSecretValueInput{SecretId: "db", SecretString: "s", VersionStages: labels("L", 21)},
			ErrValidation, "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 20"},
		{"an empty label fails", false, PutSecretValueInput{SecretId: "db", SecretString: "s", VersionStages: []string{""}},
			ErrValidation, "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"a label of 257 characters fails", false, PutSecretValueInput{SecretId: "db", SecretString: "s", VersionStages: []string{strings.Repeat("L", 257)}},
			ErrValidation, "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"an invalid SecretId fails validation", false, PutSecretValueInput{SecretId: "d*b", SecretString: "s"}, ErrValidation, awsmodel.InvalidName},
		{"an empty SecretId fails validation", false, PutSecretValueInput{SecretString: "s"}, ErrValidation,
			"1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			s, _, arn := setup(t)
			if tt.deleted {
				mustDelete(t, s, &DeleteSecretInput{SecretId: "db"})
			}
			wantNoChange(t, s, func() {
				out, err := s.PutSecretValue(ctx, &tt.in)
				wantMessage(t, err, tt.sentinel, withARN(tt.msg, arn))
				if out != nil {
					t.Errorf("output = %+v, want nil", out)
				}
			})
		})
	}
}

func TestGetSecretValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	created := mustCreate(t, s, "db", "one")
	v1 := created.VersionId
	clk.Advance(time.Minute)
	v2 := mustPut(t, s, "db", "two").VersionId
	clk.Advance(time.Minute)
	v3 := mustPutToken(t, s, "db", testToken("3"), "three", "CUSTOM").VersionId // AWSCURRENT stays on v2
	clk.Advance(time.Minute)
	v4 := mustPut(t, s, "db", "four").VersionId // v1 is deprecated now
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "empty"})
	wantErr(t, err, nil, "")
	mustCreate(t, s, "gone", "x")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "gone"})
	wantStages(t, s, "db", map[string][]string{v1: {}, v2: {StagePrevious}, v3: {"CUSTOM"}, v4: {StageCurrent}})

	tests := []struct {
		name        string
		in          GetSecretValueInput
		want        string
		wantVersion string
		wantStages  []string
		wantCreated time.Time
		sentinel    error
		msg         string
	}{
		{"neither VersionId nor VersionStage reads AWSCURRENT", GetSecretValueInput{SecretId: "db"}, "four", v4, []string{StageCurrent}, testEpoch.Add(3 * time.Minute), nil, ""},
		{"the full ARN reads AWSCURRENT", GetSecretValueInput{SecretId: created.ARN}, "four", v4, []string{StageCurrent}, testEpoch.Add(3 * time.Minute), nil, ""},
		{"a VersionStage reads the version carrying it", GetSecretValueInput{SecretId: "db", VersionStage: StagePrevious}, "two", v2, []string{StagePrevious}, testEpoch.Add(time.Minute), nil, ""},
		{"a custom VersionStage reads its version", GetSecretValueInput{SecretId: "db", VersionStage: "CUSTOM"}, "three", v3, []string{"CUSTOM"}, testEpoch.Add(2 * time.Minute), nil, ""},
		{"a VersionId reads that version", GetSecretValueInput{SecretId: "db", VersionId: v2}, "two", v2, []string{StagePrevious}, testEpoch.Add(time.Minute), nil, ""},
		{"a VersionId with its own label reads that version", GetSecretValueInput{SecretId: "db", VersionId: v4, VersionStage: StageCurrent}, "four", v4, []string{StageCurrent}, testEpoch.Add(3 * time.Minute), nil, ""},
		{"a deprecated version can still be read by VersionId", GetSecretValueInput{SecretId: "db", VersionId: v1}, "one", v1, nil, testEpoch, nil, ""},
		{"a VersionId with another version's label fails", GetSecretValueInput{SecretId: "db", VersionId: v2, VersionStage: StageCurrent}, "", "", nil, time.Time{},
			ErrInvalidRequest, "You provided a VersionStage that is not associated to the provided VersionId."},
		{"an unknown VersionId is not found", GetSecretValueInput{SecretId: "db", VersionId: testToken("f")}, "", "", nil, time.Time{},
			ErrResourceNotFound, "Secrets Manager can't find the specified secret value for VersionId: " + testToken("f")},
		{"an unknown VersionStage is not found", GetSecretValueInput{SecretId: "db", VersionStage: "NOPE"}, "", "", nil, time.Time{},
			ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: NOPE"},
		{"a label differing in case is not found", GetSecretValueInput{SecretId: "db", VersionStage: "awscurrent"}, "", "", nil, time.Time{},
			ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: awscurrent"},
		{"AWSPENDING on no version is not found", GetSecretValueInput{SecretId: "db", VersionStage: StagePending}, "", "", nil, time.Time{},
			ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"},
		{"a secret without a value is not found", GetSecretValueInput{SecretId: "empty"}, "", "", nil, time.Time{},
			ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"},
		{"a missing secret is not found", GetSecretValueInput{SecretId: "nope"}, "", "", nil, time.Time{}, ErrResourceNotFound, awsmodel.SecretNotFound},
		{"a secret scheduled for deletion cannot be read", GetSecretValueInput{SecretId: "gone"}, "", "", nil, time.Time{}, ErrInvalidRequest, awsmodel.MarkedForDeletion},
		{"a VersionId of 31 characters fails validation", GetSecretValueInput{SecretId: "db", VersionId: strings.Repeat("v", 31)}, "", "", nil, time.Time{},
			ErrValidation, "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{"a VersionStage of 257 characters fails validation", GetSecretValueInput{SecretId: "db", VersionStage: strings.Repeat("s", 257)}, "", "", nil, time.Time{},
			ErrValidation, "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must have length less than or equal to 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.GetSecretValue(ctx, &tt.in)
			if tt.sentinel != nil {
				wantMessage(t, err, tt.sentinel, tt.msg)
				return
			}
			wantErr(t, err, nil, "")
			want := &GetSecretValueOutput{ARN: created.ARN, Name: "db", VersionId: tt.wantVersion, SecretString: tt.want,
				VersionStages: tt.wantStages, CreatedDate: tt.wantCreated}
			if !reflect.DeepEqual(out, want) {
				t.Errorf("GetSecretValue =\n%+v, want\n%+v", out, want)
			}
		})
	}
}

func TestGetSecretValueDoesNotChangeLastChangedDate(t *testing.T) {
	t.Parallel()
	s, clk := newTestStore(t)
	mustCreate(t, s, "db", "v")
	clk.Advance(25 * time.Hour)
	mustGet(t, s, "db")
	if d := mustDescribe(t, s, "db"); !d.LastChangedDate.Equal(testEpoch) {
		t.Errorf("LastChangedDate = %v after a read, want %v", d.LastChangedDate, testEpoch)
	}
}

func TestPutAndGetHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Put creates a missing secret and then adds versions", func(t *testing.T) {
		s, _ := newTestStore(t)
		v1, err := s.Put(ctx, "app/token", "first")
		wantErr(t, err, nil, "")
		v2, err := s.Put(ctx, "app/token", "second")
		wantErr(t, err, nil, "")
		if v1 == "" || v2 == "" || v1 == v2 {
			t.Fatalf("version ids %q, %q", v1, v2)
		}
		wantStages(t, s, "app/token", map[string][]string{v1: {StagePrevious}, v2: {StageCurrent}})
		got, err := s.Get(ctx, "app/token")
		wantErr(t, err, nil, "")
		if got != "second" {
			t.Errorf("Get = %q, want second", got)
		}
	})
	t.Run("Get returns a binary value as a string", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "bin", SecretBinary: []byte("b\x00y")})
		wantErr(t, err, nil, "")
		got, err := s.Get(ctx, "bin")
		wantErr(t, err, nil, "")
		if got != "b\x00y" {
			t.Errorf("Get = %q", got)
		}
	})
	t.Run("Get of a missing secret is not found", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.Get(ctx, "nope")
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
	t.Run("Put to a secret scheduled for deletion fails", func(t *testing.T) {
		s, _ := newTestStore(t)
		mustCreate(t, s, "db", "v")
		if _, err := s.Delete(ctx, "db", 7); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(ctx, "db", "w")
		wantMessage(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion)
		_, err = s.Get(ctx, "db")
		wantMessage(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion)
	})
	t.Run("Put with an invalid name fails validation", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.Put(ctx, "a b", "v")
		wantMessage(t, err, ErrValidation, awsmodel.InvalidName)
	})
	t.Run("Put with no value on a missing secret creates nothing", func(t *testing.T) {
		s, _ := newTestStore(t)
		_, err := s.Put(ctx, "db", "")
		wantErr(t, err, ErrInvalidRequest, "You must provide either SecretString or SecretBinary.")
		if names := listNames(t, s, &ListSecretsInput{}); len(names) != 0 {
			t.Errorf("secrets %v, want none", names)
		}
	})
}

func TestBatchGetSecretValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	a := mustCreate(t, s, "app/a", "va")
	clk.Advance(time.Minute)
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "app/b", SecretBinary: []byte{0xb}})
	wantErr(t, err, nil, "")
	clk.Advance(time.Minute)
	_, err = s.CreateSecret(ctx, &CreateSecretInput{Name: "app/empty"})
	wantErr(t, err, nil, "")
	clk.Advance(time.Minute)
	mustCreate(t, s, "app/gone", "vg")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "app/gone"})
	clk.Advance(time.Minute)
	c := mustCreate(t, s, "app/c", "vc")
	clk.Advance(time.Minute)
	mustCreate(t, s, "other", "vo")

	t.Run("SecretIdList reads every secret it can and reports the others", func(t *testing.T) {
		out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"app/a", "app/b", "nope", "app/gone", "app/empty", c.ARN, "b*d"}})
		wantErr(t, err, nil, "")
		var got []string
		for _, v := range out.SecretValues {
			got = append(got, fmt.Sprintf("%s=%s%x", v.Name, v.SecretString, v.SecretBinary))
			if !equalStrings(v.VersionStages, []string{StageCurrent}) || v.VersionId == "" || v.ARN == "" || v.CreatedDate.IsZero() {
				t.Errorf("entry %+v", v)
			}
		}
		if want := []string{"app/a=va", "app/b=0b", "app/c=vc"}; !equalStrings(got, want) {
			t.Errorf("SecretValues = %v, want %v", got, want)
		}
		wantErrors := []APIErrorType{
			{SecretId: "nope", ErrorCode: "ResourceNotFoundException", Message: awsmodel.SecretNotFound},
			{SecretId: "app/gone", ErrorCode: "InvalidRequestException", Message: awsmodel.MarkedForDeletion},
			{SecretId: "app/empty", ErrorCode: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"},
			{SecretId: "b*d", ErrorCode: "ValidationException", Message: awsmodel.InvalidName},
		}
		if !reflect.DeepEqual(out.Errors, wantErrors) {
			t.Errorf("Errors =\n%+v, want\n%+v", out.Errors, wantErrors)
		}
		if out.NextToken != "" {
			t.Errorf("NextToken = %q", out.NextToken)
		}
		if got := mustDescribe(t, s, "app/a").LastAccessedDate; !got.Equal(day(clk.Now())) {
			t.Errorf("LastAccessedDate = %v, want the day of the read", got)
		}
	})
	t.Run("SecretIdList entries are the full values", func(t *testing.T) {
		out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{a.ARN}})
		wantErr(t, err, nil, "")
		want := []SecretValueEntry{{ARN: a.ARN, Name: "app/a", VersionId: a.VersionId, SecretString: "va", VersionStages: []string{StageCurrent}, CreatedDate: testEpoch}}
		if !reflect.DeepEqual(out.SecretValues, want) || out.Errors != nil {
			t.Errorf("BatchGetSecretValue = %+v", out)
		}
	})
	t.Run("20 ids are allowed", func(t *testing.T) {
		ids := make([]string, 20)
		for i := range ids {
			ids[i] = "app/a"
		}
		out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: ids})
		wantErr(t, err, nil, "")
		if len(out.SecretValues) != 20 {
			t.Errorf("%d values, want 20", len(out.SecretValues))
		}
	})
	t.Run("Filters select secrets as ListSecrets does, a page at a time", func(t *testing.T) {
		in := &BatchGetSecretValueInput{Filters: []Filter{{Key: "name", Values: []string{"app/"}}}, MaxResults: 2}
		var got []string
		var errs []APIErrorType
		pages := 0
		for {
			out, err := s.BatchGetSecretValue(ctx, in)
			wantErr(t, err, nil, "")
			pages++
			for _, v := range out.SecretValues {
				got = append(got, v.Name)
			}
			errs = append(errs, out.Errors...)
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		// Created-date order; the secret scheduled for deletion is not listed.
		if want := []string{"app/a", "app/b", "app/c"}; !equalStrings(got, want) || pages != 2 {
			t.Errorf("values %v in %d pages, want %v in 2", got, pages, want)
		}
		wantErrs := []APIErrorType{{SecretId: "app/empty", ErrorCode: "ResourceNotFoundException",
			Message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"}}
		if !reflect.DeepEqual(errs, wantErrs) {
			t.Errorf("Errors = %+v, want %+v", errs, wantErrs)
		}
	})
	t.Run("Filters with the default page size read everything at once", func(t *testing.T) {
		out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{Filters: []Filter{{Key: "name", Values: []string{"!app/"}}}})
		wantErr(t, err, nil, "")
		if len(out.SecretValues) != 1 || out.SecretValues[0].SecretString != "vo" || out.NextToken != "" {
			t.Errorf("BatchGetSecretValue = %+v", out)
		}
	})

	errorCases := []struct {
		name     string
		in       BatchGetSecretValueInput
		sentinel error
		msg      string
	}{
		{"both SecretIdList and Filters fail", BatchGetSecretValueInput{SecretIdList: []string{"app/a"}, Filters: []Filter{{Key: "name", Values: []string{"a"}}}},
			ErrInvalidParameter, "Either 'SecretIdList' or 'Filters' must be provided, but not both."},
		{"neither SecretIdList nor Filters fails", BatchGetSecretValueInput{}, ErrInvalidParameter, "Either 'SecretIdList' or 'Filters' must be provided."},
		{"MaxResults without Filters fails", BatchGetSecretValueInput{SecretIdList: []string{"app/a"}, MaxResults: 5},
			ErrInvalidParameter, "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."},
		{"21 ids fail validation", BatchGetSecretValueInput{SecretIdList: make([]string, 21)},
			ErrValidation, "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20"},
		{"MaxResults 21 fails validation", BatchGetSecretValueInput{Filters: []Filter{{Key: "name", Values: []string{"a"}}}, MaxResults: 21},
			ErrValidation, "1 validation error detected: Value '21' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20"},
		{"a bad NextToken fails", BatchGetSecretValueInput{Filters: []Filter{{Key: "name", Values: []string{"a"}}}, NextToken: "bogus"},
			ErrInvalidNextToken, "The NextToken value is invalid. Pass the NextToken from the previous response of the same operation."},
		{"a filter without a key fails", BatchGetSecretValueInput{Filters: []Filter{{Values: []string{"a"}}}}, ErrInvalidParameter, "Invalid filter key"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.BatchGetSecretValue(ctx, &tt.in)
			wantMessage(t, err, tt.sentinel, tt.msg)
			if out != nil {
				t.Errorf("output = %+v, want nil", out)
			}
		})
	}
}

func TestGetRandomPasswordThroughTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	t.Run("the zero input gives 32 characters of every class", func(t *testing.T) {
		out, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{})
		wantErr(t, err, nil, "")
		p := out.RandomPassword
		if len(p) != 32 || !strings.ContainsAny(p, "abcdefghijklmnopqrstuvwxyz") || !strings.ContainsAny(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ||
			!strings.ContainsAny(p, "0123456789") || !strings.ContainsAny(p, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
			t.Errorf("password %q", p)
		}
	})
	t.Run("exclusions are honoured", func(t *testing.T) {
		out, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{PasswordLength: 64, ExcludeNumbers: true, ExcludePunctuation: true, ExcludeCharacters: "aeiou"})
		wantErr(t, err, nil, "")
		if p := out.RandomPassword; len(p) != 64 || strings.ContainsAny(p, "0123456789!#%aeiou") {
			t.Errorf("password %q", p)
		}
	})
	t.Run("two passwords differ", func(t *testing.T) {
		a, _ := s.GetRandomPassword(ctx, &GetRandomPasswordInput{})
		b, _ := s.GetRandomPassword(ctx, &GetRandomPasswordInput{})
		if a.RandomPassword == b.RandomPassword {
			t.Error("two passwords are equal")
		}
	})
	t.Run("every class excluded fails", func(t *testing.T) {
		_, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{ExcludeNumbers: true, ExcludePunctuation: true, ExcludeUppercase: true, ExcludeLowercase: true})
		wantErr(t, err, ErrInvalidParameter, "")
	})
	t.Run("a length under the required classes fails", func(t *testing.T) {
		_, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{PasswordLength: 3})
		wantMessage(t, err, ErrInvalidParameter, "Password length is too short based on the required types.")
	})
	t.Run("a length of 4097 fails validation", func(t *testing.T) {
		_, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{PasswordLength: 4097})
		wantErr(t, err, ErrValidation, "")
	})
}

// labels returns n labels prefix0 ... prefix(n-1).
func labels(prefix string, n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return l
}

func TestUndecryptableValueIsReportedPerSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	bad := mustCreate(t, s, "bad", "v")
	mustCreate(t, s, "good", "g")
	// Flip a byte of the stored ciphertext.
	err := s.c.update(ctx, func(t *tx) error {
		r, err := t.getSecret(s.region, "bad")
		if err != nil {
			return err
		}
		v, err := t.getVersion(r.ID, bad.VersionId)
		if err != nil {
			return err
		}
		v.Ciphertext = bytes.Clone(v.Ciphertext)
		v.Ciphertext[len(v.Ciphertext)-1] ^= 1
		return t.putVersion(r.ID, bad.VersionId, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "bad"})
	wantErr(t, err, ErrDecryptionFailure, bad.VersionId)
	out, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"bad", "good"}})
	wantErr(t, err, nil, "")
	if len(out.SecretValues) != 1 || out.SecretValues[0].SecretString != "g" {
		t.Errorf("SecretValues = %+v", out.SecretValues)
	}
	if len(out.Errors) != 1 || out.Errors[0].SecretId != "bad" || out.Errors[0].ErrorCode != "DecryptionFailure" {
		t.Errorf("Errors = %+v", out.Errors)
	}
	// The same token and value cannot be checked against it either.
	_, err = s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "bad", SecretString: "v", ClientRequestToken: bad.VersionId})
	wantErr(t, err, ErrDecryptionFailure, "")
}
