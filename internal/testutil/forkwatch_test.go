package testutil

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

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
	write := func(path, content string) {
		t.Helper()
		path = filepath.Join(proc, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The process's threads, and the children each started.
	write("100/task/100/children", "101 102 ")
	write("100/task/110/children", "103 104\n")
	write("100/task/111/children", "")
	write("100/cmdline", "/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00")                                 // as the emulator shows it to the process itself
	write("101/cmdline", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00") // a copy
	write("102/cmdline", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00serve\x00")               // exec'd: this program, other arguments
	write("103/cmdline", "/bin/sh\x00-c\x00true\x00")                                                     // exec'd: another program
	write("104/cmdline", "")                                                                              // a zombie
	write("105/cmdline", "/usr/bin/qemu-aarch64-static\x00/tmp/b001/cmd.test\x00-test.timeout=10m0s\x00") // another process's child
	if got, want := forkCopies(proc, parent, own), map[int]bool{101: true}; !reflect.DeepEqual(got, want) {
		t.Errorf("forkCopies = %v, want %v", got, want)
	}
	if got := forkCopies(proc, 7, own); len(got) != 0 {
		t.Errorf("forkCopies of a process with no task folder = %v", got)
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
