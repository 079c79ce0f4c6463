package secretstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/record"
)

// TestOneDamagedRecordAffectsOnlyItsSecret damages one secret's record (a
// byte flipped inside it, so it no longer decodes) among many and checks
// that every other secret is listed, read and written as before, that the
// damaged one fails with an error saying what happened (an
// InternalServiceError that matches ErrCorrupt), and that it is logged
// once.
func TestOneDamagedRecordAffectsOnlyItsSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logged lockedBuffer
	s, _ := newTestStore(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	var names []string
	for i := range 30 {
		name := fmt.Sprintf("app/s%02d", i)
		mustCreate(t, s, name, "v")
		names = append(names, name)
	}
	var rec []byte
	err := s.c.read(func(t *tx) (err error) {
		rec, err = t.get(record.SecretKey(s.region, "app/s07"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rec[1] = record.SchemaVersion + 7 // a flipped byte where the schema version is
	setRaw(t, s, record.SecretKey(s.region, "app/s07"), rec)
	healthy := append(names[:7:7], names[8:]...)

	for _, in := range []ListSecretsInput{
		{}, {SortBy: SortByName}, {SortBy: SortByName, SortOrder: SortOrderDesc}, {SortBy: SortByLastChangedDate},
		{MaxResults: 4}, {Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"app/"}}}},
	} {
		got := sortedCopy(listNames(t, s, &in))
		if !equalStrings(got, healthy) {
			t.Errorf("ListSecrets(%+v) = %v, want every secret but the damaged one", in, got)
		}
	}
	if n := strings.Count(logged.String(), "damaged secret record"); n != 1 {
		t.Errorf("the damaged record was logged %d times, want once:\n%s", n, logged.String())
	}

	// The damaged secret's own operations say what happened.
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "app/s07"})
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrInternalServiceError) || !strings.Contains(err.Error(), "secret app/s07 in us-east-1") ||
		!strings.Contains(err.Error(), "secretstore verify") {
		t.Errorf("GetSecretValue of the damaged secret: %v", err)
	}
	if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "app/s07", SecretString: "x"}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("PutSecretValue of the damaged secret: %v", err)
	}
	batch, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"app/s06", "app/s07", "app/s08"}})
	if err != nil || len(batch.SecretValues) != 2 || len(batch.Errors) != 1 || batch.Errors[0].ErrorCode != "InternalServiceError" {
		t.Errorf("BatchGetSecretValue = %+v, %v; want two values and the damaged secret in Errors", batch, err)
	}
	filtered, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"app/s0"}}}})
	if err != nil || len(filtered.SecretValues) != 9 {
		t.Errorf("filtered BatchGetSecretValue = %d values, %v; want the 9 healthy ones", len(filtered.SecretValues), err)
	}

	// Everything else works: partial ARNs that reach past the damaged
	// record, reads, writes, creation.
	arn := mustDescribe(t, s, "app/s08").ARN
	if got := mustGet(t, s, arn[:len(arn)-7]); got != "v" {
		t.Errorf("partial ARN of a healthy secret = %q", got)
	}
	if _, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: strings.TrimSuffix(arn, "app/s08-"+arn[len(arn)-6:]) + "app/s0"}); !isNotFound(err) {
		t.Errorf("an ambiguous partial ARN: %v", err)
	}
	mustPut(t, s, "app/s06", "v2")
	mustCreate(t, s, "app/new", "v")
}
