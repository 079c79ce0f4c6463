//go:build !linux

package proc

import "os/exec"

// SetDeathSignal does nothing where the kernel cannot kill a child when its
// parent dies: Group.KillAll, on every way out of the program, does it
// instead.
func SetDeathSignal(*exec.Cmd) {}
