package secretstore

import (
	"context"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

// TestVerify damages a store in each way Verify looks for and checks that
// it reports exactly that problem.
func TestVerify(t *testing.T) {
	t.Parallel()
	deleteRaw := func(t *testing.T, s *Store, key []byte) {
		t.Helper()
		if err := s.c.db.Update(func(txn *badger.Txn) error { return txn.Delete(key) }); err != nil {
			t.Fatal(err)
		}
		s.c.cache.bump()
	}
	recordOf := func(t *testing.T, s *Store, region, name string) *secretRecord {
		t.Helper()
		var r *secretRecord
		err := s.c.read(func(tx *tx) (err error) { r, err = tx.getSecret(region, name); return err })
		if err != nil || r == nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		return r
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, s *Store)
		want   string // a part of the one problem reported; "" for none
	}{
		{"a whole store", func(*testing.T, *Store) {}, ""},
		{"a damaged secret record", func(t *testing.T, s *Store) {
			b := encodeSecret(recordOf(t, s, s.region, "db"))
			setRaw(t, s, record.SecretKey(s.region, "db"), append(b, 0xee, 0))
		}, "db (us-east-1): the secret record is damaged"},
		{"a version record that is gone", func(t *testing.T, s *Store) {
			r := recordOf(t, s, s.region, "db")
			deleteRaw(t, s, record.VersionKey(r.ID, r.Versions[0].ID))
		}, "the value cannot be read: ResourceNotFoundException"},
		{"a changed ciphertext", func(t *testing.T, s *Store) {
			r := recordOf(t, s, s.region, "db")
			err := s.c.update(context.Background(), func(tx *tx) error {
				v, err := tx.getVersion(r.ID, r.Versions[0].ID)
				if err != nil {
					return err
				}
				v.Ciphertext = append([]byte(nil), v.Ciphertext...)
				v.Ciphertext[len(v.Ciphertext)-1] ^= 1
				return tx.putVersion(r.ID, r.Versions[0].ID, v)
			})
			if err != nil {
				t.Fatal(err)
			}
		}, "the value cannot be read: DecryptionFailure"},
		// An index entry whose secret has no record: the secret it names was
		// lost (its record with it), and Verify names it.
		{"an index entry of no secret", func(t *testing.T, s *Store) {
			setRaw(t, s, record.CreatedKey(s.region, testEpoch, "ghost"), nil)
		}, "ghost (us-east-1): the secret record is missing, though its index entries name it"},
		{"a missing index entry", func(t *testing.T, s *Store) {
			r := recordOf(t, s, s.region, "db")
			deleteRaw(t, s, record.CreatedKey(r.Region, r.CreatedDate, r.Name))
		}, "is missing"},
		{"a version record of no secret", func(t *testing.T, s *Store) {
			setRaw(t, s, record.VersionKey([record.IDLen]byte{9}, "orphan-version-0123456789abcdef0123"), []byte{record.KindVersion, record.SchemaVersion})
		}, "a version record belongs to no secret"},
		{"a replica that is gone", func(t *testing.T, s *Store) {
			replicate(t, s, "db", "eu-west-1")
			r := recordOf(t, s, "eu-west-1", "db")
			deleteRaw(t, s, record.SecretKey("eu-west-1", "db"))
			deleteRaw(t, s, record.CreatedKey("eu-west-1", r.CreatedDate, "db"))
		}, "its replica in eu-west-1 is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			mustCreate(t, s, "db", "v")
			mustCreate(t, s, "other", "o")
			tt.damage(t, s)
			damagedOnPurpose.Store(s, true)
			problems, err := s.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(problems) != 0 {
					t.Errorf("Verify = %v, want no problem", problems)
				}
				return
			}
			// Exactly one problem, and the versions a lost record leaves
			// behind.
			var main []Problem
			for _, p := range problems {
				if !strings.HasPrefix(p.Detail, problemOrphanVersion) || strings.Contains(tt.want, problemOrphanVersion) {
					main = append(main, p)
				}
			}
			if len(main) != 1 || !strings.Contains(main[0].String(), tt.want) {
				t.Errorf("Verify = %v, want one problem with %q", problems, tt.want)
			}
		})
	}
}
