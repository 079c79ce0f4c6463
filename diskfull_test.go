package secretstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size bytes on a new folder and unmounts it
// when the test ends. It skips the test where that is not allowed (not
// root, no mount).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestFullDisk fills a 64 MiB tmpfs with 64 KiB values until the store
// refuses a write, and checks that the refusal is an error (the process
// does not die of SIGBUS), that it changes nothing, that reads go on
// working (a read that would record LastAccessedDate too), that writes work
// again once space is freed, and that every acknowledged write is there
// after a reopen.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mnt := mountTmpfs(t, "64m")
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 12<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	clk := NewFakeClock(testEpoch)
	o := Options{Dir: filepath.Join(mnt, "data"), MasterKey: newTestKey(t), Clock: clk, DisableReaper: true, MemoryBudget: 8 << 20}
	s := mustOpenDisk(t, o.Dir, o)

	const secrets = 20
	acked := map[string]string{} // secret -> its last acknowledged value
	versions := map[string]string{}
	var refused error
	for i := 0; i < 2000 && refused == nil; i++ {
		name := fmt.Sprintf("s%02d", i%secrets)
		value := make([]byte, 48<<10)
		rand.Read(value)
		v := fmt.Sprintf("%x", value)[:64<<10]
		out, err := s.PutOrCreate(ctx, &PutSecretValueInput{SecretId: name, SecretString: v})
		if err != nil {
			refused = err
			break
		}
		acked[name], versions[out.VersionId] = v, name+"\x00"+v
	}
	if refused == nil {
		t.Fatal("2,000 writes of 64 KiB fitted on a 64 MiB disk")
	}
	if !errors.Is(refused, ErrDiskFull) || !errors.Is(refused, ErrInternalServiceError) || !strings.Contains(refused.Error(), "disk holding the data folder is full") {
		t.Fatalf("the refused write: %v; want ErrDiskFull", refused)
	}
	t.Logf("%d writes acknowledged before the disk was full: %v", len(versions), refused)

	// Reads work, including the first read of a day, which would record
	// LastAccessedDate. (Badger's compactions may free some space in the
	// background meanwhile; TestWritesRefusedOnAFullDisk checks the refusals
	// with a disk that stays full.)
	clk.Advance(48 * time.Hour)
	for name, want := range acked {
		if got := mustGet(t, s, name); got != want {
			t.Fatalf("%s on a full disk: got another value", name)
		}
	}
	if _, err := s.ListSecrets(ctx, &ListSecretsInput{}); err != nil {
		t.Errorf("ListSecrets on a full disk: %v", err)
	}

	// Space freed: writes work again, without a restart.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	out := mustPut(t, s, "s00", "after the space was freed")
	acked["s00"], versions[out.VersionId] = "after the space was freed", "s00\x00after the space was freed"

	// Nothing acknowledged is lost.
	mustClose(t, s)
	s = mustOpenDisk(t, o.Dir, o)
	defer mustClose(t, s)
	for id, nv := range versions {
		name, want, _ := strings.Cut(nv, "\x00")
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name, VersionId: id})
		if err != nil || got.SecretString != want {
			t.Fatalf("acknowledged version %s of %s after the reopen: %v", id, name, err)
		}
	}
	for name, want := range acked {
		if got := mustGet(t, s, name); got != want {
			t.Errorf("%s: AWSCURRENT is not the last acknowledged write", name)
		}
	}
	if err := s.check(); err != nil {
		t.Error(err)
	}
}

// TestWritesRefusedOnAFullDisk gives a store on disk a file system that
// reports no free space, then space again, and checks that while it is full
// every write is refused with ErrDiskFull and changes nothing, reads work
// (without recording LastAccessedDate), and that writes work again at once
// when space comes back.
func TestWritesRefusedOnAFullDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := NewFakeClock(testEpoch)
	dir := t.TempDir()
	s := mustOpenDisk(t, dir, Options{MasterKey: newTestKey(t), Clock: clk, DisableReaper: true})
	defer mustClose(t, s)
	if s.c.disk == nil {
		t.Skip("free space is not known on this system")
	}
	var free atomic.Uint64
	free.Store(1 << 40)
	s.c.disk.free = func() (uint64, error) { return free.Load(), nil }
	v1 := mustCreate(t, s, "db", "v1").VersionId
	mustGet(t, s, "db")

	free.Store(s.c.disk.reserve - 1)
	s.c.disk.checked.Store(0)   // the last reading (ample space) is trusted for a moment
	clk.Advance(48 * time.Hour) // the next read would record a new LastAccessedDate
	writes := map[string]func() error{
		"CreateSecret": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "new", SecretString: "x"})
			return err
		},
		"PutSecretValue": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "x"})
			return err
		},
		"UpdateSecret": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("d")})
			return err
		},
		"UpdateSecretVersionStage": func() error {
			_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "L", MoveToVersionId: v1})
			return err
		},
		"TagResource": func() error {
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{Key: "k"}}})
			return err
		},
		"DeleteSecret": func() error { _, err := s.Delete(ctx, "db", 7); return err },
		"ReplicateSecretToRegions": func() error {
			_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: "db", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}})
			return err
		},
		"RotateMasterKey": func() error { return s.RotateMasterKey(ctx, newTestKey(t)) },
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			wantNoChange(t, s, func() {
				err := write()
				if !errors.Is(err, ErrDiskFull) || !errors.Is(err, ErrInternalServiceError) || !strings.Contains(err.Error(), "full") {
					t.Errorf("%s on a full disk: %v; want ErrDiskFull", name, err)
				}
			})
		})
	}
	wantNoChange(t, s, func() {
		if got := mustGet(t, s, "db"); got != "v1" {
			t.Errorf("GetSecretValue on a full disk = %q", got)
		}
		batch, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"db"}})
		if err != nil || len(batch.SecretValues) != 1 {
			t.Errorf("BatchGetSecretValue on a full disk = %+v, %v", batch, err)
		}
	})
	if got := mustDescribe(t, s, "db").LastAccessedDate; got.Equal(day(clk.Now())) {
		t.Error("a read on a full disk recorded LastAccessedDate")
	}

	free.Store(1 << 40)
	mustPut(t, s, "db", "v2")
	mustGet(t, s, "db")
	if got := mustDescribe(t, s, "db").LastAccessedDate; !got.Equal(day(clk.Now())) {
		t.Errorf("LastAccessedDate once space is back = %v", got)
	}
}
