//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

// Package flock takes flock(2) locks on data folders, waiting out the moment
// in which a child process still holds a lock its parent has released.
package flock

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// ErrLocked is returned by Lock when another holder keeps the lock.
var ErrLocked = errors.New("flock: locked by another holder")

// Wait is how long Lock tries again to take a lock that is held. A child
// process holds a copy of each of its parent's descriptors, a folder's
// lock among them, until its exec closes the ones marked close-on-exec;
// Linux resumes the parent of a vfork (which is how Go starts programs)
// just before that close, so for a moment after a process released a lock
// (under syscall.ForkLock) a child it is starting may still hold it. The
// moment is microseconds on an idle machine and has been milliseconds on
// a busy one (28 ms at most in a loop of 100,000 reopens while four
// goroutines started programs); a holder that really keeps the lock is
// reported after Wait.
const Wait = 250 * time.Millisecond

// Lock takes an exclusive (exclusive true) or shared flock(2) lock on f
// without blocking, trying again for up to Wait while another holder has
// it. It returns ErrLocked if the lock is still held then.
func Lock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH | syscall.LOCK_NB
	if exclusive {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	deadline := time.Now().Add(Wait)
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return os.NewSyscallError("flock", err)
		case !time.Now().Before(deadline):
			return ErrLocked
		}
		time.Sleep(time.Millisecond)
	}
}
