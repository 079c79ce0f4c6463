package testutil

import (
	"debug/elf"
	"errors"
	"os"
	"runtime"
	"testing"
)

func TestEmulatorFor(t *testing.T) {
	t.Parallel()
	inPath := func(names ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, n := range names {
				if n == name {
					return "/usr/bin/" + name, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	tests := []struct {
		name         string
		target, host elf.Machine
		goarch       string
		path         func(string) (string, error)
		want         string
	}{
		{"native", elf.EM_X86_64, elf.EM_X86_64, "amd64", inPath("qemu-x86_64-static"), ""},
		{"arm on x86-64", elf.EM_ARM, elf.EM_X86_64, "arm", inPath("qemu-arm-static"), "/usr/bin/qemu-arm-static"},
		{"arm64 on x86-64", elf.EM_AARCH64, elf.EM_X86_64, "arm64", inPath("qemu-aarch64-static"), "/usr/bin/qemu-aarch64-static"},
		{"a dynamic qemu", elf.EM_AARCH64, elf.EM_X86_64, "arm64", inPath("qemu-aarch64"), "/usr/bin/qemu-aarch64"},
		{"the static one first", elf.EM_ARM, elf.EM_X86_64, "arm", inPath("qemu-arm", "qemu-arm-static"), "/usr/bin/qemu-arm-static"},
		{"386 runs natively on x86-64", elf.EM_386, elf.EM_X86_64, "386", inPath("qemu-i386-static"), ""},
		{"386 on arm64", elf.EM_386, elf.EM_AARCH64, "386", inPath("qemu-i386-static"), "/usr/bin/qemu-i386-static"},
		{"no emulator: the kernel decides", elf.EM_ARM, elf.EM_X86_64, "arm", inPath(), ""},
		{"unknown target", 0, elf.EM_X86_64, "arm", inPath("qemu-arm-static"), ""},
		{"unknown host", elf.EM_ARM, 0, "arm", inPath("qemu-arm-static"), ""},
	}
	for _, tt := range tests {
		if got := emulatorFor(tt.target, tt.host, tt.goarch, tt.path); got != tt.want {
			t.Errorf("%s: emulatorFor = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCommandRunsThisBinary runs this test binary through Command, as the
// tests that start child processes do: natively, and under an emulator
// when this process is emulated.
func TestCommandRunsThisBinary(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("Command only looks for emulators on Linux")
	}
	if os.Getenv("TESTUTIL_CHILD") == "1" {
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("emulator: %q", Emulator())
	cmd := Command(self, "-test.run=^TestCommandRunsThisBinary$")
	cmd.Env = append(os.Environ(), "TESTUTIL_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running this test binary (emulator %q): %v\n%s", Emulator(), err, out)
	}
}

func TestOpenAgain(t *testing.T) {
	t.Parallel()
	inUse := errors.New("in use")
	other := errors.New("damaged")
	tests := []struct {
		name      string
		results   []error // what each call returns; the last repeats
		wantErr   error
		wantCalls int // natively; under an emulator, in-use errors are tried again
		emuCalls  int
	}{
		{"opens", []error{nil}, nil, 1, 1},
		{"another error", []error{other, nil}, other, 1, 1},
		{"in use, then free", []error{inUse, inUse, nil}, inUse, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			v, err := OpenAgain(func() (int, error) {
				err := tt.results[min(calls, len(tt.results)-1)]
				calls++
				return calls, err
			}, inUse)
			wantErr, wantCalls := tt.wantErr, tt.wantCalls
			if Emulator() != "" {
				wantCalls = tt.emuCalls
				if tt.emuCalls > 1 {
					wantErr = nil
				}
			}
			if !errors.Is(err, wantErr) || calls != wantCalls || v != calls {
				t.Errorf("OpenAgain: %d, %v after %d calls; want %v after %d", v, err, calls, wantErr, wantCalls)
			}
		})
	}
}
