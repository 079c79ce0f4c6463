package secretstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

// rawRecord returns the bytes of secret name's record as stored.
func rawRecord(t testing.TB, s *Store, name string) []byte {
	t.Helper()
	var b []byte
	err := s.c.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(record.SecretKey(s.region, name))
		if err != nil {
			return err
		}
		b, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// metaKeys returns the version ids of secret name's deprecated versions
// stored in records of their own.
func metaKeys(t testing.TB, s *Store, id [record.IDLen]byte) []string {
	t.Helper()
	var ids []string
	err := s.c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: record.MetaPrefix(id)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			ids = append(ids, string(it.Item().Key()[1+record.IDLen:]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func internalID(t testing.TB, s *Store, name string) [record.IDLen]byte {
	t.Helper()
	r, err := decodeSecret(rawRecord(t, s, name))
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// TestWriteSizeIndependentOfVersions: the secret record a put rewrites
// does not grow with the secret's deprecated versions, which are in records
// of their own.
func TestWriteSizeIndependentOfVersions(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustCreate(t, s, "many", "v")
	sizes := map[int]int{}
	for n := 2; n <= 99; n++ {
		mustPut(t, s, "many", fmt.Sprint("v", n))
		sizes[n] = len(rawRecord(t, s, "many"))
	}
	if sizes[99] > sizes[3]+4 { // the counts are varints
		t.Errorf("the secret record is %d bytes at 3 versions and %d at 99", sizes[3], sizes[99])
	}
	if got := len(metaKeys(t, s, internalID(t, s, "many"))); got != 97 {
		t.Errorf("%d deprecated versions in records of their own, want 97", got)
	}
	if got := len(listVersions(t, s, "many")); got != 99 {
		t.Errorf("ListSecretVersionIds lists %d versions, want 99", got)
	}
	if err := s.check(); err != nil {
		t.Error(err)
	}
}

// TestDeprecatedVersions runs every operation that reaches a deprecated
// version by its id.
func TestDeprecatedVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	// Versions created in the same millisecond keep their creation order.
	ids := []string{mustCreate(t, s, "d", "v1").VersionId}
	for i := 2; i <= 5; i++ {
		ids = append(ids, mustPut(t, s, "d", fmt.Sprint("v", i)).VersionId)
	}
	id := internalID(t, s, "d")
	if got := metaKeys(t, s, id); len(got) != 3 {
		t.Fatalf("deprecated versions stored on their own: %v, want 3", got)
	}
	var listed []string
	for _, v := range listVersions(t, s, "d") {
		listed = append(listed, v.VersionId)
	}
	if fmt.Sprint(listed) != fmt.Sprint(ids) {
		t.Errorf("listed %v, want creation order %v", listed, ids)
	}

	// Read by id, a day later: the read is recorded on the version.
	clk.Advance(48 * time.Hour)
	out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "d", VersionId: ids[0]})
	if err != nil || out.SecretString != "v1" || out.VersionStages != nil {
		t.Fatalf("GetSecretValue(deprecated) = %+v, %v", out, err)
	}
	for _, v := range listVersions(t, s, "d") {
		if v.VersionId == ids[0] && !v.LastAccessedDate.Equal(day(clk.Now())) {
			t.Errorf("LastAccessedDate of the version read = %v, want %v", v.LastAccessedDate, day(clk.Now()))
		}
	}

	// The idempotency rule sees deprecated versions.
	_, err = s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "d", ClientRequestToken: ids[1], SecretString: "v2"})
	if err != nil {
		t.Errorf("PutSecretValue(same token, same value) = %v", err)
	}
	_, err = s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "d", ClientRequestToken: ids[1], SecretString: "other"})
	wantErr(t, err, ErrResourceExists, "")

	// A label moved to a deprecated version brings it back into the record.
	if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "d", VersionStage: "OLD", MoveToVersionId: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if got := metaKeys(t, s, id); len(got) != 2 || strings.Contains(fmt.Sprint(got), ids[0]) {
		t.Errorf("after labelling %s: stored on their own %v", ids[0], got)
	}
	// And removed, it goes back out.
	if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "d", VersionStage: "OLD", RemoveFromVersionId: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if got := metaKeys(t, s, id); len(got) != 3 {
		t.Errorf("after removing the label: stored on their own %v", got)
	}
	// An unknown version is still unknown.
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "d", VersionId: testToken("none")})
	wantErr(t, err, ErrResourceNotFound, "")
	if err := s.check(); err != nil {
		t.Error(err)
	}

	// A purge removes them with the secret.
	mustDelete(t, s, &DeleteSecretInput{SecretId: "d", ForceDeleteWithoutRecovery: true})
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	if got := metaKeys(t, s, id); len(got) != 0 {
		t.Errorf("after the purge: %v still stored", got)
	}
}

// TestRecordWithInlineDeprecatedVersions: a store written before deprecated
// versions had records of their own works, and its records move them out
// when next written.
func TestRecordWithInlineDeprecatedVersions(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ids := []string{mustCreate(t, s, "legacy", "v1").VersionId}
	for i := 2; i <= 4; i++ {
		ids = append(ids, mustPut(t, s, "legacy", fmt.Sprint("v", i)).VersionId)
	}
	// Rewrite it as an older build did: every version inline, no Seq, no
	// counts.
	err := s.c.db.Update(func(txn *badger.Txn) error {
		t := rawTx(s, txn)
		r, err := t.getSecret(s.region, "legacy")
		if err != nil {
			return err
		}
		if err := t.loadVersions(r); err != nil {
			return err
		}
		for _, v := range r.Versions {
			if err := txn.Delete(record.MetaKey(r.ID, v.ID)); err != nil {
				return err
			}
		}
		return txn.Set(record.SecretKey(r.Region, r.Name), legacySecret(r))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.c.cache.bump()
	if got := metaKeys(t, s, internalID(t, s, "legacy")); len(got) != 0 {
		t.Fatalf("set-up left %v", got)
	}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "legacy"); got != "v4" {
		t.Errorf("AWSCURRENT = %q", got)
	}
	ids = append(ids, mustPut(t, s, "legacy", "v5").VersionId)
	if got := metaKeys(t, s, internalID(t, s, "legacy")); len(got) != 3 {
		t.Errorf("after a write: %d deprecated versions on their own, want 3", len(got))
	}
	var listed []string
	for _, v := range listVersions(t, s, "legacy") {
		listed = append(listed, v.VersionId)
	}
	if fmt.Sprint(listed) != fmt.Sprint(ids) {
		t.Errorf("listed %v, want %v", listed, ids)
	}
	if err := s.check(); err != nil {
		t.Error(err)
	}
}

// TestVerifyFindsDeprecatedVersionDamage: a count that does not match the
// records, a damaged record, and a record of no secret are reported.
func TestVerifyFindsDeprecatedVersionDamage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	damagedOnPurpose.Store(s, true)
	mustCreate(t, s, "a", "v1")
	old := mustPut(t, s, "a", "v2")
	mustPut(t, s, "a", "v3")
	mustPut(t, s, "a", "v4")
	id := internalID(t, s, "a")
	var orphan [record.IDLen]byte
	orphan[0] = 0xee
	err := s.c.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(record.MetaKey(id, old.VersionId), []byte{record.KindMeta, record.SchemaVersion, 0xff}); err != nil {
			return err
		}
		return txn.Set(record.MetaKey(orphan, testToken("orphan")), record.EncodeVersionMeta(&record.VersionMeta{ID: testToken("orphan")}))
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprint(problems)
	for _, want := range []string{problemDamagedVersions, problemOrphanVersion} {
		if !strings.Contains(text, want) {
			t.Errorf("Verify = %s; want a problem %q", text, want)
		}
	}
	// Reading the damaged version by id fails with ErrCorrupt, naming the
	// secret; the current value still reads.
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "a", VersionId: old.VersionId})
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrInternalServiceError) || !strings.Contains(err.Error(), "secret a in") {
		t.Errorf("GetSecretValue(damaged version) = %v; want InternalServiceError matching ErrCorrupt, naming the secret", err)
	}
	if got := mustGet(t, s, "a"); got != "v4" {
		t.Errorf("AWSCURRENT = %q", got)
	}
}

// legacySecret encodes r as secret records were written before deprecated
// versions had records of their own and versions a Seq: every version
// inline. The field tags are the format's (internal/record/secret.go),
// spelled out here so that the test holds the store to the old layout.
func legacySecret(r *secretRecord) []byte {
	const (
		fID, fRegion, fName, fSuffix   = 1, 2, 3, 4
		fCreatedDate, fLastChangedDate = 10, 11
		fVersion                       = 17
		fvID, fvStage, fvCreatedDate   = 1, 2, 3
		fvLastAccessedDate, fvKmsKeyId = 4, 5
	)
	field := func(b []byte, tag byte, v []byte) []byte {
		if len(v) == 0 {
			return b
		}
		b = append(b, tag)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	}
	date := func(b []byte, tag byte, t time.Time) []byte {
		if t.IsZero() {
			return b
		}
		return binary.AppendVarint(append(b, tag), t.UnixMilli())
	}
	b := []byte{record.KindSecret, record.SchemaVersion}
	b = field(b, fID, r.ID[:])
	b = field(b, fRegion, []byte(r.Region))
	b = field(b, fName, []byte(r.Name))
	b = field(b, fSuffix, []byte(r.Suffix))
	b = date(b, fCreatedDate, r.CreatedDate)
	b = date(b, fLastChangedDate, r.LastChangedDate)
	for _, v := range r.Versions {
		g := field(nil, fvID, []byte(v.ID))
		for _, st := range v.Stages {
			g = field(g, fvStage, []byte(st))
		}
		g = date(g, fvCreatedDate, v.CreatedDate)
		g = date(g, fvLastAccessedDate, v.LastAccessedDate)
		g = field(g, fvKmsKeyId, []byte(v.KmsKeyId))
		b = field(b, fVersion, g)
	}
	return b
}
