package secretstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestBackupUnderConcurrentWrites takes a backup while writers keep
// writing, loads it into a new folder, and checks that the loaded store
// verifies whole and holds every write acknowledged before the backup
// began, replicas included; that a backup holds no value in the clear; and
// that loading fails cleanly with the wrong master key or a file that is
// not a backup.
func TestBackupUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	key := newTestKey(t)
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: key, DisableReaper: true})
	defer mustClose(t, s)
	before := map[string]string{} // secret -> AWSCURRENT acknowledged before the backup
	for i := range 50 {
		name := fmt.Sprintf("s%02d", i)
		v := fmt.Sprintf("TOPSECRET-%02d-before", i)
		mustCreate(t, s, name, v)
		before[name] = v
	}
	replicate(t, s, "s00", "eu-west-1")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("s%02d", (i*2+w)%50)
				if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: name, SecretString: fmt.Sprintf("during %d", i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var buf bytes.Buffer
	err := s.Backup(ctx, &buf)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("TOPSECRET")) {
		t.Error("the backup holds a value in the clear")
	}

	dir := filepath.Join(t.TempDir(), "restored")
	if err := LoadBackup(ctx, bytes.NewReader(buf.Bytes()), Options{Dir: dir, MasterKey: key}); err != nil {
		t.Fatal(err)
	}
	r := mustOpenDisk(t, dir, Options{MasterKey: key, DisableReaper: true})
	defer mustClose(t, r)
	if problems, err := r.Verify(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("the restored store: %v, %v", problems, err)
	}
	for name, v := range before {
		// The value acknowledged before the backup is a version of the
		// restored secret (later ones may be there too).
		found := false
		for e, err := range r.AllSecretVersions(ctx, &ListSecretVersionIdsInput{SecretId: name, IncludeDeprecated: true}) {
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name, VersionId: e.VersionId})
			if err == nil && got.SecretString == v {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the value acknowledged before the backup is missing", name)
		}
	}
	wantReplicaOf(t, r, "eu-west-1", "s00")

	t.Run("a wrong master key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "wrong")
		err := LoadBackup(ctx, bytes.NewReader(buf.Bytes()), Options{Dir: dir, MasterKey: newTestKey(t)})
		if !errors.Is(err, ErrWrongMasterKey) {
			t.Errorf("LoadBackup with another key: %v; want ErrWrongMasterKey", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the folder it created is still there: %v", err)
		}
	})
	t.Run("not a backup, or cut short", func(t *testing.T) {
		for _, b := range [][]byte{[]byte("hello"), buf.Bytes()[:len(buf.Bytes())/2]} {
			dir := t.TempDir() // exists, empty: it stays, empty
			if err := LoadBackup(ctx, bytes.NewReader(b), Options{Dir: dir, MasterKey: key}); err == nil {
				t.Errorf("LoadBackup of %d bytes succeeded", len(b))
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed load left %d files", len(entries))
			}
		}
	})
	t.Run("a folder that is not empty", func(t *testing.T) {
		if err := LoadBackup(ctx, bytes.NewReader(buf.Bytes()), Options{Dir: dir, MasterKey: key}); err == nil {
			t.Error("LoadBackup into a store's folder succeeded")
		}
	})
}
