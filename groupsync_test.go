package secretstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestOneWriterOneSync: a writer alone syncs once per write, and a failed
// operation neither syncs nor leaves the group waiting for it.
func TestOneWriterOneSync(t *testing.T) {
	t.Parallel()
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: newTestKey(t)})
	defer mustClose(t, s)
	g := s.c.group
	if g == nil {
		t.Fatal("a disk store with SyncWrites (the default) has no group sync")
	}
	mustCreate(t, s, "one", "v0")
	before := g.syncs()
	for i := range 20 {
		mustPut(t, s, "one", fmt.Sprint("v", i+1))
	}
	if got := g.syncs() - before; got != 20 {
		t.Errorf("20 writes by one writer made %d syncs, want 20", got)
	}
	before = g.syncs()
	_, err := s.PutSecretValue(context.Background(), &PutSecretValueInput{SecretId: "missing", SecretString: "x"})
	wantErr(t, err, ErrResourceNotFound, "")
	if got := g.syncs() - before; got != 0 {
		t.Errorf("a failed write made %d syncs", got)
	}
	g.mu.Lock()
	pending := g.pending
	g.mu.Unlock()
	if pending != 0 {
		t.Errorf("pending = %d after every operation returned", pending)
	}
	if err := s.check(); err != nil {
		t.Error(err)
	}
}

// TestConcurrentWritersShareSyncs: writers that commit together are made
// durable by fewer syncs than writes, and every write is there after a
// reopen.
func TestConcurrentWritersShareSyncs(t *testing.T) {
	t.Parallel()
	dir, key := t.TempDir(), newTestKey(t)
	s := mustOpenDisk(t, dir, Options{MasterKey: key})
	const writers, each = 8, 25
	for w := range writers {
		mustCreate(t, s, fmt.Sprint("w", w), "v0")
	}
	before := s.c.group.syncs()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.PutSecretValue(context.Background(), &PutSecretValueInput{SecretId: fmt.Sprint("w", w), SecretString: fmt.Sprint("v", i+1)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := s.c.group.syncs() - before; got >= writers*each {
		t.Errorf("%d concurrent writes made %d syncs: none shared", writers*each, got)
	}
	mustClose(t, s)
	s = mustOpenDisk(t, dir, Options{MasterKey: key})
	defer mustClose(t, s)
	for w := range writers {
		if got := mustGet(t, s, fmt.Sprint("w", w)); got != fmt.Sprint("v", each) {
			t.Errorf("w%d = %q after reopen, want v%d", w, got, each)
		}
	}
}

// TestNoGroupSyncWithoutSyncWrites: SyncWrites off, or a store in memory,
// never syncs.
func TestNoGroupSyncWithoutSyncWrites(t *testing.T) {
	t.Parallel()
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: newTestKey(t), SyncWrites: new(false)})
	defer mustClose(t, s)
	if s.c.group != nil {
		t.Error("SyncWrites false: the store syncs anyway")
	}
	m, _ := newTestStore(t)
	if m.c.group != nil {
		t.Error("in memory: the store syncs")
	}
}

// TestGroupSyncOrdering checks the rule that makes a group sync as durable
// as a sync per write: a commit is acknowledged only after a sync that began
// after it. A writer that commits while a sync runs waits for the next one.
func TestGroupSyncOrdering(t *testing.T) {
	t.Parallel()
	g := newGroupSync(t.TempDir())
	var (
		mu      sync.Mutex
		began   []time.Time
		release = make(chan struct{})
		entered = make(chan struct{}, 10)
	)
	g.sync = func() error {
		mu.Lock()
		began = append(began, time.Now())
		mu.Unlock()
		entered <- struct{}{}
		<-release
		return nil
	}

	// A leads the first sync and holds it.
	g.begin()
	aDone := make(chan error)
	go func() { aDone <- g.end(nil) }()
	<-entered

	// B commits while it runs.
	g.begin()
	committed := time.Now()
	bDone := make(chan error)
	go func() { bDone <- g.end(nil) }()
	for { // B has noted its commit (pending is back to 0), and waits
		g.mu.Lock()
		pending := g.pending
		g.mu.Unlock()
		if pending == 0 {
			break
		}
		runtime.Gosched()
	}
	release <- struct{}{} // the first sync ends
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	select {
	case <-bDone:
		t.Fatal("B was acknowledged by a sync that began before its commit")
	case <-entered: // the second sync, led by B
	}
	release <- struct{}{}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(began) != 2 || !began[1].After(committed) {
		t.Errorf("syncs began at %v; B committed at %v", began, committed)
	}
}

// TestGroupSyncFailure: a write whose sync failed is reported failed (its
// transaction may not be durable), and so is every write after it, even
// when a later sync succeeds: after a failed fsync the kernel may have
// dropped pages a later one would not write again. The store refuses
// writes until it is opened again.
func TestGroupSyncFailure(t *testing.T) {
	t.Parallel()
	g := newGroupSync(t.TempDir())
	// A transaction that failed does not wait for a sync.
	boom := errors.New("input/output error")
	g.sync = func() error { t.Error("a failed transaction synced"); return nil }
	g.begin()
	if err := g.end(boom); err != boom {
		t.Errorf("end(err) = %v, want err", err)
	}
	if err := g.broken(); err != nil {
		t.Errorf("broken before any sync failed = %v", err)
	}
	g.sync = func() error { return boom }
	g.begin()
	if err := g.end(nil); !errors.Is(err, ErrInternalServiceError) || !errors.Is(err, boom) || strings.Contains(err.(*Error).Message, boom.Error()) {
		t.Errorf("end after a failed sync = %v, want InternalServiceError caused by %v, and a message without it", err, boom)
	}
	g.sync = func() error { return nil }
	g.begin()
	if err := g.end(nil); !errors.Is(err, ErrInternalServiceError) {
		t.Errorf("end after a good sync that followed a failed one = %v, want the failure", err)
	}
	if err := g.broken(); !errors.Is(err, ErrInternalServiceError) {
		t.Errorf("broken after a failed sync = %v", err)
	}
}

// TestGroupSyncNotRun: a sync that could not open a log or the folder (no
// file descriptor left) synced nothing and lost nothing: its writers get an
// error saying the write is not confirmed on disk, but the group is not
// broken, and the next sync that runs covers those writes and acknowledges
// the ones after.
func TestGroupSyncNotRun(t *testing.T) {
	t.Parallel()
	g := newGroupSync(t.TempDir())
	emfile := &os.PathError{Op: "open", Path: "/data/00001.mem", Err: syscall.EMFILE}
	g.sync = func() error { return &notSynced{emfile} }
	g.begin()
	err := g.end(nil)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInternalServiceError) || !strings.Contains(e.Message, "too many open files") || strings.Contains(e.Message, "/data") {
		t.Errorf("end after a sync that could not run = %v; want InternalServiceError saying too many open files, naming no file", err)
	}
	if err := g.broken(); err != nil {
		t.Errorf("broken after a sync that could not run = %v", err)
	}
	g.sync = func() error { return nil }
	g.begin()
	if err := g.end(nil); err != nil {
		t.Errorf("end after a sync that ran = %v", err)
	}
}

// TestWritesRefusedAfterASyncFailed: through the store, once a sync has
// failed every write is refused, changing nothing, and reads go on.
func TestWritesRefusedAfterASyncFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpenDisk(t, t.TempDir(), Options{MasterKey: newTestKey(t)})
	defer mustClose(t, s)
	mustCreate(t, s, "db", "v1")
	s.c.group.sync = func() error { return errors.New("input/output error") }
	if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "v2"}); !errors.Is(err, ErrInternalServiceError) {
		t.Fatalf("PutSecretValue whose sync failed: %v", err)
	}
	s.c.group.sync = s.c.group.syncFiles
	wantNoChange(t, s, func() {
		_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "v3"})
		wantErr(t, err, ErrInternalServiceError, "writes can no longer be made durable")
	})
	if got := mustGet(t, s, "db"); got != "v2" && got != "v1" {
		t.Errorf("GetSecretValue after the failure = %q", got)
	}
}

// TestGroupSyncFiles runs the real file sync on a store's folder.
func TestGroupSyncFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpenDisk(t, dir, Options{MasterKey: newTestKey(t)})
	defer mustClose(t, s)
	mustCreate(t, s, "f", "v")
	g := newGroupSync(dir)
	if err := g.syncFiles(); err != nil {
		t.Fatal(err)
	}
	if len(g.lastNames) == 0 || g.lastLog[0] == 0 {
		t.Errorf("no write-ahead log found to sync in a store's folder: %v, newest %v", g.lastNames, g.lastLog)
	}
	if err := newGroupSync(dir + "/missing").syncFiles(); err == nil {
		t.Error("syncing a missing folder succeeded")
	}
}
