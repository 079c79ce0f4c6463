package awsapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// sdkEnv is a store served over HTTP with an SDK client in us-east-1.
type sdkEnv struct {
	store  *secretstore.Store
	clock  *secretstore.FakeClock
	url    string
	client *secretsmanager.Client
}

func newSDKEnv(t *testing.T) *sdkEnv {
	t.Helper()
	store, clock := newTestStore(t, secretstore.Options{})
	srv := newTestServer(t, store, Options{})
	return &sdkEnv{store: store, clock: clock, url: srv.URL, client: testutil.SDKClient(srv.URL, "us-east-1")}
}

// token returns a ClientRequestToken of 36 characters made from n.
func token(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func mustCreate(t *testing.T, c *secretsmanager.Client, name, value string) *secretsmanager.CreateSecretOutput {
	t.Helper()
	out, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("CreateSecret(%s): %v", name, err)
	}
	return out
}

// versionsOf returns the versions of secret id as "versionId:stage,stage".
func versionsOf(t *testing.T, c *secretsmanager.Client, id string, includeDeprecated bool) []string {
	t.Helper()
	out, err := c.ListSecretVersionIds(context.Background(), &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String(id), IncludeDeprecated: aws.Bool(includeDeprecated),
	})
	if err != nil {
		t.Fatalf("ListSecretVersionIds: %v", err)
	}
	var got []string
	for _, v := range out.Versions {
		stages := slices.Clone(v.VersionStages)
		sort.Strings(stages)
		got = append(got, aws.ToString(v.VersionId)+":"+strings.Join(stages, ","))
	}
	return got
}

func TestSDKCreateAndGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client

	str, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("app/db-password"), SecretString: aws.String("s3cr<e>t&"), Description: aws.String("the db"),
		ClientRequestToken: aws.String(token(1)),
	})
	if err != nil {
		t.Fatalf("CreateSecret string: %v", err)
	}
	if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-password-[A-Za-z0-9]{6}$`).MatchString(aws.ToString(str.ARN)) {
		t.Errorf("ARN = %q", aws.ToString(str.ARN))
	}
	if aws.ToString(str.VersionId) != token(1) || aws.ToString(str.Name) != "app/db-password" {
		t.Errorf("CreateSecret = %+v", str)
	}
	bin, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("blob"), SecretBinary: []byte{0, 1, 2, 0xff}})
	if err != nil {
		t.Fatalf("CreateSecret binary: %v", err)
	}

	arn := aws.ToString(str.ARN)
	for _, id := range []string{"app/db-password", arn, strings.TrimSuffix(arn, arn[len(arn)-7:])} {
		got, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%s): %v", id, err)
		}
		if aws.ToString(got.SecretString) != "s3cr<e>t&" || got.SecretBinary != nil || aws.ToString(got.ARN) != arn ||
			!slices.Equal(got.VersionStages, []string{"AWSCURRENT"}) || !got.CreatedDate.Equal(testStart) {
			t.Errorf("GetSecretValue(%s) = %+v", id, got)
		}
	}
	got, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: bin.ARN})
	if err != nil {
		t.Fatalf("GetSecretValue binary: %v", err)
	}
	if string(got.SecretBinary) != "\x00\x01\x02\xff" || got.SecretString != nil {
		t.Errorf("binary value = %q, string %v", got.SecretBinary, got.SecretString)
	}

	// Same name, token and value: success, same version. Other value: error.
	again, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("app/db-password"), SecretString: aws.String("s3cr<e>t&"), ClientRequestToken: aws.String(token(1)),
	})
	if err != nil || aws.ToString(again.ARN) != arn || aws.ToString(again.VersionId) != token(1) {
		t.Errorf("idempotent CreateSecret = %+v, %v", again, err)
	}
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("app/db-password"), SecretString: aws.String("other"), ClientRequestToken: aws.String(token(1)),
	})
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) || !strings.Contains(exists.ErrorMessage(), "ClientRequestToken "+token(1)) {
		t.Errorf("CreateSecret same token, other value: %v, want ResourceExistsException", err)
	}

	// A secret without a value has no version.
	empty := mustCreateNoValue(t, c, "no-value")
	if empty.VersionId != nil {
		t.Errorf("CreateSecret without value: VersionId = %q", aws.ToString(empty.VersionId))
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("no-value")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT" {
		t.Errorf("GetSecretValue of a secret without value: %v", err)
	}
}

func mustCreateNoValue(t *testing.T, c *secretsmanager.Client, name string) *secretsmanager.CreateSecretOutput {
	t.Helper()
	out, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateSecret(%s): %v", name, err)
	}
	return out
}

func TestSDKPutAndStages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("s"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(token(1)),
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	put, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("s"), SecretString: aws.String("v2"), ClientRequestToken: aws.String(token(2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.VersionId) != token(2) || !slices.Equal(put.VersionStages, []string{"AWSCURRENT"}) {
		t.Errorf("PutSecretValue = %+v", put)
	}
	// The same token and value again: a no-op success that echoes the labels.
	again, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("s"), SecretString: aws.String("v2"), ClientRequestToken: aws.String(token(2)),
	})
	if err != nil || aws.ToString(again.VersionId) != token(2) || !slices.Equal(again.VersionStages, []string{"AWSCURRENT"}) {
		t.Errorf("idempotent PutSecretValue = %+v, %v", again, err)
	}
	// VersionStages: the label moves to the new version, AWSCURRENT stays.
	e.clock.Advance(time.Second)
	put3, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("s"), SecretBinary: []byte("v3"), ClientRequestToken: aws.String(token(3)),
		VersionStages: []string{"AWSPENDING", "CUSTOM"},
	})
	if err != nil {
		t.Fatal(err)
	}
	stages := slices.Clone(put3.VersionStages)
	sort.Strings(stages)
	if !slices.Equal(stages, []string{"AWSPENDING", "CUSTOM"}) {
		t.Errorf("PutSecretValue with VersionStages: stages %v", put3.VersionStages)
	}
	cur, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if err != nil || aws.ToString(cur.SecretString) != "v2" {
		t.Errorf("AWSCURRENT after Put with VersionStages = %+v, %v", cur, err)
	}
	pend, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: aws.String("AWSPENDING")})
	if err != nil || string(pend.SecretBinary) != "v3" {
		t.Errorf("AWSPENDING = %+v, %v", pend, err)
	}
	want := []string{token(1) + ":AWSPREVIOUS", token(2) + ":AWSCURRENT", token(3) + ":AWSPENDING,CUSTOM"}
	if got := versionsOf(t, c, "s", false); !slices.Equal(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}

	// Move AWSCURRENT to v3: v2 becomes AWSPREVIOUS and v1 is deprecated.
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String("s"), VersionStage: aws.String("AWSCURRENT"),
		RemoveFromVersionId: aws.String(token(2)), MoveToVersionId: aws.String(token(3)),
	}); err != nil {
		t.Fatal(err)
	}
	want = []string{token(2) + ":AWSPREVIOUS", token(3) + ":AWSCURRENT,AWSPENDING,CUSTOM"}
	if got := versionsOf(t, c, "s", false); !slices.Equal(got, want) {
		t.Errorf("versions after move = %v, want %v", got, want)
	}
	want = append([]string{token(1) + ":"}, want...)
	if got := versionsOf(t, c, "s", true); !slices.Equal(got, want) {
		t.Errorf("versions with deprecated = %v, want %v", got, want)
	}

	// Moving AWSCURRENT without RemoveFromVersionId is refused.
	_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String("s"), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(token(2)),
	})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || !strings.Contains(ipe.ErrorMessage(), "RemoveFromVersionId can't be empty") {
		t.Errorf("UpdateSecretVersionStage without RemoveFromVersionId: %v", err)
	}

	// UpdateSecret with a value makes a new current version; without one,
	// it changes metadata only and returns no VersionId.
	up, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("v4"), ClientRequestToken: aws.String(token(4))})
	if err != nil || aws.ToString(up.VersionId) != token(4) {
		t.Errorf("UpdateSecret with value = %+v, %v", up, err)
	}
	up, err = c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), Description: aws.String("described")})
	if err != nil || up.VersionId != nil || aws.ToString(up.Name) != "s" {
		t.Errorf("UpdateSecret metadata = %+v, %v", up, err)
	}
	// As AWS does, the Put dropped AWSPENDING from the old current version.
	want = []string{token(3) + ":AWSPREVIOUS,CUSTOM", token(4) + ":AWSCURRENT"}
	if got := versionsOf(t, c, "s", false); !slices.Equal(got, want) {
		t.Errorf("versions after UpdateSecret = %v, want %v", got, want)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	if err != nil || aws.ToString(d.Description) != "described" || len(d.VersionIdsToStages) != 2 {
		t.Errorf("DescribeSecret = %+v, %v", d, err)
	}

	// Pagination of versions with the SDK's paginator.
	p := secretsmanager.NewListSecretVersionIdsPaginator(c, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(true), MaxResults: aws.Int32(1),
	})
	var ids []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
		}
	}
	if want := []string{token(1), token(2), token(3), token(4)}; !slices.Equal(ids, want) {
		t.Errorf("paginated versions = %v, want %v", ids, want)
	}
}

func TestSDKDescribeTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	mustCreate(t, c, "tagged", "v")
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")})
	if err != nil || d.Tags != nil {
		t.Fatalf("never tagged: Tags = %#v, %v", d.Tags, err)
	}
	if _, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("tagged"), Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("")},
	}}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")})
	if err != nil || len(d.Tags) != 2 || aws.ToString(d.Tags[0].Key) != "env" || aws.ToString(d.Tags[0].Value) != "prod" {
		t.Fatalf("tagged: Tags = %#v, %v", d.Tags, err)
	}
	if _, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("tagged"), TagKeys: []string{"env", "team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")})
	if err != nil || d.Tags == nil || len(d.Tags) != 0 {
		t.Fatalf("every tag removed: Tags = %#v (want empty, not nil), %v", d.Tags, err)
	}
	// On the wire: "Tags":[] now.
	raw := post(t, New(e.store, Options{}), "secretsmanager.DescribeSecret", `{"SecretId":"tagged"}`)
	if !strings.Contains(string(raw.body), `"Tags":[]`) {
		t.Errorf("DescribeSecret body %s has no \"Tags\":[]", raw.body)
	}
	_, err = c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("tagged"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("aws: tag: %v, want InvalidParameterException", err)
	}
}

func TestSDKListSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	names := []string{"b/two", "a/one", "c/three", "b/four", "a/five"}
	for i, n := range names {
		_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(n), SecretString: aws.String("v" + n), Description: aws.String("number " + n),
			Tags: []types.Tag{{Key: aws.String("idx"), Value: aws.String(fmt.Sprint(i))}},
		})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
	}
	list := func(in *secretsmanager.ListSecretsInput) []string {
		t.Helper()
		var got []string
		p := secretsmanager.NewListSecretsPaginator(c, in)
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListSecrets(%+v): %v", in, err)
			}
			pages++
			for _, s := range page.SecretList {
				got = append(got, aws.ToString(s.Name))
				if s.CreatedDate == nil || len(s.SecretVersionsToStages) != 1 || len(s.Tags) != 1 {
					t.Errorf("entry %+v lacks members", s)
				}
			}
		}
		if in.MaxResults != nil && pages < (len(got)+int(*in.MaxResults)-1)/int(*in.MaxResults) {
			t.Errorf("%d pages for %d secrets of %d per page", pages, len(got), *in.MaxResults)
		}
		return got
	}
	tests := []struct {
		name string
		in   secretsmanager.ListSecretsInput
		want []string
	}{
		{"default order is creation", secretsmanager.ListSecretsInput{}, names},
		{"paginated by 2", secretsmanager.ListSecretsInput{MaxResults: aws.Int32(2)}, names},
		{"by name", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeName, MaxResults: aws.Int32(2)}, []string{"a/five", "a/one", "b/four", "b/two", "c/three"}},
		{"by name desc", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeName, SortOrder: types.SortOrderTypeDesc, MaxResults: aws.Int32(2)}, []string{"c/three", "b/two", "b/four", "a/one", "a/five"}},
		{"by creation desc", secretsmanager.ListSecretsInput{SortOrder: types.SortOrderTypeDesc, MaxResults: aws.Int32(3)}, []string{"a/five", "b/four", "c/three", "a/one", "b/two"}},
		{"by last changed", secretsmanager.ListSecretsInput{SortBy: types.SortByTypeLastChangedDate, MaxResults: aws.Int32(1)}, names},
		{"name prefix", secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"b/"}}}}, []string{"b/two", "b/four"}},
		{"negated name", secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"!a"}}}}, []string{"b/two", "c/three", "b/four"}},
		{"tag value", secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeTagValue, Values: []string{"1", "3"}}}}, []string{"a/one", "b/four"}},
		{"description words", secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeDescription, Values: []string{"num c/"}}}}, []string{"c/three"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(&tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Deleted secrets are listed only with IncludePlannedDeletion.
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("a/one")}); err != nil {
		t.Fatal(err)
	}
	if got := list(&secretsmanager.ListSecretsInput{}); slices.Contains(got, "a/one") {
		t.Errorf("deleted secret listed: %v", got)
	}
	out, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a/one"}}}})
	if err != nil || len(out.SecretList) != 1 || out.SecretList[0].DeletedDate == nil {
		t.Errorf("IncludePlannedDeletion: %+v, %v", out, err)
	}
	// An empty listing still has SecretList.
	out, err = c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"zzz"}}}})
	if err != nil || out.SecretList == nil || len(out.SecretList) != 0 || out.NextToken != nil {
		t.Errorf("empty listing: %+v, %v", out, err)
	}
}

func TestSDKBatchGetSecretValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	for _, n := range []string{"batch/a", "batch/b", "batch/c", "other"} {
		mustCreate(t, c, n, "value of "+n)
	}
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("batch/c")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"batch/a", "missing", "batch/c", "other"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range out.SecretValues {
		got = append(got, aws.ToString(v.Name)+"="+aws.ToString(v.SecretString))
	}
	if want := []string{"batch/a=value of batch/a", "other=value of other"}; !slices.Equal(got, want) {
		t.Errorf("SecretValues = %v, want %v", got, want)
	}
	var errs []string
	for _, e := range out.Errors {
		errs = append(errs, aws.ToString(e.SecretId)+":"+aws.ToString(e.ErrorCode))
	}
	if want := []string{"missing:ResourceNotFoundException", "batch/c:InvalidRequestException"}; !slices.Equal(errs, want) {
		t.Errorf("Errors = %v, want %v", errs, want)
	}

	// By filter, paginated by the SDK.
	p := secretsmanager.NewBatchGetSecretValuePaginator(c, &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"batch/"}}}, MaxResults: aws.Int32(1),
	})
	got = nil
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.SecretValues {
			got = append(got, aws.ToString(v.Name))
			if v.CreatedDate == nil || aws.ToString(v.VersionId) == "" {
				t.Errorf("entry %+v lacks members", v)
			}
		}
	}
	if want := []string{"batch/a", "batch/b"}; !slices.Equal(got, want) {
		t.Errorf("filtered batch = %v, want %v", got, want)
	}

	_, err = c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("BatchGetSecretValue with neither list nor filters: %v", err)
	}
}

func TestSDKGetRandomPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newSDKEnv(t).client
	out, err := c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{})
	if err != nil || len(aws.ToString(out.RandomPassword)) != 32 {
		t.Fatalf("default password = %v, %v", out, err)
	}
	out, err = c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{
		PasswordLength: aws.Int64(50), ExcludePunctuation: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludeCharacters: aws.String("abc"),
	})
	pw := aws.ToString(out.RandomPassword)
	if err != nil || !regexp.MustCompile(`^[d-z0-9]{50}$`).MatchString(pw) {
		t.Errorf("password %q, %v", pw, err)
	}
	_, err = c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(0)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || !strings.Contains(api.ErrorMessage(), "'passwordLength'") {
		t.Errorf("PasswordLength 0: %v, want ValidationException", err)
	}
	_, err = c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(2)})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("PasswordLength 2 with 4 required classes: %v, want InvalidParameterException", err)
	}
}

func TestSDKDeletionFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	created := mustCreate(t, c, "doomed", "v")

	del, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("doomed"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if !del.DeletionDate.Equal(testStart.Add(7*24*time.Hour)) || aws.ToString(del.ARN) != aws.ToString(created.ARN) {
		t.Errorf("DeleteSecret = %+v", del)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("doomed")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) {
		t.Errorf("GetSecretValue of a deleted secret: %v, want InvalidRequestException", err)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("doomed")})
	if err != nil || d.DeletedDate == nil || !d.DeletedDate.Equal(testStart) {
		t.Errorf("DescribeSecret of a deleted secret: %+v, %v", d, err)
	}
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("doomed"), SecretString: aws.String("x")})
	if !errors.As(err, &ire) {
		t.Errorf("CreateSecret of a name scheduled for deletion: %v, want InvalidRequestException", err)
	}
	if _, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("doomed")})
	if err != nil || aws.ToString(got.SecretString) != "v" {
		t.Errorf("GetSecretValue after restore = %+v, %v", got, err)
	}
	d, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("doomed")})
	if err != nil || d.DeletedDate != nil {
		t.Errorf("DescribeSecret after restore: DeletedDate %v, %v", d.DeletedDate, err)
	}

	// The window ends: the secret is gone.
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("doomed"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(7*24*time.Hour + time.Second)
	_, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("doomed")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("DescribeSecret after the window: %v, want ResourceNotFoundException", err)
	}

	// Forced delete: at once; the name is free again with a new ARN.
	again := mustCreate(t, c, "doomed", "w")
	if aws.ToString(again.ARN) == aws.ToString(created.ARN) {
		t.Errorf("recreated secret has the old ARN %s", aws.ToString(again.ARN))
	}
	del, err = c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("doomed"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	if err != nil || !del.DeletionDate.Equal(e.clock.Now()) {
		t.Fatalf("forced DeleteSecret = %+v, %v", del, err)
	}
	if _, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("doomed")}); !errors.As(err, &rnf) {
		t.Errorf("DescribeSecret after forced delete: %v", err)
	}
	del, err = c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("never-existed"), ForceDeleteWithoutRecovery: aws.Bool(true)})
	if err != nil || aws.ToString(del.Name) != "never-existed" || !strings.Contains(aws.ToString(del.ARN), ":secret:never-existed-") {
		t.Errorf("forced DeleteSecret of a missing name = %+v, %v", del, err)
	}
}

func TestSDKRegions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	eu := testutil.SDKClient(e.url, "eu-west-1")
	us := mustCreate(t, e.client, "regional", "us value")
	euOut, err := eu.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("regional"), SecretString: aws.String("eu value")})
	if err != nil {
		t.Fatalf("CreateSecret in eu-west-1 of a name used in us-east-1: %v", err)
	}
	if !strings.HasPrefix(aws.ToString(euOut.ARN), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:regional-") ||
		!strings.HasPrefix(aws.ToString(us.ARN), "arn:aws:secretsmanager:us-east-1:") {
		t.Errorf("ARNs %s and %s", aws.ToString(us.ARN), aws.ToString(euOut.ARN))
	}
	e.clock.Advance(time.Second)
	mustCreate(t, eu, "eu-only", "x")
	got, err := eu.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("regional")})
	if err != nil || aws.ToString(got.SecretString) != "eu value" {
		t.Errorf("eu GetSecretValue = %+v, %v", got, err)
	}
	for client, want := range map[*secretsmanager.Client][]string{e.client: {"regional"}, eu: {"regional", "eu-only"}} {
		out, err := client.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range out.SecretList {
			names = append(names, aws.ToString(s.Name))
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s lists %v, want %v", client.Options().Region, names, want)
		}
	}
	// The store's own view of eu-west-1 is the same data.
	if v, err := e.store.Region("eu-west-1").Get(ctx, "eu-only"); err != nil || v != "x" {
		t.Errorf("store.Region(eu-west-1).Get = %q, %v", v, err)
	}
}

// TestSDKErrors checks that every error reaches the SDK as the typed
// exception it models, or as a smithy.APIError with the code for the
// unmodelled ValidationException.
func TestSDKErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSDKEnv(t)
	c := e.client
	mustCreate(t, c, "exists", "v")
	// 20 labels: AWSCURRENT and 19 more on a second version.
	var labels []string
	for i := range 19 {
		labels = append(labels, fmt.Sprintf("L%d", i))
	}
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("exists"), SecretString: aws.String("v2"),
		ClientRequestToken: aws.String(token(2)), VersionStages: labels}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("exists")})
	if err != nil {
		t.Fatal(err)
	}
	var current string
	for id, st := range d.VersionIdsToStages {
		if slices.Contains(st, "AWSCURRENT") {
			current = id
		}
	}

	tests := []struct {
		name string
		call func() error
		as   any    // pointer to the typed exception, or nil
		code string // ErrorCode() of the error
		msg  string // a part of the message
	}{
		{"ResourceNotFound", func() error {
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("nope")})
			return err
		}, new(*types.ResourceNotFoundException), "ResourceNotFoundException", "Secrets Manager can't find the specified secret."},
		{"ResourceExists", func() error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("exists")})
			return err
		}, new(*types.ResourceExistsException), "ResourceExistsException", "The operation failed because the secret exists already exists."},
		{"InvalidParameter", func() error {
			_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("exists"), RecoveryWindowInDays: aws.Int64(3)})
			return err
		}, new(*types.InvalidParameterException), "InvalidParameterException", "between 7 and 30"},
		{"InvalidParameter both values", func() error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("exists"), SecretString: aws.String("a"), SecretBinary: []byte("b")})
			return err
		}, new(*types.InvalidParameterException), "InvalidParameterException", "both a binary secret value and a string"},
		{"InvalidRequest", func() error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("exists")})
			return err
		}, new(*types.InvalidRequestException), "InvalidRequestException", "You must provide either SecretString or SecretBinary."},
		{"LimitExceeded", func() error {
			_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("exists"),
				VersionStage: aws.String("ONE-TOO-MANY"), MoveToVersionId: aws.String(current)})
			return err
		}, new(*types.LimitExceededException), "LimitExceededException", "at most 20"},
		{"InvalidNextToken", func() error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: aws.String("not-a-token")})
			return err
		}, new(*types.InvalidNextTokenException), "InvalidNextTokenException", "NextToken"},
		{"InvalidNextToken versions", func() error {
			_, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("exists"), NextToken: aws.String("x")})
			return err
		}, new(*types.InvalidNextTokenException), "InvalidNextTokenException", "NextToken"},
		{"Validation name", func() error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bad name")})
			return err
		}, nil, "ValidationException", "Invalid name."},
		{"Validation sortBy", func() error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{SortBy: "size"})
			return err
		}, nil, "ValidationException", "'sortBy'"},
		{"InvalidRequest rotation without a function", func() error {
			_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("exists")})
			return err
		}, new(*types.InvalidRequestException), "InvalidRequestException", "No Lambda rotation function ARN is associated with this secret."},
		{"AccessDenied rotation function", func() error {
			_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("exists"), RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:123456789012:function:none")})
			return err
		}, nil, "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function."},
		{"MalformedPolicyDocument", func() error {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("exists"), ResourcePolicy: aws.String(`{"Statement":[]}`)})
			return err
		}, new(*types.MalformedPolicyDocumentException), "MalformedPolicyDocumentException", "not a valid policy document"},
		{"PublicPolicy", func() error {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("exists"), BlockPublicPolicy: aws.Bool(true),
				ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`)})
			return err
		}, new(*types.PublicPolicyException), "PublicPolicyException", "public access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("error %v (%T) is not a %T", err, err, tt.as)
			}
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %v is not a smithy.APIError", err)
			}
			if api.ErrorCode() != tt.code || !strings.Contains(api.ErrorMessage(), tt.msg) {
				t.Errorf("got %s %q, want %s containing %q", api.ErrorCode(), api.ErrorMessage(), tt.code, tt.msg)
			}
			var re interface{ HTTPStatusCode() int }
			if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
				t.Errorf("status %d, want 400", re.HTTPStatusCode())
			}
		})
	}
}
