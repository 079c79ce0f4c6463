//go:build !linux

package main

import "os/exec"

// setDeathSignal does nothing where the kernel cannot kill a child when its
// parent dies: killAll, on every way out of the program, does it instead.
func setDeathSignal(*exec.Cmd) {}
