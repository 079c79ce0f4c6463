package testutil

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

func TestStatParent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stat string
		want int
	}{
		{"4242 (cmd.test) S 4000 4242 4000 0 -1 4194560 ...", 4000},
		{"4243 (a (weird) name) R 17 4243 ...", 17},
		{"4244 (x) Z", -1},
		{"garbage", -1},
		{"4245 (x) S notanumber", -1},
	} {
		if got := statParent([]byte(tc.stat)); got != tc.want {
			t.Errorf("statParent(%q) = %d, want %d", tc.stat, got, tc.want)
		}
	}
}

// TestForkCopies: of a process's children, only those whose command line
// is the emulator's followed by the process's own are copies that have not
// exec'd; other processes' children, children that exec'd (this program
// with other arguments, or another program) and the process itself are
// not.
func TestForkCopies(t *testing.T) {
	t.Parallel()
	const parent = 100
	own := []byte("\x00" + commandLine([]string{"/tmp/b001/cmd.test", "-test.timeout=10m0s"}))
	proc := t.TempDir()
	for _, p := range []struct {
		pid, ppid string
		cmdline   string
	}{
		{"100", "1", "/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00"},                                   // the process itself, as the emulator shows it
		{"101", "100", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00"}, // a copy
		{"102", "100", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00serve\x00"},               // exec'd: this program, other arguments
		{"103", "100", "/bin/sh\x00-c\x00true\x00"},                                                     // exec'd: another program
		{"104", "100", ""}, // a zombie
		{"105", "7", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00"}, // another process's child
	} {
		dir := filepath.Join(proc, p.pid)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := p.pid + " (cmd.test) S " + p.ppid + " 1 1 0"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(p.cmdline), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(proc, "self"), 0o755) // not a pid
	if got, want := forkCopies(proc, parent, own), map[int]bool{101: true}; !reflect.DeepEqual(got, want) {
		t.Errorf("forkCopies = %v, want %v", got, want)
	}
}

// stuckForkEnv makes this test binary hang at once, as a start that hung
// between fork and exec does, with this process's own command line.
const stuckForkEnv = "TESTUTIL_HANG_LIKE_A_STUCK_FORK"

func init() {
	if os.Getenv(stuckForkEnv) == "1" {
		time.Sleep(time.Hour) // (select {} is a deadlock the runtime reports)
	}
}

// TestForkWatchKillsAStuckCopy runs, under an emulator only (where the
// watch runs), a copy of this test binary with this process's own command
// line that hangs, as a child that never reached its exec looks: the watch
// kills it within stuckForkAfter and a second or two.
func TestForkWatchKillsAStuckCopy(t *testing.T) {
	t.Parallel()
	if Emulator() == "" {
		t.Skip("the fork watch runs only under an emulator")
	}
	cmd := Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), stuckForkEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("the copy ended with %v; want killed", err)
		}
	case <-time.After(stuckForkAfter + time.Minute):
		cmd.Process.Kill()
		t.Fatal("the watch did not kill the copy")
	}
	forkWatch.mu.Lock()
	_, killed := forkWatch.killed[cmd.Process.Pid]
	forkWatch.mu.Unlock()
	if !killed {
		t.Error("the watch has no record of the kill, which Start reads")
	}
}
