package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Under qemu-user (Debian's qemu-user-static 7.2 here) a child this process
// forks has been seen to hang between the fork and its exec, once in
// thousands of starts: the emulator runs Go's vfork as a plain fork of its
// own threads, and the child never reaches the exec. The test that started
// it then waits in exec.Cmd.Start until the test binary's timeout, and the
// child's copies of every descriptor, data folders' locks among them, make
// other tests find their folders "in use". Natively none of this happens:
// the watch runs only under an emulator.
//
// The watch looks at this process's children every second, and kills
// (SIGKILL) one that is still a copy of this process (not yet exec'd: its
// command line is the emulator's followed by this process's own) after
// stuckForkAfter. The hung exec.Cmd.Start then returns, and Start (below)
// starts its command again.

// stuckForkAfter is how long a child may stay between its fork and its exec
// before the watch kills it (one more second may pass before the watch
// looks): a start takes milliseconds, even under an emulator on a busy
// machine, and ForkWindow must outlast it, so that the tests that found a
// folder in use because of such a child find it free again.
const stuckForkAfter = 3 * time.Second

var forkWatch struct {
	mu     sync.Mutex
	killed map[int]time.Time // pids the watch killed, and when
}

// watchForks is the watch; the first call of emulator starts it when there
// is one.
func watchForks() {
	own := []byte("\x00" + commandLine(os.Args))
	seen := map[int]time.Time{} // pre-exec children: when first seen
	for range time.Tick(time.Second) {
		now := time.Now()
		copies := forkCopies("/proc", os.Getpid(), own)
		for pid, first := range seen {
			switch {
			case !copies[pid]:
				delete(seen, pid)
			case now.Sub(first) >= stuckForkAfter:
				forkWatch.mu.Lock()
				if forkWatch.killed == nil {
					forkWatch.killed = map[int]time.Time{}
				}
				forkWatch.killed[pid] = now // before the kill: Start reads it once the child is gone
				forkWatch.mu.Unlock()
				if p, err := os.FindProcess(pid); err == nil {
					p.Kill()
				}
				fmt.Fprintf(os.Stderr, "testutil: killed child %d, a copy of this process that had not reached its exec %v after its fork (a fork under the emulator that hung)\n", pid, stuckForkAfter)
				delete(seen, pid)
			}
		}
		for pid := range copies {
			if _, ok := seen[pid]; !ok {
				seen[pid] = now
			}
		}
	}
}

// commandLine is args as /proc/PID/cmdline holds them.
func commandLine(args []string) string { return strings.Join(args, "\x00") + "\x00" }

// forkCopies returns the children of process parent, read from the proc
// file system at proc (each thread's children file), whose command line
// ends with own (a NUL, then parent's arguments as /proc/PID/cmdline holds
// them) after something else (the emulator's path): copies of parent that
// have not exec'd. (The emulator shows an emulated process its own command
// line without the emulator, and another process's as the kernel has it.)
func forkCopies(proc string, parent int, own []byte) map[int]bool {
	lists, _ := filepath.Glob(filepath.Join(proc, strconv.Itoa(parent), "task", "*", "children"))
	copies := map[int]bool{}
	for _, list := range lists {
		children, err := os.ReadFile(list)
		if err != nil {
			continue
		}
		for _, child := range bytes.Fields(children) {
			pid, err := strconv.Atoi(string(child))
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join(proc, string(child), "cmdline"))
			if err == nil && len(cmdline) > len(own) && bytes.HasSuffix(cmdline, own) {
				copies[pid] = true
			}
		}
	}
	return copies
}

// Start starts the command newCmd returns, as exec.Cmd.Start does. Under
// an emulator it watches this process's forks (see stuckForkAfter), and
// when the watch killed the child of a start that hung, it starts a new
// command, up to three times.
func Start(newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	emulator() // starts the watch under an emulator
	for attempt := 1; ; attempt++ {
		cmd := newCmd()
		began := time.Now()
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		// The watch records a kill before it kills, and a start that hung
		// returns only once its child is gone; a kill before began was of
		// an earlier process with the same pid.
		forkWatch.mu.Lock()
		killed, ok := forkWatch.killed[cmd.Process.Pid]
		delete(forkWatch.killed, cmd.Process.Pid)
		forkWatch.mu.Unlock()
		if !ok || killed.Before(began) {
			return cmd, nil
		}
		cmd.Wait()
		if attempt == 3 {
			return nil, fmt.Errorf("starting %s: the child hung between fork and exec %d times in a row", cmd.Path, attempt)
		}
	}
}
