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
)

// listFixture creates, a minute apart, the secrets the ListSecrets tests
// filter and sort, and returns their names in creation order.
func listFixture(t *testing.T) (*Store, *FakeClock, []string) {
	t.Helper()
	ctx := context.Background()
	s, clk := newTestStore(t)
	secrets := []CreateSecretInput{
		{Name: "app/db", SecretString: "1", Description: "Database password", Tags: []Tag{{"env", "prod"}, {"team", "core"}}},
		{Name: "app/api", SecretString: "2", Description: "API key for payments", Tags: []Tag{{"env", "dev"}}},
		{Name: "/testing/one", SecretString: "3"},
		{Name: "Zeta", SecretString: "4", Description: "one two", Tags: []Tag{{"Env", "production"}}},
		{Name: "batch-job", SecretString: "5", Tags: []Tag{{"owner", "alice"}}},
	}
	var names []string
	for i := range secrets {
		if i > 0 {
			clk.Advance(time.Minute)
		}
		if _, err := s.CreateSecret(ctx, &secrets[i]); err != nil {
			t.Fatal(err)
		}
		names = append(names, secrets[i].Name)
	}
	return s, clk, names
}

func TestListSecretsFilters(t *testing.T) {
	t.Parallel()
	s, _, _ := listFixture(t)
	f := func(key FilterNameStringType, values ...string) Filter { return Filter{Key: key, Values: values} }
	all := []string{"app/db", "app/api", "/testing/one", "Zeta", "batch-job"}
	tests := []struct {
		name    string
		filters []Filter
		want    []string // in created-date order
	}{
		{"no filter lists every secret", nil, all},
		{"name is a prefix of the name", []Filter{f("name", "app/")}, []string{"app/db", "app/api"}},
		{"name is case-sensitive", []Filter{f("name", "App")}, nil},
		{"name must be a prefix, not a part", []Filter{f("name", "db")}, nil},
		{"name with ! lists the names without the prefix", []Filter{f("name", "!app/")}, []string{"/testing/one", "Zeta", "batch-job"}},
		{"name / matches names starting with a slash", []Filter{f("name", "/")}, []string{"/testing/one"}},
		{"the values of one filter are ORed", []Filter{f("name", "app/db", "Zeta")}, []string{"app/db", "Zeta"}},
		{"description matches a word prefix, ignoring case", []Filter{f("description", "data")}, []string{"app/db"}},
		{"description in upper case matches too", []Filter{f("description", "DATA")}, []string{"app/db"}},
		{"description needs every word of the value", []Filter{f("description", "o t")}, []string{"Zeta"}},
		{"description does not match inside a word", []Filter{f("description", "word")}, nil},
		{"description with ! lists the others, including empty descriptions", []Filter{f("description", "!one")}, []string{"app/db", "app/api", "/testing/one", "batch-job"}},
		{"tag-key is a case-sensitive prefix of a key", []Filter{f("tag-key", "env")}, []string{"app/db", "app/api"}},
		{"tag-key in another case matches the other key", []Filter{f("tag-key", "Env")}, []string{"Zeta"}},
		{"tag-key with ! lists secrets without such a key, untagged ones too", []Filter{f("tag-key", "!env")}, []string{"/testing/one", "Zeta", "batch-job"}},
		{"tag-value is a prefix of a value", []Filter{f("tag-value", "prod")}, []string{"app/db", "Zeta"}},
		{"tag-value is case-sensitive", []Filter{f("tag-value", "Prod")}, nil},
		{"filters of different keys are ANDed", []Filter{f("name", "app/"), f("tag-value", "prod")}, []string{"app/db"}},
		{"a repeated key is ANDed too", []Filter{f("name", "app/"), f("name", "app/a")}, []string{"app/api"}},
		{"a negated and a positive filter combine", []Filter{f("tag-key", "!team"), f("name", "app/")}, []string{"app/api"}},
		{"all matches a word of the description", []Filter{f("all", "payments")}, []string{"app/api"}},
		{"all matches a tag value", []Filter{f("all", "ALICE")}, []string{"batch-job"}},
		{"all matches a word of the name", []Filter{f("all", "job")}, []string{"batch-job"}},
		{"all with ! lists the others", []Filter{f("all", "!app")}, []string{"/testing/one", "Zeta", "batch-job"}},
		{"primary-region matches nothing on secrets that are not replicas", []Filter{f("primary-region", "us")}, nil},
		{"primary-region with ! matches every such secret", []Filter{f("primary-region", "!us")}, all},
		{"owning-service matches nothing on unmanaged secrets", []Filter{f("owning-service", "rds")}, nil},
		{"owning-service with ! matches every unmanaged secret", []Filter{f("owning-service", "!rds")}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listNames(t, s, &ListSecretsInput{Filters: tt.filters})
			if !equalStrings(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
	errorCases := []struct {
		name     string
		filters  []Filter
		sentinel error
		msg      string
	}{
		{"a filter without a key fails", []Filter{{Values: []string{"x"}}}, ErrInvalidParameter, "Invalid filter key"},
		{"a filter without values fails", []Filter{{Key: "name"}}, ErrInvalidParameter, "Invalid filter values for key: name"},
		{"an unknown key fails validation", []Filter{f("size", "x")}, ErrValidation, "Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]"},
		{"11 filters fail validation", slices.Repeat([]Filter{f("name", "a")}, 11), ErrValidation, "Member must have length less than or equal to 10"},
		{"11 values fail validation", []Filter{f("name", labels("v", 11)...)}, ErrValidation, "Member must have length less than or equal to 10"},
		{"a value with a forbidden character fails validation", []Filter{f("name", "a*b")}, ErrValidation, "Member must satisfy regular expression pattern"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ListSecrets(context.Background(), &ListSecretsInput{Filters: tt.filters})
			wantErr(t, err, tt.sentinel, tt.msg)
		})
	}
}

func TestListSecretsSorting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk, created := listFixture(t)
	// Change and read the secrets in another order than they were created.
	clk.Advance(time.Hour)
	for _, name := range []string{"Zeta", "app/db"} {
		clk.Advance(time.Minute)
		mustPut(t, s, name, "changed")
	}
	for _, name := range []string{"batch-job", "app/api"} {
		clk.Advance(25 * time.Hour) // another day: LastAccessedDate has day resolution
		mustGet(t, s, name)
	}
	byName := []string{"/testing/one", "Zeta", "app/api", "app/db", "batch-job"}
	// Never changed since creation, then the changed ones in order.
	byChanged := []string{"app/api", "/testing/one", "batch-job", "Zeta", "app/db"}
	// Never read (zero), by name, then the read ones in order.
	byAccessed := []string{"/testing/one", "Zeta", "app/db", "batch-job", "app/api"}

	tests := []struct {
		sortBy string
		want   []string
	}{
		{"", created},
		{SortByCreatedDate, created},
		{SortByName, byName},
		{SortByLastChangedDate, byChanged},
		{SortByLastAccessedDate, byAccessed},
	}
	for _, tt := range tests {
		for _, order := range []string{"", SortOrderAsc, SortOrderDesc} {
			want := tt.want
			if order == SortOrderDesc {
				want = slices.Clone(want)
				slices.Reverse(want)
			}
			for _, max := range []int32{0, 1, 2, 100} {
				name := fmt.Sprintf("SortBy %q SortOrder %q in pages of %d lists %v", tt.sortBy, order, max, want)
				t.Run(name, func(t *testing.T) {
					got := listNames(t, s, &ListSecretsInput{SortBy: tt.sortBy, SortOrder: order, MaxResults: max})
					if !equalStrings(got, want) {
						t.Errorf("listed %v, want %v", got, want)
					}
				})
			}
		}
	}
	t.Run("each page holds at most MaxResults and the last page has no NextToken", func(t *testing.T) {
		in := &ListSecretsInput{MaxResults: 2}
		var sizes []int
		for {
			out, err := s.ListSecrets(ctx, in)
			wantErr(t, err, nil, "")
			sizes = append(sizes, len(out.SecretList))
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		if !slices.Equal(sizes, []int{2, 2, 1}) {
			t.Errorf("page sizes %v, want [2 2 1]", sizes)
		}
		out, err := s.ListSecrets(ctx, &ListSecretsInput{MaxResults: 5})
		wantErr(t, err, nil, "")
		if len(out.SecretList) != 5 || out.NextToken != "" {
			t.Errorf("one exact page: %d entries, NextToken %q", len(out.SecretList), out.NextToken)
		}
	})
}

func TestListSecretsEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	a, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "a", SecretString: "1", Description: "desc", KmsKeyId: "alias/k", Tags: []Tag{{"k", "v"}}, ClientRequestToken: testToken("1")})
	wantErr(t, err, nil, "")
	clk.Advance(time.Minute)
	b, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "b"})
	wantErr(t, err, nil, "")
	clk.Advance(time.Minute)
	mustPutToken(t, s, "a", testToken("2"), "2")
	mustGet(t, s, "a")

	out, err := s.ListSecrets(ctx, &ListSecretsInput{})
	wantErr(t, err, nil, "")
	want := []SecretListEntry{
		{ARN: a.ARN, Name: "a", Description: "desc", KmsKeyId: "alias/k", CreatedDate: testEpoch, LastChangedDate: testEpoch.Add(2 * time.Minute),
			LastAccessedDate: day(testEpoch), Tags: []Tag{{"k", "v"}},
			SecretVersionsToStages: map[string][]string{testToken("1"): {StagePrevious}, testToken("2"): {StageCurrent}}},
		{ARN: b.ARN, Name: "b", CreatedDate: testEpoch.Add(time.Minute), LastChangedDate: testEpoch.Add(time.Minute)},
	}
	if !reflect.DeepEqual(out.SecretList, want) || out.NextToken != "" {
		t.Errorf("ListSecrets =\n%+v, want\n%+v", out.SecretList, want)
	}

	t.Run("a secret scheduled for deletion is listed only with IncludePlannedDeletion", func(t *testing.T) {
		clk.Advance(time.Minute)
		mustDelete(t, s, &DeleteSecretInput{SecretId: "a"})
		if got := listNames(t, s, &ListSecretsInput{}); !equalStrings(got, []string{"b"}) {
			t.Errorf("without IncludePlannedDeletion: %v", got)
		}
		out, err := s.ListSecrets(ctx, &ListSecretsInput{IncludePlannedDeletion: true})
		wantErr(t, err, nil, "")
		if len(out.SecretList) != 2 || out.SecretList[0].Name != "a" || !out.SecretList[0].DeletedDate.Equal(clk.Now()) {
			t.Errorf("with IncludePlannedDeletion: %+v", out.SecretList)
		}
	})
	t.Run("a force-deleted secret is not listed at all", func(t *testing.T) {
		mustDelete(t, s, &DeleteSecretInput{SecretId: "b", ForceDeleteWithoutRecovery: true})
		if got := listNames(t, s, &ListSecretsInput{IncludePlannedDeletion: true}); !equalStrings(got, []string{"a"}) {
			t.Errorf("listed %v", got)
		}
	})
}

func TestListSecretsErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := listFixture(t)
	page := func(in ListSecretsInput) string {
		in.MaxResults = 1
		out, err := s.ListSecrets(ctx, &in)
		if err != nil || out.NextToken == "" {
			t.Fatalf("ListSecrets(%+v) = %+v, %v", in, out, err)
		}
		return out.NextToken
	}
	createdToken := page(ListSecretsInput{})
	nameToken := page(ListSecretsInput{SortBy: SortByName})
	descToken := page(ListSecretsInput{SortOrder: SortOrderDesc})
	mustPut(t, s, "app/db", "again")
	versionsOut, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "app/db", MaxResults: 1, IncludeDeprecated: true})
	wantErr(t, err, nil, "")
	if versionsOut.NextToken == "" {
		t.Fatal("ListSecretVersionIds gave no NextToken")
	}

	const badToken = "The NextToken value is invalid. Pass the NextToken from the previous response of the same operation."
	tests := []struct {
		name     string
		in       ListSecretsInput
		sentinel error
		msg      string
	}{
		{"MaxResults 0 means the default", ListSecretsInput{MaxResults: 0}, nil, ""},
		{"MaxResults 1 is allowed", ListSecretsInput{MaxResults: 1}, nil, ""},
		{"MaxResults 100 is allowed", ListSecretsInput{MaxResults: 100}, nil, ""},
		{"MaxResults 101 fails validation", ListSecretsInput{MaxResults: 101}, ErrValidation,
			"1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"a negative MaxResults fails validation", ListSecretsInput{MaxResults: -5}, ErrValidation,
			"1 validation error detected: Value '-5' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"an unknown SortBy fails validation", ListSecretsInput{SortBy: "size"}, ErrValidation,
			"1 validation error detected: Value 'size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]"},
		{"an unknown SortOrder fails validation", ListSecretsInput{SortOrder: "up"}, ErrValidation,
			"1 validation error detected: Value 'up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"},
		{"a made-up NextToken fails", ListSecretsInput{NextToken: "garbage"}, ErrInvalidNextToken, badToken},
		{"a NextToken that is not base64 fails", ListSecretsInput{NextToken: "!!!"}, ErrInvalidNextToken, badToken},
		{"a NextToken with a bad position fails", ListSecretsInput{NextToken: base64.RawURLEncoding.EncodeToString([]byte("l1\x00created-date\x00asc\x00x\x00a"))}, ErrInvalidNextToken, badToken},
		{"a NextToken of one SortBy used with another fails", ListSecretsInput{NextToken: createdToken, SortBy: SortByName}, ErrInvalidNextToken, badToken},
		{"a NextToken of the name order used with the default order fails", ListSecretsInput{NextToken: nameToken}, ErrInvalidNextToken, badToken},
		{"a NextToken of one SortOrder used with the other fails", ListSecretsInput{NextToken: descToken}, ErrInvalidNextToken, badToken},
		{"a NextToken of ListSecretVersionIds fails", ListSecretsInput{NextToken: versionsOut.NextToken}, ErrInvalidNextToken, badToken},
		{"a NextToken used with its own order works", ListSecretsInput{NextToken: nameToken, SortBy: SortByName}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ListSecrets(ctx, &tt.in)
			if tt.sentinel == nil {
				wantErr(t, err, nil, "")
				return
			}
			wantMessage(t, err, tt.sentinel, tt.msg)
		})
	}
}

// TestListSecretsPagingWhileChanging pages through the secrets two at a time
// while secrets are created and force-deleted between pages: every secret
// that exists throughout must be listed exactly once.
func TestListSecretsPagingWhileChanging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	orders := []struct{ sortBy, order string }{
		{"", ""}, {"", SortOrderDesc}, {SortByName, ""}, {SortByName, SortOrderDesc},
		{SortByLastChangedDate, ""}, {SortByLastAccessedDate, SortOrderDesc},
	}
	for _, o := range orders {
		t.Run(fmt.Sprintf("SortBy %q SortOrder %q", o.sortBy, o.order), func(t *testing.T) {
			s, clk := newTestStore(t)
			var original []string
			for i := range 12 {
				name := fmt.Sprintf("s%02d", (i*7)%12) // created out of name order
				mustCreate(t, s, name, "v")
				original = append(original, name)
				if i%3 != 0 { // some share a creation time with the one before
					clk.Advance(time.Minute)
				}
			}
			deleted := map[string]bool{}
			seen := map[string]int{}
			del := func(name string) {
				mustDelete(t, s, &DeleteSecretInput{SecretId: name, ForceDeleteWithoutRecovery: true})
				deleted[name] = true
			}
			in := &ListSecretsInput{MaxResults: 2, SortBy: o.sortBy, SortOrder: o.order}
			for page := 0; ; page++ {
				out, err := s.ListSecrets(ctx, in)
				wantErr(t, err, nil, "")
				if len(out.SecretList) > 2 {
					t.Fatalf("page of %d", len(out.SecretList))
				}
				for _, e := range out.SecretList {
					if deleted[e.Name] {
						t.Errorf("%s listed after it was deleted", e.Name)
					}
					seen[e.Name]++
				}
				if out.NextToken == "" {
					break
				}
				if page > 20 {
					t.Fatal("paging does not end")
				}
				// Between pages: create secrets before and after the cursor,
				// delete one already listed and one not yet listed.
				// (New secrets stop after a few pages, or in created-date
				// order the listing would never end.)
				clk.Advance(time.Second)
				if page < 4 {
					mustCreate(t, s, fmt.Sprintf("a-new%02d", page), "v")
					mustCreate(t, s, fmt.Sprintf("z-new%02d", page), "v")
				}
				for _, name := range original {
					if seen[name] > 0 && !deleted[name] {
						del(name)
						break
					}
				}
				for i := len(original) - 1; i >= 0; i-- {
					if name := original[i]; seen[name] == 0 && !deleted[name] {
						del(name)
						break
					}
				}
				in.NextToken = out.NextToken
			}
			for name, n := range seen {
				if n != 1 {
					t.Errorf("%s listed %d times", name, n)
				}
			}
			unlisted := 0
			for _, name := range original {
				if seen[name] == 0 && !deleted[name] {
					t.Errorf("%s existed throughout but was not listed", name)
				}
				if seen[name] == 0 {
					unlisted++
				}
			}
			if unlisted == 0 {
				t.Error("the test deleted no secret before it was listed")
			}
		})
	}
}

func TestListSecretsDeterministicWithinATie(t *testing.T) {
	t.Parallel()
	// Secrets created in the same millisecond are listed by name.
	s, _ := newTestStore(t)
	for _, name := range []string{"c", "a", "b"} {
		mustCreate(t, s, name, "v")
	}
	if got := listNames(t, s, &ListSecretsInput{MaxResults: 1}); !equalStrings(got, []string{"a", "b", "c"}) {
		t.Errorf("listed %v", got)
	}
	if got := listNames(t, s, &ListSecretsInput{MaxResults: 1, SortOrder: SortOrderDesc}); !equalStrings(got, []string{"c", "b", "a"}) {
		t.Errorf("listed %v", got)
	}
	if got := strings.Join(listNames(t, s, &ListSecretsInput{MaxResults: 2, SortBy: SortByLastAccessedDate}), ","); got != "a,b,c" {
		t.Errorf("listed %v", got)
	}
}
