package secretstore

import (
	"cmp"
	"context"
	"encoding/base64"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// ListSecrets sort keys (SortBy) and orders (SortOrder).
const (
	SortByCreatedDate      = "created-date"
	SortByLastAccessedDate = "last-accessed-date"
	SortByLastChangedDate  = "last-changed-date"
	SortByName             = "name"
	SortOrderAsc           = "asc"
	SortOrderDesc          = "desc"
)

// ListSecretsInput is the input of ListSecrets.
type ListSecretsInput struct {
	// IncludePlannedDeletion lists secrets scheduled for deletion too.
	IncludePlannedDeletion bool
	// MaxResults is the page size, 1 to 100; 0 means 100.
	MaxResults int32
	// NextToken continues a listing from the NextToken of the previous page,
	// called with the same SortBy and SortOrder.
	NextToken string
	// Filters select secrets; see Filter.
	Filters []Filter
	// SortOrder is "asc" (the default) or "desc".
	SortOrder string
	// SortBy is "created-date" (the default), "last-accessed-date",
	// "last-changed-date" or "name".
	SortBy string
}

// ListSecretsOutput is the output of ListSecrets.
type ListSecretsOutput struct {
	SecretList []SecretListEntry
	// NextToken is set when there are more secrets to list.
	NextToken string
}

// SecretListEntry describes one secret in ListSecrets: DescribeSecret's
// members, with the labelled versions in SecretVersionsToStages.
type SecretListEntry struct {
	ARN                    string
	Name                   string
	Description            string
	KmsKeyId               string
	CreatedDate            time.Time
	LastChangedDate        time.Time
	LastAccessedDate       time.Time
	DeletedDate            time.Time
	Tags                   []Tag
	SecretVersionsToStages map[string][]string
	OwningService          string
	PrimaryRegion          string
	RotationEnabled        *bool // nil if rotation was never configured
	RotationLambdaARN      string
	RotationRules          *RotationRulesType
	LastRotatedDate        time.Time
	NextRotationDate       time.Time
}

// ListSecrets lists the secrets of the store's region, a page at a time.
// The store is consistent at once: a secret is listed as soon as it is
// created (AWS may lag by minutes). Paging with NextToken stays correct
// while secrets are created and deleted between pages: each page continues
// after the last secret of the previous one in the sort order, so no secret
// that exists throughout is skipped or listed twice. (With the
// last-accessed-date and last-changed-date orders, a secret that changes
// between pages moves in the order.)
func (s *Store) ListSecrets(ctx context.Context, in *ListSecretsInput) (*ListSecretsOutput, error) {
	var out *ListSecretsOutput
	var limit int
	var q *listQuery
	err := s.run(ctx, &call{
		op: awsmodel.OpListSecrets,
		in: in,
		check: func() (err error) {
			if limit, err = pageSize(in.MaxResults, awsmodel.MaxResults); err != nil {
				return err
			}
			q, err = s.newListQuery(in.Filters, in.SortBy, in.SortOrder, in.NextToken, in.IncludePlannedDeletion)
			return err
		},
		do: func(t *tx, _ *secretRecord) (bool, error) {
			page, next, err := s.listPage(t, q, limit)
			if err != nil {
				return false, err
			}
			out = &ListSecretsOutput{NextToken: next}
			for _, r := range page {
				out.SecretList = append(out.SecretList, SecretListEntry{
					ARN:                    t.c.arn(r),
					Name:                   r.Name,
					Description:            r.Description,
					KmsKeyId:               r.KmsKeyId,
					CreatedDate:            r.CreatedDate,
					LastChangedDate:        r.LastChangedDate,
					LastAccessedDate:       r.LastAccessedDate,
					DeletedDate:            r.DeletedDate,
					Tags:                   r.tags(),
					SecretVersionsToStages: r.labelled(),
					OwningService:          r.OwningService,
					PrimaryRegion:          r.primaryRegion(),
					RotationEnabled:        r.rotationEnabled(),
					RotationLambdaARN:      r.Rotation.LambdaARN,
					RotationRules:          r.rotationRules(),
					LastRotatedDate:        r.Rotation.LastDate,
					NextRotationDate:       r.Rotation.NextDate,
				})
			}
			return false, nil
		},
	})
	return out, err
}

// AllSecrets returns an iterator over every secret ListSecrets lists for
// in, page after page: it follows NextToken (starting from in.NextToken),
// with in's filters, order and page size, and yields each entry. An error
// ends the iteration; it is yielded with a zero entry.
//
//	for e, err := range store.AllSecrets(ctx, &secretstore.ListSecretsInput{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(e.Name)
//	}
func (s *Store) AllSecrets(ctx context.Context, in *ListSecretsInput) iter.Seq2[SecretListEntry, error] {
	return pages(in.NextToken, func(token string) ([]SecretListEntry, string, error) {
		page := *in
		page.NextToken = token
		out, err := s.ListSecrets(ctx, &page)
		if err != nil {
			return nil, "", err
		}
		return out.SecretList, out.NextToken, nil
	})
}

// pages yields the entries of every page of a listing, calling list with
// each page's token, from start, until a page has no next token.
func pages[E any](start string, list func(token string) (entries []E, next string, err error)) iter.Seq2[E, error] {
	return func(yield func(E, error) bool) {
		token := start
		for {
			entries, next, err := list(token)
			if err != nil {
				var zero E
				yield(zero, err)
				return
			}
			for _, e := range entries {
				if !yield(e, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			token = next
		}
	}
}

// listQuery is a validated ListSecrets request.
type listQuery struct {
	filters        *compiledFilters
	sortBy         string
	desc           bool
	after          listCursor // list only what comes after it
	includeDeleted bool
	visible        func(*secretRecord) bool // whether the caller may see a secret; nil: all
}

// listCursor is a position in a sort order: the sort key of a secret (its
// name, or a date) and its name, which breaks ties.
type listCursor struct {
	set  bool
	at   int64 // the date, in milliseconds, for the date orders
	name string
}

func (s *Store) newListQuery(filters []Filter, sortBy, sortOrder, token string, includeDeleted bool) (*listQuery, error) {
	q := &listQuery{sortBy: sortBy, includeDeleted: includeDeleted}
	if s.principal != nil {
		q.visible = s.visible
	}
	var err error
	if q.filters, err = compileFilters(filters); err != nil {
		return nil, err
	}
	if sortBy == "" {
		q.sortBy = SortByCreatedDate
	} else if err := validation(awsmodel.Enum("sortBy", sortBy, awsmodel.SortBys)); err != nil {
		return nil, err
	}
	if sortOrder != "" {
		if err := validation(awsmodel.Enum("sortOrder", sortOrder, awsmodel.SortOrders)); err != nil {
			return nil, err
		}
		q.desc = sortOrder == SortOrderDesc
	}
	if token != "" {
		if q.after, err = decodeListToken(token, q.sortBy, q.desc); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// Tokens are opaque to callers: "l1", the order, the cursor.
func (q *listQuery) token(r *secretRecord) string {
	order := SortOrderAsc
	if q.desc {
		order = SortOrderDesc
	}
	raw := "l1\x00" + q.sortBy + "\x00" + order + "\x00" + strconv.FormatInt(q.key(r), 10) + "\x00" + r.Name
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeListToken(token, sortBy string, desc bool) (listCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != 5 || parts[0] != "l1" || parts[1] != sortBy || (parts[2] == SortOrderDesc) != desc {
		return listCursor{}, errBadToken()
	}
	at, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return listCursor{}, errBadToken()
	}
	return listCursor{set: true, at: at, name: parts[4]}, nil
}

// key returns r's date in the query's sort order, in milliseconds.
func (q *listQuery) key(r *secretRecord) int64 {
	switch q.sortBy {
	case SortByCreatedDate:
		return r.CreatedDate.UnixMilli()
	case SortByLastAccessedDate:
		return millisOrZero(r.LastAccessedDate)
	case SortByLastChangedDate:
		return millisOrZero(r.LastChangedDate)
	}
	return 0
}

func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// past reports whether r comes after the cursor in the query's order.
func (q *listQuery) past(r *secretRecord) bool {
	if !q.after.set {
		return true
	}
	k := q.key(r)
	c := 0
	switch {
	case k < q.after.at:
		c = -1
	case k > q.after.at:
		c = 1
	default:
		c = strings.Compare(r.Name, q.after.name)
	}
	if q.desc {
		return c < 0
	}
	return c > 0
}

// wants reports whether the query lists r at time now.
func (q *listQuery) wants(r *secretRecord, now time.Time) bool {
	if r.expired(now) || (r.Deleted() && !q.includeDeleted) || q.visible != nil && !q.visible(r) {
		return false
	}
	return q.filters.match(&filterSubject{
		Name:          r.Name,
		Description:   r.Description,
		PrimaryRegion: r.primaryRegion(),
		OwningService: r.OwningService,
		Tags:          r.Tags,
	})
}

// listPage returns up to limit secrets that q lists, and the token of the
// next page if there is one.
func (s *Store) listPage(t *tx, q *listQuery, limit int) ([]*secretRecord, string, error) {
	var page []*secretRecord
	var next string
	err := s.scan(t, q, func(r *secretRecord) bool {
		if len(page) == limit {
			next = q.token(page[len(page)-1])
			return false
		}
		page = append(page, r)
		return true
	})
	return page, next, err
}

// scan calls fn, in the query's order, with each secret that comes after
// the query's cursor and that the query lists, until fn returns false.
//
// A name filter narrows the scan to the ranges of secret records whose
// names start with its values, whatever the order: in name order those
// ranges are the order; in the date orders the secrets found in them are
// sorted, when there are at most maxSorted of them (a name filter that
// matches more is left to the created-date index, where it finds its
// matches soon).
func (s *Store) scan(t *tx, q *listQuery, fn func(*secretRecord) bool) error {
	visit := func(r *secretRecord) bool {
		if !q.past(r) || !q.wants(r, t.now) {
			return true
		}
		return fn(r)
	}
	prefixes := q.filters.namePrefixes()
	if prefixes == nil {
		prefixes = []string{""}
	}
	if q.sortBy == SortByName {
		if q.desc {
			slices.Reverse(prefixes)
		}
		for _, p := range prefixes {
			more := true
			err := s.scanNames(t, p, q.after.name, q.desc, func(r *secretRecord) bool {
				more = visit(r)
				return more
			})
			if err != nil || !more {
				return err
			}
		}
		return nil
	}
	var all []*secretRecord
	narrow := len(prefixes) > 1 || prefixes[0] != ""
	if q.sortBy == SortByCreatedDate && !narrow {
		return s.scanCreated(t, q, visit)
	}
	for _, p := range prefixes {
		err := s.scanNames(t, p, "", false, func(r *secretRecord) bool {
			if q.past(r) && q.wants(r, t.now) {
				all = append(all, r)
			}
			return q.sortBy != SortByCreatedDate || len(all) <= maxSorted
		})
		if err != nil {
			return err
		}
	}
	if q.sortBy == SortByCreatedDate && len(all) > maxSorted {
		return s.scanCreated(t, q, visit)
	}
	slices.SortFunc(all, func(a, b *secretRecord) int {
		c := cmp.Compare(q.key(a), q.key(b))
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if q.desc {
			return -c
		}
		return c
	})
	for _, r := range all {
		if !fn(r) {
			break
		}
	}
	return nil
}

// maxSorted is the most secrets a name-filtered listing in a date order
// sorts in memory.
const maxSorted = 4096

// scanNames calls fn with the secrets of s's region whose names start with
// namePrefix, in name order (reversed with desc), from the name after
// (exclusive, in the order; "" for the start), until fn returns false.
func (s *Store) scanNames(t *tx, namePrefix, after string, desc bool, fn func(*secretRecord) bool) error {
	start := ""
	if after != "" && (!desc && after > namePrefix || desc && strings.HasPrefix(after, namePrefix)) {
		start = after
	} else if after != "" && desc && after < namePrefix {
		return nil // the whole range comes before the cursor
	}
	return t.scanSecrets(s.region, namePrefix, start, desc, fn)
}

// scanCreated calls visit with the secrets of s's region in the order of
// the created-date index, from the query's cursor.
func (s *Store) scanCreated(t *tx, q *listQuery, visit func(*secretRecord) bool) error {
	return t.scanCreated(s.region, q.after.set, q.after.at, q.after.name, q.desc, visit)
}

// ListSecretVersionIdsInput is the input of ListSecretVersionIds.
type ListSecretVersionIdsInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// MaxResults is the page size, 1 to 100; 0 means 100.
	MaxResults int32
	// NextToken continues a listing from the NextToken of the previous page.
	NextToken string
	// IncludeDeprecated includes versions that have no staging label.
	IncludeDeprecated bool
}

// ListSecretVersionIdsOutput is the output of ListSecretVersionIds.
type ListSecretVersionIdsOutput struct {
	ARN      string
	Name     string
	Versions []SecretVersionsListEntry
	// NextToken is set when there are more versions to list.
	NextToken string
}

// SecretVersionsListEntry describes one version.
type SecretVersionsListEntry struct {
	VersionId string
	// VersionStages is nil for a deprecated version.
	VersionStages    []string
	CreatedDate      time.Time
	LastAccessedDate time.Time // midnight UTC of the last day it was read; zero if never
	// KmsKeyIds is the key the version is encrypted with;
	// "DefaultEncryptionKey" for the default key.
	KmsKeyIds []string
}

// ListSecretVersionIds lists the versions of a secret, oldest first, with
// their staging labels. It works on a secret scheduled for deletion.
func (s *Store) ListSecretVersionIds(ctx context.Context, in *ListSecretVersionIdsInput) (*ListSecretVersionIdsOutput, error) {
	var out *ListSecretVersionIdsOutput
	var limit int
	var after versionToken
	err := s.run(ctx, &call{
		op:       awsmodel.OpListSecretVersionIds,
		in:       in,
		secretID: in.SecretId,
		check: func() (err error) {
			if limit, err = pageSize(in.MaxResults, awsmodel.MaxResults); err != nil {
				return err
			}
			after, err = decodeVersionToken(in.NextToken)
			return err
		},
		do: func(t *tx, r *secretRecord) (bool, error) {
			if in.IncludeDeprecated && r.Deprecated > 0 {
				r = t.private(r)
				if err := t.loadVersions(r); err != nil {
					return false, err
				}
			}
			out = &ListSecretVersionIdsOutput{ARN: t.c.arn(r), Name: r.Name}
			var last *record.VersionMeta // the last version listed
			for i := after.resume(r.Versions); i < len(r.Versions); i++ {
				v := &r.Versions[i]
				if len(v.Stages) == 0 && !in.IncludeDeprecated {
					continue
				}
				if len(out.Versions) == limit {
					out.NextToken = versionToken{last.CreatedDate, last.ID}.encode()
					break
				}
				out.Versions = append(out.Versions, SecretVersionsListEntry{
					VersionId:        v.ID,
					VersionStages:    slices.Clone(v.Stages),
					CreatedDate:      v.CreatedDate,
					LastAccessedDate: v.LastAccessedDate,
					KmsKeyIds:        []string{kmsKeyIDs(v.KmsKeyId)},
				})
				last = v
			}
			return false, nil
		},
	})
	return out, err
}

// AllSecretVersions returns an iterator over every version
// ListSecretVersionIds lists for in, page after page: it follows NextToken
// (starting from in.NextToken) and yields each entry. An error ends the
// iteration; it is yielded with a zero entry.
func (s *Store) AllSecretVersions(ctx context.Context, in *ListSecretVersionIdsInput) iter.Seq2[SecretVersionsListEntry, error] {
	return pages(in.NextToken, func(token string) ([]SecretVersionsListEntry, string, error) {
		page := *in
		page.NextToken = token
		out, err := s.ListSecretVersionIds(ctx, &page)
		if err != nil {
			return nil, "", err
		}
		return out.Versions, out.NextToken, nil
	})
}

func kmsKeyIDs(kms string) string {
	if kms == "" {
		return "DefaultEncryptionKey"
	}
	return kms
}

// versionToken is the position ListSecretVersionIds continues after.
type versionToken struct {
	created time.Time
	id      string
}

// resume returns the index in versions (in creation order) of the first
// version after the token's position: the one after the version the token
// names. Versions created in the same millisecond keep their creation order,
// so paging neither skips nor repeats them. If that version is gone (the
// reaper removed it), the listing resumes at the first version created after
// it. A zero token resumes at the start.
func (t versionToken) resume(versions []record.VersionMeta) int {
	if t.id == "" {
		return 0
	}
	for i := range versions {
		if versions[i].ID == t.id {
			return i + 1
		}
	}
	for i := range versions {
		if versions[i].CreatedDate.After(t.created) {
			return i
		}
	}
	return len(versions)
}

func (t versionToken) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(t.created.UnixMilli(), 10) + ":" + t.id))
}

func decodeVersionToken(s string) (versionToken, error) {
	if s == "" {
		return versionToken{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.SplitN(string(b), ":", 3)
	if err != nil || len(parts) != 3 || parts[0] != "v1" || parts[2] == "" {
		return versionToken{}, errBadToken()
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return versionToken{}, errBadToken()
	}
	return versionToken{time.UnixMilli(ms).UTC(), parts[2]}, nil
}

func errBadToken() error {
	return newError(ErrInvalidNextToken, awsmodel.BadNextToken)
}
