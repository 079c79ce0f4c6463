package secretstore

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestWritable checks Writable's answer in each state a store can be in,
// and that it is the error a write gets in that state.
func TestWritable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		disk  bool
		setup func(t *testing.T, s *Store)
		want  error // nil: writable
	}{
		{name: "in memory", want: nil},
		{name: "on disk", disk: true, want: nil},
		{name: "full disk", disk: true, want: ErrDiskFull, setup: func(t *testing.T, s *Store) {
			if s.c.disk == nil {
				t.Skip("free space is not known on this system")
			}
			s.c.disk.free = func() (uint64, error) { return s.c.disk.reserve - 1, nil }
			s.c.disk.checked.Store(0)
		}},
		{name: "failed fsync", disk: true, want: ErrSyncFailed, setup: func(t *testing.T, s *Store) {
			s.c.group.sync = func() error { return errors.New("input/output error") }
			if _, err := s.PutSecretValue(t.Context(), &PutSecretValueInput{SecretId: "db", SecretString: "v2"}); !errors.Is(err, ErrSyncFailed) {
				t.Fatalf("the write whose fsync failed: %v, want ErrSyncFailed", err)
			}
		}},
		{name: "closed", disk: true, want: ErrClosed, setup: func(t *testing.T, s *Store) { mustClose(t, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s *Store
			if tt.disk {
				s = mustOpenDisk(t, t.TempDir(), Options{MasterKey: newTestKey(t)})
				t.Cleanup(func() { mustClose(t, s) })
			} else {
				s, _ = newTestStore(t)
			}
			if tt.want != ErrClosed {
				mustCreate(t, s, "db", "v1")
			}
			if tt.setup != nil {
				tt.setup(t, s)
			}
			err := s.Writable()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Writable() = %v, want nil", err)
				}
				mustPut(t, s, "db", "v2")
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Writable() = %v, want %v", err, tt.want)
			}
			if tt.want == ErrClosed {
				return
			}
			if !errors.Is(err, ErrInternalServiceError) {
				t.Errorf("Writable() = %v, want an InternalServiceError", err)
			}
			_, werr := s.PutSecretValue(t.Context(), &PutSecretValueInput{SecretId: "db", SecretString: "v3"})
			if werr == nil || werr.Error() != err.Error() {
				t.Errorf("a write got %v; Writable said %v", werr, err)
			}
		})
	}
}

// TestWritableReadOnlyFolder makes the data folder of an open store
// unwritable for this process: read-only for its owner, or, for root, whom
// permissions do not stop, a read-only bind mount of it.
func TestWritableReadOnlyFolder(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("folder permissions do not stop file creation on Windows")
	}
	dir := filepath.Join(t.TempDir(), "data")
	s := mustOpenDisk(t, dir, Options{MasterKey: newTestKey(t)})
	defer mustClose(t, s)
	mustCreate(t, s, "db", "v1")
	if err := s.Writable(); err != nil {
		t.Fatalf("Writable() on a new folder = %v", err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
			t.Skipf("cannot bind-mount the folder: %v: %s", err, out)
		}
		// Deferred, so that it runs before the store closes: Badger's
		// Close flushes the memtable, and retries for ever in a read-only
		// folder.
		defer func() {
			if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", dir, err, out)
			}
		}()
		if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot make the bind mount read-only: %v: %s", err, out)
		}
	} else {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700) // before the store closes, as above
	}
	err := s.Writable()
	if !errors.Is(err, ErrDataFolderNotWritable) || !errors.Is(err, ErrInternalServiceError) {
		t.Fatalf("Writable() on a read-only folder = %v, want ErrDataFolderNotWritable", err)
	}
	if got := mustGet(t, s, "db"); got != "v1" {
		t.Errorf("a read of the read-only folder = %q", got)
	}
}

// TestStats checks each counter of Stats against what the test made the
// store do, and Count against what it holds.
func TestStats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := NewFakeClock(testEpoch)
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: newTestKey(t), Clock: clk})
	defer mustClose(t, s)

	// A new store has synced its keyring, once.
	st0 := s.Stats()
	if st0.Syncs != 1 || st0.ReaperPasses != 0 || st0.SyncDurations.Count != 1 || len(st0.SyncDurations.Counts) != len(st0.SyncDurations.Bounds)+1 {
		t.Fatalf("Stats of a new store = %+v", st0)
	}
	mustCreate(t, s, "a", "v1")
	mustPut(t, s, "a", "v2")
	if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "b", SecretString: "v", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}}); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Syncs < st0.Syncs+3 || st.SyncFailures != 0 {
		t.Errorf("after 3 synced writes: %d syncs, %d failed", st.Syncs, st.SyncFailures)
	}
	var inBuckets uint64
	for _, n := range st.SyncDurations.Counts {
		inBuckets += n
	}
	if st.SyncDurations.Count != st.Syncs || inBuckets != st.Syncs || st.SyncDurations.Sum <= 0 {
		t.Errorf("SyncDurations = %+v for %d syncs", st.SyncDurations, st.Syncs)
	}

	n, err := s.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Secrets["us-east-1"] != 2 || n.Secrets["eu-west-1"] != 1 || len(n.Secrets) != 2 || n.Versions != 4 {
		t.Errorf("Count = %+v, want 2 secrets in us-east-1, 1 in eu-west-1, 4 versions", n)
	}

	// Writes refused, by reason.
	if s.c.disk != nil {
		s.c.disk.free = func() (uint64, error) { return 0, nil }
		s.c.disk.checked.Store(0)
		for range 2 {
			if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "a", SecretString: "x"}); !errors.Is(err, ErrDiskFull) {
				t.Fatalf("a write on a full disk: %v", err)
			}
		}
		s.c.disk.free = func() (uint64, error) { return 1 << 40, nil }
		s.c.disk.checked.Store(0)
	}
	s.c.group.sync = func() error { return errors.New("input/output error") }
	s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "a", SecretString: "y"}) // its sync fails
	if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "a", SecretString: "z"}); !errors.Is(err, ErrSyncFailed) {
		t.Fatalf("a write after a failed sync: %v", err)
	}
	st = s.Stats()
	if s.c.disk != nil && st.WritesRefused[RefusedDiskFull] != 2 {
		t.Errorf("WritesRefused[%s] = %d, want 2", RefusedDiskFull, st.WritesRefused[RefusedDiskFull])
	}
	if st.WritesRefused[RefusedSyncFailed] != 1 || st.SyncFailures != 1 {
		t.Errorf("WritesRefused[%s] = %d, SyncFailures = %d; want 1 and 1", RefusedSyncFailed, st.WritesRefused[RefusedSyncFailed], st.SyncFailures)
	}

	// Reaper passes: a purge, on demand.
	s2, clk2 := newTestStore(t)
	mustCreate(t, s2, "gone", "v")
	mustDelete(t, s2, &DeleteSecretInput{SecretId: "gone", RecoveryWindowInDays: new(int64(7))})
	if _, err := s2.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	clk2.Advance(8 * 24 * time.Hour)
	if _, err := s2.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	s2.Reap(cancelled) // not a failure of the pass: it was asked to stop
	st = s2.Stats()
	if st.ReaperPasses != 3 || st.Purged != 1 || st.ReaperPassFailures != 0 || st.ReaperSecretFailures != 0 {
		t.Errorf("after 3 passes, one purging a secret: %+v", st)
	}
	if st.Syncs != 0 {
		t.Errorf("an in-memory store counted %d syncs", st.Syncs)
	}
	if n, err := s2.Count(ctx); err != nil || len(n.Secrets) != 0 || n.Versions != 0 {
		t.Errorf("Count after the purge = %+v, %v", n, err)
	}
}
