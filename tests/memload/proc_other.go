//go:build !linux

package main

import "os/exec"

// setDeathSignal does nothing here: memload runs on Linux only (it reads
// /proc), and says so before it starts a process.
func setDeathSignal(*exec.Cmd) {}
