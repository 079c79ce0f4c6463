package testutil

import (
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Command is exec.Command for a program built for this process's GOOS and
// GOARCH (the test binary itself, or one a test built with go build). It
// runs the program directly, except when this process is itself emulated
// (GOARCH=arm go test -exec qemu-arm-static on an x86-64 machine): the
// kernel cannot run such a program (exec format error, as no binfmt_misc
// handler is registered for it), so it runs it through the same user-mode
// emulator, qemu-ARCH-static or qemu-ARCH, found in PATH. Signals reach the
// program through the emulator, which forwards them; the process id is the
// emulator's.
func Command(name string, args ...string) *exec.Cmd {
	if emu := emulator(); emu != "" {
		return exec.Command(emu, append([]string{name}, args...)...)
	}
	return exec.Command(name, args...)
}

// Emulator returns the emulator Command runs programs through, or "" when
// it runs them directly.
func Emulator() string { return emulator() }

// ForkWindow is how long a test retries opening a data folder that is
// said to be in use right after this process let go of it: zero natively,
// a few seconds under an emulator. A process starting a child holds a copy
// of each of its descriptors, the folder's lock among them, until the child
// execs. Natively Go forks with vfork, which suspends the parent until the
// child's exec (just before the exec closes that copy: the store's own
// wait, internal/flock.Wait, covers the rest); qemu-user runs a vfork as a
// plain fork, so the parent goes on (and releases the fork lock the store
// closes its lock under) while a child another parallel test starts still
// holds the lock the store has just closed, for as long as qemu takes to
// start it, or until the fork watch kills it if its start hung.
func ForkWindow() time.Duration {
	if emulator() == "" {
		return 0
	}
	return 5 * time.Second // outlasts stuckForkAfter: a start that hung, which the watch kills (see Start)
}

// OpenAgain calls open, and again for up to ForkWindow while its error is
// inUse (errors.Is): the way a test opens a data folder that this process
// has just let go of (secretstore.Open with ErrDataFolderInUse).
func OpenAgain[T any](open func() (T, error), inUse error) (T, error) {
	v, err := open()
	for deadline := time.Now().Add(ForkWindow()); errors.Is(err, inUse) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		v, err = open()
	}
	return v, err
}

// emulator returns the emulator Command runs programs through, or "". Its
// first call also starts, under an emulator, the watch for starts that
// hang (see Start).
var emulator = sync.OnceValue(func() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	emu := emulatorFor(elfMachine(self), elfMachine("/bin/sh"), runtime.GOARCH, exec.LookPath)
	if emu != "" {
		go watchForks()
	}
	return emu
})

// emulatorFor returns the emulator for programs of machine target on a
// host whose own programs (its /bin/sh) are of machine host, or "": none
// is needed (the same machine, or x86-64 running 386 programs natively),
// either machine is unknown (0), or no emulator for goarch is in PATH
// (lookPath finds none), in which case the kernel is left to run the
// program or say why it cannot.
func emulatorFor(target, host elf.Machine, goarch string, lookPath func(string) (string, error)) string {
	if target == 0 || host == 0 || target == host || (host == elf.EM_X86_64 && target == elf.EM_386) {
		return ""
	}
	name := goarch
	if n, ok := qemuNames[goarch]; ok {
		name = n
	}
	for _, emu := range []string{"qemu-" + name + "-static", "qemu-" + name} {
		if path, err := lookPath(emu); err == nil {
			return path
		}
	}
	return ""
}

// qemuNames are QEMU's names for the GOARCH values that differ.
var qemuNames = map[string]string{
	"386":      "i386",
	"amd64":    "x86_64",
	"arm64":    "aarch64",
	"loong64":  "loongarch64",
	"mips64le": "mips64el",
	"mipsle":   "mipsel",
}

// elfMachine returns the machine of the ELF file at path, or 0 when it
// cannot be read as one. (An emulated process reads the host's files: a
// user-mode emulator does not translate paths.)
func elfMachine(path string) elf.Machine {
	f, err := elf.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	return f.Machine
}
