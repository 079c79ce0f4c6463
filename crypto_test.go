package secretstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

// dump returns every key and value in the database, for comparing states.
func dump(t testing.TB, s *Store) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := s.c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			m[string(it.Item().Key())] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOpenKeySources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newTestKey(t)
	raw := filepath.Join(dir, "raw.key")
	b64 := filepath.Join(dir, "b64.key")
	bad := filepath.Join(dir, "bad.key")
	for path, data := range map[string][]byte{
		raw: key,
		b64: []byte(base64.StdEncoding.EncodeToString(key) + "\n"),
		bad: []byte("not a key"),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"no key source on disk", Options{Dir: filepath.Join(dir, "db")}, "set exactly one of"},
		{"no key source in memory: a random key", Options{InMemory: true}, ""},
		{"two key sources", Options{InMemory: true, MasterKey: key, Passphrase: "p"}, "(2 are set)"},
		{"three key sources", Options{InMemory: true, MasterKey: key, Passphrase: "p", MasterKeyFile: raw}, "(3 are set)"},
		{"short master key", Options{InMemory: true, MasterKey: key[:31]}, "must be 32 random bytes"},
		{"empty non-nil master key", Options{InMemory: true, MasterKey: []byte{}}, "must be 32 random bytes"},
		{"raw key file", Options{InMemory: true, MasterKeyFile: raw}, ""},
		{"base64 key file", Options{InMemory: true, MasterKeyFile: b64}, ""},
		{"malformed key file", Options{InMemory: true, MasterKeyFile: bad}, "must hold 32 raw bytes or their base64 encoding"},
		{"missing key file", Options{InMemory: true, MasterKeyFile: filepath.Join(dir, "nope")}, "reading master key file"},
		{"no place", Options{MasterKey: key}, "Options.Dir is empty"},
		{"two places", Options{InMemory: true, Dir: dir, MasterKey: key}, "not both"},
		{"bad region", Options{InMemory: true, MasterKey: key, Region: "moon"}, "not a region name"},
		{"bad account", Options{InMemory: true, MasterKey: key, AccountID: "12"}, "12-digit"},
		{"negative reap interval", Options{InMemory: true, MasterKey: key, ReapInterval: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.DisableReaper = true
			s, err := Open(context.Background(), tt.o)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				mustClose(t, s)
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded; want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Open: %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeyFileAndRawKeyOpenTheSameStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newTestKey(t)
	s := mustOpenDisk(t, filepath.Join(dir, "db"), Options{MasterKey: key})
	mustCreate(t, s, "k", "v")
	mustClose(t, s)

	kf := filepath.Join(dir, "master.key")
	if err := os.WriteFile(kf, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpenDisk(t, filepath.Join(dir, "db"), Options{MasterKeyFile: kf})
	defer mustClose(t, s)
	if got := mustGet(t, s, "k"); got != "v" {
		t.Fatalf("value = %q, want v", got)
	}
}

func TestWrongMasterKeyIsRefusedAndWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newTestKey(t)
	s := mustOpenDisk(t, dir, Options{MasterKey: key})
	mustCreate(t, s, "a", "alpha")
	mustPut(t, s, "a", "beta")
	before := dump(t, s)
	mustClose(t, s)

	for _, o := range []Options{
		{MasterKey: newTestKey(t)},
		{Passphrase: "a passphrase for a database created with a key"},
	} {
		if s, err := openDisk(t, dir, o); !errors.Is(err, ErrWrongMasterKey) {
			if err == nil {
				s.Close()
			}
			t.Fatalf("Open with a wrong key: %v; want ErrWrongMasterKey", err)
		}
	}

	s = mustOpenDisk(t, dir, Options{MasterKey: key})
	defer mustClose(t, s)
	if after := dump(t, s); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the database changed after refused opens:\nbefore %q\nafter  %q", before, after)
	}
	if got := mustGet(t, s, "a"); got != "beta" {
		t.Fatalf("value = %q, want beta", got)
	}
}

func TestPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpenDisk(t, dir, Options{Passphrase: "correct horse battery staple"})
	mustCreate(t, s, "p", "secret-by-passphrase")
	kr := readKeyringForTest(t, s)
	if len(kr.Salt) != saltLen || kr.ArgonTime != argonTime || kr.ArgonMemory != argonMemory || kr.ArgonThreads != argonThreads {
		t.Fatalf("keyring salt/params = %d bytes, t=%d m=%d p=%d", len(kr.Salt), kr.ArgonTime, kr.ArgonMemory, kr.ArgonThreads)
	}
	mustClose(t, s)

	if _, err := openDisk(t, dir, Options{Passphrase: "Correct horse battery staple"}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("wrong passphrase: %v; want ErrWrongMasterKey", err)
	}
	if _, err := openDisk(t, dir, Options{MasterKey: newTestKey(t)}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("master key on a passphrase store: %v; want ErrWrongMasterKey", err)
	}
	s = mustOpenDisk(t, dir, Options{Passphrase: "correct horse battery staple"})
	defer mustClose(t, s)
	if got := mustGet(t, s, "p"); got != "secret-by-passphrase" {
		t.Fatalf("value = %q", got)
	}
}

func readKeyringForTest(t testing.TB, s *Store) *record.Keyring {
	t.Helper()
	var kr *record.Keyring
	err := s.c.db.View(func(txn *badger.Txn) (err error) {
		kr, err = readKeyring(rawTx(s, txn))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// rawVersion returns the stored version record of a secret's version.
func rawVersion(t testing.TB, s *Store, name, versionID string) (key []byte, rec *record.Version) {
	t.Helper()
	err := s.c.db.View(func(txn *badger.Txn) error {
		r, err := rawTx(s, txn).getSecret(s.region, name)
		if err != nil || r == nil {
			return fmt.Errorf("secret %s: %v", name, err)
		}
		key = record.VersionKey(r.ID, versionID)
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		rec, err = decodeVersion(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return key, rec
}

func setRaw(t testing.TB, s *Store, key, value []byte) {
	t.Helper()
	if err := s.c.db.Update(func(txn *badger.Txn) error { return txn.Set(key, value) }); err != nil {
		t.Fatal(err)
	}
	s.c.cache.bump() // a write behind the store's back: drop cached records
}

func TestTamperedValuesFailToDecrypt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	a := mustCreate(t, s, "a", "s3cr3t-a")
	b := mustCreate(t, s, "b", "s3cr3t-b")
	keyA, recA := rawVersion(t, s, "a", a.VersionId)
	keyB, recB := rawVersion(t, s, "b", b.VersionId)

	tests := []struct {
		name   string
		key    []byte
		mutate func(v record.Version) record.Version
	}{
		{"a flipped ciphertext bit", keyA, func(v record.Version) record.Version {
			v.Ciphertext = bytes.Clone(v.Ciphertext)
			v.Ciphertext[len(v.Ciphertext)-1] ^= 1
			return v
		}},
		{"a flipped wrapped key bit", keyA, func(v record.Version) record.Version {
			v.WrappedKey = bytes.Clone(v.WrappedKey)
			v.WrappedKey[nonceLen+3] ^= 0x80
			return v
		}},
		{"a truncated ciphertext", keyA, func(v record.Version) record.Version {
			v.Ciphertext = v.Ciphertext[:10]
			return v
		}},
		{"the string marked binary", keyA, func(v record.Version) record.Version {
			v.Binary = true
			return v
		}},
		{"another KmsKeyId", keyA, func(v record.Version) record.Version {
			v.KmsKeyId = "alias/other"
			return v
		}},
		{"another secret's record moved here", keyA, func(record.Version) record.Version { return *recB }},
		{"another version id's record", keyB, func(record.Version) record.Version { return *recA }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := *recA
			if bytes.Equal(tt.key, keyB) {
				orig = *recB
			}
			bad := tt.mutate(orig)
			setRaw(t, s, tt.key, record.EncodeVersion(&bad))
			defer setRaw(t, s, tt.key, record.EncodeVersion(&orig))

			name := "a"
			if bytes.Equal(tt.key, keyB) {
				name = "b"
			}
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name})
			wantErr(t, err, ErrDecryptionFailure, "failed authentication")
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error %q contains the value", err)
			}
		})
	}
	// Restored, both read again.
	if mustGet(t, s, "a") != "s3cr3t-a" || mustGet(t, s, "b") != "s3cr3t-b" {
		t.Fatal("values not readable after restoring the records")
	}
}

func TestDataKeysAreWrappedWithTheMasterKey(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	s, _ := newTestStore(t, func(o *Options) { o.MasterKey = key })
	out := mustCreate(t, s, "k", "v")
	_, rec := rawVersion(t, s, "k", out.VersionId)
	var id [record.IDLen]byte
	err := s.c.db.View(func(txn *badger.Txn) error {
		r, err := rawTx(s, txn).getSecret(s.region, "k")
		id = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var dek [dataKeyLen]byte
	if err := newKeys(1, key).unwrap(dek[:], rec, id, out.VersionId); err != nil {
		t.Fatalf("the data key does not open with a key derived from the master key: %v", err)
	}
	for _, other := range [][]byte{make([]byte, MasterKeyLen), newTestKey(t)} {
		if err := newKeys(1, other).unwrap(dek[:], rec, id, out.VersionId); !errors.Is(err, ErrDecryptionFailure) {
			t.Fatalf("the data key opens with another master key: %v", err)
		}
	}
}

func TestKmsKeyIdsGetDistinctKeys(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	probe := func(kms string) string {
		a, err := s.c.keys.kek(1, kms)
		if err != nil {
			t.Fatal(err)
		}
		// The same plaintext and nonce: distinct keys give distinct bytes.
		return string(a.Seal(nil, make([]byte, nonceLen), []byte("probe"), nil))
	}
	if probe("") != probe(defaultKmsKeyID) {
		t.Fatal(`KmsKeyId "" is not the default key aws/secretsmanager`)
	}
	seen := map[string]string{}
	for _, kms := range []string{defaultKmsKeyID, "alias/one", "alias/two", "alias/One", "arn:aws:kms:us-east-1:123456789012:key/1234"} {
		ct := probe(kms)
		if other, ok := seen[ct]; ok {
			t.Fatalf("KmsKeyIds %q and %q share a key", kms, other)
		}
		seen[ct] = kms
	}
}

func TestSecretsWithOwnKmsKeyIdRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "k", SecretString: "v1", KmsKeyId: "alias/mine"})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "k"); got != "v1" {
		t.Fatalf("value = %q", got)
	}
	v := listVersions(t, s, "k")
	if len(v) != 1 || len(v[0].KmsKeyIds) != 1 || v[0].KmsKeyIds[0] != "alias/mine" {
		t.Fatalf("versions = %+v; want KmsKeyIds [alias/mine]", v)
	}
}

func TestRotateMasterKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey := newTestKey(t), newTestKey(t)
	s := mustOpenDisk(t, dir, Options{MasterKey: oldKey})
	want := map[string]string{}
	for i := range 600 { // more than two rotation batches
		name := fmt.Sprintf("s%03d", i)
		want[name] = "value " + name
		mustCreate(t, s, name, want[name])
	}
	if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "bin", SecretBinary: []byte{0, 1, 2}, KmsKeyId: "alias/k"}); err != nil {
		t.Fatal(err)
	}

	if err := s.RotateMasterKey(ctx, newKey[:16]); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("short key: %v", err)
	}
	if err := s.RotateMasterKey(ctx, oldKey); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("same key: %v", err)
	}
	if err := s.RotateMasterKey(ctx, newKey); err != nil {
		t.Fatalf("RotateMasterKey: %v", err)
	}
	checkAllTerms(t, s, 2)
	mustPut(t, s, "s000", "after rotation")
	want["s000"] = "after rotation"
	mustClose(t, s)

	if _, err := openDisk(t, dir, Options{MasterKey: oldKey}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("old key after rotation: %v; want ErrWrongMasterKey", err)
	}
	s = mustOpenDisk(t, dir, Options{MasterKey: newKey})
	defer mustClose(t, s)
	for name, v := range want {
		if got := mustGet(t, s, name); got != v {
			t.Fatalf("%s = %q, want %q", name, got, v)
		}
	}
	if out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "bin"}); err != nil || !bytes.Equal(out.SecretBinary, []byte{0, 1, 2}) {
		t.Fatalf("binary secret after rotation: %v %v", out, err)
	}
}

// checkAllTerms fails unless every version record is wrapped under term.
func checkAllTerms(t testing.TB, s *Store, term uint32) {
	t.Helper()
	err := s.c.db.View(func(txn *badger.Txn) error {
		prefix := []byte{record.PrefixVersion}
		return rawTx(s, txn).iterate(prefix, prefix, false, func(k, v []byte) (bool, error) {
			rec, err := decodeVersion(v)
			if err != nil {
				return false, err
			}
			if rec.Term != term {
				return false, fmt.Errorf("version record %x has term %d, want %d", k, rec.Term, term)
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRotateMasterKeyResumesAfterACrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey, otherKey := newTestKey(t), newTestKey(t), newTestKey(t)
	s := mustOpenDisk(t, dir, Options{MasterKey: oldKey})
	for i := range 40 {
		mustCreate(t, s, fmt.Sprintf("s%02d", i), fmt.Sprintf("v%02d", i))
	}
	// The rotation's first steps, then a "crash": the keyring names the new
	// key and a few records are re-wrapped; the rest still use the old key.
	if _, _, err := s.c.beginRotation(ctx, bytes.Clone(newKey)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.c.rewrapBatch(ctx, 2, versionPos{}, 7); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "s00", "written mid-rotation") // already under the new key
	mustClose(t, s)

	_, err := openDisk(t, dir, Options{MasterKey: oldKey})
	if !errors.Is(err, ErrWrongMasterKey) || !strings.Contains(err.Error(), "rotation was interrupted") {
		t.Fatalf("old key mid-rotation: %v; want ErrWrongMasterKey saying the rotation was interrupted", err)
	}
	if _, err := openDisk(t, dir, Options{MasterKey: otherKey}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("unrelated key: %v", err)
	}

	s = mustOpenDisk(t, dir, Options{MasterKey: newKey})
	// Mixed terms: everything reads.
	for i := 1; i < 40; i++ {
		if got, want := mustGet(t, s, fmt.Sprintf("s%02d", i)), fmt.Sprintf("v%02d", i); got != want {
			t.Fatalf("mid-rotation read = %q, want %q", got, want)
		}
	}
	if err := s.RotateMasterKey(ctx, otherKey); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("rotating to another key mid-rotation: %v; want ErrInvalidRequest", err)
	}
	if err := s.RotateMasterKey(ctx, newKey); err != nil {
		t.Fatalf("resuming: %v", err)
	}
	checkAllTerms(t, s, 2)
	mustClose(t, s)

	s = mustOpenDisk(t, dir, Options{MasterKey: newKey})
	defer mustClose(t, s)
	if got := mustGet(t, s, "s00"); got != "written mid-rotation" {
		t.Fatalf("s00 = %q", got)
	}
	if got := mustGet(t, s, "s39"); got != "v39" {
		t.Fatalf("s39 = %q", got)
	}
}

func TestRotateMasterKeyWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	for i := range 300 {
		mustCreate(t, s, fmt.Sprintf("s%03d", i), "v")
	}
	done := make(chan error)
	go func() {
		for i := range 200 {
			if _, err := s.Put(ctx, fmt.Sprintf("s%03d", i%300), fmt.Sprintf("w%d", i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := s.RotateMasterKey(ctx, newTestKey(t)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkAllTerms(t, s, 2)
	for i := range 300 {
		if _, err := s.Get(ctx, fmt.Sprintf("s%03d", i)); err != nil {
			t.Fatalf("s%03d: %v", i, err)
		}
	}
}
