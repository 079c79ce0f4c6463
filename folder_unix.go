//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package secretstore

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/secretstore-go/secretstore/internal/flock"
	"golang.org/x/sys/unix"
)

// lockFolder takes the exclusive lock on the data folder dir that Badger
// would take (flock on the folder itself), so that the store checks the
// folder's files before Badger opens it without another process changing
// them meanwhile, and without creating a file: Badger is then opened with
// its own lock bypassed, and writes no LOCK file. The lock is released
// when the returned file is closed. A lock held for a moment longer by a
// child process another goroutine is starting is waited for (flock.Wait).
func lockFolder(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(f, true); err != nil {
		f.Close()
		if errors.Is(err, flock.ErrLocked) {
			return nil, fmt.Errorf("%w: %s", ErrDataFolderInUse, dir)
		}
		return nil, fmt.Errorf("secretstore: locking the data folder %s: %w", dir, err)
	}
	return f, nil
}

// badgerLocks reports whether Badger must take its own lock: not where
// lockFolder takes the same one.
const badgerLocks = false

// fileIdentity returns the change time (nanoseconds) and inode number of
// fi: a file written or replaced since gets new ones, which the caller
// cannot set back.
func fileIdentity(fi os.FileInfo) (ctime int64, ino uint64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return statCtime(st), uint64(st.Ino)
}

// spareFiles is how many file descriptors a write may need beyond those
// open: a new write-ahead log, and the logs and folder the group sync opens.
const spareFiles = 3

// folderWritable returns nil when this process may create files in dir
// (EACCES or EROFS otherwise): access(2) with W_OK and X_OK, which sees the
// folder's permissions, the process's user and groups, and a file system
// mounted read-only.
func folderWritable(dir string) error {
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &os.PathError{Op: "access", Path: dir, Err: err}
	}
	return nil
}

// spareDescriptors returns nil when this process has spareFiles file
// descriptors left (EMFILE or ENFILE otherwise), which it counts by
// duplicating lock's (the folder's lock, open while the store is).
func spareDescriptors(lock *os.File) error {
	if lock == nil {
		return nil
	}
	var fds [spareFiles]int
	n := 0
	defer func() {
		for _, fd := range fds[:n] {
			unix.Close(fd)
		}
	}()
	for n < spareFiles {
		fd, err := unix.FcntlInt(lock.Fd(), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return os.NewSyscallError("fcntl", err)
		}
		fds[n] = fd
		n++
	}
	return nil
}
