package secretstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/record"
)

const (
	testEnumMsg    = "Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]"
	testPatternMsg = `Member must satisfy regular expression pattern: ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`
)

func TestValidateFilters(t *testing.T) {
	t.Parallel()
	tooManyFilters := make([]Filter, 11)
	for i := range tooManyFilters {
		tooManyFilters[i] = Filter{Key: "name", Values: []string{"a"}}
	}
	tenFilters := tooManyFilters[:10]
	long := strings.Repeat("a", 513)

	tests := []struct {
		name     string
		filters  []Filter
		sentinel error  // nil: valid
		msg      string // the whole Error.Message
	}{
		{name: "none", filters: nil},
		{name: "empty list", filters: []Filter{}},
		{name: "ten filters", filters: tenFilters},
		{name: "every key", filters: []Filter{
			{Key: "description", Values: []string{"a"}},
			{Key: "name", Values: []string{"a"}},
			{Key: "tag-key", Values: []string{"a"}},
			{Key: "tag-value", Values: []string{"a"}},
			{Key: "primary-region", Values: []string{"a"}},
			{Key: "owning-service", Values: []string{"a"}},
			{Key: "all", Values: []string{"a"}},
		}},
		{name: "ten values", filters: []Filter{{Key: "name", Values: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}}},
		{name: "every allowed character", filters: []Filter{{Key: "name", Values: []string{"!aZ09 :_@/+=.-!"}}}},
		{name: "empty value", filters: []Filter{{Key: "name", Values: []string{""}}}},
		{name: "512 characters", filters: []Filter{{Key: "name", Values: []string{long[:512]}}}},
		{
			name:     "eleven filters",
			filters:  tooManyFilters,
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 10",
		},
		{
			name:     "no key",
			filters:  []Filter{{Values: []string{"a"}}},
			sentinel: ErrInvalidParameter,
			msg:      "Invalid filter key",
		},
		{
			name:     "unknown key",
			filters:  []Filter{{Key: "name", Values: []string{"a"}}, {Key: "Name", Values: []string{"a"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value 'Name' at 'filters.2.member.key' failed to satisfy constraint: " + testEnumMsg,
		},
		{
			name:     "nil values",
			filters:  []Filter{{Key: "tag-key"}},
			sentinel: ErrInvalidParameter,
			msg:      "Invalid filter values for key: tag-key",
		},
		{
			name:     "empty values",
			filters:  []Filter{{Key: "name", Values: []string{}}},
			sentinel: ErrInvalidParameter,
			msg:      "Invalid filter values for key: name",
		},
		{
			name:     "eleven values",
			filters:  []Filter{{Key: "name", Values: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' at 'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 10",
		},
		{
			name:     "value too long",
			filters:  []Filter{{Key: "name", Values: []string{"a", long}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value '" + long + "' at 'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 512",
		},
		{
			name:     "value with a bad character",
			filters:  []Filter{{Key: "all", Values: []string{"a"}}, {Key: "name", Values: []string{"ok", "a*b"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value 'a*b' at 'filters.2.member.values' failed to satisfy constraint: " + testPatternMsg,
		},
		{
			name:     "value with a tab",
			filters:  []Filter{{Key: "description", Values: []string{"a\tb"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value 'a\tb' at 'filters.1.member.values' failed to satisfy constraint: " + testPatternMsg,
		},
		{
			name:     "value that is not ASCII",
			filters:  []Filter{{Key: "description", Values: []string{"café"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value 'café' at 'filters.1.member.values' failed to satisfy constraint: " + testPatternMsg,
		},
		{
			name:     "several violations in one message",
			filters:  []Filter{{Key: "bad", Values: []string{"a#"}}},
			sentinel: ErrValidation,
			msg: "2 validation errors detected: Value 'bad' at 'filters.1.member.key' failed to satisfy constraint: " + testEnumMsg +
				"; Value 'a#' at 'filters.1.member.values' failed to satisfy constraint: " + testPatternMsg,
		},
		{
			name:     "validation before invalid parameter",
			filters:  []Filter{{Values: []string{"a"}}, {Key: "bad", Values: []string{"a"}}},
			sentinel: ErrValidation,
			msg:      "1 validation error detected: Value 'bad' at 'filters.2.member.key' failed to satisfy constraint: " + testEnumMsg,
		},
		{
			name:     "missing key before missing values",
			filters:  []Filter{{Key: "name"}, {Values: []string{"a"}}},
			sentinel: ErrInvalidParameter,
			msg:      "Invalid filter values for key: name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, cerr := compileFilters(tt.filters)
			if tt.sentinel == nil {
				if cerr != nil {
					t.Fatalf("compileFilters = %v; want nil", cerr)
				}
				return
			}
			if c != nil {
				t.Errorf("compileFilters returned filters with error %v", cerr)
			}
			for _, e := range []error{cerr} {
				if !errors.Is(e, tt.sentinel) {
					t.Fatalf("error = %v; want %v", e, tt.sentinel)
				}
				var se *Error
				if !errors.As(e, &se) {
					t.Fatalf("error %T is not an *Error", e)
				}
				if se.Code != tt.sentinel.Error() {
					t.Errorf("Code = %q; want %q", se.Code, tt.sentinel.Error())
				}
				if se.Message != tt.msg {
					t.Errorf("Message =\n%q\nwant\n%q", se.Message, tt.msg)
				}
			}
		})
	}
}

// The secrets the matching tests list, by a short id.
var testSubjects = map[string]filterSubject{
	"t1": {Name: "testing1/one", Description: "one two", Tags: []record.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "blue"}}},
	"t2": {Name: "/testing2/x", Description: "a secret", Tags: []record.Tag{{Key: "environment", Value: "Dev"}}},
	"t3": {Name: "mySecret", Description: "an secret"},
	"t4": {Name: "COMPANYthings", Description: "asecret", Tags: []record.Tag{}},
	"t5": {Name: "HTTPServer_v2Beta", Description: "Cache layer", Tags: []record.Tag{{Key: "Owner", Value: "data-platform@corp"}}},
	"t6": {Name: "replica", PrimaryRegion: "us-east-1", OwningService: "appflow", Tags: []record.Tag{{Key: "aws:cloudformation:stack", Value: "x"}}},
	"t7": {Name: "prod/db+creds", Description: "Credentials\tfor the  DB\n"},
}

func TestMatchFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		filters []Filter
		want    []string // ids of testSubjects, sorted
	}{
		{"no filters", nil, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}},

		// name
		{"name prefix", []Filter{{Key: "name", Values: []string{"testing"}}}, []string{"t1"}},
		{"name slash", []Filter{{Key: "name", Values: []string{"/"}}}, []string{"t2"}},
		{"name is whole-name prefix", []Filter{{Key: "name", Values: []string{"testing1 one"}}}, nil},
		{"name not a word prefix", []Filter{{Key: "name", Values: []string{"one"}}}, nil},
		{"name case-sensitive", []Filter{{Key: "name", Values: []string{"MySecret"}}}, nil},
		{"name exact", []Filter{{Key: "name", Values: []string{"mySecret"}}}, []string{"t3"}},
		{"name empty value", []Filter{{Key: "name", Values: []string{""}}}, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}},
		{"name negated", []Filter{{Key: "name", Values: []string{"!/"}}}, []string{"t1", "t3", "t4", "t5", "t6", "t7"}},
		{"name OR", []Filter{{Key: "name", Values: []string{"my", "/", "nothing"}}}, []string{"t2", "t3"}},
		{"name OR with negation", []Filter{{Key: "name", Values: []string{"!t", "testing1"}}}, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}},
		{"name repeated key is AND", []Filter{{Key: "name", Values: []string{"t"}}, {Key: "name", Values: []string{"testing"}}}, []string{"t1"}},
		{"name repeated key disjoint", []Filter{{Key: "name", Values: []string{"my"}}, {Key: "name", Values: []string{"/"}}}, nil},
		{"name negations ANDed", []Filter{{Key: "name", Values: []string{"!/"}}, {Key: "name", Values: []string{"!my"}}}, []string{"t1", "t4", "t5", "t6", "t7"}},

		// description
		{"description words", []Filter{{Key: "description", Values: []string{"a secret"}}}, []string{"t2", "t3"}},
		{"description word prefixes", []Filter{{Key: "description", Values: []string{"o t"}}}, []string{"t1"}},
		{"description word order", []Filter{{Key: "description", Values: []string{"t o"}}}, []string{"t1"}},
		{"description case-insensitive", []Filter{{Key: "description", Values: []string{"CACHE LAY"}}}, []string{"t5"}},
		{"description single letter", []Filter{{Key: "description", Values: []string{"a"}}}, []string{"t2", "t3", "t4"}},
		{"description not inside a word", []Filter{{Key: "description", Values: []string{"ecret"}}}, nil},
		{"description any whitespace", []Filter{{Key: "description", Values: []string{"for db"}}}, []string{"t7"}},
		{"description extra spaces in value", []Filter{{Key: "description", Values: []string{"  one   two "}}}, []string{"t1"}},
		{"description blank value", []Filter{{Key: "description", Values: []string{"   "}}}, nil},
		{"description negated", []Filter{{Key: "description", Values: []string{"!c"}}}, []string{"t1", "t2", "t3", "t4", "t6"}},
		{"description negated words", []Filter{{Key: "description", Values: []string{"!a secret"}}}, []string{"t1", "t4", "t5", "t6", "t7"}},
		{"description OR", []Filter{{Key: "description", Values: []string{"one", "cache"}}}, []string{"t1", "t5"}},

		// tag-key
		{"tag-key prefix", []Filter{{Key: "tag-key", Values: []string{"env"}}}, []string{"t1", "t2"}},
		{"tag-key any tag", []Filter{{Key: "tag-key", Values: []string{"team"}}}, []string{"t1"}},
		{"tag-key case-sensitive", []Filter{{Key: "tag-key", Values: []string{"owner"}}}, nil},
		{"tag-key colon", []Filter{{Key: "tag-key", Values: []string{"aws:cloud"}}}, []string{"t6"}},
		{"tag-key negated includes untagged", []Filter{{Key: "tag-key", Values: []string{"!env"}}}, []string{"t3", "t4", "t5", "t6", "t7"}},
		{"tag-key negated means no tag matches", []Filter{{Key: "tag-key", Values: []string{"!team"}}}, []string{"t2", "t3", "t4", "t5", "t6", "t7"}},
		{"tag-key empty value means tagged", []Filter{{Key: "tag-key", Values: []string{""}}}, []string{"t1", "t2", "t5", "t6"}},
		{"tag-key empty value negated means untagged", []Filter{{Key: "tag-key", Values: []string{"!"}}}, []string{"t3", "t4", "t7"}},

		// tag-value
		{"tag-value prefix", []Filter{{Key: "tag-value", Values: []string{"pr"}}}, []string{"t1"}},
		{"tag-value case-sensitive", []Filter{{Key: "tag-value", Values: []string{"dev"}}}, nil},
		{"tag-value second tag", []Filter{{Key: "tag-value", Values: []string{"blue"}}}, []string{"t1"}},
		{"tag-value whole-value prefix", []Filter{{Key: "tag-value", Values: []string{"platform"}}}, nil},
		{"tag-value negated", []Filter{{Key: "tag-value", Values: []string{"!prod", "!Dev"}}}, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}},
		{"tag-value negated AND", []Filter{{Key: "tag-value", Values: []string{"!prod"}}, {Key: "tag-value", Values: []string{"!Dev"}}}, []string{"t3", "t4", "t5", "t6", "t7"}},

		// primary-region, owning-service
		{"primary-region prefix", []Filter{{Key: "primary-region", Values: []string{"us-"}}}, []string{"t6"}},
		{"primary-region case-sensitive", []Filter{{Key: "primary-region", Values: []string{"US"}}}, nil},
		{"primary-region empty value needs a region", []Filter{{Key: "primary-region", Values: []string{""}}}, []string{"t6"}},
		{"primary-region negated", []Filter{{Key: "primary-region", Values: []string{"!us"}}}, []string{"t1", "t2", "t3", "t4", "t5", "t7"}},
		{"owning-service prefix", []Filter{{Key: "owning-service", Values: []string{"app"}}}, []string{"t6"}},
		{"owning-service case-sensitive", []Filter{{Key: "owning-service", Values: []string{"App"}}}, nil},
		{"owning-service negated", []Filter{{Key: "owning-service", Values: []string{"!appflow"}}}, []string{"t1", "t2", "t3", "t4", "t5", "t7"}},

		// all
		{"all case change", []Filter{{Key: "all", Values: []string{"my"}}}, []string{"t3"}},
		{"all second word", []Filter{{Key: "all", Values: []string{"secret"}}}, []string{"t2", "t3"}},
		{"all case-insensitive", []Filter{{Key: "all", Values: []string{"SECRET"}}}, []string{"t2", "t3"}},
		{"all not inside a word", []Filter{{Key: "all", Values: []string{"ret"}}}, nil},
		{"all not the whole token (AWS splits at case changes)", []Filter{{Key: "all", Values: []string{"mysecret"}}}, nil},
		{"all a value split at case changes too", []Filter{{Key: "all", Values: []string{"mySecret"}}}, []string{"t3"}},
		{"all uppercase run", []Filter{{Key: "all", Values: []string{"Ythings"}}}, []string{"t4"}},
		{"all uppercase run, not the rest", []Filter{{Key: "all", Values: []string{"things"}}}, nil},
		{"all uppercase run, not the whole run (AWS: uat/COMPANYthings is not found by company)", []Filter{{Key: "all", Values: []string{"company"}}}, nil},
		{"all uppercase run, first piece", []Filter{{Key: "all", Values: []string{"compan"}}}, []string{"t4"}},
		{"all acronym", []Filter{{Key: "all", Values: []string{"server"}}}, []string{"t5"}},
		{"all acronym first piece", []Filter{{Key: "all", Values: []string{"http"}}}, []string{"t5"}},
		{"all acronym does not split early", []Filter{{Key: "all", Values: []string{"tpserver"}}}, nil},
		{"all after digit", []Filter{{Key: "all", Values: []string{"beta"}}}, []string{"t5"}},
		{"all piece does not run on", []Filter{{Key: "all", Values: []string{"v2beta"}}}, nil},
		{"all pieces are whole", []Filter{{Key: "all", Values: []string{"serverv"}}}, nil},
		{"all separator in name", []Filter{{Key: "all", Values: []string{"x"}}}, []string{"t2", "t6"}},
		{"all plus", []Filter{{Key: "all", Values: []string{"creds"}}}, []string{"t7"}},
		{"all at sign", []Filter{{Key: "all", Values: []string{"corp"}}}, []string{"t5"}},
		{"all dash in tag value", []Filter{{Key: "all", Values: []string{"platform"}}}, []string{"t5"}},
		{"all tag key", []Filter{{Key: "all", Values: []string{"team"}}}, []string{"t1"}},
		{"all description", []Filter{{Key: "all", Values: []string{"cache"}}}, []string{"t5"}},
		{"all colon is not a separator", []Filter{{Key: "all", Values: []string{"cloudformation"}}}, nil},
		{"all lone plus", []Filter{{Key: "all", Values: []string{"+"}}}, nil},
		{"all lone slash", []Filter{{Key: "all", Values: []string{"/"}}}, nil},
		{"all lone separators", []Filter{{Key: "all", Values: []string{"/", "_", "+", "=", ".", "@", "-", " "}}}, nil},
		{"all value with separator", []Filter{{Key: "all", Values: []string{"prod/db"}}}, []string{"t7"}},
		{"all words in one attribute", []Filter{{Key: "all", Values: []string{"one two"}}}, []string{"t1"}},
		{"all words in the name", []Filter{{Key: "all", Values: []string{"testing one"}}}, []string{"t1"}},
		{"all words across attributes", []Filter{{Key: "all", Values: []string{"env prod"}}}, nil},
		{"all words across filters", []Filter{{Key: "all", Values: []string{"env"}}, {Key: "all", Values: []string{"prod"}}}, []string{"t1"}},
		{"all negated", []Filter{{Key: "all", Values: []string{"!secret"}}}, []string{"t1", "t4", "t5", "t6", "t7"}},
		{"all negated lone separator", []Filter{{Key: "all", Values: []string{"!+"}}}, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}},
		{"all OR", []Filter{{Key: "all", Values: []string{"cache", "ythings"}}}, []string{"t4", "t5"}},

		// mixed
		{"AND across keys", []Filter{{Key: "tag-key", Values: []string{"env"}}, {Key: "description", Values: []string{"a"}}}, []string{"t2"}},
		{"AND with negation", []Filter{{Key: "tag-key", Values: []string{"!env"}}, {Key: "description", Values: []string{"!c"}}}, []string{"t3", "t4", "t6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := compileFilters(tt.filters)
			if err != nil {
				t.Fatalf("compileFilters: %v", err)
			}
			var got []string
			for id, s := range testSubjects {
				if c.match(&s) {
					got = append(got, id)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("match = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestAllWords checks the word splitting of the "all" filter on single
// attributes.
func TestAllWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attr  string
		match []string // values that find attr
		miss  []string // values that do not
	}{
		{"mySecret", []string{"my", "secret", "Secret", "SECRET", "mySecret", "mySec", "s"}, []string{"ret", "ysecret", "my secret x", "mysecret"}},
		{"COMPANYthings", []string{"Ythings", "ythings", "COMPANYthings", "compan", "y"}, []string{"things", "hings", "pany", "company"}},
		{"HTTPServer", []string{"http", "server", "HTTPServer"}, []string{"tpserver", "erver", "httpserver", "HTTPS"}},
		{"ABc", []string{"a", "bc", "ABc"}, []string{"c", "abc"}},
		{"v2Beta", []string{"v2", "beta", "v2Beta"}, []string{"2", "eta", "v2beta"}},
		{"a/b_c+d=e.f@g-h i", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "h a b", "a-b", "i/h", "a/b_c"}, []string{"bc", "ab"}},
		{"Ünïcode Wörd", []string{"wö", "w"}, []string{"ü", "nicode"}},
		{"fooBar/bazQux", []string{"bar baz", "foo qux", "fooBar bazQux"}, []string{"barbaz", "foobar bazqux"}},
		{"UPPER", []string{"upper", "up"}, []string{"per"}},
		{"getHTTPServerName", []string{"get", "http", "server", "name"}, []string{"servername", "httpserver"}},
		{"", nil, []string{"a", ""}},
		{"//", nil, []string{"a", "/"}},
	}
	for _, tt := range tests {
		for _, v := range tt.match {
			if !testMatchAllName(t, tt.attr, v) {
				t.Errorf("all:%q does not match %q; want a match", v, tt.attr)
			}
		}
		for _, v := range tt.miss {
			if testMatchAllName(t, tt.attr, v) {
				t.Errorf("all:%q matches %q; want no match", v, tt.attr)
			}
		}
	}
}

// testMatchAllName reports whether the filter all:value matches a secret
// whose only attribute is the given tag value.
func testMatchAllName(t *testing.T, attr, value string) bool {
	t.Helper()
	if !filterValueRE.MatchString(value) {
		// Non-ASCII values cannot pass validation; match the compiled form
		// directly.
		var v compiledValue
		for _, token := range strings.FieldsFunc(value, isAllSeparator) {
			casePieces(token, func(piece string) bool { v.words = append(v.words, strings.ToLower(piece)); return true })
		}
		f := compiledFilter{key: filterKeyAll, values: []compiledValue{v}}
		return f.match(&filterSubject{Tags: []record.Tag{{Key: "k", Value: attr}}})
	}
	c, err := compileFilters([]Filter{{Key: "all", Values: []string{value}}})
	if err != nil {
		t.Fatalf("compileFilters: %v", err)
	}
	return c.match(&filterSubject{Tags: []record.Tag{{Key: "k", Value: attr}}})
}

func TestMatchDoesNotAllocate(t *testing.T) {
	c, err := compileFilters([]Filter{
		{Key: "name", Values: []string{"x", "!y"}},
		{Key: "description", Values: []string{"!zz", "a secret"}},
		{Key: "tag-key", Values: []string{"!nope"}},
		{Key: "all", Values: []string{"things", "http server"}},
		{Key: "primary-region", Values: []string{"!eu"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := filterSubject{
		Name:        "HTTPServer/COMPANYthings",
		Description: "Ünïcode description of a secret",
		Tags:        []record.Tag{{Key: "env", Value: "prod-eu"}, {Key: "owner", Value: "me@corp"}},
	}
	if allocs := testing.AllocsPerRun(100, func() { c.match(&s) }); allocs != 0 {
		t.Errorf("match allocates %v times; want 0", allocs)
	}
}

func TestNilCompiledFiltersMatchEverything(t *testing.T) {
	t.Parallel()
	var c *compiledFilters
	if !c.match(&filterSubject{Name: "x"}) {
		t.Error("nil compiledFilters does not match")
	}
}

func BenchmarkCompiledFiltersMatch(b *testing.B) {
	c, err := compileFilters([]Filter{
		{Key: "all", Values: []string{"secret things", "!prod"}},
		{Key: "description", Values: []string{"data cache"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	subjects := make([]filterSubject, 1000)
	for i := range subjects {
		subjects[i] = filterSubject{
			Name:        fmt.Sprintf("team%d/service/MyDatabaseSecret_%d", i%7, i),
			Description: "Credentials for the data cache of service " + fmt.Sprint(i),
			Tags:        []record.Tag{{Key: "env", Value: "staging"}, {Key: "CostCenter", Value: "ABC-123"}},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range subjects {
			c.match(&subjects[i])
		}
	}
}
