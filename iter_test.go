package secretstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAllSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("app/%02d", i)
		mustCreate(t, s, name, "v")
		want = append(want, name)
	}
	mustCreate(t, s, "other", "v")

	tests := []struct {
		name  string
		in    ListSecretsInput
		stop  int // stop after this many entries; 0: read them all
		want  []string
		fails bool
	}{
		{"every page, one entry at a time", ListSecretsInput{MaxResults: 5, Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"app/"}}}}, 0, want, false},
		{"one page holds them all", ListSecretsInput{Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"app/"}}}}, 0, want, false},
		{"the order of the input is kept", ListSecretsInput{MaxResults: 4, SortBy: SortByName, SortOrder: SortOrderDesc, Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"app/"}}}}, 0, reversed(want), false},
		{"breaking out stops the listing", ListSecretsInput{MaxResults: 5}, 7, want[:7], false},
		{"nothing matches", ListSecretsInput{Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"none"}}}}, 0, nil, false},
		{"an error is yielded once and ends the iteration", ListSecretsInput{NextToken: "bad"}, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			errs := 0
			for e, err := range s.AllSecrets(ctx, &tt.in) {
				if err != nil {
					errs++
					wantErr(t, err, ErrInvalidNextToken, "")
					continue
				}
				got = append(got, e.Name)
				if len(got) == tt.stop {
					break
				}
			}
			if tt.fails != (errs == 1) || errs > 1 {
				t.Errorf("%d errors yielded, want failure %v", errs, tt.fails)
			}
			if !equalStrings(got, tt.want) {
				t.Errorf("names = %v, want %v", got, tt.want)
			}
		})
	}
	in := ListSecretsInput{MaxResults: 5}
	for range s.AllSecrets(ctx, &in) {
	}
	if in.NextToken != "" {
		t.Error("AllSecrets changed its input's NextToken")
	}
}

func TestAllSecretVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	first := mustCreate(t, s, "db", "v0").VersionId
	want := []string{first}
	for i := 1; i < 12; i++ {
		want = append(want, mustPut(t, s, "db", fmt.Sprint("v", i), "L"+fmt.Sprint(i)).VersionId)
	}
	var got []string
	for v, err := range s.AllSecretVersions(ctx, &ListSecretVersionIdsInput{SecretId: "db", MaxResults: 5, IncludeDeprecated: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.VersionId)
	}
	if !slices.Equal(got, want) {
		t.Errorf("versions = %v, want %v (oldest first)", got, want)
	}
	errs := 0
	for _, err := range s.AllSecretVersions(ctx, &ListSecretVersionIdsInput{SecretId: "missing"}) {
		wantErr(t, err, ErrResourceNotFound, "")
		errs++
	}
	if errs != 1 {
		t.Errorf("a missing secret yielded %d errors, want 1", errs)
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// TestNameFilterInEveryOrder checks that listings narrowed by a name
// filter (scanned by name ranges) give, page by page, exactly the secrets
// the same listing without the filter gives, filtered, in every order.
func TestNameFilterInEveryOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	for i, name := range []string{"b/2", "a/1", "ab", "b/1", "a/2", "c", "a", "b/10", "ba", "a/3/x"} {
		clk.Advance(time.Duration(i%3) * time.Second) // ties in created date too
		mustCreate(t, s, name, "v")
	}
	mustGet(t, s, "b/1")
	for _, sortBy := range []string{SortByName, SortByCreatedDate, SortByLastChangedDate, SortByLastAccessedDate} {
		for _, order := range []string{SortOrderAsc, SortOrderDesc} {
			for _, values := range [][]string{{"a/"}, {"b"}, {"a", "b/1"}, {"b/1", "zz"}, {"nothing"}} {
				all := ListSecretsInput{SortBy: sortBy, SortOrder: order, MaxResults: 2}
				var want []string
				for e, err := range s.AllSecrets(ctx, &all) {
					if err != nil {
						t.Fatal(err)
					}
					if slices.ContainsFunc(values, func(v string) bool { return strings.HasPrefix(e.Name, v) }) {
						want = append(want, e.Name)
					}
				}
				in := all
				in.Filters = []Filter{{Key: FilterNameStringTypeName, Values: values}}
				var got []string
				for e, err := range s.AllSecrets(ctx, &in) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, e.Name)
				}
				if !equalStrings(got, want) {
					t.Errorf("%s %s name %v: %v, want %v", sortBy, order, values, got, want)
				}
			}
		}
	}
}
