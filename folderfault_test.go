//go:build linux

package secretstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/testutil"
)

// Faults that heal without a restart: the data folder made read-only while
// the store runs, and no file descriptor left. Each test runs the store in a
// child process: as an unprivileged user (root may write anywhere), and
// with a low limit of open files.

// nobody is the user id the unwritable-folder child runs as when the tests
// run as root.
const nobody = 65534

// runChildAs runs the test named test in a child process of this test
// binary as user uid (when this process is root; as itself otherwise),
// with env added, and fails if the child fails. The binary is copied where
// that user can run it.
func runChildAs(t *testing.T, test string, uid int, env ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	bin := os.Args[0]
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		dir := publicTempDir(t)
		bin = filepath.Join(dir, "secretstore.test")
		copyFile(t, os.Args[0], bin, 0o755)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}
	}
	cmd := testutil.Command(bin, "-test.run=^"+test+"$", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	return string(out)
}

// publicTempDir returns a new folder every user may enter, removed when
// the test ends.
func publicTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "secretstore-child-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// childStore opens the store of a fault test's child in dir.
func childStore(t *testing.T, dir string) *Store {
	t.Helper()
	return mustOpenDisk(t, dir, Options{MasterKey: make([]byte, 32), MemoryBudget: 8 << 20, DisableReaper: true})
}

// wantPlainRefusal checks that err is an InternalServiceError whose message
// says want, names no file, and carries no Badger text.
func wantPlainRefusal(t *testing.T, what string, err error, want, dir string) {
	t.Helper()
	var e *Error
	switch {
	case !errors.As(err, &e) || !errors.Is(err, ErrInternalServiceError):
		t.Fatalf("%s: %v; want InternalServiceError", what, err)
	case !strings.Contains(e.Message, want):
		t.Errorf("%s: message %q; want it to say %q", what, e.Message, want)
	case strings.Contains(e.Message, dir), strings.Contains(strings.ToLower(e.Message), "badger"), strings.Contains(e.Message, ".mem"):
		t.Errorf("%s: message %q names a file or Badger", what, e.Message)
	}
}

// faultValue is the value the fault tests put into secret name: n bytes
// of padding after its name.
func faultValue(name string, n int) string { return "value of " + name + strings.Repeat("x", n) }

// checkAcked checks that every secret of acked (name -> value) reads back with
// its value, and is listed.
func checkAcked(t *testing.T, s *Store, acked map[string]string, what string) {
	t.Helper()
	for name, value := range acked {
		if got := mustGet(t, s, name); got != value {
			t.Fatalf("%s: %s = %.40q...", what, name, got)
		}
	}
	listed := listNames(t, s, &ListSecretsInput{})
	for name := range acked {
		if !slices.Contains(listed, name) {
			t.Fatalf("%s: %s is not listed", what, name)
		}
	}
}

// faultPutter returns a function that puts faultValue(name, n) into secret
// name, creating it, and records in acked what was acknowledged.
func faultPutter(s *Store, acked map[string]string) func(name string, n int) error {
	return func(name string, n int) error {
		v := faultValue(name, n)
		_, err := s.PutOrCreate(context.Background(), &PutSecretValueInput{SecretId: name, SecretString: v})
		if err == nil {
			acked[name] = v
		}
		return err
	}
}

// TestUnwritableFolderHeals: while the data folder is not writable for the
// store's user, writes fail with InternalServiceError "the data folder is not
// writable" (no path, no Badger text), reads go on, nothing panics, even
// when a write gets past the store's check into Badger and Badger cannot
// create its next write-ahead log (patched Badger, PATCHES.md 1); once the
// folder is writable again, writes work with no restart, and every write
// acknowledged is there after a reopen.
func TestUnwritableFolderHeals(t *testing.T) {
	if dir := os.Getenv("SECRETSTORE_UNWRITABLE_CHILD"); dir != "" {
		unwritableChild(t, dir)
		return
	}
	t.Parallel()
	dir := filepath.Join(publicTempDir(t), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	out := runChildAs(t, "TestUnwritableFolderHeals", nobody, "SECRETSTORE_UNWRITABLE_CHILD="+dir)
	if !strings.Contains(out, "healed") {
		t.Fatalf("the child did not get to the end:\n%s", out)
	}
}

func unwritableChild(t *testing.T, dir string) {
	s := childStore(t, dir)
	names := map[string]string{}
	put := faultPutter(s, names)
	for i := range 20 {
		if err := put(fmt.Sprintf("before-%02d", i), 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	wantPlainRefusal(t, "a write into a folder that is not writable", put("refused", 10), "the data folder is not writable", dir)
	if err := s.Writable(); !errors.Is(err, ErrDataFolderNotWritable) {
		t.Errorf("Writable of a folder that is not writable: %v", err)
	}
	if n := s.Stats().WritesRefused[RefusedNotWritable]; n == 0 {
		t.Errorf("Stats().WritesRefused[%s] = 0 after a refused write", RefusedNotWritable)
	}
	checkAcked(t, s, names, "reads while the folder is not writable")

	// Past the store's check, into Badger: enough writes for Badger to need
	// a new write-ahead log, which it cannot create.
	guard := s.c.disk
	s.c.disk = nil
	refused := 0
	for i := range 400 {
		err := put(fmt.Sprintf("through-%03d", i), 8000)
		if err != nil {
			wantPlainRefusal(t, "a write Badger could not make", err, "not writable", dir)
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("400 writes of 8 KiB went through to a folder that is not writable: Badger never needed a new log")
	}
	checkAcked(t, s, names, "reads after Badger could not create a log")
	s.c.disk = guard

	// Closed while the folder is not writable: Badger cannot write its
	// memtables into tables, and Close gives up after a few attempts
	// (patched Badger, PATCHES.md 6: it retried forever), leaving them in
	// their write-ahead logs, which the next Open replays.
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err == nil {
			t.Error("Close of a store whose memtable could not be flushed returned nil")
		}
	case <-time.After(time.Minute):
		t.Fatal("Close hangs while the folder is not writable")
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s = childStore(t, dir)
	put = faultPutter(s, names)
	checkAcked(t, s, names, "after a reopen of a store closed while the folder was not writable")
	for i := range 20 {
		if err := put(fmt.Sprintf("after-%02d", i), 10); err != nil {
			t.Fatalf("a write once the folder is writable again: %v", err)
		}
	}
	checkAcked(t, s, names, "reads once the folder is writable again")
	mustClose(t, s)
	s = childStore(t, dir)
	checkAcked(t, s, names, "after a reopen")
	mustClose(t, s)
	fmt.Println("healed")
}

// TestTooManyOpenFilesHeals: with the process out of file descriptors,
// writes fail with InternalServiceError "too many open files" (no path, no
// Badger text), reads go on, nothing panics and nothing is marked failed for
// good, even when a write gets past the store's check into Badger and the
// group sync; once descriptors are free again, writes work with no restart.
func TestTooManyOpenFilesHeals(t *testing.T) {
	if dir := os.Getenv("SECRETSTORE_NOFILE_CHILD"); dir != "" {
		noFileChild(t, dir)
		return
	}
	t.Parallel()
	out := runChildAs(t, "TestTooManyOpenFilesHeals", os.Geteuid(), "SECRETSTORE_NOFILE_CHILD="+t.TempDir())
	if !strings.Contains(out, "healed") {
		t.Fatalf("the child did not get to the end:\n%s", out)
	}
}

func noFileChild(t *testing.T, dir string) {
	s := childStore(t, dir)
	names := map[string]string{}
	put := faultPutter(s, names)
	for i := range 20 {
		if err := put(fmt.Sprintf("before-%02d", i), 10); err != nil {
			t.Fatal(err)
		}
	}
	// A limit a little above what is open, then every descriptor taken.
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	lim := syscall.Rlimit{Cur: uint64(len(open) + 16), Max: uint64(len(open) + 16)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var hoard []*os.File
	release := func() {
		for _, f := range hoard {
			f.Close()
		}
		hoard = nil
	}
	take := func() {
		for {
			f, err := os.Open(os.DevNull)
			if err != nil {
				if !errors.Is(err, syscall.EMFILE) {
					t.Fatal(err)
				}
				return
			}
			hoard = append(hoard, f)
		}
	}
	take()
	defer release()
	wantPlainRefusal(t, "a write with no file descriptor left", put("refused", 10), "too many open files", dir)
	checkAcked(t, s, names, "reads with no file descriptor left")

	// Past the store's check: Badger cannot create its next log, the group
	// sync cannot open the logs. Neither is a failure for good.
	guard := s.c.disk
	s.c.disk = nil
	refused := 0
	for i := range 400 {
		// A descriptor freed by a flush or a compaction is taken again.
		take()
		err := put(fmt.Sprintf("through-%03d", i), 8000)
		if err != nil {
			wantPlainRefusal(t, "a write past the check", err, "too many open files", dir)
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no write failed with no file descriptor left")
	}
	s.c.disk = guard
	release()
	for i := range 20 {
		if err := put(fmt.Sprintf("after-%02d", i), 10); err != nil {
			t.Fatalf("a write once descriptors are free again: %v", err)
		}
	}
	if err := s.c.group.broken(); err != nil {
		t.Fatalf("the group sync is marked failed: %v", err)
	}
	checkAcked(t, s, names, "reads once descriptors are free again")
	mustClose(t, s)
	s = childStore(t, dir)
	checkAcked(t, s, names, "after a reopen")
	mustClose(t, s)
	fmt.Println("healed")
}
