package testutil

import (
	"time"

	"golang.org/x/sys/unix"
)

func waitDir(dir string, limit time.Duration, cond func() bool) bool {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return pollDir(limit, cond)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_CLOSE_WRITE|unix.IN_MODIFY|unix.IN_DELETE|unix.IN_MOVED_FROM|unix.IN_MOVED_TO); err != nil {
		return pollDir(limit, cond)
	}
	deadline := time.Now().Add(limit)
	buf := make([]byte, 64<<10)
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return cond()
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
			return pollDir(time.Until(deadline), cond)
		}
		for { // drain the events: cond is what the caller waits for
			if n, err := unix.Read(fd, buf); n <= 0 || err != nil {
				break
			}
		}
	}
	return true
}
