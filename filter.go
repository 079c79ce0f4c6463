package secretstore

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// Filter is one filter of ListSecrets and BatchGetSecretValue. A secret is
// listed when it passes every filter (AND, also when a key repeats), and it
// passes a filter when at least one of the filter's values matches (OR).
//
// Key is one of:
//
//   - "name": the value is a prefix of the secret's name. Case-sensitive.
//   - "description": every word of the value (split on spaces) is a prefix
//     of some word of the description (split on whitespace). Not
//     case-sensitive: "o t" matches "One two", "a secret" matches
//     "an secret" but not "asecret".
//   - "tag-key", "tag-value": the value is a prefix of the key (or the value)
//     of at least one tag. Case-sensitive.
//   - "primary-region", "owning-service": the value is a prefix of the
//     secret's PrimaryRegion (or OwningService). Case-sensitive.
//   - "all": every word of the value is a prefix of some word of one
//     attribute: the name, the description, or one tag key or tag value.
//     Not case-sensitive. All the words must be found in the same
//     attribute. Attributes and values are split into words on whitespace
//     and on / _ + = . @ -, then at case changes, as AWS splits them:
//     "mySecret" has the words "my" and "Secret", "HTTPServer" has "HTTP" and
//     "Server", "COMPANYthings" has "COMPAN" and "Ythings". So "Ythings" and
//     "compan" find "COMPANYthings" but "company" and "things" do not, and
//     "ret" does not find "Secret"; a value with no words, such as "+",
//     matches nothing.
//
// A value that starts with "!" is negated: it matches exactly when the rest
// of the value does not. For tags that means no tag matches: "tag-key" with
// "!env" matches the secrets that have no tag key starting with "env",
// including the secrets without tags. An empty description, PrimaryRegion or
// OwningService matches no positive value, so it matches every negated one.
//
// A filter has 1 to 10 values, each at most 512 characters long and made of
// letters, digits, spaces and : _ @ / + = . - !. A request has at most 10
// filters.
type Filter struct {
	Key    FilterNameStringType
	Values []string // 1..10 values, each at most 512 characters
}

// FilterNameStringType is the key of a Filter; the type and its values have
// the AWS SDK's names.
type FilterNameStringType string

// The keys of a Filter.
const (
	FilterNameStringTypeDescription   FilterNameStringType = "description"
	FilterNameStringTypeName          FilterNameStringType = "name"
	FilterNameStringTypeTagKey        FilterNameStringType = "tag-key"
	FilterNameStringTypeTagValue      FilterNameStringType = "tag-value"
	FilterNameStringTypePrimaryRegion FilterNameStringType = "primary-region"
	FilterNameStringTypeOwningService FilterNameStringType = "owning-service"
	FilterNameStringTypeAll           FilterNameStringType = "all"
)

// filterSubject is what filters look at: the fields of one secret.
type filterSubject struct {
	Name, Description, PrimaryRegion, OwningService string
	Tags                                            []record.Tag
}

// filterValueRE is the pattern every filter value must match.
var filterValueRE = regexp.MustCompile(awsmodel.FilterValuePattern)

// filterKey is a parsed Filter.Key.
type filterKey uint8

const (
	filterKeyInvalid filterKey = iota
	filterKeyName
	filterKeyDescription
	filterKeyTagKey
	filterKeyTagValue
	filterKeyPrimaryRegion
	filterKeyOwningService
	filterKeyAll
)

// parseFilterKey returns the filterKey for key, or filterKeyInvalid.
func parseFilterKey(key FilterNameStringType) filterKey {
	switch key {
	case FilterNameStringTypeName:
		return filterKeyName
	case FilterNameStringTypeDescription:
		return filterKeyDescription
	case FilterNameStringTypeTagKey:
		return filterKeyTagKey
	case FilterNameStringTypeTagValue:
		return filterKeyTagValue
	case FilterNameStringTypePrimaryRegion:
		return filterKeyPrimaryRegion
	case FilterNameStringTypeOwningService:
		return filterKeyOwningService
	case FilterNameStringTypeAll:
		return filterKeyAll
	}
	return filterKeyInvalid
}

// compiledFilters is a validated list of filters, prepared for matching many
// secrets. Build it once per request with compileFilters and call match for
// every secret; match does not allocate. A nil *compiledFilters matches
// every secret.
type compiledFilters struct {
	filters []compiledFilter
}

// compiledFilter is one Filter, prepared.
type compiledFilter struct {
	key    filterKey
	values []compiledValue
}

// compiledValue is one filter value, prepared.
type compiledValue struct {
	negate bool
	// prefix is the value without its "!", for the prefix keys.
	prefix string
	// words are the lowercase words of the value, for description and all.
	words []string
}

// compileFilters validates filters as AWS does and prepares them for match.
// It returns nil and a nil error when there are no filters. Violations of the
// API model come first, as one ValidationException listing all of them; then
// a filter without a key or without values is an InvalidParameterException.
func compileFilters(filters []Filter) (*compiledFilters, error) {
	if err := checkFilterModel(filters); err != nil {
		return nil, err
	}
	for _, f := range filters {
		if f.Key == "" {
			return nil, newError(ErrInvalidParameter, awsmodel.InvalidFilterKey)
		}
		if len(f.Values) == 0 {
			return nil, newError(ErrInvalidParameter, awsmodel.InvalidFilterValues(string(f.Key)))
		}
	}
	if len(filters) == 0 {
		return nil, nil
	}
	c := &compiledFilters{filters: make([]compiledFilter, len(filters))}
	for i, f := range filters {
		cf := compiledFilter{key: parseFilterKey(f.Key), values: make([]compiledValue, len(f.Values))}
		for j, v := range f.Values {
			cv := compiledValue{}
			cv.prefix, cv.negate = strings.CutPrefix(v, "!")
			switch cf.key {
			case filterKeyDescription:
				cv.words = strings.Fields(strings.ToLower(cv.prefix))
			case filterKeyAll:
				for _, token := range strings.FieldsFunc(cv.prefix, isAllSeparator) {
					casePieces(token, func(piece string) bool {
						cv.words = append(cv.words, strings.ToLower(piece))
						return true
					})
				}
			}
			cf.values[j] = cv
		}
		c.filters[i] = cf
	}
	return c, nil
}

// checkFilterModel checks filters against the constraints of the API model
// and returns one ValidationException that lists every violation, as AWS
// does, or nil. A missing key or missing values are not checked here.
func checkFilterModel(filters []Filter) error {
	var violations []string
	if len(filters) > awsmodel.MaxFilters {
		violations = append(violations, awsmodel.Length("filters", len(filters), 0, awsmodel.MaxFilters))
	}
	for i, f := range filters {
		member := "filters." + strconv.Itoa(i+1) + ".member."
		if f.Key != "" && parseFilterKey(f.Key) == filterKeyInvalid {
			violations = append(violations, awsmodel.Enum(member+"key", string(f.Key), awsmodel.FilterKeys))
		}
		if len(f.Values) > awsmodel.MaxFilterValues {
			echo := awsmodel.Quote("[" + strings.Join(f.Values, ", ") + "]")
			violations = append(violations, awsmodel.LengthEcho(echo, member+"values", len(f.Values), 0, awsmodel.MaxFilterValues))
		}
		for _, v := range f.Values {
			if n := utf8.RuneCountInString(v); n > awsmodel.MaxFilterValueLen {
				violations = append(violations, awsmodel.LengthEcho(awsmodel.Quote(v), member+"values", n, 0, awsmodel.MaxFilterValueLen))
			} else if !filterValueRE.MatchString(v) {
				violations = append(violations, awsmodel.Pattern(member+"values", v, awsmodel.FilterValuePattern))
			}
		}
	}
	return validation(violations...)
}

// namePrefixes returns prefixes that the name of every secret the filters
// list starts with: the values of the name filter with the fewest values,
// when none of them is negated, sorted and with those that another covers
// left out; nil when no name filter narrows the names.
func (c *compiledFilters) namePrefixes() []string {
	if c == nil {
		return nil
	}
	var best []string
	for _, f := range c.filters {
		if f.key != filterKeyName || slices.ContainsFunc(f.values, func(v compiledValue) bool { return v.negate }) {
			continue
		}
		if best == nil || len(f.values) < len(best) {
			best = best[:0]
			for _, v := range f.values {
				best = append(best, v.prefix)
			}
		}
	}
	slices.Sort(best)
	var out []string
	for _, p := range best {
		if len(out) == 0 || !strings.HasPrefix(p, out[len(out)-1]) {
			out = append(out, p)
		}
	}
	return out
}

// match reports whether s passes every filter of c.
func (c *compiledFilters) match(s *filterSubject) bool {
	if c == nil {
		return true
	}
	for i := range c.filters {
		if !c.filters[i].match(s) {
			return false
		}
	}
	return true
}

// match reports whether at least one value of f matches s.
func (f *compiledFilter) match(s *filterSubject) bool {
	for i := range f.values {
		v := &f.values[i]
		if f.matchPositive(v, s) != v.negate {
			return true
		}
	}
	return false
}

// matchPositive reports whether v, without its negation, matches s.
func (f *compiledFilter) matchPositive(v *compiledValue, s *filterSubject) bool {
	switch f.key {
	case filterKeyName:
		return hasPrefix(s.Name, v.prefix)
	case filterKeyDescription:
		return descriptionHasWords(s.Description, v.words)
	case filterKeyTagKey:
		for _, t := range s.Tags {
			if hasPrefix(t.Key, v.prefix) {
				return true
			}
		}
	case filterKeyTagValue:
		for _, t := range s.Tags {
			if hasPrefix(t.Value, v.prefix) {
				return true
			}
		}
	case filterKeyPrimaryRegion:
		return hasPrefix(s.PrimaryRegion, v.prefix)
	case filterKeyOwningService:
		return hasPrefix(s.OwningService, v.prefix)
	case filterKeyAll:
		if len(v.words) == 0 {
			return false
		}
		if allHasWords(s.Name, v.words) || allHasWords(s.Description, v.words) {
			return true
		}
		for _, t := range s.Tags {
			if allHasWords(t.Key, v.words) || allHasWords(t.Value, v.words) {
				return true
			}
		}
	}
	return false
}

// hasPrefix reports whether prefix is a case-sensitive prefix of attr. An
// empty attribute (a secret without a PrimaryRegion, say) matches nothing.
func hasPrefix(attr, prefix string) bool {
	return attr != "" && strings.HasPrefix(attr, prefix)
}

// descriptionHasWords reports whether every word of words (lowercase) is a
// prefix, ignoring case, of some whitespace-separated word of desc. No words
// match nothing.
func descriptionHasWords(desc string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if !descriptionHasWord(desc, w) {
			return false
		}
	}
	return true
}

// descriptionHasWord reports whether w (lowercase ASCII) is a prefix,
// ignoring case, of some whitespace-separated word of desc.
func descriptionHasWord(desc, w string) bool {
	start := -1 // start of the current word, or -1 between words
	for i := 0; i < len(desc); {
		r, size := utf8.DecodeRuneInString(desc[i:])
		if unicode.IsSpace(r) {
			if start >= 0 && hasPrefixFold(desc[start:i], w) {
				return true
			}
			start = -1
		} else if start < 0 {
			start = i
		}
		i += size
	}
	return start >= 0 && hasPrefixFold(desc[start:], w)
}

// allHasWords reports whether every word of words (lowercase) is a prefix,
// ignoring case, of some word of attr as the "all" filter splits it.
func allHasWords(attr string, words []string) bool {
	if attr == "" {
		return false
	}
	for _, w := range words {
		if !allHasWord(attr, w) {
			return false
		}
	}
	return true
}

// isAllSeparator reports whether r separates words for the "all" filter.
func isAllSeparator(r rune) bool {
	switch r {
	case '/', '_', '+', '=', '.', '@', '-':
		return true
	}
	return unicode.IsSpace(r)
}

// allHasWord reports whether w (lowercase ASCII) is a prefix, ignoring case,
// of some word of attr as the "all" filter splits it: attr is cut into
// tokens at separators, and each token is a word and is cut further at case
// changes (see tokenHasWord).
func allHasWord(attr, w string) bool {
	start := -1 // start of the current token, or -1 between tokens
	for i := 0; i < len(attr); {
		r, size := utf8.DecodeRuneInString(attr[i:])
		if isAllSeparator(r) {
			if start >= 0 && tokenHasWord(attr[start:i], w) {
				return true
			}
			start = -1
		} else if start < 0 {
			start = i
		}
		i += size
	}
	return start >= 0 && tokenHasWord(attr[start:], w)
}

// tokenHasWord reports whether w (lowercase ASCII) is a prefix, ignoring
// case, of one of the pieces token splits into at case changes (see
// casePieces): "COMPANYthings" has the words "COMPAN" and "Ythings", so
// "Ythings" and "compan" find it, and "company" and "things" do not.
func tokenHasWord(token, w string) bool {
	found := false
	casePieces(token, func(piece string) bool {
		found = hasPrefixFold(piece, w)
		return !found
	})
	return found
}

// casePieces calls fn with the pieces token splits into at case changes,
// until it returns false. A piece starts at an uppercase letter that follows
// a lowercase letter or a digit ("my|Secret", "v2|Beta"), and at the last
// uppercase letter of a run that is followed by a lowercase letter
// ("HTTP|Server", "COMPAN|Ythings").
func casePieces(token string, fn func(piece string) bool) {
	pieceStart := 0
	prev := utf8.RuneError
	for i := 0; i < len(token); {
		r, size := utf8.DecodeRuneInString(token[i:])
		if i > 0 && unicode.IsUpper(r) {
			boundary := unicode.IsLower(prev) || unicode.IsDigit(prev)
			if !boundary && unicode.IsUpper(prev) {
				next, _ := utf8.DecodeRuneInString(token[i+size:])
				boundary = unicode.IsLower(next)
			}
			if boundary {
				if !fn(token[pieceStart:i]) {
					return
				}
				pieceStart = i
			}
		}
		prev = r
		i += size
	}
	fn(token[pieceStart:])
}

// hasPrefixFold reports whether w, which is lowercase ASCII, is a prefix of
// s ignoring ASCII case. Filter values are ASCII, so no other folding can
// make them match.
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
