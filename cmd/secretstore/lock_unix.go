//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/flock"
)

// lockShared takes a shared lock on the folder dir, as Badger takes an
// exclusive one on the folder it opens: it fails while a server or a client
// command has dir open, and keeps one from opening it until unlock. It is
// for reading a folder's files without Badger (recover).
func lockShared(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(f, false); err != nil {
		f.Close()
		if errors.Is(err, flock.ErrLocked) {
			return nil, secretstore.ErrDataFolderInUse
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() {
		// Under syscall.ForkLock, as the store releases its lock: a child
		// being started holds a copy of f until it execs.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		f.Close()
	}, nil
}
