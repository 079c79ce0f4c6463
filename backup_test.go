package secretstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	t.Parallel()
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

// backupRecordEnds returns the offsets in backup b where each of Badger's
// records ends (the first is where the header ends), and where the trailer
// begins.
func backupRecordEnds(t *testing.T, b []byte) (ends []int, trailer int) {
	t.Helper()
	off := len(backupMagic)
	ends = append(ends, off)
	for {
		if off+8 > len(b) {
			t.Fatalf("the backup has no trailer")
		}
		size := binary.LittleEndian.Uint64(b[off:])
		if size == backupTrailerMark {
			return ends, off
		}
		off += 8 + int(size)
		ends = append(ends, off)
	}
}

// TestLoadBackupRefusesDamage damages a backup in the ways Badger's stream
// alone cannot tell (cut short at a record's end, only its header) and in
// ways that made Badger's Load panic (a record length changed), and checks
// that LoadBackup refuses each with ErrCorrupt, naming the backup as
// damaged, and leaves the folder as it was: a folder it created removed,
// an empty one it was given empty, and the database closed (the same
// folder loads the whole backup afterwards).
func TestLoadBackupRefusesDamage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := newTestKey(t)
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: key, DisableReaper: true})
	for i := range 20 {
		mustCreate(t, s, fmt.Sprintf("s%02d", i), fmt.Sprintf("value %d", i))
	}
	var buf bytes.Buffer
	if err := s.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	good := buf.Bytes()
	ends, trailer := backupRecordEnds(t, good)
	if len(ends) < 2 {
		t.Fatalf("the backup holds %d records", len(ends)-1)
	}
	flip := func(off int, mask byte) []byte {
		b := bytes.Clone(good)
		b[off] ^= mask
		return b
	}
	for _, tt := range []struct {
		name   string
		backup []byte
	}{
		{"header only", good[:len(backupMagic)]},
		{"cut at the end of a record", good[:ends[len(ends)-1]]},
		{"cut before its last record", good[:ends[len(ends)-2]]},
		{"cut inside the trailer", good[:len(good)-5]},
		{"cut inside a record", good[:ends[0]+12]},
		{"a length's high byte changed", flip(ends[0]+7, 0x80)},
		{"a length's low byte changed", flip(ends[0], 0x01)},
		{"a length made huge", flip(ends[0]+4, 0x40)},
		{"a byte of a record changed", flip(ends[0]+8+(ends[1]-ends[0]-8)/2, 0xff)},
		{"the record count changed", flip(trailer+8, 0x01)},
		{"the checksum changed", flip(len(good)-1, 0x01)},
		{"bytes after the trailer", append(bytes.Clone(good), 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir() // exists, empty: it stays, empty
			err := LoadBackup(ctx, bytes.NewReader(tt.backup), Options{Dir: dir, MasterKey: key})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "backup is damaged") {
				t.Errorf("LoadBackup: %v; want ErrCorrupt saying the backup is damaged", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed load left %d files", len(entries))
			}
			created := filepath.Join(t.TempDir(), "new")
			if err := LoadBackup(ctx, bytes.NewReader(tt.backup), Options{Dir: created, MasterKey: key}); err == nil {
				t.Error("LoadBackup into a new folder succeeded")
			}
			if _, err := os.Stat(created); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the folder it created is still there: %v", err)
			}
			// The database was closed: the folder takes the whole backup.
			if err := LoadBackup(ctx, bytes.NewReader(good), Options{Dir: dir, MasterKey: key}); err != nil {
				t.Fatalf("LoadBackup of the whole backup afterwards: %v", err)
			}
			r := mustOpenDisk(t, dir, Options{MasterKey: key, DisableReaper: true})
			defer mustClose(t, r)
			if got := mustGet(t, r, "s19"); got != "value 19" {
				t.Errorf("s19 = %q", got)
			}
		})
	}

	t.Run("an earlier build's backup", func(t *testing.T) {
		old := append([]byte(backupMagicV1), good[len(backupMagic):trailer]...)
		err := LoadBackup(ctx, bytes.NewReader(old), Options{Dir: t.TempDir(), MasterKey: key})
		if err == nil || !strings.Contains(err.Error(), "earlier build") {
			t.Errorf("LoadBackup of a v1 backup: %v", err)
		}
	})
	t.Run("an empty store", func(t *testing.T) {
		e := mustOpenDisk(t, t.TempDir(), Options{MasterKey: key, DisableReaper: true})
		var b bytes.Buffer
		err := e.Backup(ctx, &b)
		mustClose(t, e)
		if err != nil {
			t.Fatal(err)
		}
		if err := LoadBackup(ctx, bytes.NewReader(b.Bytes()), Options{Dir: t.TempDir(), MasterKey: key}); err != nil {
			t.Errorf("LoadBackup of an empty store's backup: %v", err)
		}
	})
}
