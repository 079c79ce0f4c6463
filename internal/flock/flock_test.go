//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package flock

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// hold takes an exclusive lock on dir through a descriptor of its own (a
// second open file conflicts with the first even in one process, as a
// child's copy does) and returns the file holding it.
func hold(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		exclusive bool
		release   time.Duration // when the other holder lets go; 0 never
		want      error
	}{
		{"free, exclusive", true, -1, nil},
		{"free, shared", false, -1, nil},
		{"released in a moment, exclusive", true, 30 * time.Millisecond, nil},
		{"released in a moment, shared", false, 30 * time.Millisecond, nil},
		{"kept, exclusive", true, 0, ErrLocked},
		{"kept, shared", false, 0, ErrLocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.release >= 0 {
				other := hold(t, dir)
				defer other.Close()
				if tc.release > 0 {
					timer := time.AfterFunc(tc.release, func() { other.Close() })
					defer timer.Stop()
				}
			}
			f, err := os.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			start := time.Now()
			err = Lock(f, tc.exclusive)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Lock = %v, want %v", err, tc.want)
			}
			if tc.want != nil && time.Since(start) < Wait {
				t.Errorf("Lock gave up after %v, before Wait (%v)", time.Since(start), Wait)
			}
		})
	}
}
